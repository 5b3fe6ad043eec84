//! Changing an open order: add items, void an item, fire a held course.

use axum::{extract::State, response::Response};
use serde::Deserialize;
use serde_json::json;

use super::{
    items::{self, NewItem},
    model::{load_order, load_ticket},
    publish::{order_event, ticket_event},
    state::{self, lock_open, IfMatch},
};
use crate::{
    app::AppState,
    auth::AsOrderTaker,
    error::{Error, Result},
    events,
    extract::{json_from_bytes, ok, AppJson, AppPath},
    floor::table_event,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddItems {
    items: Vec<NewItem>,
    #[serde(default)]
    hold_courses: Vec<i32>,
}

pub async fn add_items(
    State(st): State<AppState>,
    AsOrderTaker(user): AsOrderTaker,
    AppPath(id): AppPath<i64>,
    IfMatch(expected): IfMatch,
    AppJson(b): AppJson<AddItems>,
) -> Result<Response> {
    items::validate(&b.items, &b.hold_courses)?;
    let mut tx = st.db.begin().await?;
    lock_open(&mut tx, id, expected).await?;
    let already_fired: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tickets WHERE order_id = $1)")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let new_items = items::insert(&mut tx, id, &b.items, already_fired).await?;
    let fire_courses: Vec<i32> = (1..=9).filter(|c| !b.hold_courses.contains(c)).collect();
    // Only the new items fire here: earlier held courses stay held until fired on purpose.
    let tickets = items::fire(&mut tx, id, Some(&fire_courses), Some(&new_items)).await?;
    let order = commit_fired(tx, &user, id, "order.items_added", tickets).await?;
    Ok(ok("Items added", order))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Void {
    reason: String,
}

pub async fn void_item(
    State(st): State<AppState>,
    AsOrderTaker(user): AsOrderTaker,
    AppPath((id, item_id)): AppPath<(i64, i64)>,
    IfMatch(expected): IfMatch,
    AppJson(b): AppJson<Void>,
) -> Result<Response> {
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::validation(
            "reason",
            "Say why the item is voided (up to 200 characters).",
        ));
    }
    let mut tx = st.db.begin().await?;
    lock_open(&mut tx, id, expected).await?;
    let item: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT status, ticket_id FROM order_items WHERE id = $1 AND order_id = $2")
            .bind(item_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (status, ticket_id) = item.ok_or(Error::NotFound("item"))?;
    if status == "voided" {
        return Err(Error::conflict(
            "invalid_transition",
            "This item is already voided.",
            json!({ "current": { "item_id": item_id, "status": status } }),
        ));
    }
    sqlx::query(
        "UPDATE order_items SET status = 'voided', void_reason = $2, voided_by = $3, voided_at = now()
         WHERE id = $1",
    )
    .bind(item_id)
    .bind(reason)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let mut evs = vec![];
    if let Some(tid) = ticket_id {
        // A ticket whose every item is voided leaves the screens.
        sqlx::query(
            "UPDATE tickets SET status = 'voided' WHERE id = $1 AND status <> 'served'
               AND NOT EXISTS (SELECT 1 FROM order_items WHERE ticket_id = $1 AND status <> 'voided')",
        )
        .bind(tid)
        .execute(&mut *tx)
        .await?;
        let t = load_ticket(&mut tx, tid).await?;
        let kind = if t.ticket.status == "voided" {
            "ticket.voided"
        } else {
            "ticket.updated"
        };
        evs.push(ticket_event(kind, &t));
    }
    state::touch(&mut tx, id).await?;
    let table = state::sync_table(&mut tx, id).await?;
    let order = load_order(&mut tx, id).await?;
    evs.insert(0, order_event("order.item_voided", &order));
    if let Some(t) = table {
        evs.push(table_event(&t));
    }
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    tracing::info!(
        order_id = id,
        item_id,
        user_id = user.id,
        reason,
        "item voided"
    );
    Ok(ok("Item voided", order))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Fire {
    /// The held course to fire; all held courses when absent.
    course: Option<i32>,
}

pub async fn fire(
    State(st): State<AppState>,
    AsOrderTaker(user): AsOrderTaker,
    AppPath(id): AppPath<i64>,
    IfMatch(expected): IfMatch,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    // The body is optional: none fires every held course.
    let course = match &body {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => None,
        _ => json_from_bytes::<Fire>(&headers, &body)?.course,
    };
    if course.is_some_and(|c| !(1..=9).contains(&c)) {
        return Err(Error::validation("course", "Courses are numbered 1 to 9."));
    }
    let mut tx = st.db.begin().await?;
    let o = lock_open(&mut tx, id, expected).await?;
    let only = course.map(|c| vec![c]);
    let tickets = items::fire(&mut tx, id, only.as_deref(), None).await?;
    if tickets.is_empty() {
        return Err(Error::conflict(
            "nothing_to_fire",
            match course {
                Some(c) => format!("Order {} has no held items in course {c}.", o.id),
                None => format!("Order {} has no held items.", o.id),
            },
            json!({ "current": o }),
        ));
    }
    let order = commit_fired(tx, &user, id, "order.fired", tickets).await?;
    Ok(ok("Fired", order))
}

/// Finishes a change that fired `tickets`: new totals and version, the table's status, the
/// order's event, one `ticket.fired` per ticket and the table's event; then commits.
async fn commit_fired(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    user: &crate::auth::AuthUser,
    id: i64,
    kind: &'static str,
    tickets: Vec<i64>,
) -> Result<crate::orders::model::OrderView> {
    state::touch(&mut tx, id).await?;
    let table = state::sync_table(&mut tx, id).await?;
    let order = load_order(&mut tx, id).await?;
    let mut evs = vec![order_event(kind, &order)];
    evs.extend(order.fired_events(&tickets));
    evs.extend(table.as_ref().map(table_event));
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    Ok(order)
}

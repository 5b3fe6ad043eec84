//! Closing an order: pay (cash, card, QRIS) or cancel. A closed order never changes again.

use axum::{extract::State, response::Response};
use serde::Deserialize;
use serde_json::json;

use super::{
    model::{load_order, load_ticket},
    publish::{order_event, ticket_event},
    state::{lock_open, IfMatch},
};
use crate::{
    app::AppState,
    auth::{AsCanceller, AsCashier},
    error::{Error, Result},
    events,
    extract::{ok, AppJson, AppPath},
    floor::{self, table_event, TableStatus},
};

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Cash,
    Card,
    Qris,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    method: Method,
    /// Cash handed over, for the change; defaults to the exact total.
    amount_tendered: Option<i64>,
}

pub async fn pay(
    State(st): State<AppState>,
    AsCashier(user): AsCashier,
    AppPath(id): AppPath<i64>,
    IfMatch(expected): IfMatch,
    AppJson(b): AppJson<Pay>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let o = lock_open(&mut tx, id, expected).await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM order_items WHERE order_id = $1 AND status = 'held'",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if held > 0 {
        return Err(Error::conflict(
            "items_held",
            format!("Order {id} still has {held} held item(s); fire or void them before payment."),
            json!({ "current": o }),
        ));
    }
    let tendered = b.amount_tendered.unwrap_or(o.total);
    if b.method == Method::Cash && tendered < o.total {
        return Err(Error::validation(
            "amount_tendered",
            format!(
                "The cash given (Rp {tendered}) is less than the total (Rp {}).",
                o.total
            ),
        ));
    }
    if b.method != Method::Cash && tendered != o.total {
        return Err(Error::validation(
            "amount_tendered",
            "Card and QRIS payments are for the exact total.",
        ));
    }
    let method = match b.method {
        Method::Cash => "cash",
        Method::Card => "card",
        Method::Qris => "qris",
    };
    sqlx::query(
        "UPDATE orders SET status = 'paid', payment_method = $2, amount_tendered = $3, paid_at = now(),
            version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(method)
    .bind(tendered)
    .execute(&mut *tx)
    .await?;
    let mut evs = vec![];
    if let Some(tid) = o.table_id {
        let t = floor::tables::lock(&mut tx, tid).await?;
        if t.current_order_id == Some(id) {
            evs.push(table_event(
                &floor::set_status(&mut tx, tid, TableStatus::Paid).await?,
            ));
        }
    }
    let order = load_order(&mut tx, id).await?;
    evs.insert(0, order_event("order.paid", &order));
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    tracing::info!(
        order_id = id,
        method,
        total = order.order.total,
        "order paid"
    );
    let change = tendered - order.order.total;
    Ok(ok(
        "Payment received",
        json!({ "order": order, "change": change }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    reason: String,
}

pub async fn cancel(
    State(st): State<AppState>,
    AsCanceller(user): AsCanceller,
    AppPath(id): AppPath<i64>,
    IfMatch(expected): IfMatch,
    AppJson(b): AppJson<Cancel>,
) -> Result<Response> {
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::validation(
            "reason",
            "Say why the order is cancelled (up to 200 characters).",
        ));
    }
    let mut tx = st.db.begin().await?;
    let o = lock_open(&mut tx, id, expected).await?;
    // Everything still on a screen is taken off it.
    let open_tickets: Vec<i64> = sqlx::query_scalar(
        "UPDATE tickets SET status = 'voided' WHERE order_id = $1 AND status IN ('fired','started','ready')
         RETURNING id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE order_items SET status = 'voided', void_reason = $2, voided_by = $3, voided_at = now()
         WHERE order_id = $1 AND status IN ('held','fired','ready')",
    )
    .bind(id)
    .bind(reason)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE orders SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2,
            version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    let mut evs = vec![];
    for tid in open_tickets {
        evs.push(ticket_event(
            "ticket.voided",
            &load_ticket(&mut tx, tid).await?,
        ));
    }
    if let Some(tid) = o.table_id {
        let t = floor::tables::lock(&mut tx, tid).await?;
        if t.current_order_id == Some(id) {
            evs.push(table_event(
                &floor::set_status(&mut tx, tid, TableStatus::Free).await?,
            ));
        }
    }
    let order = load_order(&mut tx, id).await?;
    evs.insert(0, order_event("order.cancelled", &order));
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    tracing::info!(order_id = id, user_id = user.id, reason, "order cancelled");
    Ok(ok("Order cancelled", order))
}

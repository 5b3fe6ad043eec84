//! `POST /orders`: a new order for a table or takeaway, fired at once except held courses.
//! With an `Idempotency-Key` header a retried POST returns the first answer and creates nothing.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    items::{self, NewItem},
    model::load_order,
    publish::order_event,
    state,
};
use crate::{
    app::AppState,
    auth::{AsOrderTaker, Role},
    error::{Error, Result},
    events,
    extract::json_from_bytes,
    floor::{self, table_event},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    table_id: Option<i32>,
    order_type: Option<String>,
    covers: Option<i32>,
    #[serde(default)]
    notes: String,
    items: Vec<NewItem>,
    /// Courses to hold (fire later with `POST /orders/{id}/fire`); the rest fire now.
    #[serde(default)]
    hold_courses: Vec<i32>,
}

pub async fn create(
    State(st): State<AppState>,
    AsOrderTaker(user): AsOrderTaker,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let req: NewOrder = json_from_bytes(&headers, &body)?;
    // The request's fingerprint for the idempotency check: canonical JSON (sorted keys), so a
    // retry that re-serializes the same body differently is still the same request.
    let fingerprint = serde_json::from_slice::<Value>(body.as_deref().unwrap_or_default())
        .map(|v| v.to_string())
        .unwrap_or_default();
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(str::trim)
                .filter(|k| (1..=200).contains(&k.len()))
                .ok_or_else(|| {
                    Error::BadRequest(
                        "invalid_idempotency_key",
                        "Idempotency-Key must be 1-200 visible characters (a UUID is ideal)."
                            .into(),
                    )
                })?
                .to_string(),
        ),
    };
    items::validate(&req.items, &req.hold_courses)?;
    if req.notes.chars().count() > 500 {
        return Err(Error::validation(
            "notes",
            "Notes are 500 characters at most.",
        ));
    }
    let order_type = match (req.order_type.as_deref(), req.table_id) {
        (None, Some(_)) | (Some("dine_in"), Some(_)) => "dine_in",
        (None, None) | (Some("takeaway"), None) => "takeaway",
        (Some("dine_in"), None) => {
            return Err(Error::validation(
                "table_id",
                "A dine-in order needs a table_id.",
            ))
        }
        (Some("takeaway"), Some(_)) => {
            return Err(Error::validation(
                "table_id",
                "A takeaway order has no table_id.",
            ))
        }
        (Some(_), _) => {
            return Err(Error::validation(
                "order_type",
                "order_type is 'dine_in' or 'takeaway'.",
            ))
        }
    };
    if req.covers.is_some_and(|c| !(1..=100).contains(&c)) {
        return Err(Error::validation("covers", "Covers (guests) is 1 to 100."));
    }

    let mut tx = st.db.begin().await?;
    if let Some(k) = &key {
        let fresh: Option<i32> = sqlx::query_scalar(
            "INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, md5($3))
             ON CONFLICT DO NOTHING RETURNING 1",
        )
        .bind(user.id)
        .bind(k)
        .bind(&fingerprint)
        .fetch_optional(&mut *tx)
        .await?;
        if fresh.is_none() {
            // The first request with this key committed (we waited on its row): replay its answer.
            tx.rollback().await?;
            return replay(&st, user.id, k, &fingerprint).await;
        }
    }

    // The table: free (seat it now) or seated without an open order.
    let (table, waiter_id, covers) = match req.table_id {
        Some(tid) => {
            let t = floor::tables::lock(&mut tx, tid)
                .await
                .map_err(|e| match e {
                    Error::NotFound(_) => {
                        Error::validation("table_id", "There is no table with that id.")
                    }
                    e => e,
                })?;
            if t.current_order_id.is_some() && t.status != "paid" && t.status != "free" {
                return Err(Error::conflict(
                    "table_has_open_order",
                    format!(
                        "Table {} already has an open order; add items to it instead.",
                        t.label
                    ),
                    json!({ "current": t }),
                ));
            }
            if !matches!(t.status.as_str(), "free" | "seated") {
                return Err(Error::conflict(
                    "invalid_transition",
                    format!(
                        "Table {} is {}; clear it before a new order.",
                        t.label,
                        t.status.replace('_', " ")
                    ),
                    json!({ "current": t }),
                ));
            }
            let waiter = t
                .waiter_id
                .filter(|_| user.role != Role::Waiter)
                .unwrap_or(user.id);
            let covers = req.covers.or(t.covers).unwrap_or(1);
            (Some(t), waiter, covers)
        }
        None => (None, user.id, req.covers.unwrap_or(1)),
    };

    // The rates in force now (the settings row, else the configured defaults) are copied onto
    // the order, so later changes to them apply to new orders only.
    let order_id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (table_id, order_type, waiter_id, covers, notes, tax_rate_bp, service_rate_bp, version)
         SELECT $1, $2, $3, $4, $5, COALESCE(s.tax_rate_bp, $6),
                CASE WHEN $2 = 'takeaway' THEN 0 ELSE COALESCE(s.service_rate_bp, $7) END, 0
         FROM (SELECT 1) one LEFT JOIN settings s ON s.id = 1
         RETURNING id",
    )
    .bind(req.table_id)
    .bind(order_type)
    .bind(waiter_id)
    .bind(covers)
    .bind(req.notes.trim())
    .bind(st.config.tax_rate_bp)
    .bind(st.config.service_rate_bp)
    .fetch_one(&mut *tx)
    .await?;
    items::insert(&mut tx, order_id, &req.items, false).await?;
    let fire_courses: Vec<i32> = (1..=9).filter(|c| !req.hold_courses.contains(c)).collect();
    let tickets = items::fire(&mut tx, order_id, Some(&fire_courses), None).await?;
    // Inserted at version 0, so the first computation of its totals makes it version 1.
    state::touch(&mut tx, order_id).await?;

    let mut evs = Vec::new();
    if let Some(t) = &table {
        let t: floor::TableView = sqlx::query_as(&format!(
            "UPDATE dining_tables t SET status = 'ordered', current_order_id = $2, covers = $3,
                waiter_id = $4, seated_at = COALESCE(seated_at, now()), status_changed_at = now()
             WHERE id = $1 {}",
            floor::tables::RETURNING_VIEW
        ))
        .bind(t.id)
        .bind(order_id)
        .bind(covers)
        .bind(waiter_id)
        .fetch_one(&mut *tx)
        .await?;
        evs.push(table_event(&t));
    }
    let order = load_order(&mut tx, order_id).await?;
    evs.insert(0, order_event("order.created", &order));
    evs.extend(order.fired_events(&tickets));
    let body_out = json!({ "success": true, "message": "Order created", "data": order });
    if let Some(k) = &key {
        sqlx::query("UPDATE idempotency_keys SET status_code = 201, response = $3 WHERE user_id = $1 AND key = $2")
            .bind(user.id)
            .bind(k)
            .bind(&body_out)
            .execute(&mut *tx)
            .await?;
    }
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    tracing::info!(order_id, user_id = user.id, "order created");
    Ok((StatusCode::CREATED, Json(body_out)).into_response())
}

async fn replay(st: &AppState, user_id: i32, key: &str, fingerprint: &str) -> Result<Response> {
    let row: Option<(bool, Option<i32>, Option<Value>)> = sqlx::query_as(
        "SELECT request_hash = md5($3), status_code, response FROM idempotency_keys
         WHERE user_id = $1 AND key = $2",
    )
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .fetch_optional(&st.db)
    .await?;
    match row {
        Some((false, _, _)) => Err(Error::Validation {
            code: "idempotency_key_reused",
            message: "This Idempotency-Key was already used for a different order; use a new key."
                .into(),
            details: Value::Null,
        }),
        Some((true, Some(code), Some(resp))) => {
            let status = StatusCode::from_u16(code as u16).unwrap_or(StatusCode::OK);
            let mut r = (status, Json(resp)).into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(r)
        }
        _ => Err(Error::conflict(
            "request_in_progress",
            "The first request with this Idempotency-Key is still being processed; retry shortly.",
            Value::Null,
        )),
    }
}

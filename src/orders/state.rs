//! The order's state machine helpers: locking with the version check, totals, and keeping
//! the table's status in step with its order.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde_json::json;
use sqlx::PgConnection;

use super::model::{order_row, OrderRow};
use crate::{
    error::{Error, Result},
    floor::{self, TableStatus, TableView},
};

/// `If-Match: <version>` — when present, the change applies only to that version of the order,
/// so two devices editing one order cannot overwrite each other silently.
pub struct IfMatch(pub Option<i32>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let Some(v) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        v.to_str()
            .ok()
            .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|s| s.parse().ok())
            .map(|n| IfMatch(Some(n)))
            .ok_or_else(|| {
                Error::BadRequest(
                    "invalid_if_match",
                    "If-Match must be the order's version number, e.g. If-Match: 3.".into(),
                )
            })
    }
}

/// Locks an order for change. It must be open, and at the version the client saw (if given).
pub async fn lock_open(
    conn: &mut PgConnection,
    id: i64,
    expected: Option<i32>,
) -> Result<OrderRow> {
    sqlx::query("SELECT id FROM orders WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("order"))?;
    let o = order_row(&mut *conn, id).await?;
    if o.status != "open" {
        return Err(Error::conflict(
            "order_closed",
            format!(
                "Order {} is {}; it can no longer be changed.",
                o.id, o.status
            ),
            json!({ "current": o }),
        ));
    }
    if let Some(v) = expected {
        if v != o.version {
            return Err(Error::conflict(
                "version_conflict",
                format!(
                    "Order {} was changed on another device (now version {}, you had {v}); reload it and try again.",
                    o.id, o.version
                ),
                json!({ "current": o }),
            ));
        }
    }
    Ok(o)
}

pub fn percent_of(amount: i64, bp: i32) -> i64 {
    // Rounded half up to the rupiah.
    (amount * bp as i64 + 5_000) / 10_000
}

/// Recomputes the bill from the non-voided items and bumps the version.
/// Service charge is on the subtotal; tax (PB1) on subtotal plus service, as Indonesian bills do.
pub async fn touch(conn: &mut PgConnection, id: i64) -> Result<()> {
    let (subtotal, tax_bp, svc_bp): (i64, i32, i32) = sqlx::query_as(
        "SELECT COALESCE((SELECT sum(unit_price * quantity) FROM order_items
                          WHERE order_id = o.id AND status <> 'voided'), 0)::bigint,
                o.tax_rate_bp, o.service_rate_bp
         FROM orders o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let service = percent_of(subtotal, svc_bp);
    let tax = percent_of(subtotal + service, tax_bp);
    sqlx::query(
        "UPDATE orders SET subtotal = $2, service_charge = $3, tax = $4, total = $5,
            version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(subtotal)
    .bind(service)
    .bind(tax)
    .bind(subtotal + service + tax)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves the order's table to the status its tickets imply (ordered / food ready / served),
/// unless the table has moved on (bill requested, paid, or another order). Returns the table
/// when it changed, for its event.
pub async fn sync_table(conn: &mut PgConnection, order_id: i64) -> Result<Option<TableView>> {
    let Some(table_id): Option<i32> = sqlx::query_scalar(
        "SELECT t.id FROM dining_tables t WHERE t.current_order_id = $1
           AND t.status IN ('seated','ordered','food_ready','served') FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let (cooking, ready, served): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status IN ('fired','started')),
                count(*) FILTER (WHERE status = 'ready'),
                count(*) FILTER (WHERE status = 'served')
         FROM tickets WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    let want = if cooking > 0 {
        TableStatus::Ordered
    } else if ready > 0 {
        TableStatus::FoodReady
    } else if served > 0 {
        TableStatus::Served
    } else {
        TableStatus::Ordered
    };
    let current: String = sqlx::query_scalar("SELECT status FROM dining_tables WHERE id = $1")
        .bind(table_id)
        .fetch_one(&mut *conn)
        .await?;
    if current == want.as_str() {
        return Ok(None);
    }
    Ok(Some(floor::set_status(conn, table_id, want).await?))
}

#[cfg(test)]
mod tests {
    use super::percent_of;

    #[test]
    fn rupiah_rounding() {
        assert_eq!(percent_of(100_000, 1100), 11_000);
        assert_eq!(percent_of(125_000, 500), 6_250);
        assert_eq!(percent_of(15_001, 1100), 1_650);
        assert_eq!(percent_of(0, 1100), 0);
    }
}

//! The order's state machine helpers: locking with the version check, totals, and keeping
//! the table's status in step with its order.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde_json::json;
use sqlx::PgConnection;

use super::model::{order_row_locked, OrderRow};
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
    let o = order_row_locked(&mut *conn, id).await?;
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

/// Recomputes the bill from the non-voided items and bumps the version, in one statement.
/// Service charge is on the subtotal; tax (PB1) on subtotal plus service, as Indonesian bills do;
/// each rounded half up to the rupiah.
pub async fn touch(conn: &mut PgConnection, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE orders o SET subtotal = b.sub, service_charge = b.svc, tax = b.tax,
            total = b.sub + b.svc + b.tax, version = o.version + 1, updated_at = now()
         FROM (SELECT s.sub, s.svc, ((s.sub + s.svc) * r.tax_rate_bp + 5000) / 10000 AS tax
               FROM orders r,
                    LATERAL (SELECT t.sub, (t.sub * r.service_rate_bp + 5000) / 10000 AS svc
                             FROM (SELECT COALESCE(sum(unit_price * quantity), 0)::bigint AS sub
                                   FROM order_items WHERE order_id = r.id AND status <> 'voided') t) s
               WHERE r.id = $1) b
         WHERE o.id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves the order's table to the status its tickets imply (ordered / food ready / served),
/// unless the table has moved on (bill requested, paid, or another order). Returns the table
/// when it changed, for its event.
pub async fn sync_table(conn: &mut PgConnection, order_id: i64) -> Result<Option<TableView>> {
    let Some((table_id, current)): Option<(i32, String)> = sqlx::query_as(
        "SELECT t.id, t.status FROM dining_tables t WHERE t.current_order_id = $1
           AND t.status IN ('seated','ordered','food_ready','served') FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    // Counted after the lock, in a statement of its own: its snapshot then includes what another
    // station committed while we waited (two tickets bumped at once must make the table
    // food_ready). In the locking statement the counts would keep the pre-wait snapshot.
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
    if current == want.as_str() {
        return Ok(None);
    }
    Ok(Some(floor::set_status(conn, table_id, want).await?))
}

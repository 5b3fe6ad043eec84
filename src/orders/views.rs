//! Current state per topic, for the hub's `snapshot` frames.

use serde_json::{json, Value};
use sqlx::PgConnection;

use super::model::{load_orders_where, open_tickets};
use crate::{error::Result, floor::tables};

/// The state a screen holding `topic` starts from. Call it inside the same REPEATABLE READ
/// transaction that reads the log head, so the snapshot and its `seq` agree.
pub async fn snapshot_for_topic(conn: &mut PgConnection, topic: &str) -> Result<Value> {
    if let Some(code) = topic.strip_prefix("station:") {
        return Ok(json!({ "tickets": open_tickets(conn, Some(code)).await? }));
    }
    if let Some(id) = topic.strip_prefix("waiter:") {
        let waiter: Option<i32> = id.parse().ok();
        if waiter.is_none() {
            return Ok(json!({ "orders": [] }));
        }
        return Ok(
            json!({ "orders": load_orders_where(conn, "o.status = 'open'", waiter).await? }),
        );
    }
    match topic {
        "expo" => Ok(json!({ "tickets": open_tickets(conn, None).await? })),
        "orders" => {
            Ok(json!({ "orders": load_orders_where(conn, "o.status = 'open'", None).await? }))
        }
        "floor" => {
            let products: Vec<(i32, String, bool)> =
                sqlx::query_as("SELECT id, name, is_available FROM products ORDER BY id")
                    .fetch_all(&mut *conn)
                    .await?;
            Ok(json!({
                "tables": tables::list_all(&mut *conn).await?,
                "availability": products.into_iter()
                    .map(|(id, name, a)| json!({"product_id": id, "name": name, "is_available": a}))
                    .collect::<Vec<_>>(),
            }))
        }
        _ => Ok(Value::Null),
    }
}

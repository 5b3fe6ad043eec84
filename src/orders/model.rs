//! What orders, items and tickets look like to clients (REST answers, event payloads and
//! snapshots all use these shapes), and how they are loaded.

use chrono::{DateTime, Utc};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use sqlx::{types::Json, PgConnection};

use crate::error::{Error, Result};

#[derive(Serialize, Deserialize, sqlx::FromRow, Clone, Debug)]
pub struct ItemView {
    pub id: i64,
    pub order_id: i64,
    pub product_id: i32,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i32,
    pub modifiers: Vec<String>,
    pub notes: String,
    pub course: i32,
    pub station: String,
    pub status: String,
    pub ticket_id: Option<i64>,
    pub added_late: bool,
    pub allergens: Vec<String>,
    pub void_reason: Option<String>,
    pub voided_at: Option<DateTime<Utc>>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.order_id, i.product_id, i.name, i.unit_price, i.quantity,
        i.modifiers, i.notes, i.course, s.code AS station, i.status, i.ticket_id, i.added_late,
        p.allergens, i.void_reason, i.voided_at
    FROM order_items i JOIN stations s ON s.id = i.station_id JOIN products p ON p.id = i.product_id";

#[derive(Serialize, Deserialize, sqlx::FromRow, Clone, Debug)]
pub struct TicketRow {
    pub id: i64,
    pub order_id: i64,
    pub station: String,
    pub course: i32,
    pub status: String,
    pub rush: bool,
    pub recall_count: i32,
    pub fired_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ready_at: Option<DateTime<Utc>>,
    pub served_at: Option<DateTime<Utc>>,
    pub table_id: Option<i32>,
    pub table_label: Option<String>,
    pub order_type: String,
    pub waiter_id: i32,
    pub waiter_name: String,
    pub covers: i32,
}

/// A ticket as a station screen shows it: the order's context and its items.
#[derive(Serialize, Clone, Debug)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: TicketRow,
    pub items: Vec<ItemView>,
}

const TICKET_SELECT: &str = "SELECT k.id, k.order_id, s.code AS station, k.course, k.status, k.rush,
        k.recall_count, k.fired_at, k.started_at, k.ready_at, k.served_at,
        o.table_id, t.label AS table_label, o.order_type, o.waiter_id, u.full_name AS waiter_name, o.covers
    FROM tickets k JOIN stations s ON s.id = k.station_id JOIN orders o ON o.id = k.order_id
    JOIN users u ON u.id = o.waiter_id LEFT JOIN dining_tables t ON t.id = o.table_id";

#[derive(Serialize, Deserialize, sqlx::FromRow, Clone, Debug)]
pub struct OrderRow {
    pub id: i64,
    pub table_id: Option<i32>,
    pub table_label: Option<String>,
    pub order_type: String,
    pub status: String,
    pub waiter_id: i32,
    pub waiter_name: String,
    pub covers: i32,
    pub notes: String,
    pub subtotal: i64,
    pub tax_rate_bp: i32,
    pub service_rate_bp: i32,
    pub tax: i64,
    pub service_charge: i64,
    pub total: i64,
    pub payment_method: Option<String>,
    pub amount_tendered: Option<i64>,
    pub paid_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, Clone, Debug)]
pub struct OrderView {
    #[serde(flatten)]
    pub order: OrderRow,
    pub items: Vec<ItemView>,
    pub tickets: Vec<TicketRow>,
}

const ORDER_SELECT: &str = "SELECT o.id, o.table_id, t.label AS table_label, o.order_type, o.status,
        o.waiter_id, u.full_name AS waiter_name, o.covers, o.notes, o.subtotal, o.tax_rate_bp,
        o.service_rate_bp, o.tax, o.service_charge, o.total, o.payment_method, o.amount_tendered,
        o.paid_at, o.cancelled_at, o.cancel_reason, o.version, o.created_at, o.updated_at
    FROM orders o JOIN users u ON u.id = o.waiter_id LEFT JOIN dining_tables t ON t.id = o.table_id";

/// The order's row, locked for change (`FOR UPDATE` of the order only).
pub async fn order_row_locked(conn: &mut PgConnection, id: i64) -> Result<OrderRow> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE o.id = $1 FOR UPDATE OF o"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound("order"))
}

/// Whole orders (row, items, tickets) in one round trip: PostgreSQL builds each order's parts as
/// JSON with the same column names the row types read, so the shapes stay defined once (above).
/// `{where}` filters `o` (ORDER_SELECT's alias); `$1` is free for the caller.
fn orders_json_query(filter: &str) -> String {
    format!(
        "SELECT row_to_json(x) AS o,
                COALESCE((SELECT json_agg(y ORDER BY y.id) FROM ({ITEM_SELECT} WHERE i.order_id = x.id) y), '[]') AS i,
                COALESCE((SELECT json_agg(z ORDER BY z.id) FROM ({TICKET_SELECT} WHERE k.order_id = x.id) z), '[]') AS k
         FROM ({ORDER_SELECT} WHERE {filter}) x ORDER BY x.id"
    )
}

type OrderParts = (Json<OrderRow>, Json<Vec<ItemView>>, Json<Vec<TicketRow>>);

fn order_view((o, i, k): OrderParts) -> OrderView {
    OrderView {
        order: o.0,
        items: i.0,
        tickets: k.0,
    }
}

pub async fn load_order(conn: &mut PgConnection, id: i64) -> Result<OrderView> {
    static Q: LazyLock<String> = LazyLock::new(|| orders_json_query("o.id = $1"));
    let row: Option<OrderParts> = sqlx::query_as(Q.as_str())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(order_view).ok_or(Error::NotFound("order"))
}

/// Orders matching a WHERE clause on `o` (the caller's clause may not use `$1`), optionally of
/// one waiter, in id order.
pub async fn load_orders_where(
    conn: &mut PgConnection,
    clause: &str,
    waiter: Option<i32>,
) -> Result<Vec<OrderView>> {
    let q = orders_json_query(&format!(
        "({clause}) AND ($1::int IS NULL OR o.waiter_id = $1)"
    ));
    let rows: Vec<OrderParts> = sqlx::query_as(&q).bind(waiter).fetch_all(conn).await?;
    Ok(rows.into_iter().map(order_view).collect())
}

impl OrderView {
    /// One of this order's tickets as a station sees it, built from the rows already loaded.
    pub fn ticket(&self, id: i64) -> Option<TicketView> {
        let ticket = self.tickets.iter().find(|t| t.id == id)?.clone();
        let items = self
            .items
            .iter()
            .filter(|i| i.ticket_id == Some(id))
            .cloned()
            .collect();
        Some(TicketView { ticket, items })
    }

    /// `ticket.fired` events for `ids`, from this order's rows.
    pub fn fired_events(&self, ids: &[i64]) -> Vec<crate::events::NewEvent> {
        ids.iter()
            .filter_map(|id| self.ticket(*id))
            .map(|t| super::publish::ticket_event("ticket.fired", &t))
            .collect()
    }
}

pub async fn load_ticket(conn: &mut PgConnection, id: i64) -> Result<TicketView> {
    let ticket: TicketRow = sqlx::query_as(&format!("{TICKET_SELECT} WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let items = sqlx::query_as(&format!(
        "{ITEM_SELECT} WHERE i.ticket_id = $1 ORDER BY i.id"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(TicketView { ticket, items })
}

/// Open tickets (fired, started, ready), optionally for one station, oldest first.
pub async fn open_tickets(
    conn: &mut PgConnection,
    station: Option<&str>,
) -> Result<Vec<TicketView>> {
    let rows: Vec<TicketRow> = sqlx::query_as(&format!(
        "{TICKET_SELECT} WHERE k.status IN ('fired','started','ready')
           AND ($1::text IS NULL OR s.code = $1) ORDER BY k.fired_at, k.id"
    ))
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut items: Vec<ItemView> = sqlx::query_as(&format!(
        "{ITEM_SELECT} WHERE i.ticket_id = ANY($1) ORDER BY i.id"
    ))
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|ticket| {
            let (mine, rest): (Vec<_>, Vec<_>) = items
                .drain(..)
                .partition(|i| i.ticket_id == Some(ticket.id));
            items = rest;
            TicketView {
                ticket,
                items: mine,
            }
        })
        .collect())
}

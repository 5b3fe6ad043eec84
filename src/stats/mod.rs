//! `GET /admin/dashboard/stats`: the day's figures for managers (the restaurant's local day).

use axum::{extract::State, response::Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    app::{AppState, Routes},
    auth::AsManager,
    error::{Error, Result},
    extract::{ok, AppQuery},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/admin/dashboard/stats", stats)
}

#[derive(Deserialize)]
struct Query {
    /// YYYY-MM-DD, the restaurant's local day; today when absent.
    date: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct StationTimes {
    station: String,
    open_tickets: i64,
    tickets_ready: i64,
    avg_fire_to_ready_secs: Option<f64>,
    median_fire_to_ready_secs: Option<f64>,
    p90_fire_to_ready_secs: Option<f64>,
}

#[derive(Serialize, sqlx::FromRow)]
struct TopProduct {
    product_id: i32,
    name: String,
    quantity: i64,
    revenue: i64,
}

#[derive(Serialize, sqlx::FromRow)]
struct Hourly {
    hour: i32,
    orders: i64,
    revenue: i64,
}

async fn stats(
    State(st): State<AppState>,
    AsManager(_user): AsManager,
    AppQuery(q): AppQuery<Query>,
) -> Result<Response> {
    let tz = &st.config.timezone;
    let day: NaiveDate = match q.date.as_deref() {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            Error::BadRequest("invalid_date", "date must look like 2026-12-31.".into())
        })?,
        None => {
            sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
                .bind(tz)
                .fetch_one(&st.db)
                .await?
        }
    };
    // The local day as a UTC range, so indexes on timestamptz columns are used.
    let range = day_range("created_at");

    let (orders, paid_orders, covers, revenue, tax, service, open_orders, cancelled): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE status <> 'cancelled'),
                    count(*) FILTER (WHERE status = 'paid'),
                    COALESCE(sum(covers) FILTER (WHERE status <> 'cancelled'), 0)::bigint,
                    COALESCE(sum(total) FILTER (WHERE status = 'paid'), 0)::bigint,
                    COALESCE(sum(tax) FILTER (WHERE status = 'paid'), 0)::bigint,
                    COALESCE(sum(service_charge) FILTER (WHERE status = 'paid'), 0)::bigint,
                    count(*) FILTER (WHERE status = 'open'),
                    count(*) FILTER (WHERE status = 'cancelled')
             FROM orders WHERE {range}"
    ))
    .bind(day)
    .bind(tz)
    .fetch_one(&st.db)
    .await?;

    let stations: Vec<StationTimes> = sqlx::query_as(&format!(
        "SELECT s.code AS station,
            (SELECT count(*) FROM tickets o WHERE o.station_id = s.id AND o.status IN ('fired','started')) AS open_tickets,
            count(k.id) AS tickets_ready,
            avg(extract(epoch FROM k.ready_at - k.fired_at))::float8 AS avg_fire_to_ready_secs,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.ready_at - k.fired_at))::float8
                AS median_fire_to_ready_secs,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM k.ready_at - k.fired_at))::float8
                AS p90_fire_to_ready_secs
         FROM stations s LEFT JOIN tickets k ON k.station_id = s.id AND k.ready_at IS NOT NULL
            AND {}
         GROUP BY s.id ORDER BY s.id",
        day_range("k.fired_at")
    ))
    .bind(day)
    .bind(tz)
    .fetch_all(&st.db)
    .await?;

    let top: Vec<TopProduct> = sqlx::query_as(&format!(
        "SELECT i.product_id, i.name, sum(i.quantity)::bigint AS quantity,
                sum(i.quantity * i.unit_price)::bigint AS revenue
         FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.status <> 'voided' AND o.status <> 'cancelled' AND {}
         GROUP BY i.product_id, i.name ORDER BY quantity DESC, revenue DESC LIMIT 10",
        day_range("o.created_at")
    ))
    .bind(day)
    .bind(tz)
    .fetch_all(&st.db)
    .await?;

    let hourly: Vec<Hourly> = sqlx::query_as(&format!(
        "SELECT extract(hour FROM created_at AT TIME ZONE $2)::int AS hour,
                count(*) FILTER (WHERE status <> 'cancelled') AS orders,
                COALESCE(sum(total) FILTER (WHERE status = 'paid'), 0)::bigint AS revenue
         FROM orders WHERE {range} GROUP BY 1 ORDER BY 1"
    ))
    .bind(day)
    .bind(tz)
    .fetch_all(&st.db)
    .await?;

    Ok(ok(
        "Dashboard statistics",
        json!({
            "date": day,
            "timezone": tz,
            "orders": orders,
            "paid_orders": paid_orders,
            "open_orders": open_orders,
            "cancelled_orders": cancelled,
            "covers": covers,
            "revenue": revenue,
            "tax": tax,
            "service_charge": service,
            "average_spend": if paid_orders > 0 { revenue / paid_orders } else { 0 },
            "stations": stations,
            "top_products": top,
            "by_hour": hourly,
        }),
    ))
}

/// `col` within the local day `$1` (a date) in time zone `$2`, as a range on the raw column so
/// its index is used.
fn day_range(col: &str) -> String {
    format!(
        "{col} >= ($1::date::timestamp AT TIME ZONE $2) AND {col} < (($1::date + 1)::timestamp AT TIME ZONE $2)"
    )
}

//! `GET /audit`: who voided, cancelled, recalled or changed what, and when — read from the
//! event log, filterable by user and by the restaurant's local day.

use axum::{extract::State, response::Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    app::{AppState, Routes},
    auth::AsManager,
    error::{Error, Result},
    extract::{ok, AppQuery},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/audit", audit)
}

/// The changes a manager audits (routine cooking steps are left out).
pub const AUDITED: &[&str] = &[
    "order.item_voided",
    "order.cancelled",
    "order.paid",
    "ticket.recalled",
    "ticket.voided",
    "product.created",
    "product.updated",
    "product.availability",
    "settings.updated",
    "user.created",
    "user.updated",
];

#[derive(Deserialize)]
struct Query {
    user_id: Option<i32>,
    /// YYYY-MM-DD (local day); today when absent.
    date: Option<String>,
    kind: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct Entry {
    seq: i64,
    at: DateTime<Utc>,
    kind: String,
    actor_id: Option<i32>,
    actor_name: Option<String>,
    actor_role: Option<String>,
    #[serde(skip)]
    payload: Value,
}

async fn audit(
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
    if let Some(k) = &q.kind {
        if !AUDITED.contains(&k.as_str()) {
            return Err(Error::BadRequest(
                "invalid_query",
                format!("kind is one of: {}.", AUDITED.join(", ")),
            ));
        }
    }
    let kinds: Vec<&str> = match &q.kind {
        Some(k) => vec![k.as_str()],
        None => AUDITED.to_vec(),
    };
    let rows: Vec<Entry> = sqlx::query_as(
        "SELECT e.seq, e.at, e.kind, e.actor AS actor_id, u.full_name AS actor_name, u.role AS actor_role, e.payload
         FROM events e LEFT JOIN users u ON u.id = e.actor
         WHERE e.kind = ANY($3) AND ($4::int IS NULL OR e.actor = $4)
           AND e.at >= ($1::date::timestamp AT TIME ZONE $2) AND e.at < (($1::date + 1)::timestamp AT TIME ZONE $2)
         ORDER BY e.seq DESC LIMIT 1000",
    )
    .bind(day)
    .bind(tz)
    .bind(&kinds)
    .bind(q.user_id)
    .fetch_all(&st.db)
    .await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|e| {
            let what = describe(&e.kind, &e.payload);
            let mut v = serde_json::to_value(&e).unwrap_or(Value::Null);
            v["what"] = Value::String(what);
            v
        })
        .collect();
    Ok(ok("Audit log", json!({ "date": day, "entries": entries })))
}

/// One line a manager can read.
fn describe(kind: &str, p: &Value) -> String {
    let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
    let order = || match p["table_label"].as_str() {
        Some(t) => format!("order {} (table {t})", p["id"]),
        None => format!("order {} (takeaway)", p["id"]),
    };
    match kind {
        "order.item_voided" => {
            let voided: Vec<String> = p["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter(|i| i["status"] == "voided")
                        .map(|i| {
                            format!(
                                "{}× {} ({})",
                                i["quantity"],
                                i["name"].as_str().unwrap_or(""),
                                i["void_reason"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("voided on {}: {}", order(), voided.join(", "))
        }
        "order.cancelled" => format!("cancelled {}: {}", order(), s("cancel_reason")),
        "order.paid" => format!(
            "{} paid by {}: Rp {}",
            order(),
            s("payment_method"),
            p["total"]
        ),
        "ticket.recalled" => format!(
            "recalled ticket {} ({}) of order {}",
            p["id"],
            s("station"),
            p["order_id"]
        ),
        "ticket.voided" => format!(
            "ticket {} ({}) of order {} taken off the screen",
            p["id"],
            s("station"),
            p["order_id"]
        ),
        "product.availability" => format!(
            "{} {}",
            s("name"),
            if p["is_available"] == true {
                "back on the menu"
            } else {
                "86'd"
            }
        ),
        "product.created" => format!("added {} at Rp {}", s("name"), p["price"]),
        "product.updated" => format!("changed {} (Rp {})", s("name"), p["price"]),
        "settings.updated" => format!(
            "set tax {} % and service charge {} %",
            p["tax_rate_percent"], p["service_charge_percent"]
        ),
        "user.created" => format!("created user {} ({})", s("username"), s("role")),
        "user.updated" => format!(
            "changed user {} ({}, {})",
            s("username"),
            s("role"),
            if p["is_active"] == true {
                "active"
            } else {
                "deactivated"
            }
        ),
        other => other.to_string(),
    }
}

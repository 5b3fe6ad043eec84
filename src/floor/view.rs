//! `GET /floor`: the manager's view — every table with its status and timers, and each
//! station's open tickets with the age of the oldest.

use axum::{extract::State, response::Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::tables::list_all;
use crate::{
    app::{AppState, Routes},
    auth::AsFloorStaff,
    error::Result,
    extract::ok,
};

pub fn routes(r: Routes) -> Routes {
    r.get("/floor", floor)
}

#[derive(Serialize, sqlx::FromRow)]
struct StationLoad {
    code: String,
    name: String,
    open_tickets: i64,
    ready_tickets: i64,
    oldest_fired_at: Option<DateTime<Utc>>,
}

async fn floor(State(st): State<AppState>, AsFloorStaff(_user): AsFloorStaff) -> Result<Response> {
    let tables = list_all(&st.db).await?;
    let stations: Vec<StationLoad> = sqlx::query_as(
        "SELECT s.code, s.name,
                count(k.id) FILTER (WHERE k.status IN ('fired','started')) AS open_tickets,
                count(k.id) FILTER (WHERE k.status = 'ready') AS ready_tickets,
                min(k.fired_at) FILTER (WHERE k.status IN ('fired','started')) AS oldest_fired_at
         FROM stations s LEFT JOIN tickets k ON k.station_id = s.id AND k.status IN ('fired','started','ready')
         GROUP BY s.id ORDER BY s.id",
    )
    .fetch_all(&st.db)
    .await?;
    Ok(ok(
        "Floor",
        json!({ "tables": tables, "stations": stations, "server_time": Utc::now() }),
    ))
}

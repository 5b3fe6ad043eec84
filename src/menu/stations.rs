use axum::{extract::State, response::Response};
use serde::{Deserialize, Serialize};

use super::required_text;
use crate::{
    app::{AppState, Routes},
    auth::{AsManager, AuthUser},
    error::{on_unique, Error, Result},
    extract::{created, ok, AppJson, AppPath},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/stations", list)
        .post("/stations", create)
        .patch("/stations/{id}", update)
}

#[derive(Serialize, sqlx::FromRow)]
pub struct Station {
    pub id: i32,
    pub code: String,
    pub name: String,
}

async fn list(State(st): State<AppState>, _user: AuthUser) -> Result<Response> {
    let rows: Vec<Station> = sqlx::query_as("SELECT id, code, name FROM stations ORDER BY id")
        .fetch_all(&st.db)
        .await?;
    Ok(ok("Stations", rows))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStation {
    code: String,
    name: String,
}

fn valid_code(c: &str) -> bool {
    let mut chars = c.chars();
    (1..=32).contains(&c.len())
        && chars.next().is_some_and(|f| f.is_ascii_lowercase())
        && chars.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-')
}

async fn create(
    State(st): State<AppState>,
    AsManager(_user): AsManager,
    AppJson(b): AppJson<NewStation>,
) -> Result<Response> {
    if !valid_code(&b.code) {
        return Err(Error::validation(
            "code",
            "A station code is lowercase letters, digits, '_' or '-', starting with a letter (e.g. 'grill').",
        ));
    }
    let name = required_text("name", &b.name, 60)?;
    let s: Station = sqlx::query_as(
        "INSERT INTO stations (code, name) VALUES ($1, $2) RETURNING id, code, name",
    )
    .bind(&b.code)
    .bind(&name)
    .fetch_one(&st.db)
    .await
    .map_err(|e| on_unique(e, "station code"))?;
    Ok(created("Station created", s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StationPatch {
    name: String,
}

async fn update(
    State(st): State<AppState>,
    AsManager(_user): AsManager,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<StationPatch>,
) -> Result<Response> {
    let name = required_text("name", &b.name, 60)?;
    let s: Station =
        sqlx::query_as("UPDATE stations SET name = $2 WHERE id = $1 RETURNING id, code, name")
            .bind(id)
            .bind(&name)
            .fetch_optional(&st.db)
            .await?
            .ok_or(Error::NotFound("station"))?;
    Ok(ok("Station updated", s))
}

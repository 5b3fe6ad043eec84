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
    r.get("/categories", list)
        .post("/categories", create)
        .patch("/categories/{id}", update)
}

#[derive(Serialize, sqlx::FromRow)]
pub struct Category {
    pub id: i32,
    pub name: String,
    pub station_id: i32,
    pub station_code: String,
    pub sort_order: i32,
}

const SELECT: &str = "SELECT c.id, c.name, c.station_id, s.code AS station_code, c.sort_order
                      FROM categories c JOIN stations s ON s.id = c.station_id";

async fn list(State(st): State<AppState>, _user: AuthUser) -> Result<Response> {
    let rows: Vec<Category> = sqlx::query_as(&format!("{SELECT} ORDER BY c.sort_order, c.id"))
        .fetch_all(&st.db)
        .await?;
    Ok(ok("Categories", rows))
}

async fn fetch(db: &sqlx::PgPool, id: i32) -> Result<Category> {
    sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("category"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCategory {
    name: String,
    station_id: i32,
    #[serde(default)]
    sort_order: i32,
}

async fn create(
    State(st): State<AppState>,
    AsManager(_user): AsManager,
    AppJson(b): AppJson<NewCategory>,
) -> Result<Response> {
    let name = required_text("name", &b.name, 60)?;
    let id: i32 = sqlx::query_scalar(
        "INSERT INTO categories (name, station_id, sort_order) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&name)
    .bind(b.station_id)
    .bind(b.sort_order)
    .fetch_one(&st.db)
    .await
    .map_err(|e| on_unique(e, "category"))?;
    Ok(created("Category created", fetch(&st.db, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryPatch {
    name: Option<String>,
    station_id: Option<i32>,
    sort_order: Option<i32>,
}

async fn update(
    State(st): State<AppState>,
    AsManager(_user): AsManager,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<CategoryPatch>,
) -> Result<Response> {
    let name = b
        .name
        .as_deref()
        .map(|n| required_text("name", n, 60))
        .transpose()?;
    let n = sqlx::query(
        "UPDATE categories SET name = COALESCE($2, name), station_id = COALESCE($3, station_id),
                sort_order = COALESCE($4, sort_order) WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(b.station_id)
    .bind(b.sort_order)
    .execute(&st.db)
    .await
    .map_err(|e| on_unique(e, "category"))?
    .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("category"));
    }
    Ok(ok("Category updated", fetch(&st.db, id).await?))
}

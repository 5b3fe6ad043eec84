use axum::{extract::State, response::Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgExecutor;

use super::required_text;
use crate::{
    app::{AppState, Routes},
    auth::{AsManager, AsMenuKeeper, AuthUser},
    error::{on_unique, Error, Result},
    events::{self, topics, NewEvent},
    extract::{created, ok, AppJson, AppPath, AppQuery},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/products", list)
        .post("/products", create)
        .get("/products/{id}", show)
        .patch("/products/{id}", update)
        .put("/products/{id}/availability", set_availability)
}

#[derive(Serialize, sqlx::FromRow, Clone)]
pub struct Product {
    pub id: i32,
    pub category_id: i32,
    pub category_name: String,
    pub name: String,
    pub description: String,
    pub price: i64,
    /// The station override, if any.
    pub station_id: Option<i32>,
    /// Where the product is cooked: the override, else its category's station.
    pub station_code: String,
    pub is_available: bool,
    pub image_url: Option<String>,
    pub prep_minutes: Option<i32>,
    pub allergens: Vec<String>,
    pub modifiers: Vec<String>,
}

const SELECT: &str =
    "SELECT p.id, p.category_id, c.name AS category_name, p.name, p.description, p.price,
        p.station_id, s.code AS station_code, p.is_available, p.image_url, p.prep_minutes,
        p.allergens, p.modifiers
    FROM products p JOIN categories c ON c.id = p.category_id
    JOIN stations s ON s.id = COALESCE(p.station_id, c.station_id)";

pub async fn fetch(db: impl PgExecutor<'_>, id: i32) -> Result<Product> {
    sqlx::query_as(&format!("{SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("product"))
}

#[derive(Deserialize)]
struct ListQuery {
    category_id: Option<i32>,
    available: Option<bool>,
    q: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    _user: AuthUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Response> {
    let rows: Vec<Product> = sqlx::query_as(&format!(
        "{SELECT} WHERE ($1::int IS NULL OR p.category_id = $1)
           AND ($2::bool IS NULL OR p.is_available = $2)
           AND ($3::text IS NULL OR p.name ILIKE '%' || $3 || '%')
         ORDER BY c.sort_order, p.name"
    ))
    .bind(q.category_id)
    .bind(q.available)
    .bind(q.q.filter(|s| !s.trim().is_empty()))
    .fetch_all(&st.db)
    .await?;
    Ok(ok("Products", rows))
}

async fn show(
    State(st): State<AppState>,
    _user: AuthUser,
    AppPath(id): AppPath<i32>,
) -> Result<Response> {
    Ok(ok("Product", fetch(&st.db, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProduct {
    category_id: i32,
    name: String,
    #[serde(default)]
    description: String,
    price: i64,
    station_id: Option<i32>,
    prep_minutes: Option<i32>,
    #[serde(default)]
    allergens: Vec<String>,
    #[serde(default)]
    modifiers: Vec<String>,
    #[serde(default = "yes")]
    is_available: bool,
}

fn yes() -> bool {
    true
}

fn check_price(price: i64) -> Result<()> {
    if !(0..=1_000_000_000).contains(&price) {
        return Err(Error::validation(
            "price",
            "The price is whole rupiah between 0 and 1.000.000.000.",
        ));
    }
    Ok(())
}

fn check_details(description: Option<&str>, prep_minutes: Option<i32>) -> Result<()> {
    if description.is_some_and(|d| d.chars().count() > 500) {
        return Err(Error::validation(
            "description",
            "The description is too long (500 characters at most).",
        ));
    }
    if prep_minutes.is_some_and(|m| !(0..=240).contains(&m)) {
        return Err(Error::validation(
            "prep_minutes",
            "Prep time is 0 to 240 minutes.",
        ));
    }
    Ok(())
}

fn check_list(field: &str, v: &[String]) -> Result<Vec<String>> {
    if v.len() > 30 {
        return Err(Error::validation(field, format!("At most 30 {field}.")));
    }
    v.iter().map(|s| required_text(field, s, 60)).collect()
}

async fn create(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppJson(b): AppJson<NewProduct>,
) -> Result<Response> {
    let name = required_text("name", &b.name, 100)?;
    check_price(b.price)?;
    check_details(Some(&b.description), b.prep_minutes)?;
    let mut tx = st.db.begin().await?;
    let id: i32 = sqlx::query_scalar(
        "INSERT INTO products (category_id, name, description, price, station_id, prep_minutes,
                               allergens, modifiers, is_available)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(b.category_id)
    .bind(&name)
    .bind(b.description.trim())
    .bind(b.price)
    .bind(b.station_id)
    .bind(b.prep_minutes)
    .bind(check_list("allergens", &b.allergens)?)
    .bind(check_list("modifiers", &b.modifiers)?)
    .bind(b.is_available)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| on_unique(e, "product"))?;
    let p = fetch(&mut *tx, id).await?;
    publish(&mut tx, &user, "product.created", &p).await?;
    tx.commit().await?;
    Ok(created("Product created", p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductPatch {
    category_id: Option<i32>,
    name: Option<String>,
    description: Option<String>,
    price: Option<i64>,
    /// `null` removes the override (the category's station applies again).
    #[serde(default, deserialize_with = "crate::extract::nullable")]
    station_id: Option<Option<i32>>,
    prep_minutes: Option<i32>,
    allergens: Option<Vec<String>>,
    modifiers: Option<Vec<String>>,
}

async fn update(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<ProductPatch>,
) -> Result<Response> {
    let name = b
        .name
        .as_deref()
        .map(|n| required_text("name", n, 100))
        .transpose()?;
    if let Some(p) = b.price {
        check_price(p)?;
    }
    check_details(b.description.as_deref(), b.prep_minutes)?;
    let allergens = b
        .allergens
        .as_deref()
        .map(|a| check_list("allergens", a))
        .transpose()?;
    let modifiers = b
        .modifiers
        .as_deref()
        .map(|a| check_list("modifiers", a))
        .transpose()?;
    let mut tx = st.db.begin().await?;
    let n = sqlx::query(
        "UPDATE products SET category_id = COALESCE($2, category_id), name = COALESCE($3, name),
            description = COALESCE($4, description), price = COALESCE($5, price),
            station_id = CASE WHEN $10 THEN $6 ELSE station_id END, prep_minutes = COALESCE($7, prep_minutes),
            allergens = COALESCE($8, allergens), modifiers = COALESCE($9, modifiers), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(b.category_id)
    .bind(name)
    .bind(b.description.map(|d| d.trim().to_string()))
    .bind(b.price)
    .bind(b.station_id.flatten())
    .bind(b.prep_minutes)
    .bind(allergens)
    .bind(modifiers)
    .bind(b.station_id.is_some())
    .execute(&mut *tx)
    .await
    .map_err(|e| on_unique(e, "product"))?
    .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("product"));
    }
    let p = fetch(&mut *tx, id).await?;
    publish(&mut tx, &user, "product.updated", &p).await?;
    tx.commit().await?;
    Ok(ok("Product updated", p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Availability {
    is_available: bool,
}

/// 86 a product (or bring it back): every waiter's menu changes at once.
async fn set_availability(
    State(st): State<AppState>,
    AsMenuKeeper(user): AsMenuKeeper,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<Availability>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let n = sqlx::query("UPDATE products SET is_available = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(b.is_available)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("product"));
    }
    let p = fetch(&mut *tx, id).await?;
    events::append(
        &mut tx,
        Some(user.id),
        vec![NewEvent::new(
            "product.availability",
            vec![topics::FLOOR.into(), topics::station(&p.station_code)],
            json!({ "product_id": p.id, "name": p.name, "is_available": p.is_available }),
        )],
    )
    .await?;
    tx.commit().await?;
    let msg = if p.is_available {
        "Product is back on the menu"
    } else {
        "Product is 86'd"
    };
    Ok(ok(msg, p))
}

/// Menu changes reach the waiters' menus (they hold `floor`).
pub(super) async fn publish(
    conn: &mut sqlx::PgConnection,
    user: &AuthUser,
    kind: &'static str,
    p: &Product,
) -> Result<()> {
    events::append(
        conn,
        Some(user.id),
        vec![NewEvent::new(kind, vec![topics::FLOOR.into()], p)],
    )
    .await?;
    Ok(())
}

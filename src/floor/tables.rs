use axum::{extract::State, response::Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor};

use crate::{
    app::{AppState, Routes},
    auth::{AsFloorStaff, AsManager, AuthUser, Role},
    error::{on_unique, Error, Result},
    events::{self, topics, NewEvent},
    extract::{created, ok, AppJson, AppPath},
    menu::required_text,
};

pub fn routes(r: Routes) -> Routes {
    r.get("/tables", list)
        .post("/tables", create)
        .get("/tables/{id}", show)
        .patch("/tables/{id}", update)
        .post("/tables/{id}/seat", seat)
        .post("/tables/{id}/request-bill", request_bill)
        .post("/tables/{id}/clear", clear)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Free,
    Seated,
    Ordered,
    FoodReady,
    Served,
    BillRequested,
    Paid,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Free => "free",
            TableStatus::Seated => "seated",
            TableStatus::Ordered => "ordered",
            TableStatus::FoodReady => "food_ready",
            TableStatus::Served => "served",
            TableStatus::BillRequested => "bill_requested",
            TableStatus::Paid => "paid",
        }
    }
}

#[derive(Serialize, sqlx::FromRow, Clone, Debug)]
pub struct TableView {
    pub id: i32,
    pub label: String,
    pub area: String,
    pub capacity: i32,
    pub status: String,
    pub covers: Option<i32>,
    pub waiter_id: Option<i32>,
    pub waiter_name: Option<String>,
    pub current_order_id: Option<i64>,
    pub seated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub status_changed_at: chrono::DateTime<chrono::Utc>,
}

pub const SELECT: &str =
    "SELECT t.id, t.label, t.area, t.capacity, t.status, t.covers, t.waiter_id,
        u.full_name AS waiter_name, t.current_order_id, t.seated_at, t.status_changed_at
    FROM dining_tables t LEFT JOIN users u ON u.id = t.waiter_id";

/// The `RETURNING` clause of an `UPDATE dining_tables t` that yields the changed table's
/// [`TableView`] (the waiter's name is read after the change), saving a read-back.
pub const RETURNING_VIEW: &str =
    "RETURNING t.id, t.label, t.area, t.capacity, t.status, t.covers, t.waiter_id,
        (SELECT full_name FROM users WHERE id = t.waiter_id) AS waiter_name,
        t.current_order_id, t.seated_at, t.status_changed_at";

pub async fn fetch(db: impl PgExecutor<'_>, id: i32) -> Result<TableView> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("table"))
}

pub async fn list_all(db: impl PgExecutor<'_>) -> Result<Vec<TableView>> {
    Ok(sqlx::query_as(&format!("{SELECT} ORDER BY t.area, t.id"))
        .fetch_all(db)
        .await?)
}

pub fn table_event(t: &TableView) -> NewEvent {
    NewEvent::new("table.status", vec![topics::FLOOR.into()], t)
}

/// Moves a table to `to` (locking it), returning its new view; the caller appends `table_event`.
/// `free` clears covers, waiter and order.
pub async fn set_status(conn: &mut PgConnection, id: i32, to: TableStatus) -> Result<TableView> {
    sqlx::query_as(&format!(
        "UPDATE dining_tables t SET status = $2, status_changed_at = now(),
            covers = CASE WHEN $2 = 'free' THEN NULL ELSE covers END,
            waiter_id = CASE WHEN $2 = 'free' THEN NULL ELSE waiter_id END,
            current_order_id = CASE WHEN $2 = 'free' THEN NULL ELSE current_order_id END,
            seated_at = CASE WHEN $2 = 'free' THEN NULL ELSE seated_at END
         WHERE id = $1 {RETURNING_VIEW}"
    ))
    .bind(id)
    .bind(to.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("table"))
}

/// The table's current status, locked for the rest of the transaction.
pub async fn lock(conn: &mut PgConnection, id: i32) -> Result<TableView> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1 FOR UPDATE OF t"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("table"))
}

fn invalid(t: &TableView, action: &str) -> Error {
    Error::conflict(
        "invalid_transition",
        format!(
            "Table {} is {}; it cannot be {action} now.",
            t.label,
            t.status.replace('_', " ")
        ),
        json!({ "current": t }),
    )
}

async fn list(State(st): State<AppState>, _user: AuthUser) -> Result<Response> {
    Ok(ok("Tables", list_all(&st.db).await?))
}

async fn show(
    State(st): State<AppState>,
    _user: AuthUser,
    AppPath(id): AppPath<i32>,
) -> Result<Response> {
    Ok(ok("Table", fetch(&st.db, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTable {
    label: String,
    #[serde(default = "main_area")]
    area: String,
    capacity: i32,
}

fn main_area() -> String {
    "Main".into()
}

fn check_capacity(c: i32) -> Result<()> {
    if !(1..=100).contains(&c) {
        return Err(Error::validation("capacity", "Capacity is 1 to 100 seats."));
    }
    Ok(())
}

async fn create(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppJson(b): AppJson<NewTable>,
) -> Result<Response> {
    let label = required_text("label", &b.label, 20)?;
    let area = required_text("area", &b.area, 40)?;
    check_capacity(b.capacity)?;
    let mut tx = st.db.begin().await?;
    let id: i32 = sqlx::query_scalar(
        "INSERT INTO dining_tables (label, area, capacity) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&label)
    .bind(&area)
    .bind(b.capacity)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| on_unique(e, "table label"))?;
    let t = fetch(&mut *tx, id).await?;
    events::append(&mut tx, Some(user.id), vec![table_event(&t)]).await?;
    tx.commit().await?;
    Ok(created("Table created", t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TablePatch {
    label: Option<String>,
    area: Option<String>,
    capacity: Option<i32>,
}

async fn update(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<TablePatch>,
) -> Result<Response> {
    let label = b
        .label
        .as_deref()
        .map(|l| required_text("label", l, 20))
        .transpose()?;
    let area = b
        .area
        .as_deref()
        .map(|a| required_text("area", a, 40))
        .transpose()?;
    if let Some(c) = b.capacity {
        check_capacity(c)?;
    }
    let mut tx = st.db.begin().await?;
    lock(&mut tx, id).await?;
    sqlx::query(
        "UPDATE dining_tables SET label = COALESCE($2, label), area = COALESCE($3, area),
            capacity = COALESCE($4, capacity) WHERE id = $1",
    )
    .bind(id)
    .bind(label)
    .bind(area)
    .bind(b.capacity)
    .execute(&mut *tx)
    .await
    .map_err(|e| on_unique(e, "table label"))?;
    let t = fetch(&mut *tx, id).await?;
    events::append(&mut tx, Some(user.id), vec![table_event(&t)]).await?;
    tx.commit().await?;
    Ok(ok("Table updated", t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seat {
    covers: i32,
    /// Defaults to the caller when the caller is a waiter.
    waiter_id: Option<i32>,
}

/// Seats guests at a free table.
async fn seat(
    State(st): State<AppState>,
    AsFloorStaff(user): AsFloorStaff,
    AppPath(id): AppPath<i32>,
    AppJson(b): AppJson<Seat>,
) -> Result<Response> {
    if !(1..=100).contains(&b.covers) {
        return Err(Error::validation("covers", "Covers (guests) is 1 to 100."));
    }
    let waiter_id = b
        .waiter_id
        .or((user.role == Role::Waiter).then_some(user.id));
    let mut tx = st.db.begin().await?;
    let t = lock(&mut tx, id).await?;
    if t.status != "free" {
        return Err(invalid(&t, "seated"));
    }
    if let Some(w) = waiter_id {
        let ok_waiter: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND is_active)")
                .bind(w)
                .fetch_one(&mut *tx)
                .await?;
        if !ok_waiter {
            return Err(Error::validation(
                "waiter_id",
                "No active user has that waiter_id.",
            ));
        }
    }
    sqlx::query(
        "UPDATE dining_tables SET status = 'seated', covers = $2, waiter_id = $3, seated_at = now(),
            status_changed_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(b.covers)
    .bind(waiter_id)
    .execute(&mut *tx)
    .await?;
    let t = fetch(&mut *tx, id).await?;
    events::append(&mut tx, Some(user.id), vec![table_event(&t)]).await?;
    tx.commit().await?;
    Ok(ok("Table seated", t))
}

async fn request_bill(
    State(st): State<AppState>,
    AsFloorStaff(user): AsFloorStaff,
    AppPath(id): AppPath<i32>,
) -> Result<Response> {
    let t = move_table(
        &st,
        &user,
        id,
        TableStatus::BillRequested,
        "asked for the bill",
        |t| ["ordered", "food_ready", "served"].contains(&t.status.as_str()),
    )
    .await?;
    Ok(ok("Bill requested", t))
}

/// Frees a table after payment (or when seated guests leave before ordering).
async fn clear(
    State(st): State<AppState>,
    AsFloorStaff(user): AsFloorStaff,
    AppPath(id): AppPath<i32>,
) -> Result<Response> {
    let t = move_table(&st, &user, id, TableStatus::Free, "cleared", |t| {
        let open_order = t.current_order_id.is_some() && t.status != "paid";
        t.status == "paid" || (t.status == "seated" && !open_order)
    })
    .await?;
    Ok(ok("Table is free", t))
}

/// A person moving a table to `to`: lock it, check `allowed` against its current state (409
/// naming `verb` otherwise), write the status and its event, commit.
async fn move_table(
    st: &AppState,
    user: &AuthUser,
    id: i32,
    to: TableStatus,
    verb: &str,
    allowed: impl Fn(&TableView) -> bool,
) -> Result<TableView> {
    let mut tx = st.db.begin().await?;
    let t = lock(&mut tx, id).await?;
    if !allowed(&t) {
        return Err(invalid(&t, verb));
    }
    let t = set_status(&mut tx, id, to).await?;
    events::append(&mut tx, Some(user.id), vec![table_event(&t)]).await?;
    tx.commit().await?;
    Ok(t)
}

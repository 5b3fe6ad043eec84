//! Users: storage and the admin's `/admin/users` routes.

use axum::{extract::State, response::Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgExecutor};

use super::{password, AsAdmin, Role};
use crate::{
    app::{AppState, Routes},
    error::{on_unique, Error, Result},
    extract::{created, ok, AppJson, AppPath},
};

#[derive(FromRow)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub password: String,
    pub full_name: String,
    pub role: String,
    pub email: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, FromRow)]
pub struct UserView {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub email: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            role: u.role,
            email: u.email,
            is_active: u.is_active,
            created_at: u.created_at,
        }
    }
}

const VIEW_COLS: &str = "id, username, full_name, role, email, is_active, created_at";

pub async fn find_for_login(db: impl PgExecutor<'_>, username: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(
        "SELECT id, username, password, full_name, role, email, is_active, created_at
         FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(db)
    .await?)
}

pub async fn get(db: impl PgExecutor<'_>, id: i32) -> Result<UserView> {
    sqlx::query_as(&format!("SELECT {VIEW_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("user"))
}

pub async fn set_password(db: impl PgExecutor<'_>, id: i32, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Deserialize, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub full_name: String,
    pub role: Role,
    #[serde(default)]
    pub email: Option<String>,
}

fn valid_username(u: &str) -> bool {
    (2..=32).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// Validates and stores a new user (used by the admin route and `kenangan create-user`).
pub async fn create_user(
    db: impl PgExecutor<'_>,
    u: NewUser,
    production: bool,
) -> Result<UserView> {
    let username = u.username.trim().to_lowercase();
    if !valid_username(&username) {
        return Err(Error::validation(
            "username",
            "A username has 2-32 lowercase letters, digits, '.', '_' or '-'.",
        ));
    }
    let full_name = u.full_name.trim().to_string();
    if full_name.is_empty() || full_name.len() > 100 {
        return Err(Error::validation(
            "full_name",
            "Give the person's name (up to 100 characters).",
        ));
    }
    if let Some(e) = &u.email {
        check_email(e)?;
    }
    password::check_strength(&u.password, production)?;
    let pw = u.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    sqlx::query_as(&format!(
        "INSERT INTO users (username, password, full_name, role, email)
         VALUES ($1, $2, $3, $4, $5) RETURNING {VIEW_COLS}"
    ))
    .bind(&username)
    .bind(&hash)
    .bind(&full_name)
    .bind(u.role.as_str())
    .bind(&u.email)
    .fetch_one(db)
    .await
    .map_err(|e| on_unique(e, "username"))
}

pub(super) fn routes(r: Routes) -> Routes {
    r.post("/admin/users", create)
        .get("/admin/users", list)
        .get("/admin/users/{id}", show)
        .patch("/admin/users/{id}", update)
}

async fn create(
    State(st): State<AppState>,
    AsAdmin(user): AsAdmin,
    AppJson(body): AppJson<NewUser>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let u = create_user(&mut *tx, body, st.config.is_production()).await?;
    crate::events::append(&mut tx, Some(user.id), vec![user_event("user.created", &u)]).await?;
    tx.commit().await?;
    tracing::info!(by = user.id, new_user = u.id, role = %u.role, "user created");
    Ok(created("User created", u))
}

async fn list(State(st): State<AppState>, AsAdmin(_user): AsAdmin) -> Result<Response> {
    let rows: Vec<UserView> = sqlx::query_as(&format!("SELECT {VIEW_COLS} FROM users ORDER BY id"))
        .fetch_all(&st.db)
        .await?;
    Ok(ok("Users", rows))
}

async fn show(
    State(st): State<AppState>,
    AsAdmin(_user): AsAdmin,
    AppPath(id): AppPath<i32>,
) -> Result<Response> {
    Ok(ok("User", get(&st.db, id).await?))
}

fn check_email(e: &str) -> Result<()> {
    if !e.contains('@') || e.len() > 200 {
        return Err(Error::validation(
            "email",
            "The email address is not valid.",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    full_name: Option<String>,
    role: Option<Role>,
    /// `null` or `""` removes the address; leaving it out keeps it.
    #[serde(default, deserialize_with = "crate::extract::nullable")]
    email: Option<Option<String>>,
    is_active: Option<bool>,
    /// An admin resetting someone's password.
    password: Option<String>,
}

async fn update(
    State(st): State<AppState>,
    AsAdmin(user): AsAdmin,
    AppPath(id): AppPath<i32>,
    AppJson(p): AppJson<UserPatch>,
) -> Result<Response> {
    let hash = match p.password.clone() {
        Some(pw) => {
            password::check_strength(&pw, st.config.is_production())?;
            Some(
                tokio::task::spawn_blocking(move || password::hash(&pw))
                    .await
                    .map_err(|e| Error::Internal(e.into()))??,
            )
        }
        None => None,
    };
    if let Some(n) = &p.full_name {
        if n.trim().is_empty() || n.len() > 100 {
            return Err(Error::validation(
                "full_name",
                "Give the person's name (up to 100 characters).",
            ));
        }
    }
    let email = p
        .email
        .map(|e| e.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()));
    if let Some(Some(e)) = &email {
        check_email(e)?;
    }
    let mut tx = st.db.begin().await?;
    // Lock the admins so two concurrent demotions cannot both pass the last-admin check.
    let active_admins: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND is_active FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    let target = get(&mut *tx, id).await?;
    let loses_admin = target.role == "admin"
        && target.is_active
        && (p.is_active == Some(false) || p.role.is_some_and(|r| r != Role::Admin));
    if loses_admin && active_admins.len() <= 1 {
        return Err(Error::conflict(
            "last_admin",
            "This is the last active admin; make another admin first.",
            json!({ "user_id": id }),
        ));
    }
    let updated: UserView = sqlx::query_as(&format!(
        "UPDATE users SET full_name = COALESCE($2, full_name), role = COALESCE($3, role),
                email = CASE WHEN $7 THEN $4 ELSE email END, is_active = COALESCE($5, is_active),
                password = COALESCE($6, password), updated_at = now()
         WHERE id = $1 RETURNING {VIEW_COLS}"
    ))
    .bind(id)
    .bind(p.full_name.map(|s| s.trim().to_string()))
    .bind(p.role.map(Role::as_str))
    .bind(email.clone().flatten())
    .bind(p.is_active)
    .bind(hash)
    .bind(email.is_some())
    .fetch_one(&mut *tx)
    .await?;
    crate::events::append(
        &mut tx,
        Some(user.id),
        vec![user_event("user.updated", &updated)],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, user_id = id, "user updated");
    Ok(ok("User updated", updated))
}

/// User changes go to the log for the audit view only: no screen holds a topic for them.
fn user_event(kind: &'static str, u: &UserView) -> crate::events::NewEvent {
    crate::events::NewEvent::new(kind, vec![], u)
}

//! `/auth/*`: log in, refresh the token, who am I, change my password.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;

use super::{jwt, password, users, AuthUser, Role};
use crate::{
    app::{AppState, Routes},
    error::{Error, Result},
    extract::{ok, AppJson},
};

pub fn routes(r: Routes) -> Routes {
    let r = r
        .post("/auth/login", login)
        .post("/auth/refresh", refresh)
        .get("/auth/me", me)
        .post("/auth/password", change_password);
    users::routes(r)
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

/// The client's address: nginx's `X-Real-IP` when present (the only proxy in front of us in
/// production), else the socket peer.
fn client_ip(headers: &HeaderMap, peer: SocketAddr) -> String {
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_string)
        .unwrap_or_else(|| peer.ip().to_string())
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    AppJson(body): AppJson<LoginBody>,
) -> Result<Response> {
    let username = body.username.trim().to_lowercase();
    if username.is_empty() || body.password.is_empty() {
        return Err(Error::validation(
            "username",
            "Enter a username and a password.",
        ));
    }
    let user_key = format!("u:{username}");
    let keys = [
        user_key.clone(),
        format!("ip:{}", client_ip(&headers, peer)),
    ];
    if let Some(secs) = st.login_limiter.check(&keys) {
        return Err(Error::RateLimited {
            retry_after_secs: secs,
        });
    }

    let row = users::find_for_login(&st.db, &username).await?;
    let stored = row
        .as_ref()
        .map(|u| u.password.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.clone());
    let pw = body.password.clone();
    let matches = tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
        .await
        .map_err(|e| Error::Internal(e.into()))?;

    let user = match row {
        Some(u) if matches && u.is_active => u,
        Some(u) if matches && !u.is_active => {
            return Err(Error::Forbidden(
                "This account has been deactivated; ask a manager.".into(),
            ))
        }
        _ => {
            st.login_limiter.fail(&keys);
            tracing::info!(username = %username, "login failed");
            return Err(Error::Unauthorized("Wrong username or password.".into()));
        }
    };
    st.login_limiter.succeed(&user_key);

    if password::is_legacy_bcrypt(&user.password) {
        let pw = body.password;
        let new_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| Error::Internal(e.into()))??;
        users::set_password(&st.db, user.id, &new_hash).await?;
        tracing::info!(
            user_id = user.id,
            "upgraded a bcrypt password hash to argon2id"
        );
    }

    let role = Role::parse(&user.role)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("bad role in db")))?;
    let (token, exp) = jwt::issue(
        &st.config.jwt_secret,
        user.id,
        &user.username,
        role,
        st.config.token_ttl,
    )?;
    tracing::info!(user_id = user.id, "login");
    Ok(ok(
        "Login successful",
        json!({
            "token": token,
            "token_type": "Bearer",
            "expires_at": chrono::DateTime::from_timestamp(exp, 0),
            "user": users::UserView::from(user),
        }),
    ))
}

/// A fresh token for a still-valid one, so a screen left on all shift never has to log in
/// again: the role is today's, the user must still be active (the `AuthUser` check), and the
/// chain of refreshes ends `jwt::MAX_SESSION` after the password was last typed.
async fn refresh(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Result<Response> {
    let claims = jwt::verify(&st.config.jwt_secret, super::bearer(&headers)?)?;
    let (token, exp) = jwt::sign(
        &st.config.jwt_secret,
        user.id,
        &user.username,
        user.role,
        st.config.token_ttl,
        Some(claims.logged_in_at()),
    )?;
    let u = users::get(&st.db, user.id).await?;
    Ok(ok(
        "Token refreshed",
        json!({
            "token": token,
            "token_type": "Bearer",
            "expires_at": chrono::DateTime::from_timestamp(exp, 0),
            "user": u,
        }),
    ))
}

async fn me(State(st): State<AppState>, user: AuthUser) -> Result<Response> {
    let u = users::get(&st.db, user.id).await?;
    Ok(ok("Current user", u))
}

#[derive(Deserialize)]
struct ChangePassword {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(st): State<AppState>,
    user: AuthUser,
    AppJson(body): AppJson<ChangePassword>,
) -> Result<Response> {
    password::check_strength_of(
        "new_password",
        &body.new_password,
        st.config.is_production(),
    )?;
    let stored = users::find_for_login(&st.db, &user.username)
        .await?
        .ok_or(Error::NotFound("user"))?
        .password;
    let (cur, new) = (body.current_password, body.new_password);
    let new_hash = tokio::task::spawn_blocking(move || {
        if password::verify(&cur, &stored) {
            password::hash(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??
    .ok_or_else(|| Error::validation("current_password", "The current password is wrong."))?;
    users::set_password(&st.db, user.id, &new_hash).await?;
    Ok(ok("Password changed", json!({})))
}

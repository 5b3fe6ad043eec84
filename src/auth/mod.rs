//! Authentication and authorization: passwords, JWTs, the `AuthUser` extractor, login
//! throttling, and the admin's user management.

pub mod jwt;
pub mod limiter;
pub mod password;
pub mod role;
mod routes;
mod users;

use axum::{extract::FromRequestParts, http::request::Parts};

pub use role::{policy, Role};
pub use routes::routes;
pub use users::{create_user, NewUser};

use crate::{app::AppState, error::Error};

/// The caller, from a valid `Authorization: Bearer <jwt>` of a user who is still active.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
}

impl AuthUser {
    pub fn require(&self, allowed: &[Role]) -> Result<(), Error> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "The {} role may not do this.",
                self.role.as_str()
            )))
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .ok_or_else(|| {
                Error::Unauthorized("Log in first: this needs a bearer token.".into())
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| Error::Unauthorized("Use 'Authorization: Bearer <token>'.".into()))?;
        let claims = jwt::verify(&state.config.jwt_secret, token.trim())?;
        // The role and active flag are read fresh: a deactivated user's token stops working at once.
        let row: Option<(String, String, bool)> =
            sqlx::query_as("SELECT username, role, is_active FROM users WHERE id = $1")
                .bind(claims.sub)
                .fetch_optional(&state.db)
                .await?;
        match row {
            Some((username, role, true)) => Ok(AuthUser {
                id: claims.sub,
                username,
                role: Role::parse(&role)
                    .ok_or_else(|| Error::Unauthorized("Unknown role.".into()))?,
            }),
            _ => Err(Error::Unauthorized(
                "This account is no longer active; log in again.".into(),
            )),
        }
    }
}

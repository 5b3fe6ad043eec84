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

/// The token of an `Authorization: Bearer <jwt>` header (not yet verified).
pub fn bearer(headers: &axum::http::HeaderMap) -> Result<&str, Error> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| Error::Unauthorized("Log in first: this needs a bearer token.".into()))?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| Error::Unauthorized("Use 'Authorization: Bearer <token>'.".into()))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers)?;
        let claims = jwt::verify(&state.config.jwt_secret, token)?;
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

/// Extractors that admit only the roles of one policy. They run before the body is read, so
/// a caller without the role gets 403 whatever they sent.
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, $roles:expr) => {
        $(#[$doc])*
        pub struct $name(pub AuthUser);

        impl FromRequestParts<AppState> for $name {
            type Rejection = Error;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
                let user = AuthUser::from_request_parts(parts, state).await?;
                user.require($roles)?;
                Ok($name(user))
            }
        }
    };
}

role_guard!(/// admin
    AsAdmin, policy::ADMIN);
role_guard!(/// admin, manager
    AsManager, policy::MANAGE);
role_guard!(/// admin, manager, kitchen, bar: may 86 a product
    AsMenuKeeper, policy::MENU_AVAILABILITY);
role_guard!(/// admin, manager, cashier, waiter
    AsFloorStaff, policy::FLOOR);
role_guard!(/// admin, manager, cashier, waiter
    AsOrderTaker, policy::TAKE_ORDERS);
role_guard!(/// admin, manager, cashier
    AsCashier, policy::PAY);
role_guard!(/// admin, manager
    AsCanceller, policy::CANCEL);
role_guard!(/// admin, manager, kitchen, bar
    AsStationStaff, policy::STATIONS);
role_guard!(/// admin, manager, waiter, kitchen, bar: may serve and rush tickets
    AsRunner, policy::SERVE);

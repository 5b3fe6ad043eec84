use std::time::Duration;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::role::Role;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: i32,
    pub username: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// When the user last typed their password (kept through refreshes); tokens issued before
    /// refreshing existed lack it, and count from `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

impl Claims {
    pub fn logged_in_at(&self) -> i64 {
        self.auth_time.unwrap_or(self.iat)
    }
}

/// How long after logging in a token can still be refreshed: a screen left on all week must
/// see the password once a week.
pub const MAX_SESSION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A token for a user who has just logged in.
pub fn issue(
    secret: &str,
    user_id: i32,
    username: &str,
    role: Role,
    ttl: Duration,
) -> Result<(String, i64)> {
    sign(secret, user_id, username, role, ttl, None)
}

/// A token whose login happened at `auth_time` (a refresh): it never outlives
/// `auth_time + MAX_SESSION`.
pub fn sign(
    secret: &str,
    user_id: i32,
    username: &str,
    role: Role,
    ttl: Duration,
    auth_time: Option<i64>,
) -> Result<(String, i64)> {
    let now = chrono::Utc::now().timestamp();
    let auth_time = auth_time.unwrap_or(now);
    let exp = (now + ttl.as_secs() as i64).min(auth_time + MAX_SESSION.as_secs() as i64);
    let claims = Claims {
        sub: user_id,
        username: username.to_string(),
        role,
        iat: now,
        exp,
        auth_time: Some(auth_time),
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("jwt encode: {e}")))?;
    Ok((token, exp))
}

pub fn verify(secret: &str, token: &str) -> Result<Claims> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    decode::<Claims>(token, &DecodingKey::from_secret(secret.as_bytes()), &v)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                Error::Unauthorized("Your session has expired; log in again.".into())
            }
            _ => Error::Unauthorized("The token is not valid; log in again.".into()),
        })
}

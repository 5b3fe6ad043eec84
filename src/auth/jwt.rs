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
}

pub fn issue(
    secret: &str,
    user_id: i32,
    username: &str,
    role: Role,
    ttl: Duration,
) -> Result<(String, i64)> {
    let now = chrono::Utc::now().timestamp();
    let exp = now + ttl.as_secs() as i64;
    let claims = Claims {
        sub: user_id,
        username: username.to_string(),
        role,
        iat: now,
        exp,
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

//! Who may hold which topic (DESIGN §4), and who a WebSocket token belongs to.

use crate::{
    app::AppState,
    auth::{jwt, AuthUser, Role},
    error::{Error, Result},
    events::topics,
};

pub const MAX_TOPIC_LEN: usize = 64;

/// Why a topic is refused: a stable code and a sentence for a person.
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

fn valid_station(code: &str) -> bool {
    let mut b = code.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase())
        && code.len() <= 32
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

pub fn check(user: &AuthUser, topic: &str) -> Result<(), Refusal> {
    use Role::*;
    let boss = matches!(user.role, Admin | Manager);
    let allowed = if topic.len() > MAX_TOPIC_LEN {
        return Err(refuse("unknown_topic", "That topic name is too long."));
    } else if topic == topics::EXPO {
        boss || user.role == Kitchen
    } else if topic == topics::FLOOR {
        boss || matches!(user.role, Waiter | Cashier)
    } else if topic == topics::ORDERS {
        boss || user.role == Cashier
    } else if let Some(code) = topic.strip_prefix("station:") {
        if !valid_station(code) {
            return Err(refuse(
                "unknown_topic",
                format!("'{code}' is not a station code."),
            ));
        }
        boss || user.role == Role::for_station(code)
    } else if let Some(id) = topic.strip_prefix("waiter:") {
        // Only the canonical form ("waiter:7", not "waiter:07"): events carry that one.
        let Some(id) = id.parse::<i32>().ok().filter(|n| n.to_string() == id) else {
            return Err(refuse(
                "unknown_topic",
                "A waiter topic is 'waiter:<user id>'.",
            ));
        };
        boss || (user.role == Waiter && user.id == id)
    } else {
        return Err(refuse(
            "unknown_topic",
            "Topics are station:<code>, expo, waiter:<user id>, floor and orders.",
        ));
    };
    if allowed {
        Ok(())
    } else {
        Err(refuse(
            "forbidden_topic",
            format!("The {} role may not hold '{topic}'.", user.role.as_str()),
        ))
    }
}

/// The user behind `token`, read fresh (a deactivated user's token stops working), and the
/// token's expiry (unix seconds).
pub async fn user_for_token(st: &AppState, token: &str) -> Result<(AuthUser, i64)> {
    let claims = jwt::verify(&st.config.jwt_secret, token.trim())?;
    let row: Option<(String, String, bool)> =
        sqlx::query_as("SELECT username, role, is_active FROM users WHERE id = $1")
            .bind(claims.sub)
            .fetch_optional(&st.db)
            .await?;
    match row {
        Some((username, role, true)) => Ok((
            AuthUser {
                id: claims.sub,
                username,
                role: Role::parse(&role)
                    .ok_or_else(|| Error::Unauthorized("Unknown role.".into()))?,
            },
            claims.exp,
        )),
        _ => Err(Error::Unauthorized(
            "This account is no longer active; log in again.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(role: Role, id: i32) -> AuthUser {
        AuthUser {
            id,
            username: "x".into(),
            role,
        }
    }

    #[test]
    fn the_design_table_holds() {
        let ok = |r, id, t| check(&u(r, id), t).is_ok();
        assert!(ok(Role::Kitchen, 1, "station:grill"));
        assert!(!ok(Role::Kitchen, 1, "station:bar"));
        assert!(ok(Role::Bar, 1, "station:bar"));
        assert!(!ok(Role::Bar, 1, "expo"));
        assert!(ok(Role::Kitchen, 1, "expo"));
        assert!(ok(Role::Waiter, 7, "waiter:7"));
        assert!(!ok(Role::Waiter, 7, "waiter:8"));
        assert!(ok(Role::Manager, 1, "waiter:8"));
        assert!(ok(Role::Cashier, 1, "floor"));
        assert!(!ok(Role::Kitchen, 1, "floor"));
        assert!(ok(Role::Cashier, 1, "orders"));
        assert!(!ok(Role::Waiter, 1, "orders"));
        assert!(ok(Role::Admin, 1, "station:anything"));
        assert_eq!(
            check(&u(Role::Admin, 1), "nonsense").err().unwrap().code,
            "unknown_topic"
        );
        assert_eq!(
            check(&u(Role::Admin, 1), "station:Bad").err().unwrap().code,
            "unknown_topic"
        );
        assert_eq!(
            check(&u(Role::Waiter, 1), "expo").err().unwrap().code,
            "forbidden_topic"
        );
    }
}

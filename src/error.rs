//! The one error type. Every failure a client sees is the deployment guide's envelope:
//! `{"success":false,"message":"<for a person>","error":{"code":"<stable>","details":...}}`.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("{message}")]
    Validation {
        code: &'static str,
        message: String,
        details: Value,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("No {0} has that id.")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Value,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("Too many failed attempts; try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            code: "validation_failed",
            message: message.into(),
            details: json!({ "field": field }),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>, details: Value) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
            details,
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, Value) {
        match self {
            Error::BadRequest(code, _) => (StatusCode::BAD_REQUEST, code, Value::Null),
            Error::Validation { code, details, .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, code, details.clone())
            }
            Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", Value::Null),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", Value::Null),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", Value::Null),
            Error::Conflict { code, details, .. } => (StatusCode::CONFLICT, code, details.clone()),
            Error::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                Value::Null,
            ),
            Error::UnsupportedMedia(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Value::Null,
            ),
            Error::RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                json!({ "retry_after": retry_after_secs }),
            ),
            Error::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                Value::Null,
            ),
            Error::Db(e) if is_connection_error(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                Value::Null,
            ),
            Error::Db(_) | Error::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                Value::Null,
            ),
        }
    }
}

fn is_connection_error(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    )
}

/// Builds an envelope body for the error codes produced outside handlers (fallbacks, layers).
pub fn envelope(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    let mut err = json!({ "code": code });
    if !details.is_null() {
        err["details"] = details;
    }
    (
        status,
        Json(json!({ "success": false, "message": message, "error": err })),
    )
        .into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, details) = self.parts();
        let message = match &self {
            Error::Db(e) if is_connection_error(e) => {
                tracing::warn!(error = %e, "database unreachable");
                "The database is unavailable; try again shortly.".to_string()
            }
            Error::Db(e) => {
                tracing::error!(error = ?e, "database error");
                "Something went wrong on the server.".to_string()
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Something went wrong on the server.".to_string()
            }
            Error::Unavailable => "The database is unavailable; try again shortly.".to_string(),
            other => other.to_string(),
        };
        let mut resp = envelope(status, code, &message, details);
        if let Error::RateLimited { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// Maps a unique-key violation to 409 naming what clashed; everything else stays a Db error.
pub fn on_unique(e: sqlx::Error, what: &'static str) -> Error {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return Error::conflict(
                "already_exists",
                format!("That {what} already exists."),
                json!({ "constraint": db.constraint() }),
            );
        }
        if db.is_foreign_key_violation() {
            // Constraint names are <table>_<column>_fkey: name the column the client sent.
            let field = db
                .constraint()
                .and_then(|c| c.strip_suffix("_fkey"))
                .and_then(|c| c.split_once('_').map(|(_, col)| col.to_string()))
                .unwrap_or_else(|| what.to_string());
            return Error::validation(
                &field,
                format!("The {field} refers to something that does not exist."),
            );
        }
    }
    Error::Db(e)
}

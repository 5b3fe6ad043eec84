//! Request extractors and the success envelope, so bad input gets the app's error format.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};
use serde_json::json;

use crate::error::Error;

/// `Json<T>` whose rejections are envelope errors with stable codes.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(AppJson(v)),
            Err(rej) => Err(json_rejection(rej)),
        }
    }
}

fn json_rejection(rej: JsonRejection) -> Error {
    match rej {
        JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMedia(
            "Send the body as JSON with 'Content-Type: application/json'.".into(),
        ),
        JsonRejection::JsonSyntaxError(e) => Error::BadRequest(
            "malformed_json",
            format!("The body is not valid JSON ({}).", inner(&e)),
        ),
        JsonRejection::JsonDataError(e) => Error::Validation {
            code: "invalid_body",
            message: format!("The body has a wrong or missing field ({}).", inner(&e)),
            details: serde_json::Value::Null,
        },
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Error::PayloadTooLarge("The request body is too large.".into())
        }
        other => Error::BadRequest(
            "bad_request",
            format!("The request could not be read ({}).", other.body_text()),
        ),
    }
}

/// serde's own message (e.g. "quantity: invalid value: integer `-1`, expected u32"), without axum's prefix.
fn inner(e: &dyn std::error::Error) -> String {
    let mut src = e.source();
    let mut last = e.to_string();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    last
}

/// Path parameters with a clear 400/404 instead of axum's plain-text rejection.
pub struct AppPath<T>(pub T);

impl<S, T> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| AppPath(v))
            .map_err(|_| {
                Error::BadRequest(
                    "invalid_id",
                    "An id in the URL is not a valid number.".into(),
                )
            })
    }
}

/// Query strings with envelope errors.
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| AppQuery(v))
            .map_err(|e| {
                Error::BadRequest(
                    "invalid_query",
                    format!("The query string is invalid ({}).", inner(&e)),
                )
            })
    }
}

/// The guide's success envelope.
pub fn ok<T: Serialize>(message: &str, data: T) -> Response {
    Json(json!({ "success": true, "message": message, "data": data })).into_response()
}

pub fn created<T: Serialize>(message: &str, data: T) -> Response {
    (
        StatusCode::CREATED,
        Json(json!({ "success": true, "message": message, "data": data })),
    )
        .into_response()
}

/// A JSON body read as bytes, for handlers that also need the raw body (idempotency) or accept
/// an empty one: the same checks and error codes as `AppJson`.
pub fn json_from_bytes<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: &Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, Error> {
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(Error::PayloadTooLarge(
                "The request body is too large.".into(),
            ))
        }
        Err(e) => {
            return Err(Error::BadRequest(
                "bad_request",
                format!("The request could not be read ({}).", e.body_text()),
            ))
        }
    };
    let json_ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !json_ct {
        return Err(Error::UnsupportedMedia(
            "Send the body as JSON with 'Content-Type: application/json'.".into(),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            Error::Validation {
                code: "invalid_body",
                message: format!("The body has a wrong or missing field ({e})."),
                details: serde_json::Value::Null,
            }
        } else {
            Error::BadRequest(
                "malformed_json",
                format!("The body is not valid JSON ({e})."),
            )
        }
    })
}

/// For PATCH fields that can be cleared: absent → `None` (leave it), `null` → `Some(None)`
/// (clear it), a value → `Some(Some(v))`. Use with `#[serde(default, deserialize_with = …)]`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

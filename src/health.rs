//! `GET /health`, exactly as the deployment guide shows it, plus `redis`.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::app::AppState;

pub async fn health(State(st): State<AppState>) -> impl IntoResponse {
    let db_ok = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&st.db),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let redis = match &st.redis {
        None => "not_configured",
        Some(client) => {
            let pong = tokio::time::timeout(Duration::from_secs(1), async {
                let mut c = client.get_multiplexed_async_connection().await?;
                redis::cmd("PING").query_async::<String>(&mut c).await
            })
            .await;
            if matches!(pong, Ok(Ok(_))) {
                "connected"
            } else {
                "disconnected"
            }
        }
    };
    let data = json!({
        "status": if db_ok { "healthy" } else { "unhealthy" },
        "database": if db_ok { "connected" } else { "disconnected" },
        "redis": redis,
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    if db_ok {
        (
            StatusCode::OK,
            Json(json!({"success": true, "message": "Server is healthy", "data": data})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "success": false,
                "message": "Server is unhealthy: the database is unreachable",
                "data": data,
                "error": {"code": "database_unavailable"}
            })),
        )
    }
}

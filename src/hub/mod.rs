//! The real-time hub (issue 3): WebSocket sessions, topics, replay and fan-out. Stub until then.

use axum::response::IntoResponse;

use crate::app::Routes;

#[derive(Clone, Default)]
pub struct Hub {
    _private: (),
}

pub fn routes(r: Routes) -> Routes {
    r
}

pub async fn metrics() -> impl IntoResponse {
    ""
}

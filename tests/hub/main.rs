//! The real-time hub against real PostgreSQL, real Redis and real WebSocket clients.
//! Tests assert behaviour, never wall-clock times; every wait is bounded.

#[path = "../api/helpers.rs"]
mod helpers;

mod admission;
mod backpressure;
mod basics;
mod client;
mod e2e;
mod heartbeat;
mod listener;
mod ordering;
mod pgproxy;
mod presence;
mod redis;
mod redis_server;
mod restore;
mod resume;
mod shutdown;

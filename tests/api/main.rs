//! One integration-test binary against real PostgreSQL (and Redis where a test says so).

mod auth;
mod helpers;
mod orders;

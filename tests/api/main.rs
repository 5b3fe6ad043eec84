//! One integration-test binary against real PostgreSQL (and Redis where a test says so).

mod auth;
mod authz;
mod backoffice;
mod bad_input;
mod event_log;
mod floor;
mod guide;
mod helpers;
mod menu;
mod orders;
mod outage;

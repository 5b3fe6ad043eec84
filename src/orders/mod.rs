//! Orders, items and tickets: the state machine a restaurant runs on.
//!
//! Order: open → paid | cancelled (closed orders never change). Item: held → fired → ready →
//! served, or voided. Ticket (one per station and course, created when items fire): fired →
//! started → ready (bump) → served; recall brings a ready or served ticket back; voided when
//! all its items are. Every change writes its rows and its events in one transaction.

mod changes;
mod create;
mod items;
pub mod model;
mod payment;
mod publish;
mod state;
mod tickets;
pub mod views;

use axum::{extract::State, response::Response};
use serde::Deserialize;

use crate::{
    app::{AppState, Routes},
    auth::AsOrderTaker,
    error::{Error, Result},
    extract::{ok, AppPath, AppQuery},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/orders", list)
        .post("/orders", create::create)
        .get("/orders/{id}", show)
        .post("/orders/{id}/items", changes::add_items)
        .post("/orders/{id}/items/{item_id}/void", changes::void_item)
        .post("/orders/{id}/fire", changes::fire)
        .post("/orders/{id}/pay", payment::pay)
        .post("/orders/{id}/cancel", payment::cancel)
        .get("/tickets", tickets::list)
        .get("/tickets/{id}", tickets::show)
        .post("/tickets/{id}/start", tickets::start)
        .post("/tickets/{id}/ready", tickets::ready)
        .post("/tickets/{id}/recall", tickets::recall)
        .post("/tickets/{id}/serve", tickets::serve)
        .post("/tickets/{id}/rush", tickets::rush)
        .post("/tickets/{id}/items/{item_id}/ready", tickets::item_ready)
}

#[derive(Deserialize)]
struct ListQuery {
    /// open (default), paid, cancelled or all
    status: Option<String>,
    waiter_id: Option<i32>,
}

async fn list(
    State(st): State<AppState>,
    AsOrderTaker(_user): AsOrderTaker,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Response> {
    let clause = match q.status.as_deref().unwrap_or("open") {
        "open" => "o.status = 'open'",
        "paid" => "o.status = 'paid' AND o.paid_at > now() - interval '1 day'",
        "cancelled" => "o.status = 'cancelled' AND o.cancelled_at > now() - interval '1 day'",
        "all" => "(o.status = 'open' OR o.updated_at > now() - interval '1 day')",
        _ => {
            return Err(Error::BadRequest(
                "invalid_query",
                "status is open, paid, cancelled or all.".into(),
            ))
        }
    };
    let mut conn = st.db.acquire().await?;
    Ok(ok(
        "Orders",
        model::load_orders_where(&mut conn, clause, q.waiter_id).await?,
    ))
}

async fn show(
    State(st): State<AppState>,
    AsOrderTaker(_user): AsOrderTaker,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    let mut conn = st.db.acquire().await?;
    Ok(ok("Order", model::load_order(&mut conn, id).await?))
}

/// Idempotency keys only need to outlive a waiter's retries; forget them after a day.
pub fn spawn_janitor(db: sqlx::PgPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = sqlx::query(
                "DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'",
            )
            .execute(&db)
            .await
            {
                tracing::warn!(error = %e, "idempotency janitor");
            }
        }
    })
}

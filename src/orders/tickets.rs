//! Tickets at the stations: list, start, bump (ready), recall, serve, item-level ready, rush.

use axum::{extract::State, response::Response};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use super::{
    model::{load_ticket, open_tickets, TicketView},
    publish::ticket_event,
    state,
};
use crate::{
    app::AppState,
    auth::{policy, AsRunner, AsStationStaff, AuthUser, Role},
    error::{Error, Result},
    events,
    extract::{ok, AppJson, AppPath, AppQuery},
    floor::table_event,
};

#[derive(Deserialize)]
pub struct ListQuery {
    station: Option<String>,
}

/// Open tickets (fired, started, ready), oldest first; `?station=grill` for one station.
pub async fn list(
    State(st): State<AppState>,
    AsStationStaff(_user): AsStationStaff,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Response> {
    let mut conn = st.db.acquire().await?;
    Ok(ok(
        "Open tickets",
        open_tickets(&mut conn, q.station.as_deref()).await?,
    ))
}

pub async fn show(
    State(st): State<AppState>,
    AsRunner(_user): AsRunner,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    let mut conn = st.db.acquire().await?;
    Ok(ok("Ticket", load_ticket(&mut conn, id).await?))
}

#[derive(Clone, Copy, PartialEq)]
enum Action {
    Start,
    Ready,
    Recall,
    Serve,
}

impl Action {
    fn allowed_from(self) -> &'static [&'static str] {
        match self {
            Action::Start => &["fired"],
            Action::Ready => &["fired", "started"],
            Action::Recall => &["ready", "served"],
            Action::Serve => &["ready"],
        }
    }
    fn verb(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Ready => "bumped",
            Action::Recall => "recalled",
            Action::Serve => "served",
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Action::Start => "ticket.started",
            Action::Ready => "ticket.ready",
            Action::Recall => "ticket.recalled",
            Action::Serve => "ticket.served",
        }
    }
}

/// Locks a ticket, checks that the caller works its station (or may serve), and that its
/// order is not cancelled.
async fn lock(
    conn: &mut PgConnection,
    id: i64,
    user: &AuthUser,
    serve: bool,
) -> Result<TicketView> {
    sqlx::query("SELECT id FROM tickets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let t = load_ticket(&mut *conn, id).await?;
    let order_status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(t.ticket.order_id)
        .fetch_one(&mut *conn)
        .await?;
    // Paid orders' tickets are still cooked and served (takeaway pays first); cancelled ones are gone.
    if order_status == "cancelled" {
        return Err(Error::conflict(
            "order_closed",
            format!(
                "Order {} was cancelled; its tickets cannot change.",
                t.ticket.order_id
            ),
            json!({ "current": t }),
        ));
    }
    let station_role = Role::for_station(&t.ticket.station);
    let allowed = matches!(user.role, Role::Admin | Role::Manager)
        || user.role == station_role
        || (serve && policy::SERVE.contains(&user.role));
    if !allowed {
        return Err(Error::Forbidden(format!(
            "The {} role may not work tickets of the {} station.",
            user.role.as_str(),
            t.ticket.station
        )));
    }
    Ok(t)
}

fn invalid(t: &TicketView, verb: &str) -> Error {
    Error::conflict(
        "invalid_transition",
        format!(
            "Ticket {} is {}; it cannot be {verb}.",
            t.ticket.id, t.ticket.status
        ),
        json!({ "current": t }),
    )
}

async fn transition(st: &AppState, user: &AuthUser, id: i64, action: Action) -> Result<TicketView> {
    let mut tx = st.db.begin().await?;
    let t = lock(&mut tx, id, user, action == Action::Serve).await?;
    if !action.allowed_from().contains(&t.ticket.status.as_str()) {
        return Err(invalid(&t, action.verb()));
    }
    let (ticket_sql, items_sql) = match action {
        Action::Start => ("UPDATE tickets SET status = 'started', started_at = now() WHERE id = $1", None),
        Action::Ready => (
            "UPDATE tickets SET status = 'ready', ready_at = now() WHERE id = $1",
            Some("UPDATE order_items SET status = 'ready' WHERE ticket_id = $1 AND status = 'fired'"),
        ),
        Action::Recall => (
            "UPDATE tickets SET status = 'started', started_at = COALESCE(started_at, now()),
                ready_at = NULL, served_at = NULL, recall_count = recall_count + 1 WHERE id = $1",
            Some("UPDATE order_items SET status = 'fired' WHERE ticket_id = $1 AND status IN ('ready','served')"),
        ),
        Action::Serve => (
            "UPDATE tickets SET status = 'served', served_at = now() WHERE id = $1",
            Some("UPDATE order_items SET status = 'served' WHERE ticket_id = $1 AND status IN ('fired','ready')"),
        ),
    };
    sqlx::query(ticket_sql).bind(id).execute(&mut *tx).await?;
    if let Some(sql) = items_sql {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    finish(tx, user, id, t.ticket.order_id, action.kind()).await
}

/// Appends the ticket's event (and the table's, if it moved) and commits.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    user: &AuthUser,
    id: i64,
    order_id: i64,
    kind: &'static str,
) -> Result<TicketView> {
    let table = state::sync_table(&mut tx, order_id).await?;
    let t = load_ticket(&mut tx, id).await?;
    let mut evs = vec![ticket_event(kind, &t)];
    if let Some(tb) = table {
        evs.push(table_event(&tb));
    }
    events::append(&mut tx, Some(user.id), evs).await?;
    tx.commit().await?;
    Ok(t)
}

pub async fn start(
    State(st): State<AppState>,
    user: AuthUser,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    Ok(ok(
        "Ticket started",
        transition(&st, &user, id, Action::Start).await?,
    ))
}

/// Bump: the ticket is ready; the waiter who owns the order is told.
pub async fn ready(
    State(st): State<AppState>,
    user: AuthUser,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    Ok(ok(
        "Ticket ready",
        transition(&st, &user, id, Action::Ready).await?,
    ))
}

pub async fn recall(
    State(st): State<AppState>,
    user: AuthUser,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    Ok(ok(
        "Ticket recalled",
        transition(&st, &user, id, Action::Recall).await?,
    ))
}

pub async fn serve(
    State(st): State<AppState>,
    user: AuthUser,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    Ok(ok(
        "Ticket served",
        transition(&st, &user, id, Action::Serve).await?,
    ))
}

/// One item done; when every live item of the ticket is done, the ticket is ready.
pub async fn item_ready(
    State(st): State<AppState>,
    AsStationStaff(user): AsStationStaff,
    AppPath((id, item_id)): AppPath<(i64, i64)>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let t = lock(&mut tx, id, &user, false).await?;
    let item = t
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(Error::NotFound("item"))?;
    if item.status != "fired" || !["fired", "started"].contains(&t.ticket.status.as_str()) {
        return Err(Error::conflict(
            "invalid_transition",
            format!(
                "Item {} is {}; it cannot be marked ready.",
                item.id, item.status
            ),
            json!({ "current": t }),
        ));
    }
    sqlx::query("UPDATE order_items SET status = 'ready' WHERE id = $1")
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
    let done: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM order_items WHERE ticket_id = $1 AND status = 'fired')",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let kind = if done {
        sqlx::query("UPDATE tickets SET status = 'ready', ready_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        "ticket.ready"
    } else {
        "ticket.updated"
    };
    let t = finish(tx, &user, id, t.ticket.order_id, kind).await?;
    Ok(ok("Item ready", t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rush {
    rush: bool,
}

pub async fn rush(
    State(st): State<AppState>,
    AsRunner(user): AsRunner,
    AppPath(id): AppPath<i64>,
    AppJson(b): AppJson<Rush>,
) -> Result<Response> {
    let mut tx = st.db.begin().await?;
    let t = lock(&mut tx, id, &user, true).await?;
    if !["fired", "started"].contains(&t.ticket.status.as_str()) {
        return Err(invalid(&t, "rushed"));
    }
    sqlx::query("UPDATE tickets SET rush = $2 WHERE id = $1")
        .bind(id)
        .bind(b.rush)
        .execute(&mut *tx)
        .await?;
    let t = finish(tx, &user, id, t.ticket.order_id, "ticket.updated").await?;
    Ok(ok("Ticket priority changed", t))
}

//! Which topics each change goes to (DESIGN §4).

use super::model::{OrderView, TicketView};
use crate::events::{topics, NewEvent};

/// Order changes: the cashiers' `orders` and the owning waiter.
pub fn order_event(kind: &'static str, o: &OrderView) -> NewEvent {
    NewEvent::new(
        kind,
        vec![topics::ORDERS.into(), topics::waiter(o.order.waiter_id)],
        o,
    )
}

/// Ticket changes: its station, expo, and the waiter who owns the order ("Table 7 — ready").
pub fn ticket_event(kind: &'static str, t: &TicketView) -> NewEvent {
    NewEvent::new(
        kind,
        vec![
            topics::station(&t.ticket.station),
            topics::EXPO.into(),
            topics::waiter(t.ticket.waiter_id),
        ],
        t,
    )
}

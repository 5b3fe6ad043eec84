//! The floor: tables (label, area, capacity), their QR codes, their live status, and the
//! manager's floor view.
//!
//! Table status: free → seated → ordered → food_ready → served → bill_requested → paid → free.
//! `seated`, `bill_requested` and `free` are set by people here; `ordered`, `food_ready`,
//! `served` and `paid` follow the table's order (see `orders`).

mod qr;
pub mod tables;
mod view;

use crate::app::Routes;

pub use tables::{set_status, table_event, TableStatus, TableView};

pub fn routes(r: Routes) -> Routes {
    let r = tables::routes(r);
    let r = qr::routes(r);
    view::routes(r)
}

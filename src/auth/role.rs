use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Cashier,
    Waiter,
    Kitchen,
    Bar,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Cashier,
        Role::Waiter,
        Role::Kitchen,
        Role::Bar,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Cashier => "cashier",
            Role::Waiter => "waiter",
            Role::Kitchen => "kitchen",
            Role::Bar => "bar",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The station role that works a station: `bar` for the bar, `kitchen` for every other.
    pub fn for_station(code: &str) -> Role {
        if code == "bar" {
            Role::Bar
        } else {
            Role::Kitchen
        }
    }
}

/// Who may do what, named once so routes and tests read the same policy.
pub mod policy {
    use super::Role::{self, *};
    pub const ANY: &[Role] = &Role::ALL;
    pub const ADMIN: &[Role] = &[Admin];
    pub const MANAGE: &[Role] = &[Admin, Manager];
    pub const MENU_AVAILABILITY: &[Role] = &[Admin, Manager, Kitchen, Bar];
    pub const FLOOR: &[Role] = &[Admin, Manager, Cashier, Waiter];
    pub const TAKE_ORDERS: &[Role] = &[Admin, Manager, Cashier, Waiter];
    pub const PAY: &[Role] = &[Admin, Manager, Cashier];
    pub const CANCEL: &[Role] = &[Admin, Manager];
    pub const STATIONS: &[Role] = &[Admin, Manager, Kitchen, Bar];
    pub const SERVE: &[Role] = &[Admin, Manager, Waiter, Kitchen, Bar];
}

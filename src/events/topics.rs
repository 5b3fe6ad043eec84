//! Topic names (DESIGN §4).

pub const EXPO: &str = "expo";
pub const FLOOR: &str = "floor";
pub const ORDERS: &str = "orders";

pub fn station(code: &str) -> String {
    format!("station:{code}")
}

pub fn waiter(user_id: i32) -> String {
    format!("waiter:{user_id}")
}

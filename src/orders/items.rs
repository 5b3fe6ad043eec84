//! Putting items on an order and firing them to the stations as tickets.

use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use crate::error::{Error, Result};

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub product_id: i32,
    pub quantity: i32,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default = "first_course")]
    pub course: i32,
}

fn first_course() -> i32 {
    1
}

pub fn validate(items: &[NewItem], hold_courses: &[i32]) -> Result<()> {
    if items.is_empty() {
        return Err(Error::validation("items", "Add at least one item."));
    }
    if items.len() > 100 {
        return Err(Error::validation("items", "At most 100 items at once."));
    }
    for (n, it) in items.iter().enumerate() {
        let field = format!("items[{n}]");
        if !(1..=99).contains(&it.quantity) {
            return Err(Error::validation(
                &format!("{field}.quantity"),
                "Quantity must be between 1 and 99.",
            ));
        }
        if !(1..=9).contains(&it.course) {
            return Err(Error::validation(
                &format!("{field}.course"),
                "Course must be between 1 and 9.",
            ));
        }
        if it.notes.chars().count() > 200 {
            return Err(Error::validation(
                &format!("{field}.notes"),
                "Notes are 200 characters at most.",
            ));
        }
        if it.modifiers.len() > 20
            || it
                .modifiers
                .iter()
                .any(|m| m.trim().is_empty() || m.chars().count() > 60)
        {
            return Err(Error::validation(
                &format!("{field}.modifiers"),
                "Up to 20 modifiers of 1-60 characters each.",
            ));
        }
    }
    if hold_courses.iter().any(|c| !(1..=9).contains(c)) {
        return Err(Error::validation(
            "hold_courses",
            "Courses are numbered 1 to 9.",
        ));
    }
    Ok(())
}

/// Inserts `items` as held (price and name copied from the menu). 86'd or unknown products
/// refuse the whole batch (the caller's transaction is then dropped, undoing the insert).
/// `late` marks items added after the order's first fire.
pub async fn insert(
    conn: &mut PgConnection,
    order_id: i64,
    items: &[NewItem],
    late: bool,
) -> Result<Vec<i64>> {
    let pids: Vec<i32> = items.iter().map(|i| i.product_id).collect();
    let qty: Vec<i32> = items.iter().map(|i| i.quantity).collect();
    let courses: Vec<i32> = items.iter().map(|i| i.course).collect();
    let notes: Vec<String> = items.iter().map(|i| i.notes.trim().to_string()).collect();
    // text[][] must be rectangular, so modifiers travel as JSON arrays.
    let mods: Vec<serde_json::Value> = items
        .iter()
        .map(|i| json!(i.modifiers.iter().map(|m| m.trim()).collect::<Vec<_>>()))
        .collect();
    // Only available products join, so a short result means an unknown or 86'd product; the
    // check that says which runs only then, keeping the common case to one round trip.
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, modifiers, notes,
                                  course, station_id, added_late)
         SELECT $1, p.id, p.name, p.price, u.qty, ARRAY(SELECT jsonb_array_elements_text(u.mods)),
                u.notes, u.course, COALESCE(p.station_id, c.station_id), $7
         FROM unnest($2::int[], $3::int[], $4::jsonb[], $5::text[], $6::int[])
                WITH ORDINALITY AS u(pid, qty, mods, notes, course, n)
         JOIN products p ON p.id = u.pid AND p.is_available JOIN categories c ON c.id = p.category_id
         ORDER BY u.n
         RETURNING id",
    )
    .bind(order_id)
    .bind(&pids)
    .bind(&qty)
    .bind(&mods)
    .bind(&notes)
    .bind(&courses)
    .bind(late)
    .fetch_all(&mut *conn)
    .await?;
    if ids.len() != items.len() {
        return Err(refusal(conn, &pids).await?);
    }
    Ok(ids)
}

/// Why some of `pids` could not be ordered: unknown ids, or products that are 86'd.
async fn refusal(conn: &mut PgConnection, pids: &[i32]) -> Result<Error> {
    let found: Vec<(i32, String, bool)> =
        sqlx::query_as("SELECT id, name, is_available FROM products WHERE id = ANY($1)")
            .bind(pids)
            .fetch_all(&mut *conn)
            .await?;
    let missing: Vec<i32> = pids
        .iter()
        .copied()
        .filter(|id| !found.iter().any(|f| f.0 == *id))
        .collect();
    if !missing.is_empty() {
        return Ok(Error::Validation {
            code: "unknown_product",
            message: format!("No product has id {:?}.", missing),
            details: json!({ "product_ids": missing }),
        });
    }
    let unavailable: Vec<&(i32, String, bool)> = found.iter().filter(|f| !f.2).collect();
    let names: Vec<&str> = unavailable.iter().map(|f| f.1.as_str()).collect();
    Ok(Error::conflict(
        "product_unavailable",
        format!("Not available right now (86'd): {}.", names.join(", ")),
        json!({ "product_ids": unavailable.iter().map(|f| f.0).collect::<Vec<_>>() }),
    ))
}

/// Fires the order's held items — all, or only those in `courses`, or only the items `only`
/// (just added) — as one ticket per station and course, in one statement. Returns the new
/// tickets' ids in (course, station) order.
pub async fn fire(
    conn: &mut PgConnection,
    order_id: i64,
    courses: Option<&[i32]>,
    only: Option<&[i64]>,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "WITH g AS (
           SELECT DISTINCT station_id, course FROM order_items
           WHERE order_id = $1 AND status = 'held' AND ($2::int[] IS NULL OR course = ANY($2))
             AND ($3::bigint[] IS NULL OR id = ANY($3))),
         t AS (
           INSERT INTO tickets (order_id, station_id, course)
           SELECT $1, station_id, course FROM g ORDER BY course, station_id
           RETURNING id, station_id, course),
         u AS (
           UPDATE order_items i SET status = 'fired', ticket_id = t.id FROM t
           WHERE i.order_id = $1 AND i.station_id = t.station_id AND i.course = t.course
             AND i.status = 'held' AND ($3::bigint[] IS NULL OR i.id = ANY($3)))
         SELECT id FROM t ORDER BY id",
    )
    .bind(order_id)
    .bind(courses)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?)
}

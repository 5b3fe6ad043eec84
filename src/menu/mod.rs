//! The menu: stations, categories (each routed to a station), products with prices in rupiah,
//! availability (86) and photos.

mod categories;
pub(crate) mod images;
mod products;
mod stations;

use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    let r = stations::routes(r);
    let r = categories::routes(r);
    let r = products::routes(r);
    images::routes(r)
}

/// Trimmed, non-empty, bounded text, or a validation error naming the field.
pub(crate) fn required_text(field: &str, v: &str, max: usize) -> crate::error::Result<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(crate::error::Error::validation(
            field,
            format!("'{field}' must be between 1 and {max} characters."),
        ));
    }
    Ok(t.to_string())
}

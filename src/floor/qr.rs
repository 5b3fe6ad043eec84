//! A PNG QR code per table, pointing at the table's link (`PUBLIC_URL/t/<label>`).
//! Public on purpose: it reveals only the table's link, and `<img>` tags cannot send tokens.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use qrcode::{Color, QrCode};

use crate::{
    app::{AppState, Routes},
    error::{Error, Result},
    extract::AppPath,
};

pub fn routes(r: Routes) -> Routes {
    r.get("/tables/{id}/qr.png", qr_png)
}

pub fn table_link(public_url: &str, label: &str) -> String {
    let safe: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{public_url}/t/{safe}")
}

/// Renders `text` as a black-on-white PNG, `scale` pixels per module, with a 4-module quiet zone.
pub fn render_png(text: &str, scale: u32) -> anyhow::Result<Vec<u8>> {
    let code = QrCode::new(text.as_bytes())?;
    let n = code.width() as u32;
    let quiet = 4;
    let size = (n + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (size * size) as usize];
    for y in 0..n {
        for x in 0..n {
            if colors[(y * n + x) as usize] == Color::Dark {
                for dy in 0..scale {
                    let row = ((y + quiet) * scale + dy) * size;
                    let start = (row + (x + quiet) * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size, size);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header()?;
        w.write_image_data(&pixels)?;
    }
    Ok(out)
}

async fn qr_png(State(st): State<AppState>, AppPath(id): AppPath<i32>) -> Result<Response> {
    let label: String = sqlx::query_scalar("SELECT label FROM dining_tables WHERE id = $1")
        .bind(id)
        .fetch_optional(&st.db)
        .await?
        .ok_or(Error::NotFound("table"))?;
    let png = render_png(&table_link(&st.config.public_url, &label), 8)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"table-{label}-qr.png\""),
            ),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        png,
    )
        .into_response())
}

//! Restaurant settings kept in the database: tax and service-charge rates (applied to new
//! orders only; the configured values are the defaults) and the restaurant's QRIS image.

use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    http::Method,
    response::Response,
    routing,
};
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

use crate::{
    app::{AppState, Routes},
    auth::{AsManager, AuthUser},
    config::Config,
    error::{Error, Result},
    events::{self, topics, NewEvent},
    extract::{ok, AppJson},
    menu::images::{read_image_field, store_image},
};

pub fn routes(r: Routes) -> Routes {
    r.get("/settings", show).put("/settings", update).add(
        Method::POST,
        "/settings/qris",
        routing::post(upload_qris).layer(DefaultBodyLimit::disable()),
    )
}

#[derive(Serialize, Clone, Debug)]
pub struct Settings {
    /// Percent, e.g. 11.0
    pub tax_rate_percent: f64,
    pub service_charge_percent: f64,
    pub tax_rate_default_percent: f64,
    pub service_charge_default_percent: f64,
    pub qris_image_url: Option<String>,
}

async fn load(db: impl PgExecutor<'_>, cfg: &Config) -> Result<Settings> {
    let (tax, svc, qris): (Option<i32>, Option<i32>, Option<String>) = sqlx::query_as(
        "SELECT tax_rate_bp, service_rate_bp, qris_image_url FROM settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await?
    .unwrap_or((None, None, None));
    Ok(Settings {
        tax_rate_percent: tax.unwrap_or(cfg.tax_rate_bp) as f64 / 100.0,
        service_charge_percent: svc.unwrap_or(cfg.service_rate_bp) as f64 / 100.0,
        tax_rate_default_percent: cfg.tax_rate_bp as f64 / 100.0,
        service_charge_default_percent: cfg.service_rate_bp as f64 / 100.0,
        qris_image_url: qris,
    })
}

async fn show(State(st): State<AppState>, _user: AuthUser) -> Result<Response> {
    Ok(ok("Settings", load(&st.db, &st.config).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPatch {
    tax_rate_percent: Option<f64>,
    service_charge_percent: Option<f64>,
}

fn to_bp(field: &str, pct: Option<f64>) -> Result<Option<i32>> {
    match pct {
        None => Ok(None),
        Some(p) if p.is_finite() && (0.0..=100.0).contains(&p) => {
            Ok(Some((p * 100.0).round() as i32))
        }
        Some(_) => Err(Error::validation(
            field,
            "A rate is a percentage between 0 and 100.",
        )),
    }
}

async fn update(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppJson(b): AppJson<SettingsPatch>,
) -> Result<Response> {
    let tax = to_bp("tax_rate_percent", b.tax_rate_percent)?;
    let svc = to_bp("service_charge_percent", b.service_charge_percent)?;
    let mut tx = st.db.begin().await?;
    sqlx::query(
        "UPDATE settings SET tax_rate_bp = COALESCE($1, tax_rate_bp),
            service_rate_bp = COALESCE($2, service_rate_bp), updated_at = now(), updated_by = $3
         WHERE id = 1",
    )
    .bind(tax)
    .bind(svc)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let s = load(&mut *tx, &st.config).await?;
    events::append(
        &mut tx,
        Some(user.id),
        vec![NewEvent::new(
            "settings.updated",
            vec![topics::ORDERS.into()],
            &s,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(ok("Settings saved; new orders use these rates", s))
}

/// The restaurant's QRIS code, uploaded once, shown full-screen when a guest pays by QRIS.
async fn upload_qris(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    multipart: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response> {
    let (data, ext) = read_image_field(multipart, st.config.max_upload_bytes).await?;
    let url = store_image(
        &st.config.upload_dir,
        "settings",
        &format!("qris-{}", uuid::Uuid::new_v4().simple()),
        ext,
        &data,
    )
    .await?;
    let mut tx = st.db.begin().await?;
    sqlx::query(
        "UPDATE settings SET qris_image_url = $1, updated_at = now(), updated_by = $2 WHERE id = 1",
    )
    .bind(&url)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let s = load(&mut *tx, &st.config).await?;
    events::append(
        &mut tx,
        Some(user.id),
        vec![NewEvent::new(
            "settings.updated",
            vec![topics::ORDERS.into()],
            &s,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(ok("QRIS image uploaded", s))
}

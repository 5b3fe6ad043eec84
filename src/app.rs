//! Router assembly, middleware and shared state.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    handler::Handler,
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::IntoResponse,
    routing::{self, MethodRouter},
    Router,
};
use sqlx::PgPool;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::{auth::limiter::LoginLimiter, config::Config, error::envelope, hub::Hub};

pub const API_PREFIX: &str = "/api/v1";
/// JSON bodies are small; uploads have their own, larger limit.
pub const JSON_BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub login_limiter: Arc<LoginLimiter>,
    pub redis: Option<redis::Client>,
    pub hub: Hub,
}

/// The route table. Every route is registered here with its method, so the list that the
/// OpenAPI test compares with `docs/api/openapi.yaml` is the router itself.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<(Method, String)>,
}

macro_rules! verb {
    ($name:ident, $method:ident) => {
        pub fn $name<H, T>(self, path: &str, h: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(Method::$method, path, routing::$name(h))
        }
    };
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            list: vec![],
        }
    }

    verb!(get, GET);
    verb!(post, POST);
    verb!(patch, PATCH);
    verb!(put, PUT);
    verb!(delete, DELETE);

    /// Registers `path` (relative to `/api/v1`) with a prepared method router, e.g. one with its own layers.
    pub fn add(mut self, method: Method, path: &str, mr: MethodRouter<AppState>) -> Self {
        let full = format!("{API_PREFIX}{path}");
        self.router = self.router.route(&full, mr);
        self.list.push((method, full));
        self
    }
}

/// Every (method, path) the API serves, for the OpenAPI check.
pub fn route_list() -> Vec<(Method, String)> {
    api_routes().list
}

fn api_routes() -> Routes {
    let r = Routes::new().get("/health", crate::health::health);
    let r = crate::auth::routes(r);
    let r = crate::menu::routes(r);
    let r = crate::floor::routes(r);
    let r = crate::orders::routes(r);
    let r = crate::stats::routes(r);
    let r = crate::settings::routes(r);
    let r = crate::audit::routes(r);
    crate::hub::routes(r)
}

pub fn router(state: AppState) -> Router {
    let cfg = state.config.clone();
    let api = api_routes()
        .router
        .route_layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .method_not_allowed_fallback(method_not_allowed);

    let mut app = Router::new()
        .merge(api)
        // Unknown API paths answer in the envelope even when the SPA fallback serves the rest.
        .route("/api/{*rest}", routing::any(api_not_found))
        .route("/metrics", routing::get(crate::hub::metrics))
        .nest_service(
            "/uploads",
            ServeDir::new(&cfg.upload_dir).append_index_html_on_directories(false),
        );

    app = match &cfg.static_dir {
        // The built screens, with the SPA's index.html for every client-side route.
        Some(dir) => app
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => app.fallback(api_not_found),
    };

    app.layer(cors(&cfg))
        .layer(security_headers())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                tracing::info_span!("http", method = %req.method(), route = %route)
            }),
        )
        .layer(CatchPanicLayer::custom(|_| {
            envelope(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong on the server.",
                serde_json::Value::Null,
            )
        }))
        .with_state(state)
}

fn cors(cfg: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = cfg
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(Duration::from_secs(600))
}

fn security_headers() -> tower::layer::util::Stack<
    SetResponseHeaderLayer<HeaderValue>,
    tower::layer::util::Stack<
        SetResponseHeaderLayer<HeaderValue>,
        SetResponseHeaderLayer<HeaderValue>,
    >,
> {
    tower::layer::util::Stack::new(
        SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ),
        tower::layer::util::Stack::new(
            SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ),
            SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
        ),
    )
}

async fn api_not_found() -> impl IntoResponse {
    envelope(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "There is no such API route.",
        serde_json::Value::Null,
    )
}

async fn method_not_allowed() -> impl IntoResponse {
    envelope(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not accept that method.",
        serde_json::Value::Null,
    )
}

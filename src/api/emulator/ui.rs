//! The dashboard at `/_emulator/ui`: one HTML page with its script and style sheet, embedded
//! in the binary (no CDN, no build step). The page holds no data; its script polls the
//! control API (`keys`, `journal`, `faults`) from the browser, with the control token when
//! one is configured, so the guard exempts only these three static answers from the token
//! (docs/decisions.md, "Dashboard"). Mounted with the control API, so `--no-control-api`
//! turns it off too.

use crate::api::SharedState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const PAGE: &str = include_str!("ui/index.html");
const SCRIPT: &str = include_str!("ui/app.js");
const STYLE: &str = include_str!("ui/app.css");

/// Only this origin's script and styles, no framing, no form posts elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The dashboard's routes.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route(
            "/_emulator/ui",
            get(|| asset("text/html; charset=utf-8", PAGE)),
        )
        .route(
            "/_emulator/ui/app.js",
            get(|| asset("text/javascript; charset=utf-8", SCRIPT)),
        )
        .route(
            "/_emulator/ui/app.css",
            get(|| asset("text/css; charset=utf-8", STYLE)),
        )
}

async fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// Whether `path` is one of the dashboard's static answers (no data, no token needed).
pub fn is_static(path: &str) -> bool {
    matches!(
        path,
        "/_emulator/ui" | "/_emulator/ui/app.js" | "/_emulator/ui/app.css"
    )
}

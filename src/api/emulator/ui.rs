//! The dashboard at `/_emulator/ui`: one HTML page with its script and style sheet, embedded
//! in the binary (no CDN, no build step). The page holds no data; its script polls the
//! control API (`keys`, `journal`, `faults`) from the browser, with the control token when
//! one is configured, so these three static answers are the route table's `Dashboard` rows,
//! which need no token (docs/decisions.md, "Dashboard"); `--no-control-api` turns them off
//! with the control API.

use axum::http::header;
use axum::response::IntoResponse;

const PAGE: &str = include_str!("ui/index.html");
const SCRIPT: &str = include_str!("ui/app.js");
const STYLE: &str = include_str!("ui/app.css");

/// Only this origin's script and styles, no framing, no form posts elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page.
#[utoipa::path(get, path = "/_emulator/ui", tag = "emulator", operation_id = "dashboardPage",
    responses((status = 200, description = "The dashboard's HTML page", content_type = "text/html")))]
pub(crate) async fn page() -> impl IntoResponse {
    asset("text/html; charset=utf-8", PAGE)
}

/// The page's script.
#[utoipa::path(get, path = "/_emulator/ui/app.js", tag = "emulator", operation_id = "dashboardScript",
    responses((status = 200, description = "The dashboard's script", content_type = "text/javascript")))]
pub(crate) async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// The page's style sheet.
#[utoipa::path(get, path = "/_emulator/ui/app.css", tag = "emulator", operation_id = "dashboardStyle",
    responses((status = 200, description = "The dashboard's style sheet", content_type = "text/css")))]
pub(crate) async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
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

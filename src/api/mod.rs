//! HTTP only: routes, request/response DTOs and the one error-to-response table.
//!
//! Handlers are adapters: extract, turn the DTO into domain types, make one call into
//! `hsm`, turn the result back into a DTO. Every failure, including the ones axum would
//! answer in plain text (unknown route, wrong method, body too large, bad JSON), leaves in the
//! TSB's error shape.

mod approvals;
mod approver_management;
mod attestation;
pub mod auth;
mod blockchain;
pub mod capabilities;
mod certificate_requests;
mod certificates;
mod cipher;
mod emulator;
pub mod error;
pub mod guard;
mod json;
mod keys;
pub mod limits;
pub mod observe;
mod openapi;
pub mod routes;
pub mod server;
mod service;
mod sign;
mod ska;
mod transfer;
mod wire;
mod wrap;

pub use emulator::ska::{DecisionDto, approver_key_spec};
pub use observe::{DEFAULT_JOURNAL_SIZE, Observer};
pub use openapi::openapi;
pub use service::EMULATED_TSB_VERSION;

use crate::access::AccessPolicy;
use crate::hsm::Hsm;
use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use error::{ApiError, ErrorCode};
use std::sync::Arc;
use std::time::Duration;
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body accepted unless configured otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach, shared by all requests: one reference count per request
/// instead of one per field.
pub type SharedState = Arc<AppState>;

/// What every handler can reach (the router shares it as [`SharedState`]).
#[derive(Clone)]
pub struct AppState {
    /// The emulated device.
    pub hsm: Hsm,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Who may call what (API keys, bearer tokens); open by default.
    pub access: Arc<AccessPolicy>,
    /// Time allowed to receive a request body.
    pub body_read_timeout: Duration,
    /// Time allowed to answer a request.
    pub request_timeout: Duration,
    /// Whether the control API (`/_emulator/reset`, `keys`, `journal`, `faults`) answers.
    pub control_api: bool,
    /// Journal, faults and metrics.
    pub observer: Arc<Observer>,
    /// What `GET /v1/licenseInfo` reports as `clientFlags` (`--license-flags`).
    pub license_flags: Arc<[String]>,
    /// Origin, Host and control-API checks (first step of every request).
    pub guard: Arc<guard::Guard>,
}

impl AppState {
    /// State with the default body limit and timeouts, and no access control (a fresh TSB).
    pub fn new(hsm: Hsm) -> Self {
        Self {
            hsm,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            access: Arc::new(AccessPolicy::default()),
            body_read_timeout: limits::DEFAULT_BODY_READ_TIMEOUT,
            request_timeout: limits::DEFAULT_REQUEST_TIMEOUT,
            control_api: true,
            observer: Arc::new(Observer::new(DEFAULT_JOURNAL_SIZE)),
            license_flags: Arc::from([service::DEFAULT_LICENSE_FLAG.to_owned()]),
            guard: Arc::new(guard::Guard::default()),
        }
    }
}

/// The whole API as a router; tests call it directly, `serve` puts it on a socket.
///
/// One middleware runs, in order: `observe` asks the browser and rebinding guard (`guard`),
/// reads the body once within the size and time limits (`limits`) and learns the key names
/// from it, asks access control (`auth`), then within the request timeout injects a matching
/// fault and runs the route, and keeps the journal,
/// metrics and request log line. They are steps of one layer rather than three layers
/// because each axum layer clones the inner service per request, which showed in the
/// cheap-request profile (issue 8). Observing before access control puts refused credentials
/// in the journal, where a client's key rollover shows.
pub fn app(state: AppState) -> Router {
    let state: SharedState = Arc::new(state);
    let (documented, openapi) = openapi::documented(state.control_api);
    documented
        // The TSB serves the document at /v3/api-docs and Swagger UI under /swagger-ui/ and /.
        .merge(SwaggerUi::new("/swagger-ui").url("/v3/api-docs", openapi))
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Redirect::to("/swagger-ui/index.html") }),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// Turns a `POST /v1/key` body into the device's request with exactly the endpoint's checks
/// (fixtures use it, so a fixture is valid exactly when the same request would be).
pub fn create_key_request(body: &serde_json::Value) -> Result<crate::hsm::CreateKey, ApiError> {
    keys::create_request(body.to_string().as_bytes())
}

/// Turns a `POST /v1/key/import/plain` body into the device's request with exactly the
/// endpoint's checks.
pub fn import_key_request(body: &serde_json::Value) -> Result<crate::hsm::ImportKey, ApiError> {
    transfer::import_request(body.to_string().as_bytes())
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::with_status(
        StatusCode::NOT_FOUND,
        ErrorCode::NotImplemented,
        format!("tsb-emulator has no endpoint {method} {}.", uri.path()),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    // A TSB endpoint the emulator lacks is 404 even where its path fits another route's
    // pattern (`POST /v1/key/address` against `/v1/key/{keyName}`), which would be 405.
    if routes::find(method.as_str(), uri.path())
        .is_some_and(|route| matches!(route.serve, routes::Serve::Missing))
    {
        return unknown_route(method, uri).await;
    }
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::UnsupportedOperation,
        format!("Method {method} is not supported on {}.", uri.path()),
    )
}

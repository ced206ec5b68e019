//! HTTP only: routes, request/response DTOs and the one error-to-response table.
//!
//! Handlers are adapters: extract, turn the DTO into domain types, make one call into
//! `hsm`, turn the result back into a DTO. Every failure, including the ones axum would
//! answer in plain text (unknown route, wrong method, body too large, bad JSON), leaves in the
//! TSB's error shape.

mod attestation;
pub mod auth;
mod certificates;
mod cipher;
mod emulator;
pub mod error;
mod json;
mod keys;
pub mod limits;
mod service;
mod sign;
mod transfer;
mod wire;
mod wrap;

pub use service::EMULATED_TSB_VERSION;

use crate::access::AccessPolicy;
use crate::hsm::Hsm;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use error::{ApiError, ErrorCode};
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder, SecurityRequirement, content::Content};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body accepted unless configured otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
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
        }
    }
}

/// The document's frame; the paths come from the handlers' `#[utoipa::path]` attributes, the
/// security of each operation from the access table (`access::groups_for`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tsb-emulator: Securosys TSB REST API",
        description = "The TSB REST API as tsb-emulator serves it. Errors are `{errorCode, reason, message}`."
    ),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

/// Adds what every operation shares: the error answer and the API-key group (and bearer
/// token) security, derived from the same table the access layer enforces.
struct TsbConventions;

impl utoipa::Modify for TsbConventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for group in crate::access::ApiKeyGroup::ALL {
            components.add_security_scheme(
                group.config_name(),
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    auth::API_KEY_HEADER,
                    format!("An API key of the `{}` group.", group.config_name()).as_str(),
                ))),
            );
        }
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let error: RefOr<Response> = ResponseBuilder::new()
            .description("A TSB error (`ReasonBasedExceptionDto`).")
            .content(
                "application/json",
                Content::new(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))),
            )
            .build()
            .into();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let groups = crate::access::groups_for(path);
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .insert("default".to_owned(), error.clone());
                if path.starts_with("/v1/") {
                    let requirements = groups
                        .iter()
                        .map(|group| {
                            SecurityRequirement::new::<_, _, &str>(group.config_name(), [])
                                .add::<_, _, &str>("bearer", [])
                        })
                        .collect::<Vec<_>>();
                    if !requirements.is_empty() {
                        operation.security = Some(requirements);
                    }
                }
            }
        }
    }
}

/// The routes documented in the OpenAPI document (everything but the API documents and the
/// emulator's own `/_emulator/` routes).
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(keys::router())
        .merge(attestation::router())
        .merge(certificates::router())
        .merge(service::router())
        .merge(sign::router())
        .merge(transfer::router())
        .merge(cipher::router())
        .merge(wrap::router())
}

/// The documented routes as a router and the OpenAPI document describing them.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = documented_routes().split_for_parts();
    // After the merge: a modifier on `ApiDoc` would run before the paths are there.
    utoipa::Modify::modify(&TsbConventions, &mut openapi);
    (router, openapi)
}

/// The OpenAPI 3 document served at `/v3/api-docs`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The whole API as a router; tests call it directly, `serve` puts it on a socket.
/// Access control runs first (before the body is read, as the TSB's security filter does),
/// then the body-read and request time limits, then the routes.
pub fn app(state: AppState) -> Router {
    let limit = state.max_body_bytes;
    let (documented, openapi) = documented();
    documented
        // The TSB serves the document at /v3/api-docs and Swagger UI under /swagger-ui/ and /.
        .merge(SwaggerUi::new("/swagger-ui").url("/v3/api-docs", openapi))
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Redirect::to("/swagger-ui/index.html") }),
        )
        .merge(emulator::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(state.clone(), limits::enforce))
        .layer(from_fn_with_state(state.clone(), auth::require))
        .with_state(state)
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::with_status(
        StatusCode::NOT_FOUND,
        ErrorCode::NotImplemented,
        format!("tsb-emulator has no endpoint {method} {}.", uri.path()),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::UnsupportedOperation,
        format!("Method {method} is not supported on {}.", uri.path()),
    )
}

//! The OpenAPI 3 document: its frame, and the conventions every operation shares (the error
//! answer, the API-key groups and bearer security from the access table). The paths come from
//! the handlers' `#[utoipa::path]` attributes through the resource routers.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder, SecurityRequirement, content::Content};
use utoipa_axum::router::OpenApiRouter;

/// The document's frame; the paths come from the handlers' `#[utoipa::path]` attributes, the
/// security of each operation from the access table (`access::groups_for`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tsb-emulator: Securosys TSB REST API",
        description = "The TSB REST API as tsb-emulator serves it. Errors are `{errorCode, reason, message}`."
    ),
    components(schemas(super::error::ErrorBody))
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
                    super::auth::API_KEY_HEADER,
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
fn documented_routes() -> OpenApiRouter<super::SharedState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(super::keys::router())
        .merge(super::blockchain::router())
        .merge(super::attestation::router())
        .merge(super::certificates::router())
        .merge(super::service::router())
        .merge(super::sign::router())
        .merge(super::transfer::router())
        .merge(super::cipher::router())
        .merge(super::wrap::router())
}

/// The documented routes as a router and the OpenAPI document describing them.
pub(super) fn documented() -> (axum::Router<super::SharedState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = documented_routes().split_for_parts();
    // After the merge: a modifier on `ApiDoc` would run before the paths are there.
    utoipa::Modify::modify(&TsbConventions, &mut openapi);
    (router, openapi)
}

/// The OpenAPI 3 document served at `/v3/api-docs`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

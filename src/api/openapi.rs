//! The OpenAPI 3 document: its frame, and the conventions every operation shares (the error
//! answer, the API-key groups and bearer security from the access table). The paths come from
//! the handlers' `#[utoipa::path]` attributes through the resource routers.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder, SecurityRequirement, content::Content};

/// The document's frame; the paths come from the handlers' `#[utoipa::path]` attributes, the
/// security of each operation from the route table (`routes::groups_for`).
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
            let groups = super::routes::groups_for(path);
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

/// The document before the routes are added.
pub(super) fn frame() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The routes of the table as a router (control routes only with `control_api`) and the
/// OpenAPI document describing all of them.
pub(super) fn documented(
    control_api: bool,
) -> (axum::Router<super::SharedState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = super::routes::router(true).split_for_parts();
    let router = if control_api {
        router
    } else {
        super::routes::router(false).split_for_parts().0
    };
    // After the merge: a modifier on `ApiDoc` would run before the paths are there.
    utoipa::Modify::modify(&TsbConventions, &mut openapi);
    (router, openapi)
}

/// The OpenAPI 3 document served at `/v3/api-docs`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented(true).1
}

//! The OpenAPI document at `/v3/api-docs` and Swagger UI: served without credentials, and
//! complete: every route of the router is in the document, and the access matrix covers every
//! documented operation.

use crate::auth::{ROUTES, fixture_api_key};
use crate::helpers::{spawn_app, spawn_app_configured};
use axum::body::Body;
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tsb_emulator::access::{AccessPolicy, ApiKeyGroup};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// (METHOD, path template) of every operation in the document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// A concrete path for a template, as the access matrix writes it.
fn concrete(template: &str) -> String {
    template
        .replace("{keyName}", "some-key")
        .replace("{length}", "16")
        .replace("{id}", "some-key")
        .replace("{approverName}", "some-key")
}

async fn locked_app() -> crate::helpers::TestApp {
    let mut policy = AccessPolicy::default();
    for group in ApiKeyGroup::ALL {
        policy.add_api_key(group, fixture_api_key(group));
    }
    policy.add_bearer_token("docs-token");
    spawn_app_configured(|state| state.access = Arc::new(policy)).await
}

#[tokio::test]
async fn the_api_document_and_swagger_ui_are_served_without_credentials() {
    let app = locked_app().await;
    let reply = app.get("/v3/api-docs").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.")
    );
    let reply = app.get("/swagger-ui/index.html").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let reply = app.get("/").await;
    assert!(reply.status.is_redirection());
    assert_eq!(reply.headers["location"], "/swagger-ui/index.html");
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let document = app.get("/v3/api-docs").await.body;
    for (method, template) in operations(&document) {
        let path = concrete(&template);
        let body = if method == "POST" { "{}" } else { "" };
        let reply = app
            .send_with_headers(
                &method,
                &path,
                &[("content-type", "application/json")],
                Body::from(body),
            )
            .await;
        let unrouted = (reply.status == StatusCode::NOT_FOUND && reply.body["errorCode"] == 101)
            || reply.status == StatusCode::METHOD_NOT_ALLOWED;
        assert!(
            !unrouted,
            "{method} {template} is documented but not routed"
        );
    }
}

#[tokio::test]
async fn the_access_matrix_covers_exactly_the_documented_tsb_operations() {
    let document = spawn_app().await.get("/v3/api-docs").await.body;
    let documented: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/v1/"))
        .map(|(method, path)| (method, concrete(&path)))
        .collect();
    let matrix: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(documented, matrix);
}

/// The router side of completeness: resource files declare routes only through
/// `utoipa_axum::routes!`, which puts each one in the document; a plain axum `.route(` would
/// add an undocumented route. (`mod.rs` adds only `/`, the redirect to Swagger UI; every
/// other route is a row of `api::routes`.)
#[test]
fn resource_files_declare_routes_only_through_the_documenting_macro() {
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    let mut folders = vec![api];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let plain_routes = source.matches(".route(").count();
        let allowed = match name.as_str() {
            "mod.rs" => 1,
            _ => 0,
        };
        assert!(
            plain_routes <= allowed,
            "{name} adds {plain_routes} undocumented route(s) with .route(; use routes!"
        );
    }
}

#[tokio::test]
async fn each_operation_documents_its_api_key_groups_and_the_error_shape() {
    let document = spawn_app().await.get("/v3/api-docs").await.body;
    let sign = &document["paths"]["/v1/synchronousSign"]["post"];
    let groups: Vec<&str> = sign["security"]
        .as_array()
        .expect("security")
        .iter()
        .flat_map(|requirement| requirement.as_object().unwrap().keys())
        .map(String::as_str)
        .collect();
    assert!(groups.contains(&"keyOperationToken"), "{sign}");
    assert!(groups.contains(&"bearer"), "{sign}");
    assert_eq!(
        sign["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    let random = &document["paths"]["/v1/generateRandom/{length}"]["get"]["security"];
    assert_eq!(random.as_array().unwrap().len(), 2, "KO or SV: {random}");
    let scheme = &document["components"]["securitySchemes"]["serviceToken"];
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "x-api-key");
}

#[tokio::test]
async fn every_post_operation_documents_its_request_body_schema() {
    let document = spawn_app().await.get("/v3/api-docs").await.body;
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for (path, item) in document["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post") else {
            continue;
        };
        let reference = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("POST {path} documents no JSON body"));
        let name = reference.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "POST {path}: {name} missing");
    }
    assert!(
        schemas["SignDto"]["properties"]
            .as_object()
            .unwrap()
            .contains_key("signKeyName"),
        "wire names are camelCase"
    );
}

/// Code generators (openapi-generator, oapi-codegen) refuse a document whose operation ids
/// repeat; `.ci/run` also runs `openapi-spec-validator` on the served document.
#[tokio::test]
async fn operation_ids_are_unique() {
    let app = crate::helpers::spawn_app().await;
    let document = app.get("/v3/api-docs").await.body;
    let mut ids = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let id = operation["operationId"].as_str();
            let id = id.unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            ids.push(id.to_owned());
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "repeated operation ids");
}

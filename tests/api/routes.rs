//! The route table (`api::routes`) is the one list of paths: this walks it and checks that
//! every row is routed, guarded, listed in the capabilities manifest and documented in the
//! OpenAPI document, and that nothing is documented that the table lacks.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use tsb_emulator::access::{AccessPolicy, ApiKeyGroup};
use tsb_emulator::api::routes::{self, Kind, ROUTES, Serve};

/// A concrete path for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{keyName}", "no-such-key")
        .replace("{length}", "16")
        .replace("{id}", "1")
        .replace("{dataObjectName}", "x")
        .replace("{approverName}", "x")
        .replace("/**", "/certificateChain")
}

/// The method to call a row with (`UNKNOWN`: the emulator serves GET).
fn method_of(route: &routes::Route) -> &'static str {
    match route.method.split_whitespace().next().unwrap() {
        "UNKNOWN" => "GET",
        known => known,
    }
}

#[tokio::test]
async fn every_row_is_routed_guarded_listed_and_documented() {
    let open = spawn_app().await;
    let guarded = spawn_app_configured(|state| {
        let mut policy = AccessPolicy::default();
        for group in ApiKeyGroup::ALL {
            policy.add_api_key(group, &format!("{group:?}-key"));
        }
        policy.set_control_token("control-token");
        state.access = Arc::new(policy);
    })
    .await;
    let document = open.get("/v3/api-docs").await.body;
    let manifest = open.get("/_emulator/capabilities").await.body["endpoints"].clone();
    let mut checked = 0;
    for route in ROUTES {
        if !route.path.starts_with('/') {
            // The reference names no path (ML-KEM decapsulation).
            assert!(matches!(route.serve, Serve::Missing), "{route:?}");
            continue;
        }
        let (method, path) = (method_of(route), concrete(route.path));
        let context = format!("{method} {path} ({:?})", route.serve);

        // Routed: a handler answers, a missing endpoint is 404/101 like an unknown path.
        let reply = open
            .send(method, &path, Some("application/json"), "{}")
            .await;
        let unrouted = (reply.status == StatusCode::NOT_FOUND && reply.body["errorCode"] == 101)
            || reply.status == StatusCode::METHOD_NOT_ALLOWED;
        match route.serve {
            Serve::Missing => assert!(
                reply.status == StatusCode::NOT_FOUND && reply.body["errorCode"] == 101,
                "{context}: {}",
                reply.body
            ),
            Serve::Handler(_) | Serve::SwaggerUi => {
                assert!(!unrouted, "{context} is not served: {}", reply.body)
            }
        }
        // A fault armed by `POST /_emulator/faults {}` must not hit the next row.
        open.delete("/_emulator/faults").await;

        // Guarded: a TSB row of a group refuses a call without its key; the control API
        // without its token; the rest takes no credentials.
        let reply = guarded
            .send(method, &path, Some("application/json"), "{}")
            .await;
        match route.kind {
            Kind::Tsb(groups) if !groups.is_empty() => {
                reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");
            }
            Kind::Control => {
                reply.assert_error(
                    StatusCode::UNAUTHORIZED,
                    406,
                    "res.error.missing.access.token",
                );
            }
            _ => assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{context}"),
        }

        // Listed: every numbered row is in the manifest with its status.
        if let Some(row) = route.row {
            let listed = manifest
                .as_array()
                .unwrap()
                .iter()
                .find(|entry| entry["row"] == row)
                .unwrap_or_else(|| panic!("{context}: row {row} not listed"));
            assert_eq!(listed["path"], route.path, "{context}");
        }

        // Documented: the handler's operation is in the document under a path that fits the
        // row, with its method and an operation id.
        if let Serve::Handler(handler) = route.serve {
            let (_, paths, _) = handler();
            for documented in paths.paths.keys() {
                assert!(
                    routes::pattern_matches(route.path, documented),
                    "{context}: the handler serves {documented}"
                );
                let operation = &document["paths"][documented][method.to_ascii_lowercase()];
                assert!(
                    operation["operationId"].is_string(),
                    "{context}: {documented} is not documented with {method}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 80, "{checked} rows");

    // And the reverse: every documented operation is a row the router serves.
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let route = routes::find(method, &concrete(path))
                .unwrap_or_else(|| panic!("{method} {path} is documented but has no row"));
            assert!(
                matches!(route.serve, Serve::Handler(_)),
                "{method} {path}: {route:?}"
            );
        }
    }
}

#[tokio::test]
async fn without_the_control_api_control_rows_answer_404_and_the_rest_still_answers() {
    let app = spawn_app_configured(|state| state.control_api = false).await;
    for route in ROUTES.iter().filter(|r| r.kind == Kind::Control) {
        let reply = app
            .send(method_of(route), route.path, Some("application/json"), "{}")
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{route:?}");
    }
    let capabilities: Value = app.get("/_emulator/capabilities").await.body;
    assert!(capabilities["endpoints"].is_array());
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

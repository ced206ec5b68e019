//! The fidelity manifest agrees with the router and the README.

use crate::helpers::spawn_app;
use axum::http::StatusCode;
use tsb_emulator::api::capabilities::{self, ENDPOINTS, Status};

/// A concrete path for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{keyName}", "no-such-key")
        .replace("{length}", "16")
        .replace("{id}", "1")
        .replace("{dataObjectName}", "x")
        .replace("{approverName}", "x")
        .replace("/**", "/certificateChain")
}

#[tokio::test]
async fn every_endpoint_row_answers_as_its_status_says() {
    let app = spawn_app().await;
    for endpoint in ENDPOINTS {
        let method = match endpoint.method.split_whitespace().next().unwrap() {
            // The reference does not know the method; the emulator serves GET.
            "UNKNOWN" => "GET",
            known => known,
        };
        if !endpoint.path.starts_with('/') {
            assert_eq!(endpoint.status, Status::NotImplemented, "{endpoint:?}");
            continue;
        }
        let reply = app
            .send(
                method,
                &concrete(endpoint.path),
                Some("application/json"),
                "{}",
            )
            .await;
        // 404/101: no such path; 405: the path only matches another endpoint's pattern
        // (`POST /v1/key/address` against `/v1/key/{keyName}`).
        let served = !(reply.status == StatusCode::NOT_FOUND && reply.body["errorCode"] == 101)
            && reply.status != StatusCode::METHOD_NOT_ALLOWED;
        match endpoint.status {
            Status::NotImplemented => assert!(!served, "{endpoint:?} is served: {}", reply.body),
            _ => assert!(served, "{endpoint:?} is not served"),
        }
        if endpoint.status == Status::Approximated {
            assert!(
                endpoint.difference.is_some(),
                "{endpoint:?} states no difference"
            );
        }
    }
}

#[tokio::test]
async fn the_capabilities_endpoint_lists_endpoints_and_algorithms() {
    let app = spawn_app().await;
    let reply = app.get("/_emulator/capabilities").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["endpoints"].as_array().unwrap().len(),
        ENDPOINTS.len()
    );
    let keys = reply.body["keyAlgorithms"].as_array().unwrap();
    let status = |name: &str| keys.iter().find(|a| a["name"] == name).unwrap()["status"].clone();
    assert_eq!(status("AES"), "exact");
    assert_eq!(status("ISS"), "not_implemented");
    for list in ["signatureAlgorithms", "cipherAlgorithms", "wrapMethods"] {
        assert!(!reply.body[list].as_array().unwrap().is_empty());
    }
}

#[test]
fn every_emulator_algorithm_is_listed_as_implemented() {
    use tsb_emulator::domain::{KeyAlgorithm, SignatureAlgorithm};
    for algorithm in KeyAlgorithm::ALL {
        let listed = capabilities::key_algorithms();
        let row = listed
            .iter()
            .find(|a| a.name == algorithm.tsb_name())
            .unwrap();
        assert_ne!(row.status, Status::NotImplemented);
    }
    for algorithm in SignatureAlgorithm::ALL
        .iter()
        .filter(|a| a.wire_name() != "NONE_WITH_EC_SCHNORR_BIP0340")
    {
        let listed = capabilities::signature_algorithms();
        let row = listed
            .iter()
            .find(|a| a.name == algorithm.wire_name())
            .unwrap();
        assert_ne!(row.status, Status::NotImplemented);
    }
}

#[test]
fn the_readme_shows_the_generated_fidelity_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let begin = "<!-- capabilities:begin -->\n";
    let end = "<!-- capabilities:end -->";
    let generated = capabilities::markdown();
    let section = readme
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(section, _)| section.trim_end());
    assert_eq!(
        section,
        Some(generated.trim_end()),
        "README's capabilities section is stale; paste between the markers:\n{generated}"
    );
}

//! The fidelity manifest agrees with the router and docs/fidelity.md.

use crate::helpers::{sign_request, spawn_app, verify_request};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tsb_emulator::api::capabilities::{self, Status};

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
    for endpoint in capabilities::endpoints() {
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
        // A missing endpoint is 404/101 like any unknown path, even where the path also fits
        // another route's pattern (`POST /v1/key/address` against `/v1/key/{keyName}`).
        let missing = reply.status == StatusCode::NOT_FOUND && reply.body["errorCode"] == 101;
        match endpoint.status {
            Status::NotImplemented => assert!(missing, "{endpoint:?} answers {}", reply.body),
            _ => assert!(
                !missing && reply.status != StatusCode::METHOD_NOT_ALLOWED,
                "{endpoint:?} is not served: {}",
                reply.body
            ),
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
        capabilities::endpoints().len()
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
fn every_emulator_algorithm_is_listed_as_implemented_once() {
    use tsb_emulator::domain::{KeyAlgorithm, SignatureAlgorithm};
    let listed = capabilities::key_algorithms();
    for algorithm in KeyAlgorithm::ALL {
        let rows: Vec<_> = listed
            .iter()
            .filter(|a| a.name == algorithm.name())
            .collect();
        assert_eq!(rows.len(), 1, "{}", algorithm.name());
        assert_ne!(
            rows[0].status,
            Status::NotImplemented,
            "{}",
            algorithm.name()
        );
    }
    let mut names: Vec<&str> = listed.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), listed.len(), "a key algorithm is listed twice");
    for algorithm in SignatureAlgorithm::ALL.iter() {
        let listed = capabilities::signature_algorithms();
        let row = listed
            .iter()
            .find(|a| a.name == algorithm.wire_name())
            .unwrap();
        assert_ne!(row.status, Status::NotImplemented);
    }
}

#[test]
fn the_fidelity_page_shows_the_generated_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/fidelity.md")).unwrap();
    let begin = "<!-- capabilities:begin -->\n";
    let end = "<!-- capabilities:end -->";
    let generated = capabilities::markdown();
    let section = readme
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(section, _)| section.trim_end());
    // `UPDATE_CAPABILITIES=1 cargo test --test api capabilities` rewrites the section.
    if std::env::var_os("UPDATE_CAPABILITIES").is_some()
        && let (Some((head, _)), Some((_, tail))) =
            (readme.split_once(begin), readme.split_once(end))
    {
        let updated = format!("{head}{begin}{}\n{end}{tail}", generated.trim_end());
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/docs/fidelity.md"),
            updated,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        section,
        Some(generated.trim_end()),
        "docs/fidelity.md's capabilities section is stale; paste between the markers:\n{generated}"
    );
}

/// The manifest's rows of one list with the given status.
fn names(list: &[capabilities::Algorithm], implemented: bool) -> Vec<String> {
    list.iter()
        .filter(|a| (a.status != Status::NotImplemented) == implemented)
        .map(|a| a.name.clone())
        .collect()
}

/// A `POST /v1/key` body for an accepted `algorithm` value.
fn key_request(label: &str, algorithm: &str) -> Value {
    let mut request = json!({"label": label, "algorithm": algorithm,
        "attributes": {"sign": true, "decrypt": true, "unwrap": true, "encrypt": true,
                       "verify": true, "wrap": true}});
    match algorithm {
        "EC" => request["curveOid"] = json!("1.2.840.10045.3.1.7"),
        "ED" => request["curveOid"] = json!("1.3.101.112"),
        "RSA" => request["keySize"] = json!(2048),
        _ => {}
    }
    request
}

/// Every key algorithm the manifest lists as working creates a key over HTTP; every one it
/// lists as not implemented is refused with 400/600. (XMSS-SHAKE256_10_256 takes seconds to
/// generate and is created in `tests/pqc_slow.rs`.)
#[tokio::test]
async fn every_listed_key_algorithm_creates_a_key_and_every_missing_one_is_600() {
    let app = spawn_app().await;
    let listed = capabilities::key_algorithms();
    for (i, name) in names(&listed, true).iter().enumerate() {
        if name == "XMSS-SHAKE256_10_256" {
            continue;
        }
        let reply = app
            .post("/v1/key", &key_request(&format!("k{i}"), name))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
    }
    for name in names(&listed, false) {
        let reply = app.post("/v1/key", &key_request("missing", &name)).await;
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    }
}

/// One key of every family that signs.
const SIGNING_KEYS: &[(&str, &str)] = &[
    ("rsa", r#"{"algorithm": "RSA", "keySize": 2048}"#),
    (
        "p256",
        r#"{"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7"}"#,
    ),
    ("k1", r#"{"algorithm": "EC", "curveOid": "1.3.132.0.10"}"#),
    ("ed", r#"{"algorithm": "ED"}"#),
    ("dsa", r#"{"algorithm": "DSA"}"#),
    ("bls", r#"{"algorithm": "BLS"}"#),
    ("hmac", r#"{"algorithm": "HMACSHA256"}"#),
    ("ml-dsa", r#"{"algorithm": "ML-DSA-44"}"#),
    ("slh-dsa", r#"{"algorithm": "SLH-DSA-SHA2-128f"}"#),
    ("lms", r#"{"algorithm": "LMS"}"#),
    ("xmss", r#"{"algorithm": "XMSS-SHA256_10_256"}"#),
];

async fn create_all(app: &crate::helpers::TestApp, keys: &[(&str, &str)]) {
    for (label, request) in keys {
        let mut request: Value = serde_json::from_str(request).expect("json");
        request["label"] = json!(label);
        request["attributes"] = json!({"sign": true, "decrypt": true, "unwrap": false,
            "encrypt": true, "verify": true});
        app.create_key(&request).await;
    }
}

/// The payload a signature algorithm takes: a digest of the size its name says.
fn payload_for(algorithm: &str) -> Vec<u8> {
    let length = match algorithm {
        a if a.starts_with("NONESHA1_") => 20,
        a if a.starts_with("NONESHA224") => 28,
        a if a.starts_with("NONESHA384") => 48,
        a if a.starts_with("NONESHA512") || a == "ML_DSA_M" => 64,
        _ => 32,
    };
    (0..length).map(|i| i as u8 ^ 0x5a).collect()
}

/// Every signature algorithm the manifest lists as working signs with some key and the
/// signature verifies; every one it lists as not implemented is 400/600 with every key.
#[tokio::test]
async fn every_listed_signature_algorithm_signs_and_verifies_and_every_missing_one_is_600() {
    let app = spawn_app().await;
    create_all(&app, SIGNING_KEYS).await;
    let listed = capabilities::signature_algorithms();
    // The XMSS-SHAKE256_10_256 key takes seconds to make: `tests/pqc_slow.rs` signs with it.
    for algorithm in names(&listed, true)
        .into_iter()
        .filter(|a| a != "XMSS-SHAKE256_10_256")
    {
        let payload = payload_for(&algorithm);
        let mut signed = None;
        for (label, _) in SIGNING_KEYS {
            let reply = app
                .post(
                    "/v1/synchronousSign",
                    &sign_request(label, &algorithm, &payload, "DER"),
                )
                .await;
            if reply.status == StatusCode::OK {
                signed = Some((label, reply));
                break;
            }
        }
        let (label, reply) = signed.unwrap_or_else(|| panic!("no key signs with {algorithm}"));
        let signature = STANDARD
            .decode(reply.body["signature"].as_str().expect("base64"))
            .expect("base64");
        let verified = app
            .post(
                "/v1/verify",
                &verify_request(label, &algorithm, &payload, &signature),
            )
            .await;
        assert_eq!(
            verified.body["signatureValid"], true,
            "{algorithm} with {label}: {}",
            verified.body
        );
    }
    for algorithm in names(&listed, false) {
        for (label, _) in SIGNING_KEYS {
            let reply = app
                .post(
                    "/v1/synchronousSign",
                    &sign_request(label, &algorithm, b"x", "DER"),
                )
                .await;
            reply.assert_error(
                StatusCode::BAD_REQUEST,
                600,
                "res.error.input.validation.failed",
            );
        }
    }
}

/// Every cipher the manifest lists encrypts with some key and decrypts back; every one it
/// lists as not implemented is 400/600.
#[tokio::test]
async fn every_listed_cipher_encrypts_and_decrypts_and_every_missing_one_is_600() {
    let app = spawn_app().await;
    let keys = [
        ("aes", r#"{"algorithm": "AES", "keySize": 256}"#),
        ("chacha", r#"{"algorithm": "ChaCha20"}"#),
        ("camellia", r#"{"algorithm": "Camellia", "keySize": 256}"#),
        ("tdea", r#"{"algorithm": "TDEA"}"#),
        ("rsa", r#"{"algorithm": "RSA", "keySize": 2048}"#),
    ];
    create_all(&app, &keys).await;
    let listed = capabilities::cipher_algorithms();
    let plaintext = b"thirty-two bytes of plaintext!!!";
    for cipher in names(&listed, true) {
        let mut done = false;
        for (label, _) in keys {
            let encrypted = app
                .post(
                    "/v1/encrypt",
                    &json!({"encryptRequest": {"payload": STANDARD.encode(plaintext),
                    "encryptKeyName": label, "cipherAlgorithm": cipher}}),
                )
                .await;
            if encrypted.status != StatusCode::OK {
                continue;
            }
            let decrypted = app
                .post(
                    "/v1/synchronousDecrypt",
                    &json!({"decryptRequest": {
                    "encryptedPayload": encrypted.body["encryptedPayload"], "decryptKeyName": label,
                    "cipherAlgorithm": cipher,
                    "initializationVector": encrypted.body["initializationVector"]}}),
                )
                .await;
            assert_eq!(
                decrypted.status,
                StatusCode::OK,
                "{cipher}: {}",
                decrypted.body
            );
            let payload = STANDARD
                .decode(decrypted.body["payload"].as_str().expect("base64"))
                .expect("base64");
            // RSA_NO_PADDING returns the whole modulus-length block.
            assert!(payload.ends_with(plaintext), "{cipher} with {label}");
            done = true;
            break;
        }
        assert!(done, "no key encrypts with {cipher}");
    }
    for cipher in names(&listed, false) {
        let reply = app
            .post(
                "/v1/encrypt",
                &json!({"encryptRequest": {"payload": "AAAA",
                "encryptKeyName": "aes", "cipherAlgorithm": cipher}}),
            )
            .await;
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    }
}

/// The wrap matrix (`wrap_matrix.rs`) runs exactly the wrap methods the manifest lists.
#[test]
fn the_wrap_matrix_covers_every_listed_wrap_method() {
    let mut matrix: Vec<String> = crate::wrap_matrix::METHODS
        .iter()
        .map(|(method, ..)| (*method).to_owned())
        .collect();
    let mut listed = names(&capabilities::wrap_methods(), true);
    matrix.sort();
    listed.sort();
    assert_eq!(matrix, listed);
    assert!(names(&capabilities::wrap_methods(), false).is_empty());
}

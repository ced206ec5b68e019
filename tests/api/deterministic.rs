//! `--deterministic SEED`: the same seed and the same requests give byte-identical answers,
//! through the router and through the real binary.

use crate::helpers::{TestApp, seed_csr_request, sign_request, spawn_app_with};
use crate::openssl;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tsb_emulator::hsm::HsmOptions;
use tsb_emulator::keystore::KeyStore;

/// A session that touches every random output: key generation (RSA, EC, Ed25519, AES),
/// password salts, PSS salts, ECDSA nonces, GCM IVs, certificate serials, timestamps,
/// `generateRandom`, and the attestation key and chain made at first start.
fn session() -> Vec<(&'static str, &'static str, Value)> {
    let sign_attributes = json!({"sign": true, "decrypt": false, "unwrap": false});
    vec![
        (
            "POST",
            "/v1/key",
            json!({"label": "rsa", "algorithm": "RSA", "keySize": 2048,
                   "attributes": sign_attributes}),
        ),
        (
            "POST",
            "/v1/key",
            json!({"label": "ec", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                   "attributes": sign_attributes}),
        ),
        (
            "POST",
            "/v1/key",
            json!({"label": "ed", "algorithm": "ED", "curveOid": "1.3.101.112",
                   "attributes": sign_attributes}),
        ),
        (
            "POST",
            "/v1/key",
            json!({"label": "aes", "algorithm": "AES", "keySize": 256, "password": "pw",
                   "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": false}}),
        ),
        ("POST", "/v1/key/attributes", json!({"label": "rsa"})),
        (
            "POST",
            "/v1/synchronousSign",
            sign_request("rsa", "SHA256_WITH_RSA_PSS", b"payload", "DER"),
        ),
        (
            "POST",
            "/v1/synchronousSign",
            sign_request("ec", "SHA256_WITH_ECDSA", b"payload", "DER"),
        ),
        (
            "POST",
            "/v1/synchronousSign",
            sign_request("ed", "EDDSA", b"payload", "DER"),
        ),
        (
            "POST",
            "/v1/encrypt",
            json!({"encryptRequest": {"payload": "cGF5bG9hZA==", "encryptKeyName": "aes",
                   "keyPassword": "pw", "cipherAlgorithm": "AES_GCM",
                   "additionalAuthenticationData": null}}),
        ),
        (
            "POST",
            "/v1/certificate/synchronous/request",
            seed_csr_request("rsa"),
        ),
        ("GET", "/v1/certificate/rsa", Value::Null),
        (
            "POST",
            "/v1/certificate/synchronous/selfsign",
            json!({"signKeyName": "ec", "validity": 3650, "signatureAlgorithm": "SHA256_WITH_ECDSA",
                   "commonName": "det.example", "keyUsage": ["DIGITAL_SIGNATURE"],
                   "extendedKeyUsage": []}),
        ),
        ("GET", "/v1/generateRandom/48", Value::Null),
        ("GET", "/v1/attestation/certificateChain", Value::Null),
    ]
}

async fn deterministic_app(seed: &str) -> TestApp {
    let options = HsmOptions {
        deterministic_seed: Some(seed.to_owned()),
        ..HsmOptions::default()
    };
    spawn_app_with(KeyStore::in_memory().expect("store"), options).await
}

/// Runs the session on a fresh app; every answer must be a success.
async fn replies(app: &TestApp) -> Vec<Value> {
    let mut replies = Vec::new();
    for (method, path, body) in session() {
        let reply = match method {
            "GET" => app.get(path).await,
            _ => app.post(path, &body).await,
        };
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::CREATED,
            "{method} {path}: {} {}",
            reply.status,
            reply.body
        );
        replies.push(reply.body);
    }
    replies
}

#[tokio::test]
async fn the_same_seed_and_requests_give_identical_answers_and_another_seed_does_not() {
    let first = replies(&deterministic_app("ci-seed-1").await).await;
    let second = replies(&deterministic_app("ci-seed-1").await).await;
    for (index, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(
            a, b,
            "answer {index} differs between two runs with one seed"
        );
    }
    let other = replies(&deterministic_app("ci-seed-2").await).await;
    // Everything random differs under another seed: keys, PSS/ECDSA signatures, IVs,
    // serials, random bytes (EdDSA signatures differ because the keys do).
    for index in [0, 1, 2, 5, 6, 7, 8, 9, 11, 12, 13] {
        assert_ne!(
            first[index], other[index],
            "answer {index} ignores the seed"
        );
    }
}

#[tokio::test]
async fn the_fixed_clock_dates_keys_and_certificates_2026_01_01() {
    let app = deterministic_app("clock").await;
    let replies = replies(&app).await;
    let info = &replies[4];
    let xml = info["json"]["attestation"]
        .as_str()
        .or_else(|| info["xml"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| info.to_string());
    assert!(xml.contains("2026-01-01T00:00:00Z"), "{info}");
    let pem = replies[11]["certificate"].as_str().expect("PEM");
    let text = String::from_utf8_lossy(&openssl::run(&["x509", "-noout", "-text"], pem.as_bytes()))
        .into_owned();
    assert!(
        text.contains("Not Before: Jan  1 00:00:00 2026 GMT"),
        "{text}"
    );
    // Still real cryptography: openssl checks the self-signed certificate's signature (the
    // fixed clock may lie in the past, so validity dates are not checked).
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cert.pem");
    std::fs::write(&path, pem).expect("write");
    let path = path.to_str().expect("utf-8");
    let output = openssl::output(&["verify", "-no_check_time", "-CAfile", path, path], b"");
    assert!(output.status.success(), "{output:?}");
}

#[tokio::test]
async fn deterministic_ciphertext_still_decrypts() {
    let app = deterministic_app("round-trip").await;
    let replies = replies(&app).await;
    let encrypted = &replies[8];
    let reply = app
        .post(
            "/v1/synchronousDecrypt",
            &json!({"decryptRequest": {
                "encryptedPayload": encrypted["encryptedPayload"], "decryptKeyName": "aes",
                "keyPassword": "pw", "cipherAlgorithm": "AES_GCM",
                "initializationVector": encrypted["initializationVector"],
                "additionalAuthenticationData": null}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["payload"], "cGF5bG9hZA==");
}

#[tokio::test]
async fn a_reset_replays_the_session_with_the_same_answers() {
    let app = deterministic_app("reset-replay").await;
    let first = replies(&app).await;
    let reset = app.post("/_emulator/reset", &json!({})).await;
    assert!(reset.status.is_success(), "{}", reset.body);
    let second = replies(&app).await;
    for (index, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "answer {index} differs after a reset");
    }
}

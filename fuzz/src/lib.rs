//! Shared harness for the fuzz targets: one router on an in-memory store (with the fixture
//! attestation key, so start-up is instant), fed with victim keys once, and a helper that
//! POSTs a fuzzed body and checks the answer is a TSB answer, never a server error.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use std::sync::OnceLock;
use tower::ServiceExt;
use tsb_emulator::crypto::rsa;
use tsb_emulator::hsm::{Hsm, HsmOptions};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

struct Shared {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let attestation = rsa::decode_private(include_bytes!(
            "../../fixtures/keys/attestation-rsa-2048.pem"
        ))
        .expect("fixture");
        let router = runtime.block_on(async {
            let store = KeyStore::in_memory().expect("store");
            let options = HsmOptions {
                initial_attestation_key: Some(attestation),
                ..HsmOptions::default()
            };
            let hsm = Hsm::open(store, options).await.expect("hsm");
            let router = app(AppState::new(hsm));
            // Victims the bodies can name: an EC signing key and an AES key that does all.
            for body in [
                r#"{"label":"ec","algorithm":"EC","curveOid":"1.2.840.10045.3.1.7","attributes":{"decrypt":false,"sign":true,"unwrap":false,"extractable":true,"sensitive":false}}"#,
                r#"{"label":"aes","algorithm":"AES","keySize":256,"attributes":{"decrypt":true,"sign":true,"unwrap":true,"wrap":true,"encrypt":true,"extractable":true}}"#,
                r#"{"label":"kek","algorithm":"AES","keySize":256,"attributes":{"decrypt":false,"sign":false,"unwrap":true,"wrap":true}}"#,
            ] {
                post(&router, "/v1/key", body.as_bytes().to_vec()).await;
            }
            router
        });
        Shared { runtime, router }
    })
}

async fn post(router: &axum::Router, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, bytes)
}

/// POSTs `data` to `path`; panics (a fuzz finding) on a server error other than the HSM's
/// documented 701, or on an error that is not TSB-shaped.
pub fn fuzz_post(path: &str, data: &[u8]) {
    let shared = shared();
    let (status, body) = shared
        .runtime
        .block_on(post(&shared.router, path, data.to_vec()));
    if status < 400 {
        return;
    }
    let json: serde_json::Value = serde_json::from_slice(&body).expect("error bodies are JSON");
    assert!(json["errorCode"].is_u64(), "not a TSB error: {json}");
    assert!(
        status < 500 || json["errorCode"] == 701,
        "{path} answered {status}: {json}"
    );
}

/// Wraps a fuzzed inner object in a TSB envelope (`{"<name>": <data>}`), when the data is
/// JSON; otherwise sends it as is.
pub fn fuzz_post_enveloped(path: &str, envelope: &str, data: &[u8]) {
    match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(inner) => fuzz_post(
            path,
            serde_json::json!({ envelope: inner })
                .to_string()
                .as_bytes(),
        ),
        Err(_) => fuzz_post(path, data),
    }
}

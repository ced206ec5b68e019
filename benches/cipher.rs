//! Encryption throughput through the router: AES-256-GCM (1 KiB payloads) and RSA-2048
//! OAEP-SHA-256, encrypt and decrypt. Run with `cargo bench --bench cipher`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;
use tsb_emulator::hsm::{Hsm, HsmOptions};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

async fn post(router: &axum::Router, path: &str, body: &Value) -> (StatusCode, Value) {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn cipher(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let router = runtime.block_on(async {
        let store = KeyStore::open(dir.path()).unwrap();
        app(AppState::new(
            Hsm::open(store, HsmOptions::default()).await.unwrap(),
        ))
    });
    let attributes = json!({"encrypt": true, "decrypt": true, "sign": false, "unwrap": false});
    for key in [
        json!({"label": "aes", "algorithm": "AES", "keySize": 256, "attributes": attributes}),
        json!({"label": "rsa", "algorithm": "RSA", "keySize": 2048, "attributes": attributes}),
    ] {
        assert_eq!(
            runtime.block_on(post(&router, "/v1/key", &key)).0,
            StatusCode::CREATED
        );
    }
    let mut group = c.benchmark_group("cipher");
    group
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1));
    for (label, algorithm, payload) in [
        ("aes", "AES_GCM", vec![7u8; 1024]),
        ("rsa", "RSA_PADDING_OAEP_WITH_SHA256", vec![7u8; 32]),
    ] {
        let encrypt = json!({"encryptRequest": {"payload": STANDARD.encode(&payload), "encryptKeyName": label, "cipherAlgorithm": algorithm}});
        let (status, encrypted) = runtime.block_on(post(&router, "/v1/encrypt", &encrypt));
        assert_eq!(status, StatusCode::OK);
        let decrypt = json!({"decryptRequest": {"encryptedPayload": encrypted["encryptedPayload"], "decryptKeyName": label,
            "cipherAlgorithm": algorithm, "initializationVector": encrypted["initializationVector"]}});
        group.bench_function(format!("{algorithm}/encrypt"), |b| {
            b.iter(|| {
                assert_eq!(
                    runtime.block_on(post(&router, "/v1/encrypt", &encrypt)).0,
                    StatusCode::OK
                )
            })
        });
        group.bench_function(format!("{algorithm}/decrypt"), |b| {
            b.iter(|| {
                assert_eq!(
                    runtime
                        .block_on(post(&router, "/v1/synchronousDecrypt", &decrypt))
                        .0,
                    StatusCode::OK
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cipher);
criterion_main!(benches);

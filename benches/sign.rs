//! Signing throughput per key type through the router: one request at a time, and 16 in
//! flight at once on the multi-threaded runtime. Run with `cargo bench --bench sign`;
//! criterion reports requests per second (`thrpt`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;
use tsb_emulator::hsm::{Hsm, HsmOptions};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

const CONCURRENCY: usize = 16;

async fn post(router: &axum::Router, path: &str, body: &Value) -> StatusCode {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    router.clone().oneshot(request).await.unwrap().status()
}

fn sign_request(label: &str, algorithm: &str) -> Value {
    json!({"signRequest": {
        "signKeyName": label, "signatureAlgorithm": algorithm,
        "payload": "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw=="
    }})
}

fn sign(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let router = runtime.block_on(async {
        let store = KeyStore::open(dir.path()).unwrap();
        app(AppState::new(
            Hsm::open(store, HsmOptions::default()).await.unwrap(),
        ))
    });
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    let keys = [
        (
            "rsa-2048",
            json!({"algorithm": "RSA", "keySize": 2048}),
            "SHA256_WITH_RSA",
        ),
        (
            "rsa-4096",
            json!({"algorithm": "RSA", "keySize": 4096}),
            "SHA256_WITH_RSA",
        ),
        (
            "p-256",
            json!({"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7"}),
            "SHA256_WITH_ECDSA",
        ),
        (
            "secp256k1",
            json!({"algorithm": "EC", "curveOid": "1.3.132.0.10"}),
            "KECCAK256_WITH_ECDSA",
        ),
        ("ed25519", json!({"algorithm": "ED"}), "EDDSA"),
        (
            "hmac-sha256",
            json!({"algorithm": "HMACSHA256"}),
            "HMACSHA256",
        ),
    ];
    for (label, spec, _) in &keys {
        let mut request = spec.clone();
        request["label"] = json!(label);
        request["attributes"] = attributes.clone();
        assert_eq!(
            runtime.block_on(post(&router, "/v1/key", &request)),
            StatusCode::CREATED
        );
    }
    let mut group = c.benchmark_group("sign");
    group
        .measurement_time(Duration::from_secs(5))
        .sample_size(20);
    for (label, _, algorithm) in &keys {
        let body = sign_request(label, algorithm);
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("{label}/single"), |b| {
            b.iter(|| {
                assert_eq!(
                    runtime.block_on(post(&router, "/v1/synchronousSign", &body)),
                    StatusCode::OK
                )
            })
        });
        group.throughput(Throughput::Elements(CONCURRENCY as u64));
        group.bench_function(format!("{label}/concurrent-{CONCURRENCY}"), |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let requests =
                        (0..CONCURRENCY).map(|_| post(&router, "/v1/synchronousSign", &body));
                    for status in futures::future::join_all(requests).await {
                        assert_eq!(status, StatusCode::OK);
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sign);
criterion_main!(benches);

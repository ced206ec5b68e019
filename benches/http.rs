//! The HTTP paths through the router (no socket): create an RSA-4096 key with real
//! generation, build the seed page's CSR, and both in a row. Run with `cargo bench --bench http`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;
use tsb_emulator::hsm::{Hsm, HsmOptions};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

fn post(
    router: &axum::Router,
    runtime: &tokio::runtime::Runtime,
    path: &str,
    body: &Value,
) -> StatusCode {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    runtime.block_on(async { router.clone().oneshot(request).await.unwrap().status() })
}

fn key_request(label: &str) -> Value {
    json!({
        "label": label, "algorithm": "RSA", "keySize": 4096,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true}
    })
}

fn csr_request(label: &str) -> Value {
    json!({
        "signKeyName": label, "signatureAlgorithm": "SHA256_WITH_RSA", "validity": 365,
        "standardCertificateAttributes": {
            "commonName": "SUB-Securosys-001", "country": "CH", "stateOrProvinceName": "Zurich",
            "locality": "Zurich", "organizationName": "Securosys SA", "organizationUnitName": "Operations"
        },
        "keyUsage": ["DIGITAL_SIGNATURE"], "extendedKeyUsage": ["ANY_EXTENDED_KEY_USAGE"]
    })
}

fn http(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let router = runtime.block_on(async {
        let store = KeyStore::open(dir.path()).unwrap();
        app(AppState::new(
            Hsm::open(store, HsmOptions::default()).await.unwrap(),
        ))
    });
    let mut n = 0u64;
    let mut group = c.benchmark_group("http");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("create_key_rsa4096_on_demand", |b| {
        b.iter(|| {
            n += 1;
            assert_eq!(
                post(&router, &runtime, "/v1/key", &key_request(&format!("k{n}"))),
                StatusCode::CREATED
            );
        })
    });
    group.bench_function("create_key_plus_csr_seed_example", |b| {
        b.iter(|| {
            n += 1;
            let label = format!("k{n}");
            assert_eq!(
                post(&router, &runtime, "/v1/key", &key_request(&label)),
                StatusCode::CREATED
            );
            assert_eq!(
                post(
                    &router,
                    &runtime,
                    "/v1/certificate/synchronous/request",
                    &csr_request(&label)
                ),
                StatusCode::OK
            );
        })
    });
    group.finish();

    let mut group = c.benchmark_group("http");
    group.bench_function("csr_seed_example_rsa4096", |b| {
        b.iter(|| {
            assert_eq!(
                post(
                    &router,
                    &runtime,
                    "/v1/certificate/synchronous/request",
                    &csr_request("k1")
                ),
                StatusCode::OK
            );
        })
    });
    group.bench_function("key_attributes", |b| {
        b.iter(|| {
            assert_eq!(
                post(
                    &router,
                    &runtime,
                    "/v1/key/attributes",
                    &json!({"label": "k1"})
                ),
                StatusCode::OK
            );
        })
    });
    group.finish();
}

criterion_group!(benches, http);
criterion_main!(benches);

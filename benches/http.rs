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

/// Issue 19: submit plus first poll of an asynchronous signature on a key without a policy
/// (P-256, durable store): the latency a polling client (go-kms-wrapping) sees.
fn async_sign(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let router = runtime.block_on(async {
        let store = KeyStore::open(dir.path()).unwrap();
        app(AppState::new(
            Hsm::open(store, HsmOptions::default()).await.unwrap(),
        ))
    });
    let key = json!({"label": "p256", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true}});
    assert_eq!(
        post(&router, &runtime, "/v1/key", &key),
        StatusCode::CREATED
    );
    let sign = json!({"signRequest": {"payload": "cGF5bG9hZA==", "signKeyName": "p256",
        "signatureAlgorithm": "SHA256_WITH_ECDSA", "signatureType": "DER"}});
    let call = |request: Request<Body>| {
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        })
    };
    let mut group = c.benchmark_group("ska");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("async_sign_submit_and_first_poll_p256", |b| {
        b.iter(|| {
            let (status, body) = call(
                Request::post("/v1/sign")
                    .header("content-type", "application/json")
                    .body(Body::from(sign.to_string()))
                    .unwrap(),
            );
            assert_eq!(status, StatusCode::CREATED);
            let id = body["signRequestId"].as_str().unwrap();
            let (status, body) = call(
                Request::get(format!("/v1/request/{id}"))
                    .body(Body::empty())
                    .unwrap(),
            );
            assert_eq!(
                (status, body["status"].as_str()),
                (StatusCode::OK, Some("EXECUTED"))
            );
        })
    });
    group.finish();
}

criterion_group!(benches, http, async_sign);
criterion_main!(benches);

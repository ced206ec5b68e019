//! In-process signing throughput: `Hsm::sign` called directly, no HTTP. The load script
//! (`scripts/bench.sh`) compares the same signatures over HTTP against these numbers.
//!
//! Usage: `cargo run --release --example inproc_sign -- SECONDS CONCURRENCY`
//! Prints one line per key: `name ops_per_second`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use tsb_emulator::domain::{Label, SignatureFormat};
use tsb_emulator::hsm::{Hsm, HsmOptions, SignRequest};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

/// The server's allocator (src/main.rs), so both sides of the comparison allocate alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The keys of the load script, made the same way: RSA imported from the fixtures, the
/// others generated.
pub fn setup_requests() -> Vec<(&'static str, Value, &'static str)> {
    // The private key as PEM text and its public key as base64 DER SPKI (import wants both).
    let fixture = |name: &str| {
        let pem = std::fs::read_to_string(format!(
            "{}/fixtures/keys/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture key");
        let der = tsb_emulator::crypto::pem::decode_all(pem.as_bytes()).expect("PEM");
        let key = tsb_emulator::crypto::rsa::decode_imported_private(&der[0]).expect("RSA key");
        let public = tsb_emulator::crypto::rsa::public_spki_der(&key).expect("SPKI");
        (
            pem,
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, public),
        )
    };
    let (rsa_2048, rsa_2048_public) = fixture("rsa-2048-1");
    let (rsa_4096, rsa_4096_public) = fixture("rsa-4096-1");
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    vec![
        (
            "/v1/key/import/plain",
            json!({"label": "rsa-2048", "algorithm": "RSA", "privateKey": rsa_2048,
                   "publicKey": rsa_2048_public,
                   "attributes": attributes}),
            "SHA256_WITH_RSA",
        ),
        (
            "/v1/key/import/plain",
            json!({"label": "rsa-4096", "algorithm": "RSA", "privateKey": rsa_4096,
                   "publicKey": rsa_4096_public,
                   "attributes": attributes}),
            "SHA256_WITH_RSA",
        ),
        (
            "/v1/key",
            json!({"label": "p-256", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                   "attributes": attributes}),
            "SHA256_WITH_ECDSA",
        ),
        (
            "/v1/key",
            json!({"label": "ed25519", "algorithm": "ED", "curveOid": "1.3.101.112",
                   "attributes": attributes}),
            "EDDSA",
        ),
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let hsm = Hsm::open(KeyStore::in_memory().unwrap(), HsmOptions::default())
            .await
            .unwrap();
        let router = app(AppState::new(hsm.clone()));
        for (path, body, _) in setup_requests() {
            let request = Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let status = router.clone().oneshot(request).await.unwrap().status();
            assert!(status.is_success(), "{path}: {status}");
        }
        for (_, body, algorithm) in setup_requests() {
            let name = body["label"].as_str().unwrap().to_owned();
            let done = Arc::new(AtomicU64::new(0));
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let workers: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (hsm, done, name) = (hsm.clone(), Arc::clone(&done), name.clone());
                    tokio::spawn(async move {
                        while Instant::now() < deadline {
                            hsm.sign(SignRequest {
                                label: Label::parse(&name).unwrap(),
                                path: None,
                                password: None,
                                approvals: Default::default(),
                                algorithm: algorithm.parse().unwrap(),
                                format: SignatureFormat::Der,
                                payload: b"The quick brown fox jumps over the lazy dog".to_vec(),
                                context: Vec::new(),
                                schnorr: Default::default(),
                            })
                            .await
                            .unwrap();
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            let started = Instant::now();
            for worker in workers {
                worker.await.unwrap();
            }
            let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
            println!("{name} {rate:.0}");
        }
    });
}

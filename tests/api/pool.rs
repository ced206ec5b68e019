//! The RSA key pool: keys handed out once, refilled, kept across restarts; and cheap requests
//! answered while keys are generated on demand. These tests generate real keys.

use crate::helpers::{TestApp, fixture_key, seed_key_request, spawn_app_with};
use axum::http::StatusCode;
use serde_json::json;
use std::collections::HashSet;
use tsb_emulator::crypto::rsa;
use tsb_emulator::domain::RsaBits;
use tsb_emulator::hsm::HsmOptions;
use tsb_emulator::keystore::KeyStore;

fn pool_options(depth: usize) -> HsmOptions {
    HsmOptions {
        rsa_pool_depth: depth,
        rsa_pool_sizes: vec![RsaBits::B2048],
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        ..HsmOptions::default()
    }
}

impl TestApp {
    async fn statistics(&self) -> String {
        self.get("/v1/keystore/statistics").await.body["keyStoreStatistics"]
            .as_str()
            .expect("a string")
            .to_owned()
    }

    /// Polls the statistics until they contain `text` (bounded: generation is slow in debug).
    async fn wait_for(&self, text: &str) {
        for _ in 0..600 {
            if self.statistics().await.contains(text) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!(
            "statistics never showed {text:?}: {}",
            self.statistics().await
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_keys_are_handed_out_once_refilled_and_kept_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_app_with(KeyStore::open(dir.path()).expect("store"), pool_options(2)).await;
    app.wait_for("rsa pool: RSA-2048 2/2").await;
    let mut public_keys = HashSet::new();
    for index in 0..3 {
        let body = app.create_seed_key(&format!("pooled-{index}"), 2048).await;
        assert!(
            public_keys.insert(body["json"]["publicKey"].as_str().expect("key").to_owned()),
            "a key was handed out twice"
        );
    }
    app.wait_for("rsa pool: RSA-2048 2/2").await;
    drop(app); // stops the pool's worker and frees the store

    // A restart finds the pool full at once, and its keys are none of those handed out.
    let store = KeyStore::open(dir.path()).expect("store reopens");
    let app = spawn_app_with(store, pool_options(2)).await;
    assert!(
        app.statistics().await.contains("rsa pool: RSA-2048 2/2"),
        "{}",
        app.statistics().await
    );
    let body = app.create_seed_key("after-restart", 2048).await;
    assert!(public_keys.insert(body["json"]["publicKey"].as_str().expect("key").to_owned()));
}

#[test]
fn concurrent_takes_never_share_a_pooled_key() {
    let store = KeyStore::in_memory().expect("store");
    for name in ["rsa-2048-1", "rsa-2048-2", "rsa-2048-3"] {
        let pkcs8 = rsa::encode_private(&fixture_key(name)).expect("encodes");
        store.pool_push(2048, &pkcs8).expect("pushed");
    }
    let taken: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| store.pool_take(2048).expect("take")))
            .collect();
        handles
            .into_iter()
            .filter_map(|handle| handle.join().expect("thread"))
            .map(|secret| secret.expose().to_vec())
            .collect()
    });
    assert_eq!(taken.len(), 3, "three keys, three takers served");
    assert_eq!(
        taken.iter().collect::<HashSet<_>>().len(),
        3,
        "no key twice"
    );
    assert_eq!(store.pool_len(2048), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cheap_request_is_answered_while_rsa_4096_keys_are_generated_on_demand() {
    let options = HsmOptions {
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        ..HsmOptions::default()
    };
    let app = spawn_app_with(KeyStore::in_memory().expect("store"), options).await;
    let slow = {
        let router = app.router.clone();
        let generations: Vec<_> = (0..2)
            .map(|index| {
                let app = TestApp {
                    router: router.clone(),
                };
                tokio::spawn(async move {
                    app.post("/v1/key", &seed_key_request(&format!("slow-{index}"), 4096))
                        .await
                        .status
                })
            })
            .collect();
        generations
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let listed = app.get("/v1/key").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        slow.iter().any(|generation| !generation.is_finished()),
        "the list came back before the generations finished"
    );
    for generation in slow {
        assert_eq!(generation.await.expect("task"), StatusCode::CREATED);
    }
    assert_eq!(app.get("/v1/key").await.body, json!(["slow-0", "slow-1"]));
}

/// Stateful keys (issue 24): the first LMS and XMSS keys are made on demand and make their
/// kinds join the pool, which then keeps them topped up in the store; later keys come from it,
/// each once, unused (index 0, so their first signature is index 0), and survive a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateful_keys_come_from_the_pool_unused_once_each_and_survive_a_restart() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("temp dir");
    let request = |label: &str, algorithm: &str| {
        json!({"label": label, "algorithm": algorithm,
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}})
    };
    let app = spawn_app_with(KeyStore::open(dir.path()).expect("store"), pool_options(1)).await;
    let mut public_keys = HashSet::new();
    for algorithm in ["LMS", "XMSS-SHA256_10_256"] {
        let body = app
            .create_key(&request(&format!("{algorithm}-0"), algorithm))
            .await;
        public_keys.insert(body["json"]["publicKey"].as_str().expect("key").to_owned());
    }
    app.wait_for("stateful key pool: LMS-H5 1/1, XMSS-SHA256_10_256 1/1")
        .await;
    for index in 1..=2 {
        for algorithm in ["LMS", "XMSS-SHA256_10_256"] {
            let label = format!("{algorithm}-{index}");
            let body = app.create_key(&request(&label, algorithm)).await;
            assert_eq!(body["json"]["keyUsageCount"], 0, "{label}");
            assert!(
                public_keys.insert(body["json"]["publicKey"].as_str().expect("key").to_owned()),
                "a stateful key was handed out twice"
            );
            let signed = app
                .post(
                    "/v1/synchronousSign",
                    &json!({"signRequest": {"signKeyName": label, "payload": "AAAA",
                        "signatureAlgorithm": if algorithm == "LMS" { "LMS" } else { "XMSS" }}}),
                )
                .await;
            assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
            let signature = base64::engine::general_purpose::STANDARD
                .decode(signed.body["signature"].as_str().expect("base64"))
                .expect("base64");
            // HSS: Nspk (4 bytes) then the LMS signature, whose q comes first; XMSS: the index.
            let index_bytes = if algorithm == "LMS" {
                &signature[4..8]
            } else {
                &signature[..4]
            };
            assert_eq!(index_bytes, [0, 0, 0, 0], "{label} signed with index 0");
        }
    }
    app.wait_for("stateful key pool: LMS-H5 1/1, XMSS-SHA256_10_256 1/1")
        .await;
    drop(app);
    // The pooled LMS key as stored (the pool's slot 0x4c4d0005: private key with its length,
    // then the SPKI): after a restart, the next LMS key must be exactly that one.
    let store = KeyStore::open(dir.path()).expect("store reopens");
    let stored = store
        .pool_take(0x4c4d_0005)
        .expect("take")
        .expect("a pooled LMS key");
    let bytes = stored.expose();
    let length = u32::from_be_bytes(bytes[..4].try_into().expect("4 bytes")) as usize;
    let pooled = base64::engine::general_purpose::STANDARD.encode(&bytes[4 + length..]);
    store.pool_push(0x4c4d_0005, &stored).expect("put back");
    drop(store);
    let app = spawn_app_with(
        KeyStore::open(dir.path()).expect("store reopens"),
        pool_options(1),
    )
    .await;
    for algorithm in ["LMS", "XMSS-SHA256_10_256"] {
        let body = app
            .create_key(&request(&format!("{algorithm}-again"), algorithm))
            .await;
        let public = body["json"]["publicKey"].as_str().expect("key").to_owned();
        if algorithm == "LMS" {
            assert_eq!(public, pooled, "the LMS key came from the pool");
        }
        assert!(public_keys.insert(public));
    }
    app.wait_for("stateful key pool: LMS-H5 1/1, XMSS-SHA256_10_256 1/1")
        .await;
}

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

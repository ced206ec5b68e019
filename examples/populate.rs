//! Fills a data folder with N AES-256 keys through the device API, for start-up
//! measurements with a large store (`scripts/bench.sh`).
//!
//! Usage: `cargo run --release --example populate -- DATA_DIR N`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tsb_emulator::domain::{KeyAlgorithm, KeyAttributes, KeySpec, Label, RequestedAttributes};
use tsb_emulator::hsm::{CreateKey, Hsm, HsmOptions};
use tsb_emulator::keystore::KeyStore;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("DATA_DIR");
    let count: usize = args.next().and_then(|n| n.parse().ok()).expect("N");
    let hsm = Hsm::open(KeyStore::open(dir.as_ref()).unwrap(), HsmOptions::default())
        .await
        .unwrap();
    let existing = hsm.statistics().await.unwrap().key_count;
    let mut tasks = tokio::task::JoinSet::new();
    for index in existing..count {
        let hsm = hsm.clone();
        tasks.spawn(async move {
            hsm.create_key(CreateKey {
                label: Label::parse(&format!("populated-{index:05}")).unwrap(),
                password: None,
                spec: KeySpec::Secret {
                    algorithm: KeyAlgorithm::Aes,
                    bits: 256,
                },
                attributes: KeyAttributes::from_request(RequestedAttributes::default()),
                policy: None,
                address_format: None,
            })
            .await
            .unwrap();
        });
        if tasks.len() >= 32 {
            tasks.join_next().await;
        }
    }
    while tasks.join_next().await.is_some() {}
    hsm.flush().await.unwrap();
    println!(
        "{} keys in {dir}",
        hsm.statistics().await.unwrap().key_count
    );
}

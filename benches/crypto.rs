//! Crypto and storage paths without HTTP: RSA generation, CSR building, durable inserts.
//! Run with `cargo bench --bench crypto`; medians are in target/criterion/*/new/estimates.json.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;
use tsb_emulator::crypto::signer::X509Signer;
use tsb_emulator::crypto::{csr, rsa};
use tsb_emulator::domain::{
    ExtendedKeyUsage, HashAlgorithm, KeyAlgorithm, KeyAttributes, KeyUsage, RequestedAttributes,
    RsaBits, SubjectAttributes,
};
use tsb_emulator::keystore::{KeyRecord, KeyStore};

fn fixture(name: &str) -> rsa::PrivateKey {
    let path = format!("{}/fixtures/keys/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    rsa::decode_private(&std::fs::read(path).unwrap()).unwrap()
}

fn seed_subject() -> SubjectAttributes {
    SubjectAttributes {
        common_name: "SUB-Securosys-001".into(),
        country: Some("CH".into()),
        state_or_province_name: Some("Zurich".into()),
        locality: Some("Zurich".into()),
        organization_name: Some("Securosys SA".into()),
        organization_unit_name: Some("Operations".into()),
        ..Default::default()
    }
}

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("rsa_generate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for bits in [RsaBits::B2048, RsaBits::B4096] {
        group.bench_function(bits.bits().to_string(), |b| {
            b.iter(|| rsa::generate(&mut rand::rng(), bits).unwrap())
        });
    }
    group.finish();
}

fn csr_building(c: &mut Criterion) {
    let subject = seed_subject();
    let mut group = c.benchmark_group("csr_build");
    for name in ["rsa-2048-1", "rsa-4096-1"] {
        let key = fixture(name);
        let public = rsa::public_spki_der(&key).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let params = csr::CsrParams {
                    subject: &subject,
                    key_usage: &[KeyUsage::DigitalSignature],
                    extended_key_usage: &[ExtendedKeyUsage::AnyExtendedKeyUsage],
                    digest: HashAlgorithm::Sha256,
                };
                csr::build_csr(&X509Signer::Rsa(&key), &public, params, &mut rand::rng()).unwrap()
            })
        });
    }
    group.bench_function("decode_pkcs8_rsa-4096", |b| {
        let der = rsa::encode_private(&fixture("rsa-4096-1")).unwrap();
        b.iter(|| rsa::decode_private(der.expose()).unwrap())
    });
    group.finish();
}

fn storage(c: &mut Criterion) {
    let key = fixture("rsa-4096-1");
    let record = |label: String| KeyRecord {
        label,
        algorithm: KeyAlgorithm::Rsa,
        key_size: Some(4096),
        curve: None,
        private_key: Some(rsa::encode_private(&key).unwrap()),
        public_key: Some(rsa::public_spki_der(&key).unwrap()),
        attributes: KeyAttributes::from_request(RequestedAttributes {
            sign: true,
            ..Default::default()
        }),
        policy: None,
        password: None,
        created_at: 0,
        origin: tsb_emulator::keystore::KeyOrigin::Generated,
        certificate: None,
        next_signature_index: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::open(dir.path()).unwrap();
    let mut group = c.benchmark_group("keystore");
    let mut n = 0u64;
    group.bench_function("insert_new_flushed_on_disk", |b| {
        b.iter(|| {
            n += 1;
            store.insert_new(&record(format!("key-{n}"))).unwrap()
        })
    });
    let label = tsb_emulator::domain::Label::parse("key-1").unwrap();
    group.bench_function("get", |b| b.iter(|| store.get(&label).unwrap().unwrap()));
    group.finish();
}

criterion_group!(benches, generation, csr_building, storage);
criterion_main!(benches);

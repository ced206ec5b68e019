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
        address_format: None,
        chain_code: None,
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

/// Where a signature's time goes: decoding the stored PKCS#8 key on every request versus
/// the signature arithmetic itself (the profile behind the parsed-key cache decision in
/// docs/benchmarks.md).
fn sign_path(c: &mut Criterion) {
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    use tsb_emulator::crypto::{ec, ed25519};
    use tsb_emulator::domain::{Curve, Hashing, SignatureFormat, SignatureScheme};
    let payload = b"The quick brown fox jumps over the lazy dog";
    let mut group = c.benchmark_group("sign_path");
    let (ed_pkcs8, _) = ed25519::generate(&mut rand::rng()).unwrap();
    group.bench_function("ed25519_decode", |b| {
        b.iter(|| ed25519_dalek::SigningKey::from_pkcs8_der(ed_pkcs8.expose()).unwrap())
    });
    group.bench_function("ed25519_decode_and_sign", |b| {
        b.iter(|| ed25519::sign(ed_pkcs8.expose(), payload).unwrap())
    });
    let (p256_pkcs8, _) = ec::generate(Curve::P256, &mut rand::rng()).unwrap();
    group.bench_function("p256_decode", |b| {
        b.iter(|| p256::ecdsa::SigningKey::from_pkcs8_der(p256_pkcs8.expose()).unwrap())
    });
    group.bench_function("p256_decode_and_sign", |b| {
        b.iter(|| {
            ec::sign(
                Curve::P256,
                p256_pkcs8.expose(),
                payload,
                Hashing::Hash(HashAlgorithm::Sha256),
                false,
                SignatureFormat::Der,
                &mut rand::rng(),
            )
            .unwrap()
        })
    });
    let rsa_der = rsa::encode_private(&fixture("rsa-2048-1")).unwrap();
    group.bench_function("rsa2048_decode", |b| {
        b.iter(|| rsa::decode_private(rsa_der.expose()).unwrap())
    });
    group.bench_function("rsa2048_decode_and_sign", |b| {
        b.iter(|| {
            let key = rsa::decode_private(rsa_der.expose()).unwrap();
            rsa::sign(
                &key,
                SignatureScheme::RsaPkcs1v15(Hashing::Hash(HashAlgorithm::Sha256)),
                payload,
                &mut rand::rng(),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, generation, csr_building, storage, sign_path);
criterion_main!(benches);

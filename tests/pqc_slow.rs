//! The slow SLH-DSA group: the six "s" (small-signature) sets and the larger "f" sets,
//! created, signed with and verified through the API and checked with `fips205`. Signing
//! with an "s" set takes seconds even in release builds, so these run in their own test
//! binary (`cargo test --test pqc_slow`), still part of `cargo test`. Each test prints its
//! signing time.

// A failed expectation in a test is a test failure, which is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::Decode;
use helpers::{sign_request, spawn_app, verify_request};
use serde_json::json;
use std::time::Instant;

const MESSAGE: &[u8] = b"slow but small";

/// Creates a key of `algorithm`, signs once (timed), and checks the signature with the API
/// and with `fips205`.
async fn sign_and_check(algorithm: &str, oid: &str, signature_len: usize) {
    let app = spawn_app().await;
    let created = app
        .create_key(&json!({"label": "k", "algorithm": algorithm,
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}))
        .await;
    assert_eq!(created["json"]["algorithm"], algorithm);
    assert_eq!(created["json"]["algorithmOid"], oid);
    let spki = STANDARD
        .decode(created["json"]["publicKey"].as_str().unwrap())
        .unwrap();
    let info = spki::SubjectPublicKeyInfoRef::from_der(&spki).unwrap();
    assert_eq!(info.algorithm.oid.to_string(), oid);
    let raw = info.subject_public_key.raw_bytes().to_vec();

    let started = Instant::now();
    let reply = app
        .post(
            "/v1/synchronousSign",
            &sign_request("k", "SLH_DSA", MESSAGE, "DER"),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    println!("{algorithm}: one signature through the API in {elapsed:?}");
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().unwrap())
        .unwrap();
    assert_eq!(signature.len(), signature_len);
    assert!(fips205_verifies(algorithm, &raw, &signature));
    let reply = app
        .post(
            "/v1/verify",
            &verify_request("k", "SPHINCS_PLUS", MESSAGE, &signature),
        )
        .await;
    assert_eq!(reply.body["signatureValid"], true, "{}", reply.body);
}

fn fips205_verifies(algorithm: &str, raw: &[u8], signature: &[u8]) -> bool {
    use fips205::traits::{SerDes, Verifier};
    macro_rules! check {
        ($module:ident) => {
            fips205::$module::PublicKey::try_from_bytes(raw.try_into().unwrap())
                .unwrap()
                .verify(MESSAGE, &signature.try_into().unwrap(), b"")
        };
    }
    match algorithm {
        "SLH-DSA-SHA2-128s" => check!(slh_dsa_sha2_128s),
        "SLH-DSA-SHA2-192s" => check!(slh_dsa_sha2_192s),
        "SLH-DSA-SHA2-192f" => check!(slh_dsa_sha2_192f),
        "SLH-DSA-SHA2-256s" => check!(slh_dsa_sha2_256s),
        "SLH-DSA-SHA2-256f" => check!(slh_dsa_sha2_256f),
        "SLH-DSA-SHAKE-128s" => check!(slh_dsa_shake_128s),
        "SLH-DSA-SHAKE-192s" => check!(slh_dsa_shake_192s),
        "SLH-DSA-SHAKE-192f" => check!(slh_dsa_shake_192f),
        "SLH-DSA-SHAKE-256s" => check!(slh_dsa_shake_256s),
        "SLH-DSA-SHAKE-256f" => check!(slh_dsa_shake_256f),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn slh_dsa_sha2_128s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHA2-128s", "2.16.840.1.101.3.4.3.20", 7856).await;
}

#[tokio::test]
async fn slh_dsa_sha2_192s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHA2-192s", "2.16.840.1.101.3.4.3.22", 16224).await;
}

#[tokio::test]
async fn slh_dsa_sha2_256s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHA2-256s", "2.16.840.1.101.3.4.3.24", 29792).await;
}

#[tokio::test]
async fn slh_dsa_shake_128s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHAKE-128s", "2.16.840.1.101.3.4.3.26", 7856).await;
}

#[tokio::test]
async fn slh_dsa_shake_192s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHAKE-192s", "2.16.840.1.101.3.4.3.28", 16224).await;
}

#[tokio::test]
async fn slh_dsa_shake_256s_signs_and_verifies() {
    sign_and_check("SLH-DSA-SHAKE-256s", "2.16.840.1.101.3.4.3.30", 29792).await;
}

#[tokio::test]
async fn slh_dsa_larger_fast_sets_sign_and_verify() {
    for (algorithm, oid, len) in [
        ("SLH-DSA-SHA2-192f", "2.16.840.1.101.3.4.3.23", 35664),
        ("SLH-DSA-SHA2-256f", "2.16.840.1.101.3.4.3.25", 49856),
        ("SLH-DSA-SHAKE-192f", "2.16.840.1.101.3.4.3.29", 35664),
        ("SLH-DSA-SHAKE-256f", "2.16.840.1.101.3.4.3.31", 49856),
    ] {
        sign_and_check(algorithm, oid, len).await;
    }
}

/// XMSS-SHAKE256_10_256 through the API: key generation (1024 leaves of SHAKE256 chains)
/// takes minutes in a debug build. Signatures checked by the `xmss` crate.
#[tokio::test]
async fn xmss_shake256_keys_sign_and_verify_with_the_xmss_crate() {
    let app = spawn_app().await;
    let started = Instant::now();
    let created = app
        .create_key(&json!({"label": "x", "algorithm": "XMSS-SHAKE256_10_256",
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}))
        .await;
    println!(
        "XMSS-SHAKE256_10_256: key generation in {:?}",
        started.elapsed()
    );
    assert_eq!(created["json"]["algorithm"], "XMSS");
    assert_eq!(created["json"]["algorithmOid"], "1.3.6.1.5.5.7.6.34");
    let spki = STANDARD
        .decode(created["json"]["publicKey"].as_str().unwrap())
        .unwrap();
    let info = spki::SubjectPublicKeyInfoRef::from_der(&spki).unwrap();
    let raw = info.subject_public_key.raw_bytes().to_vec();
    let key = xmss::VerifyingKey::<xmss::XmssShake256_10_256>::try_from(raw.as_slice()).unwrap();
    for (i, name) in ["XMSS-SHAKE256_10_256", "XMSS"].into_iter().enumerate() {
        let started = Instant::now();
        let reply = app
            .post(
                "/v1/synchronousSign",
                &sign_request("x", name, MESSAGE, "DER"),
            )
            .await;
        println!(
            "XMSS-SHAKE256_10_256: one signature in {:?}",
            started.elapsed()
        );
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
        let signature = STANDARD
            .decode(reply.body["signature"].as_str().unwrap())
            .unwrap();
        assert_eq!(signature[..4], u32::try_from(i).unwrap().to_be_bytes());
        let detached =
            xmss::DetachedSignature::<xmss::XmssShake256_10_256>::try_from(signature.as_slice())
                .unwrap();
        assert!(key.verify_detached(&detached, MESSAGE).is_ok());
        let reply = app
            .post(
                "/v1/verify",
                &verify_request("x", name, MESSAGE, &signature),
            )
            .await;
        assert_eq!(reply.body["signatureValid"], true, "{}", reply.body);
    }
    let reply = app
        .post(
            "/v1/synchronousSign",
            &sign_request("x", "XMSS-SHA256_10_256", MESSAGE, "DER"),
        )
        .await;
    assert_eq!(reply.body["errorCode"], 607, "{}", reply.body);
}

/// The SHAKE SLH-DSA sets other than 128f: key generation from fixed seeds gives the public
/// key `fips205` derives from the same seeds (the other sets are checked in the unit tests).
#[test]
fn slh_dsa_shake_key_generation_matches_fips205() {
    use fips205::traits::{KeyGen, SerDes};
    macro_rules! check {
        ($name:literal, $module:ident, $n:literal) => {{
            let seeds: [[u8; $n]; 3] = [[1; $n], [2; $n], [3; $n]];
            let (_, ours) =
                tsb_pqc_kernels::slh_dsa_keygen($name, &seeds[0], &seeds[1], &seeds[2]).unwrap();
            let (theirs, _) =
                fips205::$module::KG::keygen_from_seed::<$n>(&seeds[0], &seeds[1], &seeds[2]);
            assert_eq!(theirs.into_bytes().to_vec(), ours, $name);
        }};
    }
    check!("SLH-DSA-SHAKE-128s", slh_dsa_shake_128s, 16);
    check!("SLH-DSA-SHAKE-192s", slh_dsa_shake_192s, 24);
    check!("SLH-DSA-SHAKE-192f", slh_dsa_shake_192f, 24);
    check!("SLH-DSA-SHAKE-256s", slh_dsa_shake_256s, 32);
    check!("SLH-DSA-SHAKE-256f", slh_dsa_shake_256f, 32);
}

/// Signatures with quick schemes run on their own pool, SLH-DSA on tokio's blocking pool: more
/// slow SLH-DSA signatures in flight than the quick pool has threads must not queue an Ed25519
/// signature behind them.
#[tokio::test]
async fn a_quick_signature_is_not_queued_behind_slow_slh_dsa_signatures() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    app.create_key(&json!({"label": "slow", "algorithm": "SLH-DSA-SHA2-128s",
        "attributes": attributes}))
        .await;
    app.create_key(
        &json!({"label": "quick", "algorithm": "ED", "curveOid": "1.3.101.112",
        "attributes": attributes}),
    )
    .await;
    let slow: Vec<_> = (0..tsb_emulator::hsm::quick_pool_threads() + 1)
        .map(|_| {
            let app = helpers::TestApp {
                router: app.router.clone(),
            };
            tokio::spawn(async move {
                let request = sign_request("slow", "SLH_DSA", MESSAGE, "DER");
                app.post("/v1/synchronousSign", &request).await.status
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let quick = app
        .post(
            "/v1/synchronousSign",
            &sign_request("quick", "EDDSA", MESSAGE, "DER"),
        )
        .await;
    assert_eq!(quick.status, axum::http::StatusCode::OK, "{}", quick.body);
    assert!(
        slow.iter().all(|signing| !signing.is_finished()),
        "the Ed25519 signature waited for an SLH-DSA one"
    );
    for signing in slow {
        assert_eq!(signing.await.expect("task"), axum::http::StatusCode::OK);
    }
}

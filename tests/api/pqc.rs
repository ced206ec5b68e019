//! Post-quantum and stateful hash-based keys through the API (reference 6.1, 7.5, 7.6, 9.3,
//! 15): ML-DSA and SLH-DSA checked by the independent `fips204`/`fips205` crates, ML-KEM as
//! a wrap method, and HSS/LMS checked by `hbs-lms` with its one-time indices never reused.
//! The slow SLH-DSA "s" sets are in `tests/pqc_slow.rs`.

use crate::helpers::{
    TestApp, fixture_key, sign_request, spawn_app, spawn_app_with, verify_request,
};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::Decode;
use serde_json::{Value, json};
use sha2::Digest;
use tsb_emulator::hsm::HsmOptions;
use tsb_emulator::keystore::KeyStore;

const MESSAGE: &[u8] = b"post-quantum payload";

/// A signing key request for a PQC algorithm.
fn pqc_key_request(label: &str, algorithm: &str) -> Value {
    json!({"label": label, "algorithm": algorithm, "password": null,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true},
        "policy": null})
}

/// The raw public key in an SPKI, checking its algorithm OID and absent parameters
/// (parsed here with `spki`, not with the emulator's code).
fn spki_raw(spki: &[u8], oid: &str) -> Vec<u8> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki).expect("a DER SPKI");
    assert_eq!(info.algorithm.oid.to_string(), oid);
    assert!(info.algorithm.parameters.is_none(), "parameters are absent");
    info.subject_public_key.raw_bytes().to_vec()
}

fn with_context(mut request: Value, context: &[u8]) -> Value {
    let inner = request
        .as_object_mut()
        .and_then(|o| o.values_mut().next())
        .expect("an envelope");
    inner["context"] = json!(STANDARD.encode(context));
    request
}

#[tokio::test]
async fn an_ml_dsa_65_key_is_created_described_signed_with_and_verified_like_the_client_does() {
    let app = spawn_app().await;
    let created = app.create_key(&pqc_key_request("mldsa", "ML-DSA-65")).await;
    let json = &created["json"];
    assert_eq!(json["algorithm"], "ML-DSA-65");
    assert_eq!(json["algorithmOid"], "2.16.840.1.101.3.4.3.18");
    assert_eq!(json["id"], Value::Null);
    assert_eq!(json["keySize"], Value::Null);
    assert_eq!(json["curveOid"], Value::Null);
    let spki = app.public_key("mldsa").await;
    let raw = spki_raw(&spki, "2.16.840.1.101.3.4.3.18");
    assert_eq!(raw.len(), 1952);
    assert!(
        created["xml"]
            .as_str()
            .unwrap()
            .contains("<algorithm>ML-DSA-65</algorithm>")
    );

    use fips204::traits::{SerDes, Verifier};
    let public = fips204::ml_dsa_65::PublicKey::try_from_bytes(raw.try_into().unwrap()).unwrap();
    // Both naming families, pure signing with an empty context (reference 7.6).
    for algorithm in ["DILITHIUM", "ML_DSA"] {
        let signature = app
            .sign(&sign_request("mldsa", algorithm, MESSAGE, "DER"))
            .await;
        assert_eq!(signature.len(), 3309);
        let fixed: [u8; 3309] = signature.clone().try_into().unwrap();
        assert!(public.verify(MESSAGE, &fixed, b""), "{algorithm}");
        for other in ["DILITHIUM", "ML_DSA"] {
            assert!(
                app.verify(&verify_request("mldsa", other, MESSAGE, &signature))
                    .await
            );
        }
        assert!(
            !app.verify(&verify_request("mldsa", algorithm, b"tampered", &signature))
                .await
        );
    }
    // The optional context.
    let request = with_context(sign_request("mldsa", "ML_DSA", MESSAGE, "DER"), b"tsb ctx");
    let signature = app.sign(&request).await;
    let fixed: [u8; 3309] = signature.clone().try_into().unwrap();
    assert!(public.verify(MESSAGE, &fixed, b"tsb ctx"));
    assert!(!public.verify(MESSAGE, &fixed, b""));
    let verify = verify_request("mldsa", "ML_DSA", MESSAGE, &signature);
    assert!(app.verify(&with_context(verify.clone(), b"tsb ctx")).await);
    assert!(!app.verify(&verify).await);
    // HashML-DSA: the HSM hashes the payload.
    let signature = app
        .sign(&sign_request(
            "mldsa",
            "SHA2_256_WITH_ML_DSA",
            MESSAGE,
            "DER",
        ))
        .await;
    let fixed: [u8; 3309] = signature.clone().try_into().unwrap();
    let digest = sha2::Sha256::digest(MESSAGE);
    assert!(public.hash_verify(&digest, &fixed, b"", &fips204::pre_hash::SHA2_256));
    assert!(
        !public.verify(MESSAGE, &fixed, b""),
        "a pre-hash signature is not pure"
    );
    assert!(
        app.verify(&verify_request(
            "mldsa",
            "SHA2_256_WITH_ML_DSA",
            MESSAGE,
            &signature
        ))
        .await
    );
    assert!(
        !app.verify(&verify_request("mldsa", "ML_DSA", MESSAGE, &signature))
            .await
    );
}

/// Every ML-DSA set, with every algorithm name an ML-DSA key takes.
#[tokio::test]
async fn every_ml_dsa_set_signs_with_every_ml_dsa_algorithm_name() {
    let app = spawn_app().await;
    for (algorithm, oid, signature_len) in [
        ("ML-DSA-44", "2.16.840.1.101.3.4.3.17", 2420),
        ("ML-DSA-65", "2.16.840.1.101.3.4.3.18", 3309),
        ("ML-DSA-87", "2.16.840.1.101.3.4.3.19", 4627),
    ] {
        let label = algorithm.to_ascii_lowercase();
        let created = app.create_key(&pqc_key_request(&label, algorithm)).await;
        assert_eq!(created["json"]["algorithm"], algorithm);
        assert_eq!(created["json"]["algorithmOid"], oid);
        let spki = app.public_key(&label).await;
        let raw = spki_raw(&spki, oid);
        for name in [
            "DILITHIUM",
            "ML_DSA",
            "SHA2_224_WITH_ML_DSA",
            "SHA2_256_WITH_ML_DSA",
            "SHA2_384_WITH_ML_DSA",
            "SHA2_512_WITH_ML_DSA",
            "SHA3_224_WITH_ML_DSA",
            "SHA3_256_WITH_ML_DSA",
            "SHA3_384_WITH_ML_DSA",
            "SHA3_512_WITH_ML_DSA",
            "SHAKE_128_WITH_ML_DSA",
            "SHAKE_256_WITH_ML_DSA",
        ] {
            let request = with_context(sign_request(&label, name, MESSAGE, "DER"), b"c");
            let signature = app.sign(&request).await;
            assert_eq!(signature.len(), signature_len, "{algorithm} {name}");
            let verify = verify_request(&label, name, MESSAGE, &signature);
            assert!(
                app.verify(&with_context(verify, b"c")).await,
                "{algorithm} {name}"
            );
        }
        let signature = app
            .sign(&sign_request(&label, "ML_DSA", MESSAGE, "DER"))
            .await;
        assert!(fips204_verifies(algorithm, &raw, MESSAGE, &signature));
    }
}

fn fips204_verifies(algorithm: &str, raw: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use fips204::traits::{SerDes, Verifier};
    macro_rules! check {
        ($module:ident) => {
            fips204::$module::PublicKey::try_from_bytes(raw.try_into().unwrap())
                .unwrap()
                .verify(message, &signature.try_into().unwrap(), b"")
        };
    }
    match algorithm {
        "ML-DSA-44" => check!(ml_dsa_44),
        "ML-DSA-65" => check!(ml_dsa_65),
        "ML-DSA-87" => check!(ml_dsa_87),
        other => panic!("{other}"),
    }
}

/// `ML_DSA_M`: the payload is the 64-byte external μ (FIPS 204, "external mu").
#[tokio::test]
async fn ml_dsa_m_signs_an_external_mu_that_verifies_as_a_pure_signature() {
    let app = spawn_app().await;
    app.create_key(&pqc_key_request("mu", "ML-DSA-44")).await;
    let raw = spki_raw(&app.public_key("mu").await, "2.16.840.1.101.3.4.3.17");
    use shake::{ExtendableOutput, Update, XofReader};
    let shake = |data: &[u8]| {
        let mut xof = shake::Shake256::default();
        xof.update(data);
        let mut out = [0u8; 64];
        xof.finalize_xof().read(&mut out);
        out
    };
    let tr = shake(&raw);
    let mu = shake(&[&tr[..], &[0, 0], MESSAGE].concat());
    let signature = app.sign(&sign_request("mu", "ML_DSA_M", &mu, "DER")).await;
    assert!(fips204_verifies("ML-DSA-44", &raw, MESSAGE, &signature));
    assert!(
        app.verify(&verify_request("mu", "ML_DSA_M", &mu, &signature))
            .await
    );
    assert!(
        app.verify(&verify_request("mu", "ML_DSA", MESSAGE, &signature))
            .await
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("mu", "ML_DSA_M", b"short", "DER"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 612, "res.error.invalid.payload");
}

/// The 128-bit fast SLH-DSA sets, both naming families, a pre-hash variant and a context
/// (the other ten sets are in the slow group, `tests/pqc_slow.rs`).
#[tokio::test]
async fn slh_dsa_128f_sets_sign_and_verify_with_both_naming_families() {
    let app = spawn_app().await;
    for (algorithm, oid, signature_len) in [
        ("SLH-DSA-SHA2-128f", "2.16.840.1.101.3.4.3.21", 17088),
        ("SLH-DSA-SHAKE-128f", "2.16.840.1.101.3.4.3.27", 17088),
    ] {
        check_slh_dsa_set(&app, algorithm, oid, signature_len).await;
    }
}

/// Creates an SLH-DSA key and checks its key info and signatures.
async fn check_slh_dsa_set(app: &TestApp, algorithm: &str, oid: &str, signature_len: usize) {
    let label = algorithm.to_ascii_lowercase();
    let created = app.create_key(&pqc_key_request(&label, algorithm)).await;
    assert_eq!(created["json"]["algorithm"], algorithm);
    assert_eq!(created["json"]["algorithmOid"], oid);
    let raw = spki_raw(&app.public_key(&label).await, oid);
    let signature = app
        .sign(&sign_request(&label, "SPHINCS_PLUS", MESSAGE, "DER"))
        .await;
    assert_eq!(signature.len(), signature_len, "{algorithm}");
    assert!(
        fips205_verifies(algorithm, &raw, MESSAGE, &signature, b""),
        "{algorithm}"
    );
    assert!(
        app.verify(&verify_request(&label, "SLH_DSA", MESSAGE, &signature))
            .await
    );
    assert!(
        !app.verify(&verify_request(&label, "SLH_DSA", b"other", &signature))
            .await
    );
    let request = with_context(
        sign_request(&label, "SHA2_512_WITH_SLH_DSA", MESSAGE, "DER"),
        b"ctx",
    );
    let signature = app.sign(&request).await;
    let verify = verify_request(&label, "SHA2_512_WITH_SLH_DSA", MESSAGE, &signature);
    assert!(
        app.verify(&with_context(verify.clone(), b"ctx")).await,
        "{algorithm}"
    );
    assert!(
        !app.verify(&verify).await,
        "{algorithm}: the context matters"
    );
}

fn fips205_verifies(
    algorithm: &str,
    raw: &[u8],
    message: &[u8],
    signature: &[u8],
    ctx: &[u8],
) -> bool {
    use fips205::traits::{SerDes, Verifier};
    macro_rules! check {
        ($module:ident) => {
            fips205::$module::PublicKey::try_from_bytes(raw.try_into().unwrap())
                .unwrap()
                .verify(message, &signature.try_into().unwrap(), ctx)
        };
    }
    match algorithm {
        "SLH-DSA-SHA2-128s" => check!(slh_dsa_sha2_128s),
        "SLH-DSA-SHA2-128f" => check!(slh_dsa_sha2_128f),
        "SLH-DSA-SHA2-192s" => check!(slh_dsa_sha2_192s),
        "SLH-DSA-SHA2-192f" => check!(slh_dsa_sha2_192f),
        "SLH-DSA-SHA2-256s" => check!(slh_dsa_sha2_256s),
        "SLH-DSA-SHA2-256f" => check!(slh_dsa_sha2_256f),
        "SLH-DSA-SHAKE-128s" => check!(slh_dsa_shake_128s),
        "SLH-DSA-SHAKE-128f" => check!(slh_dsa_shake_128f),
        "SLH-DSA-SHAKE-192s" => check!(slh_dsa_shake_192s),
        "SLH-DSA-SHAKE-192f" => check!(slh_dsa_shake_192f),
        "SLH-DSA-SHAKE-256s" => check!(slh_dsa_shake_256s),
        "SLH-DSA-SHAKE-256f" => check!(slh_dsa_shake_256f),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn pqc_algorithms_only_fit_their_own_keys_and_contexts_only_pqc() {
    let app = spawn_app().await;
    app.create_key(&pqc_key_request("d", "ML-DSA-44")).await;
    app.create_key(&pqc_key_request("s", "SLH-DSA-SHA2-128f"))
        .await;
    for (label, algorithm) in [
        ("d", "SPHINCS_PLUS"),
        ("d", "LMS"),
        ("s", "DILITHIUM"),
        ("d", "SHA256_WITH_ECDSA"),
    ] {
        app.post(
            "/v1/synchronousSign",
            &sign_request(label, algorithm, MESSAGE, "DER"),
        )
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
    }
    let long = with_context(sign_request("d", "ML_DSA", MESSAGE, "DER"), &[7; 256]);
    app.post("/v1/synchronousSign", &long).await.assert_error(
        StatusCode::BAD_REQUEST,
        612,
        "res.error.invalid.payload",
    );
    // A PQC signature has one encoding: `RAW` names it as well as `DER`; `ETH` is refused.
    let raw = app
        .post(
            "/v1/synchronousSign",
            &sign_request("d", "ML_DSA", MESSAGE, "RAW"),
        )
        .await;
    assert_eq!(raw.status, StatusCode::OK, "{}", raw.body);
    let signature = STANDARD
        .decode(raw.body["signature"].as_str().unwrap())
        .unwrap();
    assert!(
        app.verify(&verify_request("d", "ML_DSA", MESSAGE, &signature))
            .await
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("d", "ML_DSA", MESSAGE, "ETH"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 635, "res.error.encoding.exception");
    // Import and export of PQC keys are refused clearly.
    app.post("/v1/key/export/plain", &json!({"label": "d"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );
    let mut open = pqc_key_request("open", "ML-DSA-44");
    open["attributes"]["extractable"] = json!(true);
    open["attributes"]["sensitive"] = json!(false);
    app.create_key(&open).await;
    app.post("/v1/key/export/plain", &json!({"label": "open"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            614,
            "res.error.operation.forbidden.for.key",
        );
    app.post(
        "/v1/key/import/plain",
        &json!({"label": "imp", "algorithm": "ML-DSA-44", "privateKey": "AAAA",
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    // The pre-FIPS draft names create their FIPS successors (the docs' key-creation page).
    let created = app.create_key(&pqc_key_request("x", "DILITHIUM_L2")).await;
    assert_eq!(created["json"]["algorithm"], "ML-DSA-44");
}

fn kem_key_request(label: &str, algorithm: &str) -> Value {
    json!({"label": label, "algorithm": algorithm,
        "attributes": {"decrypt": true, "sign": false, "unwrap": true, "wrap": true}})
}

/// ML-KEM as a wrap method (reference 9.3, 15): wrap an AES key to an ML-KEM key and unwrap
/// it into a working copy, for every set.
#[tokio::test]
async fn ml_kem_keys_wrap_and_unwrap_symmetric_keys() {
    let app = spawn_app().await;
    app.create_key(&json!({"label": "aes", "algorithm": "AES", "keySize": 256,
        "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": false,
                        "extractable": true}}))
        .await;
    for (algorithm, oid, ciphertext_len) in [
        ("ML-KEM-512", "2.16.840.1.101.3.4.4.1", 768),
        ("ML-KEM-768", "2.16.840.1.101.3.4.4.2", 1088),
        ("ML-KEM-1024", "2.16.840.1.101.3.4.4.3", 1568),
    ] {
        let label = algorithm.to_ascii_lowercase();
        let created = app.create_key(&kem_key_request(&label, algorithm)).await;
        assert_eq!(created["json"]["algorithm"], algorithm);
        assert_eq!(created["json"]["algorithmOid"], oid);
        spki_raw(&app.public_key(&label).await, oid);
        let reply = app
            .post(
                "/v1/wrap",
                &json!({"wrapKeyRequest": {"keyToBeWrapped": "aes",
                "wrapKeyName": label, "wrapMethod": algorithm}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let wrapped = STANDARD
            .decode(reply.body["wrappedKey"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            wrapped.len(),
            ciphertext_len + 40,
            "KEM ciphertext, then RFC 5649 of 32 bytes"
        );
        let copy = format!("copy-{label}");
        let unwrap = |wrapped: &[u8], copy: &str| {
            json!({"unwrapKeyRequest": {"wrappedKey": STANDARD.encode(wrapped), "label": copy,
                "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": false},
                "unwrapKeyName": label, "wrapMethod": algorithm, "policy": null}})
        };
        let reply = app
            .post("/v1/synchronousUnwrap", &unwrap(&wrapped, &copy))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        // An unwrapped key is sensitive (no plain export): the copy is the same key when
        // what it encrypts, the original decrypts.
        let encrypted = app
            .post(
                "/v1/encrypt",
                &json!({"encryptRequest": {"payload": STANDARD.encode(MESSAGE),
                    "encryptKeyName": copy, "cipherAlgorithm": "AES_GCM"}}),
            )
            .await;
        assert_eq!(encrypted.status, StatusCode::OK, "{}", encrypted.body);
        let decrypted = app
            .post(
                "/v1/synchronousDecrypt",
                &json!({"decryptRequest": {"encryptedPayload": encrypted.body["encryptedPayload"],
                    "decryptKeyName": "aes", "cipherAlgorithm": "AES_GCM",
                    "initializationVector": encrypted.body["initializationVector"]}}),
            )
            .await;
        assert_eq!(decrypted.status, StatusCode::OK, "{}", decrypted.body);
        assert_eq!(decrypted.body["payload"], STANDARD.encode(MESSAGE));
        // A tampered blob does not unwrap and creates nothing.
        let mut tampered = wrapped.clone();
        tampered[10] ^= 1;
        app.post("/v1/synchronousUnwrap", &unwrap(&tampered, "tampered"))
            .await
            .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
        assert!(!app.labels().await.contains(&"tampered".to_owned()));
    }
    // The method must match the key's set; ML-KEM keys do not sign.
    app.post(
        "/v1/wrap",
        &json!({"wrapKeyRequest": {"keyToBeWrapped": "aes",
            "wrapKeyName": "ml-kem-768", "wrapMethod": "ML-KEM-512"}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("ml-kem-768", "ML_DSA", MESSAGE, "DER"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

/// The LMS one-time index inside an HSS signature (Nspk = 0, then q).
fn lms_index(signature: &[u8]) -> u32 {
    assert_eq!(signature[..4], [0, 0, 0, 0], "one HSS level");
    u32::from_be_bytes(signature[4..8].try_into().unwrap())
}

fn hbs_lms_verifies(spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let raw = spki_raw(spki, "1.2.840.113549.1.9.16.3.17");
    hbs_lms::verify::<hbs_lms::Sha256_256>(message, signature, &raw).is_ok()
}

/// The TSB's documented LMS key: 32 signatures of 8688 bytes, each with a new index, then
/// a clear refusal.
#[tokio::test]
async fn an_lms_key_reports_hss_lms_signs_32_times_then_refuses() {
    let app = spawn_app().await;
    let created = app.create_key(&pqc_key_request("lms", "LMS")).await;
    assert_eq!(created["json"]["algorithm"], "HSS-LMS");
    assert_eq!(
        created["json"]["algorithmOid"],
        "1.2.840.113549.1.9.16.3.17"
    );
    assert_eq!(created["json"]["keyUsageCount"], 0);
    let spki = app.public_key("lms").await;
    for index in 0..32u32 {
        let message = format!("message {index}");
        let signature = app
            .sign(&sign_request("lms", "LMS", message.as_bytes(), "DER"))
            .await;
        assert_eq!(signature.len(), 8688);
        assert_eq!(lms_index(&signature), index);
        assert!(hbs_lms_verifies(&spki, message.as_bytes(), &signature));
        let verify = verify_request("lms", "LMS", message.as_bytes(), &signature);
        assert!(app.verify(&verify).await);
    }
    let reply = app
        .post(
            "/v1/synchronousSign",
            &sign_request("lms", "LMS", MESSAGE, "DER"),
        )
        .await;
    let message = reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
    assert!(message.contains("used all 32"), "{message}");
    let info = app.get("/v1/key/lms/attributes").await;
    assert_eq!(info.body["json"]["keyUsageCount"], 32);
    assert!(
        info.body["xml"]
            .as_str()
            .unwrap()
            .contains("<key_use_count>32</key_use_count>")
    );
    // `keySize` picks a taller tree (emulator extension); others are refused.
    let mut tall = pqc_key_request("lms10", "LMS");
    tall["keySize"] = json!(10);
    app.create_key(&tall).await;
    let signature = app
        .sign(&sign_request("lms10", "LMS", MESSAGE, "DER"))
        .await;
    assert!(hbs_lms_verifies(
        &app.public_key("lms10").await,
        MESSAGE,
        &signature
    ));
    tall["keySize"] = json!(20);
    tall["label"] = json!("lms20");
    app.post("/v1/key", &tall).await.assert_error(
        StatusCode::BAD_REQUEST,
        603,
        "res.error.input.keysize",
    );
}

#[tokio::test]
async fn concurrent_lms_signatures_get_distinct_indices() {
    let app = spawn_app().await;
    app.create_key(&pqc_key_request("lms", "LMS")).await;
    let requests: Vec<Value> = (0..24)
        .map(|i| sign_request("lms", "LMS", format!("m{i}").as_bytes(), "DER"))
        .collect();
    let signatures = futures::future::join_all(requests.iter().map(|r| app.sign(r))).await;
    let mut indices: Vec<u32> = signatures.iter().map(|s| lms_index(s)).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..24).collect::<Vec<_>>());
}

/// The index is on disk before the signature leaves: a reopened store continues after it.
#[tokio::test]
async fn an_lms_index_is_never_reused_after_the_store_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let options = || HsmOptions {
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        ..HsmOptions::default()
    };
    // sled's background flusher may hold the directory lock a moment after the last handle
    // is dropped: retry the open (no timing is asserted).
    let open = || async {
        for _ in 0..200 {
            match KeyStore::open(dir.path()) {
                Ok(store) => return store,
                Err(tsb_emulator::keystore::KeyStoreError::Locked { .. }) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(other) => panic!("{other}"),
            }
        }
        panic!("the store stayed locked");
    };
    let mut seen = Vec::new();
    for round in 0..3 {
        let app = spawn_app_with(open().await, options()).await;
        if round == 0 {
            app.create_key(&pqc_key_request("lms", "LMS")).await;
        }
        for _ in 0..3 {
            let signature = app.sign(&sign_request("lms", "LMS", MESSAGE, "DER")).await;
            seen.push(lms_index(&signature));
        }
        drop(app);
    }
    assert_eq!(seen, (0..9).collect::<Vec<_>>());
}

/// XMSS-SHA256_10_256 (the SHAKE set is in the slow group): reported as `XMSS`, signed
/// under its own name and the generic `XMSS`, checked by the `xmss` crate, with the index
/// reserved like LMS.
#[tokio::test]
async fn an_xmss_key_reports_xmss_and_signs_with_fresh_indices_the_xmss_crate_verifies() {
    let app = spawn_app().await;
    let created = app
        .create_key(&pqc_key_request("xmss", "XMSS-SHA256_10_256"))
        .await;
    assert_eq!(created["json"]["algorithm"], "XMSS");
    assert_eq!(created["json"]["algorithmOid"], "1.3.6.1.5.5.7.6.34");
    let raw = spki_raw(&app.public_key("xmss").await, "1.3.6.1.5.5.7.6.34");
    assert_eq!(
        raw[..4],
        [0, 0, 0, 1],
        "XMSS-SHA2_10_256's RFC 8391 type code"
    );
    let key = xmss::VerifyingKey::<xmss::XmssSha2_10_256>::try_from(raw.as_slice()).unwrap();
    let requests: Vec<Value> = ["XMSS-SHA256_10_256", "XMSS"]
        .iter()
        .cycle()
        .take(8)
        .enumerate()
        .map(|(i, name)| sign_request("xmss", name, format!("m{i}").as_bytes(), "DER"))
        .collect();
    let signatures = futures::future::join_all(requests.iter().map(|r| app.sign(r))).await;
    let mut indices = Vec::new();
    for (i, signature) in signatures.iter().enumerate() {
        assert_eq!(signature.len(), 2500);
        let message = format!("m{i}");
        let detached =
            xmss::DetachedSignature::<xmss::XmssSha2_10_256>::try_from(signature.as_slice())
                .unwrap();
        assert!(key.verify_detached(&detached, message.as_bytes()).is_ok());
        let verify = verify_request("xmss", "XMSS", message.as_bytes(), signature);
        assert!(app.verify(&verify).await);
        indices.push(u32::from_be_bytes(signature[..4].try_into().unwrap()));
    }
    indices.sort_unstable();
    assert_eq!(indices, (0..8).collect::<Vec<_>>());
    let info = app.get("/v1/key/xmss/attributes").await;
    assert_eq!(info.body["json"]["keyUsageCount"], 8);
    app.post(
        "/v1/synchronousSign",
        &sign_request("xmss", "XMSS-SHAKE256_10_256", MESSAGE, "DER"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("xmss", "LMS", MESSAGE, "DER"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

/// A reset puts fixture keys back as loaded, but a stateful fixture key keeps its used
/// one-time indices: the next signature after the reset continues, never repeats.
#[tokio::test]
async fn a_reset_never_rewinds_a_stateful_fixture_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("manifest.yaml");
    std::fs::write(
        &file,
        "version: 1\nkeys:\n  - label: lms\n    algorithm: LMS\n    attributes: {decrypt: false, sign: true, unwrap: false}\n    generate: true\n",
    )
    .unwrap();
    let (app, hsm) = crate::helpers::spawn_app_with_state(|state| state).await;
    hsm.load_fixtures(tsb_emulator::fixtures::load(&file).unwrap().keys)
        .await
        .unwrap();
    let mut indices = Vec::new();
    for round in 0..2 {
        for _ in 0..2 {
            let signature = app.sign(&sign_request("lms", "LMS", MESSAGE, "DER")).await;
            indices.push(lms_index(&signature));
        }
        if round == 0 {
            let reset = app.post("/_emulator/reset", &json!({})).await;
            assert!(reset.status.is_success(), "{}", reset.body);
        }
    }
    assert_eq!(indices, [0, 1, 2, 3]);
}

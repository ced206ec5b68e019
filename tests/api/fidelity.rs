//! Flows the TSB evidently allows run unchanged (issue 17): the documentation's printed
//! requests, and what independent clients send. Where the emulator once refused them with a
//! rule of its own, the test says so.

use crate::helpers::{sign_request, spawn_app, spawn_app_with_state, verify_request};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The documentation's Encrypt & Decrypt tutorial, as printed (its password and all): the
/// AES key has `decrypt: true` and no `encrypt`, and encrypting with it works.
#[tokio::test]
async fn the_encrypt_and_decrypt_tutorial_runs_as_printed() {
    let app = spawn_app().await;
    let create = r#"{
        "label": "aes-tutorial",
        "password": [ "R","E","P","L","A","C","E" ],
        "algorithm": "AES",
        "keySize": 256,
        "attributes": {
            "sign": false,
            "extractable": false,
            "modifiable": true,
            "destroyable": true,
            "sensitive": true,
            "decrypt": true,
            "unwrap": false
        }
    }"#;
    let reply = app.post_raw("/v1/key", create).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let encrypt = r#"{
      "encryptRequest": {
        "payload": "RW5jcnlwdERlY3J5cHREZW1v",
        "encryptKeyName": "aes-tutorial",
        "keyPassword": [ "R","E","P","L","A","C","E" ],
        "cipherAlgorithm": "AES_GCM",
        "tagLength": 128
      }
    }"#;
    let encrypted = app.post_raw("/v1/encrypt", encrypt).await;
    assert_eq!(encrypted.status, StatusCode::OK, "{}", encrypted.body);
    let decrypt = json!({"decryptRequest": {
        "encryptedPayload": encrypted.body["encryptedPayload"],
        "decryptKeyName": "aes-tutorial",
        "keyPassword": [ "R","E","P","L","A","C","E" ],
        "cipherAlgorithm": "AES_GCM",
        "initializationVector": encrypted.body["initializationVector"],
        "tagLength": 128}});
    let decrypted = app.post("/v1/synchronousDecrypt", &decrypt).await;
    assert_eq!(decrypted.status, StatusCode::OK, "{}", decrypted.body);
    assert_eq!(decrypted.body["payload"], "RW5jcnlwdERlY3J5cHREZW1v");
    // Only an explicit `encrypt: false` refuses.
    app.create_key(
        &json!({"label": "no-encrypt", "algorithm": "AES", "keySize": 128,
        "attributes": {"encrypt": false, "decrypt": true, "sign": false, "unwrap": false}}),
    )
    .await;
    app.post(
        "/v1/encrypt",
        &json!({"encryptRequest": {"payload": "AAAA", "encryptKeyName": "no-encrypt",
        "cipherAlgorithm": "AES_GCM"}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        606,
        "res.error.key.attributes.invalid",
    );
}

/// EdDSA with `signatureType: RAW` (the Go client's README signs so) is the 64-byte Ed25519
/// signature, the same bytes as the default; openssl verifies it.
#[tokio::test]
async fn eddsa_signs_with_signature_type_raw() {
    let app = spawn_app().await;
    app.create_key(
        &json!({"label": "ed", "algorithm": "ED", "curveOid": "1.3.101.112",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
    )
    .await;
    let message = b"signed raw";
    let raw = app.sign(&sign_request("ed", "EDDSA", message, "RAW")).await;
    let default = app.sign(&sign_request("ed", "EDDSA", message, "DER")).await;
    assert_eq!(raw.len(), 64);
    assert_eq!(
        raw, default,
        "Ed25519 is deterministic and has one encoding"
    );
    let rawin = [
        "pkeyutl", "-verify", "-pubin", "-inkey", "{pub}", "-rawin", "-in", "{data}", "-sigfile",
        "{sig}",
    ];
    let public = app.public_key("ed").await;
    assert!(openssl::verifies_with(&rawin, &public, &raw, message));
    assert!(
        app.verify(&verify_request("ed", "EDDSA", message, &raw))
            .await
    );
}

/// The documentation's key-creation page creates `DILITHIUM_L5` keys; every pre-FIPS name of
/// the TSB's DTO creates a key of its FIPS successor, which then signs (or wraps).
#[tokio::test]
async fn the_documentations_older_pqc_names_create_their_fips_successors() {
    let app = spawn_app().await;
    let printed = r#"{
        "label": "pqc_dilithium",
        "password": null,
        "algorithm": "DILITHIUM_L5",
        "attributes": {
            "sign": true,
            "extractable": false,
            "modifiable": true,
            "destroyable": true,
            "sensitive": true,
            "decrypt": false,
            "unwrap": false
        }
    }"#;
    let reply = app.post_raw("/v1/key", printed).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["algorithm"], "ML-DSA-87");
    let signature = app
        .sign(&sign_request("pqc_dilithium", "DILITHIUM", b"hello", "DER"))
        .await;
    assert_eq!(signature.len(), 4627, "an ML-DSA-87 signature");
    for (i, (alias, successor)) in [
        ("DILITHIUM_L2", "ML-DSA-44"),
        ("dilithium_l3", "ML-DSA-65"),
        ("SPHINCS_PLUS_SHAKE_L1", "SLH-DSA-SHAKE-128f"),
        ("SPHINCS_PLUS_SHAKE_L3", "SLH-DSA-SHAKE-192f"),
        ("SPHINCS_PLUS_SHAKE_L5", "SLH-DSA-SHAKE-256f"),
        ("KYBER512_WITH_SHAKE", "ML-KEM-512"),
        ("KYBER768_WITH_SHA2_AES", "ML-KEM-768"),
        ("KYBER1024_WITH_SHAKE", "ML-KEM-1024"),
        ("HSS-LMS", "HSS-LMS"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = app
            .create_key(&json!({"label": format!("alias-{i}"), "algorithm": alias,
                "attributes": {"sign": true, "decrypt": false, "unwrap": true, "wrap": true}}))
            .await;
        assert_eq!(body["json"]["algorithm"], successor, "{alias}");
    }
}

/// Documented TSB paths the emulator does not implement answer 404/101 like every other
/// unknown path, even where they fit another route's pattern; a wrong method on a real route
/// stays 405.
#[tokio::test]
async fn documented_but_missing_paths_are_404_101_not_405() {
    let app = spawn_app().await;
    // (`POST /v1/key/address`, the asynchronous certificate paths and approver management,
    // once such paths, are implemented now: issues 21, 19 and 20.)
    for path in [
        "/v1/certificate/synchronous/create/selfSigned",
        "/v1/createRfcTimestamp",
    ] {
        let reply = app.post(path, &json!({})).await;
        reply.assert_error(StatusCode::NOT_FOUND, 101, "res.error.not.implemented");
    }
    let reply = app.get("/v1/synchronousSign").await;
    reply.assert_error(
        StatusCode::METHOD_NOT_ALLOWED,
        611,
        "res.error.unsupported.operation",
    );
    let reply = app
        .send("PUT", "/v1/key/some-key", Some("application/json"), "{}")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
}

/// `GET /v1/licenseInfo` reports the configured flags (an agent integration refuses to start
/// without its own).
#[tokio::test]
async fn licence_flags_are_configurable() {
    let (app, _) = spawn_app_with_state(|state| tsb_emulator::api::AppState {
        license_flags: ["REST_API", "FIREBLOCKS_AGENT"].map(str::to_owned).into(),
        ..state
    })
    .await;
    let reply = app.get("/v1/licenseInfo").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"clientFlags": ["REST_API", "FIREBLOCKS_AGENT"]})
    );
    use clap::Parser;
    let config = tsb_emulator::config::Config::try_parse_from([
        "tsb-emulator",
        "--license-flags",
        "REST_API,FIREBLOCKS_AGENT",
    ])
    .expect("parses");
    assert_eq!(config.license_flags, ["REST_API", "FIREBLOCKS_AGENT"]);
    let config = tsb_emulator::config::Config::try_parse_from(["tsb-emulator"]).expect("parses");
    assert_eq!(config.license_flags, ["REST_API"]);
    assert!(!config.strict_key_protection, "strictness is opt-in");
}

/// RSA-1024 (the Vault plugin offers it) is generated; openssl reads the key size.
#[tokio::test]
async fn rsa_1024_keys_are_created_as_legacy_clients_ask() {
    let app = spawn_app().await;
    let body: Value = app
        .create_key(
            &json!({"label": "legacy", "algorithm": "RSA", "keySize": 1024,
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
        )
        .await;
    assert_eq!(body["json"]["keySize"], 1024);
    let public = STANDARD
        .decode(body["json"]["publicKey"].as_str().expect("base64"))
        .expect("base64");
    let text = openssl::run(
        &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
        &public,
    );
    assert!(String::from_utf8_lossy(&text).contains("Public-Key: (1024 bit)"));
}

/// The documentation's key-import tutorial posts a key pair (`privateKey`, `publicKey`) to
/// `POST /v1/importedKey`: without a `seed` that is a plain import, and the key then works.
#[tokio::test]
async fn the_import_tutorials_key_pair_imports_through_imported_key() {
    use tsb_emulator::crypto::rsa;
    let app = spawn_app().await;
    let key = crate::helpers::fixture_key("rsa-2048-1");
    let private = rsa::encode_private(&key).expect("pkcs8");
    let public = rsa::public_spki_der(&key).expect("spki");
    let body = json!({
        "label": "import_keypair",
        "algorithm": "RSA",
        "privateKey": STANDARD.encode(private.expose()),
        "publicKey": STANDARD.encode(&public),
        "attributes": {"encrypt": true, "decrypt": true, "verify": true, "sign": true,
            "wrap": true, "unwrap": true, "derive": false, "extractable": false,
            "modifiable": true, "destroyable": true, "sensitive": true, "copyable": false}
    });
    let reply = app.post("/v1/importedKey", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body["json"]["publicKey"],
        json!(STANDARD.encode(&public))
    );
    let encrypted = app
        .post("/v1/encrypt", &json!({"encryptRequest": {"payload": "RW5jcnlwdE1l",
            "encryptKeyName": "import_keypair", "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA512"}}))
        .await;
    assert_eq!(encrypted.status, StatusCode::OK, "{}", encrypted.body);
    let decrypted = app
        .post("/v1/synchronousDecrypt", &json!({"decryptRequest": {
            "encryptedPayload": encrypted.body["encryptedPayload"], "decryptKeyName": "import_keypair",
            "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA512"}}))
        .await;
    assert_eq!(
        decrypted.body["payload"], "RW5jcnlwdE1l",
        "{}",
        decrypted.body
    );
    // A seed body still makes a master key (issue 21's path).
    let seeded = app
        .post("/v1/importedKey", &json!({"label": "seeded", "curveOid": "1.3.132.0.10",
            "seed": "AAECAwQFBgcICQoLDA0ODw==",
            "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true, "bip32": true}}))
        .await;
    assert_eq!(seeded.status, StatusCode::CREATED, "{}", seeded.body);
}

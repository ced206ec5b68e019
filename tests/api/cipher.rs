//! `/v1/encrypt`, `/v1/synchronousDecrypt`, `/v1/wrap`, `/v1/synchronousUnwrap` and
//! `/v1/generateRandom`: round trips, openssl interop both ways, and refusals.

use crate::helpers::{TestApp, fixtures, seed_key_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const PLAINTEXT: &[u8] = b"envelope encryption with a test double";

fn b64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("base64"))
        .expect("valid base64")
}

async fn secret_key(app: &TestApp, label: &str, algorithm: &str, bits: u32) -> Vec<u8> {
    app.create_key(&json!({"label": label, "algorithm": algorithm, "keySize": bits,
        "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": true, "wrap": true,
                        "extractable": true, "sensitive": false}}))
        .await;
    b64(&app
        .post("/v1/key/export/plain", &json!({"label": label}))
        .await
        .body["secretKey"])
}

fn encrypt_request(label: &str, algorithm: &str, payload: &[u8]) -> Value {
    json!({"encryptRequest": {"payload": STANDARD.encode(payload), "encryptKeyName": label,
        "keyPassword": null, "cipherAlgorithm": algorithm, "additionalAuthenticationData": null}})
}

fn decrypt_request(label: &str, algorithm: &str, input: &[u8], iv: Option<&[u8]>) -> Value {
    json!({"decryptRequest": {"encryptedPayload": STANDARD.encode(input), "decryptKeyName": label,
        "cipherAlgorithm": algorithm, "initializationVector": iv.map(|iv| STANDARD.encode(iv)),
        "additionalAuthenticationData": null}})
}

impl TestApp {
    async fn encrypt(&self, request: &Value) -> Value {
        let reply = self.post("/v1/encrypt", request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    async fn decrypt(&self, request: &Value) -> Vec<u8> {
        let reply = self.post("/v1/synchronousDecrypt", request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        b64(&reply.body["payload"])
    }
}

#[tokio::test]
async fn aes_modes_interoperate_with_openssl_both_ways() {
    let app = spawn_app().await;
    let key = secret_key(&app, "aes", "AES", 256).await;
    let key_hex = hex::encode(&key);
    for (algorithm, openssl_cipher, padded) in [
        ("AES", "-aes-256-cbc", true),
        ("AES_CBC_NO_PADDING", "-aes-256-cbc", false),
        ("AES_ECB", "-aes-256-ecb", true),
        ("AES_CTR", "-aes-256-ctr", true),
    ] {
        let payload: &[u8] = if padded { PLAINTEXT } else { &PLAINTEXT[..32] };
        let encrypted = app
            .encrypt(&encrypt_request("aes", algorithm, payload))
            .await;
        assert_eq!(
            encrypted["encryptedPayloadWithoutMessageAuthenticationCode"],
            Value::Null
        );
        assert_eq!(encrypted["messageAuthenticationCode"], Value::Null);
        let output = b64(&encrypted["encryptedPayload"]);
        let iv = encrypted["initializationVector"]
            .as_str()
            .map(|v| STANDARD.decode(v).expect("b64"));
        let mut args = vec!["enc", "-d", openssl_cipher, "-K", key_hex.as_str()];
        let iv_hex = iv.as_ref().map(hex::encode);
        if let Some(iv_hex) = &iv_hex {
            args.extend(["-iv", iv_hex.as_str()]);
        }
        if !padded {
            args.push("-nopad");
        }
        assert_eq!(
            openssl::run(&args, &output),
            payload,
            "openssl decrypts {algorithm}"
        );
        // And openssl's ciphertext decrypts in the emulator.
        args[1] = "-e";
        let theirs = openssl::run(&args, payload);
        assert_eq!(
            app.decrypt(&decrypt_request("aes", algorithm, &theirs, iv.as_deref()))
                .await,
            payload,
            "{algorithm}"
        );
    }
}

#[tokio::test]
async fn aes_gcm_returns_ciphertext_tag_and_iv_and_fails_cleanly_when_tampered() {
    let app = spawn_app().await;
    secret_key(&app, "gcm", "AES", 128).await;
    let mut request = encrypt_request("gcm", "AES_GCM", PLAINTEXT);
    request["encryptRequest"]["additionalAuthenticationData"] = json!(STANDARD.encode(b"header"));
    request["encryptRequest"]["tagLength"] = json!(96);
    let encrypted = app.encrypt(&request).await;
    let output = b64(&encrypted["encryptedPayload"]);
    let iv = b64(&encrypted["initializationVector"]);
    let tag = b64(&encrypted["messageAuthenticationCode"]);
    assert_eq!(
        (iv.len(), tag.len(), output.len()),
        (12, 12, PLAINTEXT.len() + 12)
    );
    assert_eq!(
        [
            b64(&encrypted["encryptedPayloadWithoutMessageAuthenticationCode"]),
            tag
        ]
        .concat(),
        output
    );

    let decrypt = |input: &[u8], aad: &[u8], bits: u32| {
        let mut request = decrypt_request("gcm", "AES_GCM", input, Some(&iv));
        request["decryptRequest"]["additionalAuthenticationData"] = json!(STANDARD.encode(aad));
        request["decryptRequest"]["tagLength"] = json!(bits);
        request
    };
    assert_eq!(
        app.decrypt(&decrypt(&output, b"header", 96)).await,
        PLAINTEXT
    );
    let mut tampered = output.clone();
    tampered[0] ^= 1;
    for request in [
        decrypt(&tampered, b"header", 96),
        decrypt(&output, b"footer", 96),
    ] {
        let message = app
            .post("/v1/synchronousDecrypt", &request)
            .await
            .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
        assert_eq!(message, "Error decrypting payload");
    }
    app.post("/v1/synchronousDecrypt", &decrypt(&output, b"header", 100))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            624,
            "res.error.key.invalid.tagLength",
        );
    let mut no_iv = decrypt(&output, b"header", 96);
    no_iv["decryptRequest"]["initializationVector"] = Value::Null;
    app.post("/v1/synchronousDecrypt", &no_iv)
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
    // Without tagLength the tag is 128 bits.
    let encrypted = app
        .encrypt(&encrypt_request("gcm", "AES_GCM", PLAINTEXT))
        .await;
    assert_eq!(b64(&encrypted["messageAuthenticationCode"]).len(), 16);
}

#[tokio::test]
async fn chacha20_camellia_and_tdea_round_trip() {
    let app = spawn_app().await;
    secret_key(&app, "chacha", "ChaCha20", 256).await;
    secret_key(&app, "camellia", "Camellia", 192).await;
    let tdea = secret_key(&app, "tdea", "TDEA", 192).await;
    for (label, algorithm) in [
        ("chacha", "CHACHA20"),
        ("chacha", "CHACHA20_AEAD"),
        ("camellia", "CAMELLIA"),
        ("camellia", "CAMELLIA_ECB"),
        ("tdea", "TDEA_CBC"),
        ("tdea", "TDEA_ECB"),
    ] {
        let encrypted = app
            .encrypt(&encrypt_request(label, algorithm, PLAINTEXT))
            .await;
        let iv = encrypted["initializationVector"]
            .as_str()
            .map(|v| STANDARD.decode(v).expect("b64"));
        let output = b64(&encrypted["encryptedPayload"]);
        assert_eq!(
            app.decrypt(&decrypt_request(label, algorithm, &output, iv.as_deref()))
                .await,
            PLAINTEXT,
            "{algorithm}"
        );
    }
    // TDEA-CBC checked by openssl.
    let encrypted = app
        .encrypt(&encrypt_request("tdea", "TDEA_CBC", PLAINTEXT))
        .await;
    let iv = hex::encode(b64(&encrypted["initializationVector"]));
    let key = hex::encode(&tdea);
    let plain = openssl::run(
        &["enc", "-d", "-des-ede3-cbc", "-K", &key, "-iv", &iv],
        &b64(&encrypted["encryptedPayload"]),
    );
    assert_eq!(plain, PLAINTEXT);
}

#[tokio::test]
async fn rsa_encryption_interoperates_with_openssl_both_ways() {
    let app = spawn_app().await;
    let mut request = seed_key_request("rsa", 2048);
    request["attributes"]["decrypt"] = json!(true);
    app.create_key(&request).await; // fixture rsa-2048-1
    let key = fixtures().join("keys/rsa-2048-1.pem");
    let key = key.to_str().expect("utf-8");
    let public = app.public_key("rsa").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let public_path = dir.path().join("pub.pem");
    std::fs::write(
        &public_path,
        openssl::run(&["pkey", "-pubin", "-inform", "DER"], &public),
    )
    .expect("write");
    let public_path = public_path.to_str().expect("utf-8");
    for (algorithm, options) in [
        ("RSA", vec!["-pkeyopt", "rsa_padding_mode:pkcs1"]),
        (
            "RSA_PADDING_PKCS",
            vec!["-pkeyopt", "rsa_padding_mode:pkcs1"],
        ),
        (
            "RSA_PADDING_OAEP",
            vec![
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha1",
            ],
        ),
        (
            "RSA_PADDING_OAEP_WITH_SHA256",
            vec![
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ],
        ),
        (
            "RSA_PADDING_OAEP_WITH_SHA512",
            vec![
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha512",
                "-pkeyopt",
                "rsa_mgf1_md:sha512",
            ],
        ),
    ] {
        let encrypted = app
            .encrypt(&encrypt_request("rsa", algorithm, PLAINTEXT))
            .await;
        assert_eq!(encrypted["initializationVector"], Value::Null);
        let output = b64(&encrypted["encryptedPayload"]);
        let mut args = vec!["pkeyutl", "-decrypt", "-inkey", key];
        args.extend(options.iter().copied());
        assert_eq!(
            openssl::run(&args, &output),
            PLAINTEXT,
            "openssl decrypts {algorithm}"
        );
        let mut args = vec!["pkeyutl", "-encrypt", "-pubin", "-inkey", public_path];
        args.extend(options.iter().copied());
        let theirs = openssl::run(&args, PLAINTEXT);
        assert_eq!(
            app.decrypt(&decrypt_request("rsa", algorithm, &theirs, None))
                .await,
            PLAINTEXT,
            "{algorithm}"
        );
    }
    // Raw RSA: decrypt gives the modulus-length block, payload right-aligned.
    let encrypted = app
        .encrypt(&encrypt_request("rsa", "RSA_NO_PADDING", PLAINTEXT))
        .await;
    let block = app
        .decrypt(&decrypt_request(
            "rsa",
            "RSA_NO_PADDING",
            &b64(&encrypted["encryptedPayload"]),
            None,
        ))
        .await;
    assert_eq!(block.len(), 256);
    assert!(block.ends_with(PLAINTEXT) && block[..256 - PLAINTEXT.len()].iter().all(|b| *b == 0));
    app.post(
        "/v1/encrypt",
        &encrypt_request("rsa", "RSA_PADDING_OAEP_WITH_SHA512", &[1u8; 200]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 612, "res.error.invalid.payload");
}

#[tokio::test]
async fn attributes_and_cipher_families_are_enforced() {
    let app = spawn_app().await;
    secret_key(&app, "aes", "AES", 128).await;
    app.create_key(
        &json!({"label": "no-encrypt", "algorithm": "AES", "keySize": 128,
        "attributes": {"encrypt": false, "decrypt": true, "sign": false, "unwrap": false}}),
    )
    .await;
    app.create_key(
        &json!({"label": "no-decrypt", "algorithm": "AES", "keySize": 128,
        "attributes": {"encrypt": true, "decrypt": false, "sign": false, "unwrap": false}}),
    )
    .await;
    app.post(
        "/v1/encrypt",
        &encrypt_request("no-encrypt", "AES_GCM", PLAINTEXT),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        606,
        "res.error.key.attributes.invalid",
    );
    let encrypted = app
        .encrypt(&encrypt_request("no-decrypt", "AES_ECB", PLAINTEXT))
        .await;
    app.post(
        "/v1/synchronousDecrypt",
        &decrypt_request(
            "no-decrypt",
            "AES_ECB",
            &b64(&encrypted["encryptedPayload"]),
            None,
        ),
    )
    .await
    .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
    for (label, algorithm) in [
        ("aes", "RSA_PADDING_OAEP"),
        ("aes", "CHACHA20"),
        ("aes", "TDEA_CBC"),
    ] {
        app.post("/v1/encrypt", &encrypt_request(label, algorithm, PLAINTEXT))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                607,
                "res.error.algorithm.not.supported.by.key",
            );
    }
    app.post("/v1/encrypt", &encrypt_request("aes", "AES_XTS", PLAINTEXT))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    app.post(
        "/v1/encrypt",
        &encrypt_request("aes", "AES_CBC_NO_PADDING", &PLAINTEXT[..10]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 612, "res.error.invalid.payload");
    app.post(
        "/v1/synchronousDecrypt",
        &decrypt_request("aes", "AES_CTR", b"0123456789abcdef", Some(&[0u8; 5])),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 612, "res.error.invalid.payload");
    let mut bad = encrypt_request("aes", "AES_GCM", PLAINTEXT);
    bad["encryptRequest"]["payload"] = json!("***");
    app.post("/v1/encrypt", &bad).await.assert_error(
        StatusCode::BAD_REQUEST,
        635,
        "res.error.encoding.exception",
    );
}

#[tokio::test]
async fn random_bytes_come_in_the_requested_length_within_limits() {
    let app = spawn_app().await;
    for length in [1usize, 32, 65_536] {
        let reply = app.get(&format!("/v1/generateRandom/{length}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(b64(&reply.body["random"]).len(), length);
    }
    let first = app.get("/v1/generateRandom/32").await.body["random"].clone();
    assert_ne!(first, app.get("/v1/generateRandom/32").await.body["random"]);
    for length in ["0", "65537"] {
        app.get(&format!("/v1/generateRandom/{length}"))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                619,
                "res.error.invalid.number.range",
            );
    }
    app.get("/v1/generateRandom/many").await.assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
}

fn wrap_request(wrapped: &str, wrapping: &str, method: &str) -> Value {
    json!({"wrapKeyRequest": {"keyToBeWrapped": wrapped, "wrapKeyName": wrapping, "wrapMethod": method}})
}

/// A key-encryption key: it wraps and unwraps, but cannot decrypt (which would let a caller
/// decrypt a wrapped sensitive key: see `extraction::the_wrap_decrypt_attack…`).
async fn kek(app: &TestApp, label: &str, bits: u32) {
    app.create_key(&json!({"label": label, "algorithm": "AES", "keySize": bits,
        "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}))
        .await;
}

fn unwrap_request(wrapped: &[u8], label: &str, unwrapping: &str, method: &str) -> Value {
    json!({"unwrapKeyRequest": {"wrappedKey": STANDARD.encode(wrapped), "label": label,
        "attributes": {"encrypt": true, "decrypt": true, "sign": true, "unwrap": false, "extractable": true},
        "unwrapKeyName": unwrapping, "wrapMethod": method, "policy": null}})
}

#[tokio::test]
async fn wrapped_keys_unwrap_into_working_copies() {
    let app = spawn_app().await;
    kek(&app, "kek", 256).await;
    secret_key(&app, "data-key", "AES", 128).await;
    let mut rsa = seed_key_request("rsa-kek", 2048);
    rsa["attributes"]["unwrap"] = json!(true);
    rsa["attributes"]["wrap"] = json!(true);
    app.create_key(&rsa).await;
    for (wrapping, method) in [
        ("kek", "AES_WRAP"),
        ("kek", "AES_WRAP_PAD"),
        ("rsa-kek", "RSA_WRAP_PAD"),
        ("rsa-kek", "RSA_WRAP_OAEP"),
    ] {
        let reply = app
            .post("/v1/wrap", &wrap_request("data-key", wrapping, method))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{method}: {}", reply.body);
        let wrapped = b64(&reply.body["wrappedKey"]);
        let label = format!("copy-{method}");
        let reply = app
            .post(
                "/v1/synchronousUnwrap",
                &unwrap_request(&wrapped, &label, wrapping, method),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{method}: {}",
            reply.body
        );
        assert_eq!(reply.body["json"]["algorithm"], "AES");
        assert_eq!(reply.body["json"]["attributes"]["sensitive"], true);
        // The copy is the same key: what it encrypts, the original decrypts.
        let sealed = app
            .post(
                "/v1/encrypt",
                &encrypt_request(&label, "AES_GCM", PLAINTEXT),
            )
            .await;
        assert_eq!(sealed.status, StatusCode::OK, "{}", sealed.body);
        let opened = app
            .post(
                "/v1/synchronousDecrypt",
                &decrypt_request(
                    "data-key",
                    "AES_GCM",
                    &b64(&sealed.body["encryptedPayload"]),
                    Some(&b64(&sealed.body["initializationVector"])),
                ),
            )
            .await;
        assert_eq!(opened.status, StatusCode::OK, "{method}: {}", opened.body);
        assert_eq!(b64(&opened.body["payload"]), PLAINTEXT, "{method}");
    }
    // A private key: wrapped with AES_WRAP_PAD_EC, the copy signs verifiably for the original.
    app.create_key(
        &json!({"label": "ec", "algorithm": "EC", "curveOid": "1.3.132.0.10",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "extractable": true}}),
    )
    .await;
    for method in ["AES_WRAP_PAD_EC", "AES_WRAP_EC"] {
        let wrapped = b64(&app
            .post("/v1/wrap", &wrap_request("ec", "kek", method))
            .await
            .body["wrappedKey"]);
        let label = format!("ec-{method}");
        let reply = app
            .post(
                "/v1/synchronousUnwrap",
                &unwrap_request(&wrapped, &label, "kek", method),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["json"]["curveOid"], "1.3.132.0.10");
        assert_eq!(app.public_key(&label).await, app.public_key("ec").await);
    }

    // Refusals.
    app.post(
        "/v1/synchronousUnwrap",
        &unwrap_request(
            b"0123456789abcdef01234567",
            "copy-AES_WRAP",
            "kek",
            "AES_WRAP",
        ),
    )
    .await
    .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
    let wrapped = b64(&app
        .post("/v1/wrap", &wrap_request("data-key", "kek", "AES_WRAP"))
        .await
        .body["wrappedKey"]);
    app.post(
        "/v1/synchronousUnwrap",
        &unwrap_request(&wrapped, "copy-AES_WRAP", "kek", "AES_WRAP"),
    )
    .await
    .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
    app.create_key(
        &json!({"label": "sealed", "algorithm": "AES", "keySize": 128,
        "attributes": {"decrypt": true, "sign": false, "unwrap": false}}),
    )
    .await;
    app.post("/v1/wrap", &wrap_request("sealed", "kek", "AES_WRAP"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );
    app.post("/v1/wrap", &wrap_request("data-key", "sealed", "AES_WRAP"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );
    app.post("/v1/wrap", &wrap_request("ec", "kek", "AES_WRAP_PAD_RSA"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
    app.post("/v1/wrap", &wrap_request("data-key", "rsa-kek", "AES_WRAP"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
    // ML-KEM methods need an ML-KEM key (`pqc::ml_kem_keys_wrap_and_unwrap…`).
    app.post("/v1/wrap", &wrap_request("data-key", "kek", "ML-KEM-768"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
}

#[tokio::test]
async fn every_private_key_wrap_method_round_trips() {
    let app = spawn_app().await;
    kek(&app, "kek", 192).await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false, "extractable": true});
    let keys = [
        ("rsa", json!({"algorithm": "RSA", "keySize": 2048}), "RSA"),
        ("ed", json!({"algorithm": "ED"}), "ED"),
        ("dsa", json!({"algorithm": "DSA", "keySize": 2048}), "DSA"),
        ("bls", json!({"algorithm": "BLS"}), "BLS"),
        (
            "p384",
            json!({"algorithm": "EC", "curveOid": "1.3.132.0.34"}),
            "EC",
        ),
    ];
    for (label, spec, suffix) in keys {
        let mut request = spec.clone();
        request["label"] = json!(label);
        request["attributes"] = attributes.clone();
        app.create_key(&request).await;
        for method in [
            format!("AES_WRAP_{suffix}"),
            format!("AES_WRAP_PAD_{suffix}"),
        ] {
            let reply = app
                .post("/v1/wrap", &wrap_request(label, "kek", &method))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{method}: {}", reply.body);
            let copy = format!("{label}-{method}");
            let reply = app
                .post(
                    "/v1/synchronousUnwrap",
                    &unwrap_request(&b64(&reply.body["wrappedKey"]), &copy, "kek", &method),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "{method}: {}",
                reply.body
            );
            assert_eq!(reply.body["json"]["algorithm"], suffix);
            assert_eq!(
                app.public_key(&copy).await,
                app.public_key(label).await,
                "{method}"
            );
        }
    }
}

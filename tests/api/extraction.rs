//! The classic PKCS#11 key-extraction attacks (Clulow 2003; Bortolozzo, Centenaro, Focardi,
//! Steel 2010), ported to this API, in both modes. With `--strict-key-protection` a sensitive
//! key never comes out in plain: the attacks are refused. By default the emulator allows what
//! the TSB allows (wrapping under any key with `wrap: true`, unwrapping as non-sensitive), and
//! the tests show that the attacks then work, as documented. In both modes a non-extractable
//! or sensitive key never comes out through export, key info, errors or the control API.

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_in_mode};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const FORBIDDEN: (StatusCode, u64, &str) = (
    StatusCode::BAD_REQUEST,
    606,
    "res.error.key.attributes.invalid",
);

fn wrap(wrapped: &str, wrapping: &str, method: &str) -> Value {
    json!({"wrapKeyRequest": {"keyToBeWrapped": wrapped, "wrapKeyName": wrapping, "wrapMethod": method}})
}

fn unwrap(blob: &Value, label: &str, unwrapping: &str, method: &str, sensitive: bool) -> Value {
    json!({"unwrapKeyRequest": {"wrappedKey": blob, "label": label, "unwrapKeyName": unwrapping,
        "wrapMethod": method, "attributes": {"decrypt": true, "sign": false, "unwrap": false,
        "encrypt": true, "extractable": true, "sensitive": sensitive}}})
}

async fn aes(app: &TestApp, label: &str, bits: u32, attributes: Value) {
    let mut request = json!({"label": label, "algorithm": "AES", "keySize": bits});
    request["attributes"] = attributes;
    app.create_key(&request).await;
}

#[track_caller]
fn refused(reply: &Reply) {
    let (status, code, reason) = FORBIDDEN;
    reply.assert_error(status, code, reason);
}

/// An attack step: refused (606) in strict mode, answered `ok` by default, as on the TSB.
#[track_caller]
fn refused_only_when_strict(strict: bool, reply: &Reply, ok: StatusCode) {
    if strict {
        refused(reply);
    } else {
        assert_eq!(reply.status, ok, "{}", reply.body);
    }
}

/// The secret a sensitive key must never reveal: a sensitive AES-256 key, extractable (so it
/// may leave the device wrapped, which is what the attacks abuse).
async fn target(app: &TestApp) {
    aes(
        app,
        "target",
        256,
        json!({"decrypt": true, "sign": false, "unwrap": false, "encrypt": true, "extractable": true}),
    )
    .await;
}

/// Whether `candidate` is the AES-256 key `label`: the device encrypts a block with AES_ECB,
/// openssl encrypts the same block with the candidate, and the first blocks must agree.
async fn is_the_key(app: &TestApp, label: &str, candidate: &[u8]) -> bool {
    let block = *b"tsb-emulator-blk";
    let reply = app
        .post(
            "/v1/encrypt",
            &json!({"encryptRequest": {"payload": STANDARD.encode(block),
            "encryptKeyName": label, "cipherAlgorithm": "AES_ECB"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let device = STANDARD
        .decode(reply.body["encryptedPayload"].as_str().expect("base64"))
        .expect("base64");
    let outside = openssl::run(
        &[
            "enc",
            "-aes-256-ecb",
            "-nopad",
            "-K",
            &hex::encode(candidate),
        ],
        &block,
    );
    device[..16] == outside[..]
}

/// RFC 3394 (`padded`: RFC 5649) unwrapping done outside the emulator, by openssl.
fn unwrap_offline(padded: bool, kek: &[u8], blob: &Value) -> Vec<u8> {
    let (cipher, iv) = if padded {
        ("-id-aes256-wrap-pad", "A65959A6")
    } else {
        ("-id-aes256-wrap", "A6A6A6A6A6A6A6A6")
    };
    openssl::run(
        &[
            "enc",
            "-d",
            cipher,
            "-nopad",
            "-iv",
            iv,
            "-K",
            &hex::encode(kek),
        ],
        &decoded(blob),
    )
}

fn decoded(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("a base64 string"))
        .expect("base64")
}

#[tokio::test]
async fn non_extractable_and_sensitive_keys_cannot_be_exported_or_wrapped_out() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        target(&app).await;
        aes(
            &app,
            "stuck",
            256,
            json!({"decrypt": true, "sign": false, "unwrap": false, "extractable": false, "sensitive": false}),
        )
        .await;
        aes(
            &app,
            "kek",
            256,
            json!({"decrypt": false, "sign": false, "unwrap": true, "wrap": true}),
        )
        .await;
        for label in ["target", "stuck"] {
            refused(
                &app.post("/v1/key/export/plain", &json!({"label": label}))
                    .await,
            );
        }
        refused(
            &app.post("/v1/wrap", &wrap("stuck", "kek", "AES_WRAP"))
                .await,
        );
        // A sensitive, extractable key leaves wrapped under a trustworthy key in both modes.
        let reply = app
            .post("/v1/wrap", &wrap("target", "kek", "AES_WRAP"))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "strict {strict}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_wrap_decrypt_attack_is_refused_only_with_strict_key_protection() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        target(&app).await;
        // An AES key that wraps and decrypts: RFC 3394 unwrapping is a chain of AES
        // decryptions, which AES_ECB decryption with the same key computes.
        aes(
            &app,
            "dual",
            256,
            json!({"decrypt": true, "sign": false, "unwrap": true, "wrap": true}),
        )
        .await;
        for method in ["AES_WRAP", "AES_WRAP_PAD"] {
            let reply = app.post("/v1/wrap", &wrap("target", "dual", method)).await;
            refused_only_when_strict(strict, &reply, StatusCode::OK);
        }
        // An RSA key that wraps and decrypts: RSA_WRAP_PAD is PKCS#1 v1.5 encryption, which
        // `/v1/synchronousDecrypt` with cipher `RSA` undoes; RSA_WRAP_OAEP (SHA-256) likewise
        // with `RSA_PADDING_OAEP_WITH_SHA256`.
        app.create_key(
            &json!({"label": "rsa-dual", "algorithm": "RSA", "keySize": 4096,
            "attributes": {"decrypt": true, "sign": false, "unwrap": true, "wrap": true}}),
        )
        .await;
        for (method, cipher) in [
            ("RSA_WRAP_PAD", "RSA"),
            ("RSA_WRAP_OAEP", "RSA_PADDING_OAEP_WITH_SHA256"),
        ] {
            let blob = app
                .post("/v1/wrap", &wrap("target", "rsa-dual", method))
                .await;
            refused_only_when_strict(strict, &blob, StatusCode::OK);
            if strict {
                continue;
            }
            // By default the attack works, as on the TSB: the blob decrypts to the key.
            let opened = app
                .post(
                    "/v1/synchronousDecrypt",
                    &json!({"decryptRequest": {
                    "encryptedPayload": blob.body["wrappedKey"], "decryptKeyName": "rsa-dual",
                    "cipherAlgorithm": cipher}}),
                )
                .await;
            assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
            assert!(is_the_key(&app, "target", &decoded(&opened.body["payload"])).await);
        }
    }
}

#[tokio::test]
async fn a_sensitive_key_wraps_under_a_known_or_weak_key_only_without_strict_mode() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        target(&app).await;
        // Known key: the caller imported the wrapping key, so it can unwrap the blob offline.
        let known = [0x42u8; 32];
        let imported = app
            .post(
                "/v1/key/import/plain",
                &json!({"label": "known", "algorithm": "AES",
                "secretKey": STANDARD.encode(known),
                "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}),
            )
            .await;
        assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
        let blob = app
            .post("/v1/wrap", &wrap("target", "known", "AES_WRAP"))
            .await;
        refused_only_when_strict(strict, &blob, StatusCode::OK);
        if !strict {
            let secret = unwrap_offline(false, &known, &blob.body["wrappedKey"]);
            assert!(is_the_key(&app, "target", &secret).await);
        }
        // The same for a public RSA key imported from elsewhere (its private half is outside).
        let public = openssl::fixture_public_key("rsa-4096-4");
        let imported = app
            .post(
                "/v1/key/import/plain",
                &json!({"label": "outside", "algorithm": "RSA",
                "publicKey": STANDARD.encode(public),
                "attributes": {"decrypt": false, "sign": false, "unwrap": false, "wrap": true}}),
            )
            .await;
        assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
        let reply = app
            .post("/v1/wrap", &wrap("target", "outside", "RSA_WRAP_OAEP"))
            .await;
        refused_only_when_strict(strict, &reply, StatusCode::OK);
        // Weak key: RSA-2048 (112-bit strength) protecting an AES-256 key.
        app.create_key(
            &json!({"label": "rsa-2048", "algorithm": "RSA", "keySize": 2048,
            "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}),
        )
        .await;
        let reply = app
            .post("/v1/wrap", &wrap("target", "rsa-2048", "RSA_WRAP_OAEP"))
            .await;
        refused_only_when_strict(strict, &reply, StatusCode::OK);
        // An RSA-4096 key (128 bits) may in both modes, as in the TSB documentation's samples.
        app.create_key(
            &json!({"label": "rsa-4096", "algorithm": "RSA", "keySize": 4096,
            "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}),
        )
        .await;
        let reply = app
            .post("/v1/wrap", &wrap("target", "rsa-4096", "RSA_WRAP_OAEP"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

#[tokio::test]
async fn an_exportable_wrapping_key_leaks_a_sensitive_key_only_without_strict_mode() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        target(&app).await;
        // A wrapping key made here, but itself extractable and not sensitive: wrap the
        // sensitive key under it, export it in plain, and open the blob offline.
        aes(
            &app,
            "open-kek",
            256,
            json!({"decrypt": false, "sign": false, "unwrap": true, "wrap": true,
                   "extractable": true, "sensitive": false}),
        )
        .await;
        let blob = app
            .post("/v1/wrap", &wrap("target", "open-kek", "AES_WRAP_PAD"))
            .await;
        refused_only_when_strict(strict, &blob, StatusCode::OK);
        // The same with an exportable RSA wrapping key and RSA_WRAP_OAEP.
        app.create_key(
            &json!({"label": "open-rsa", "algorithm": "RSA", "keySize": 4096,
            "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true,
                           "extractable": true, "sensitive": false}}),
        )
        .await;
        let rsa_blob = app
            .post("/v1/wrap", &wrap("target", "open-rsa", "RSA_WRAP_OAEP"))
            .await;
        refused_only_when_strict(strict, &rsa_blob, StatusCode::OK);
        // An extractable but sensitive wrapping key is refused in strict mode as well: it
        // could itself be wrapped out under a known key.
        aes(
            &app,
            "movable-kek",
            256,
            json!({"decrypt": false, "sign": false, "unwrap": true, "wrap": true,
                   "extractable": true}),
        )
        .await;
        let reply = app
            .post("/v1/wrap", &wrap("target", "movable-kek", "AES_WRAP"))
            .await;
        refused_only_when_strict(strict, &reply, StatusCode::OK);
        if strict {
            continue;
        }
        // By default the attack works, as documented: both blobs open offline with openssl.
        let kek = app
            .post("/v1/key/export/plain", &json!({"label": "open-kek"}))
            .await;
        assert_eq!(kek.status, StatusCode::OK, "{}", kek.body);
        let kek = decoded(&kek.body["secretKey"]);
        let secret = unwrap_offline(true, &kek, &blob.body["wrappedKey"]);
        assert!(is_the_key(&app, "target", &secret).await);
        let rsa = app
            .post("/v1/key/export/plain", &json!({"label": "open-rsa"}))
            .await;
        assert_eq!(rsa.status, StatusCode::OK, "{}", rsa.body);
        let dir = tempfile::tempdir().expect("temp dir");
        let key_path = dir.path().join("open-rsa.der");
        std::fs::write(&key_path, decoded(&rsa.body["privateKey"])).expect("written");
        let secret = openssl::run(
            &[
                "pkeyutl",
                "-decrypt",
                "-keyform",
                "DER",
                "-inkey",
                key_path.to_str().expect("utf-8 path"),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ],
            &decoded(&rsa_blob.body["wrappedKey"]),
        );
        assert!(is_the_key(&app, "target", &secret).await);
    }
}

#[tokio::test]
async fn unwrapping_as_non_sensitive_is_refused_only_with_strict_key_protection() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        target(&app).await;
        aes(
            &app,
            "kek",
            256,
            json!({"decrypt": false, "sign": false, "unwrap": true, "wrap": true}),
        )
        .await;
        let blob = app
            .post("/v1/wrap", &wrap("target", "kek", "AES_WRAP"))
            .await;
        assert_eq!(blob.status, StatusCode::OK, "{}", blob.body);
        let blob = &blob.body["wrappedKey"];
        let loose = app
            .post(
                "/v1/synchronousUnwrap",
                &unwrap(blob, "loose", "kek", "AES_WRAP", false),
            )
            .await;
        refused_only_when_strict(strict, &loose, StatusCode::CREATED);
        if strict {
            assert!(!app.labels().await.contains(&"loose".to_owned()));
        } else {
            // The re-import attack, allowed as on the TSB: the copy exports in plain.
            let exported = app
                .post("/v1/key/export/plain", &json!({"label": "loose"}))
                .await;
            assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
            assert!(is_the_key(&app, "target", &decoded(&exported.body["secretKey"])).await);
        }
        // Unwrapped as sensitive, the copy works but stays inside, in both modes.
        let reply = app
            .post(
                "/v1/synchronousUnwrap",
                &unwrap(blob, "copy", "kek", "AES_WRAP", true),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let attributes = &reply.body["json"]["attributes"];
        assert_eq!(attributes["alwaysSensitive"], false, "{attributes}");
        assert_eq!(attributes["neverExtractable"], false, "{attributes}");
        refused(
            &app.post("/v1/key/export/plain", &json!({"label": "copy"}))
                .await,
        );
        // Strict mode: an unwrapped copy counts as imported, so it protects nothing sensitive.
        aes(
            &app,
            "dual",
            256,
            json!({"decrypt": true, "sign": false, "unwrap": true, "wrap": true}),
        )
        .await;
        let reply = app
            .post("/v1/wrap", &wrap("copy", "dual", "AES_WRAP"))
            .await;
        refused_only_when_strict(strict, &reply, StatusCode::OK);
    }
}

#[tokio::test]
async fn re_importing_or_re_creating_a_label_cannot_change_a_keys_attributes() {
    let app = spawn_app().await;
    target(&app).await;
    // Replace the sensitive key by a plain import of a known value under the same label.
    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "target", "algorithm": "AES",
            "secretKey": STANDARD.encode([1u8; 32]),
            "attributes": {"decrypt": true, "sign": false, "unwrap": false,
                           "extractable": true, "sensitive": false}}),
        )
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        608,
        "res.error.key.already.existing",
    );
    let reply = app
        .post(
            "/v1/key",
            &json!({"label": "target", "algorithm": "AES", "keySize": 256,
            "attributes": {"decrypt": true, "sign": false, "unwrap": false,
                           "extractable": true, "sensitive": false}}),
        )
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        608,
        "res.error.key.already.existing",
    );
    let info = app
        .post("/v1/key/attributes", &json!({"label": "target"}))
        .await;
    assert_eq!(info.body["json"]["attributes"]["sensitive"], true);
    refused(
        &app.post("/v1/key/export/plain", &json!({"label": "target"}))
            .await,
    );
}

/// Every JSON string in `value`, recursively.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn key_info_errors_and_the_control_api_never_contain_private_material() {
    let app = spawn_app().await;
    // Keys we can export, so the test knows the secrets to look for.
    let mut secrets = Vec::new();
    for (label, request) in [
        (
            "rsa",
            json!({"algorithm": "RSA", "keySize": 2048, "password": "s3cret-pass"}),
        ),
        (
            "ec",
            json!({"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7"}),
        ),
        ("aes", json!({"algorithm": "AES", "keySize": 256})),
        ("hmac", json!({"algorithm": "HMACSHA256", "keySize": 256})),
    ] {
        let mut request = request;
        request["label"] = json!(label);
        request["attributes"] = json!({"decrypt": false, "sign": true, "unwrap": false,
            "extractable": true, "sensitive": false, "destroyable": true});
        app.create_key(&request).await;
        let password = request["password"].clone();
        let exported = app
            .post(
                "/v1/key/export/plain",
                &json!({"label": label, "password": password}),
            )
            .await;
        assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
        for field in ["privateKey", "secretKey"] {
            if let Some(secret) = exported.body[field].as_str() {
                secrets.push(secret.to_owned());
                // Also the raw bytes as hex, and a long inner slice of the base64.
                let raw = STANDARD.decode(secret).expect("base64");
                secrets.push(hex::encode(&raw));
                secrets.push(STANDARD.encode(&raw[raw.len() / 2..]));
            }
        }
    }
    assert_eq!(secrets.len(), 12);
    secrets.push("s3cret-pass".to_owned());
    let mut replies = Vec::new();
    for label in ["rsa", "ec", "aes", "hmac"] {
        let body = json!({"label": label, "password": if label == "rsa" { json!("s3cret-pass") } else { json!(null) }});
        replies.push(app.post("/v1/key/attributes", &body).await.body);
        replies.push(app.get(&format!("/v1/key/{label}/attributes")).await.body);
        // Errors: wrong password, wrong algorithm, bad payloads, failed decryptions.
        replies.push(
            app.post(
                "/v1/key/attributes",
                &json!({"label": label, "password": "wrong"}),
            )
            .await
            .body,
        );
        for algorithm in [
            "SHA256_WITH_RSA",
            "SHA256_WITH_ECDSA",
            "HMACSHA256",
            "EDDSA",
        ] {
            replies.push(
                app.post(
                    "/v1/synchronousSign",
                    &json!({"signRequest": {
                "signKeyName": label, "signatureAlgorithm": algorithm, "payload": "AAAA",
                "keyPassword": "s3cret-pas"}}),
                )
                .await
                .body,
            );
        }
        for cipher in ["AES_GCM", "AES_ECB", "RSA", "AES_CBC_NO_PADDING"] {
            replies.push(app.post("/v1/synchronousDecrypt", &json!({"decryptRequest": {
                "decryptKeyName": label, "cipherAlgorithm": cipher, "encryptedPayload": "AAAAAAAAAAAAAAAAAAAAAA==",
                "initializationVector": "AAAAAAAAAAAAAAAA"}})).await.body);
        }
        replies.push(
            app.post(
                "/v1/wrap",
                &json!({"wrapKeyRequest": {"keyToBeWrapped": label, "wrapKeyName": label,
                "wrapMethod": "AES_WRAP"}}),
            )
            .await
            .body,
        );
        replies.push(
            app.post(
                "/v1/certificate/synchronous/request",
                &json!({"signKeyName": label,
                "signatureAlgorithm": "SHA256_WITH_RSA", "commonName": "x"}),
            )
            .await
            .body,
        );
    }
    for path in [
        "/v1/key",
        "/_emulator/attestation-key",
        "/v1/keystore/statistics",
        "/v1/attestation/certificateChain",
        "/v1/versionInfo",
    ] {
        replies.push(app.get(path).await.body);
    }
    let everything: Vec<String> = replies.iter().flat_map(strings).collect();
    assert!(everything.len() > 100, "{}", everything.len());
    for secret in &secrets {
        for text in &everything {
            assert!(
                !text.contains(secret.as_str()),
                "a reply contains a secret: {text}"
            );
        }
    }
}

#[test]
fn debug_output_of_requests_and_secrets_shows_no_secret() {
    use tsb_emulator::domain::{Label, Password, SecretBytes};
    use tsb_emulator::hsm::{EncryptRequest, SignRequest};
    let label = Label::parse("k").expect("label");
    let password = Password::new("hunter2-password".into());
    let secret = SecretBytes::new(b"private-key-bytes".to_vec());
    let payload = b"secret-payload-bytes".to_vec();
    let texts = [
        format!("{password:?}"),
        format!("{secret:?}"),
        format!(
            "{:?}",
            EncryptRequest {
                label: label.clone(),
                password: password.clone(),
                algorithm: "AES_GCM".parse().expect("cipher"),
                payload: payload.clone(),
                aad: None,
                tag_bits: 0,
            }
        ),
        format!(
            "{:?}",
            SignRequest {
                label,
                path: None,
                password,
                approvals: Default::default(),
                algorithm: "SHA256_WITH_ECDSA".parse().expect("algorithm"),
                format: Default::default(),
                payload: payload.clone(),
                context: Vec::new(),
                schnorr: Default::default(),
            }
        ),
    ];
    for text in &texts {
        for secret in ["hunter2", "private-key", "secret-payload", "115, 101, 99"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    assert!(texts[2].contains("20 bytes redacted"), "{}", texts[2]);
}

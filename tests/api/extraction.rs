//! The classic PKCS#11 key-extraction attacks (Clulow 2003; Bortolozzo, Centenaro, Focardi,
//! Steel 2010), ported to this API: a non-extractable or sensitive key must not come out in
//! plain through export, wrapping, unwrapping, key info, errors or the control API.

use crate::helpers::{TestApp, spawn_app};
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
fn refused(reply: &crate::helpers::Reply) {
    let (status, code, reason) = FORBIDDEN;
    reply.assert_error(status, code, reason);
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

#[tokio::test]
async fn non_extractable_and_sensitive_keys_cannot_be_exported_or_wrapped_out() {
    let app = spawn_app().await;
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
    // A sensitive, extractable key leaves only wrapped, under a trustworthy key.
    let reply = app
        .post("/v1/wrap", &wrap("target", "kek", "AES_WRAP"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn the_wrap_decrypt_attack_is_refused_for_aes_and_rsa_wrapping_keys() {
    let app = spawn_app().await;
    target(&app).await;
    // An AES key that wraps and decrypts: RFC 3394 unwrapping is a chain of AES decryptions,
    // which AES_ECB decryption with the same key computes.
    aes(
        &app,
        "dual",
        256,
        json!({"decrypt": true, "sign": false, "unwrap": true, "wrap": true}),
    )
    .await;
    refused(
        &app.post("/v1/wrap", &wrap("target", "dual", "AES_WRAP"))
            .await,
    );
    refused(
        &app.post("/v1/wrap", &wrap("target", "dual", "AES_WRAP_PAD"))
            .await,
    );
    // An RSA key that wraps and decrypts: RSA_WRAP_PAD is PKCS#1 v1.5 encryption, which
    // `/v1/synchronousDecrypt` with cipher `RSA` undoes.
    app.create_key(
        &json!({"label": "rsa-dual", "algorithm": "RSA", "keySize": 4096,
        "attributes": {"decrypt": true, "sign": false, "unwrap": true, "wrap": true}}),
    )
    .await;
    for method in ["RSA_WRAP_PAD", "RSA_WRAP_OAEP"] {
        refused(
            &app.post("/v1/wrap", &wrap("target", "rsa-dual", method))
                .await,
        );
    }
    // Proof that the refusal is what stops the attack: for a non-sensitive key (exportable
    // anyway) the same wrap works, and decrypting the blob yields the key.
    aes(
        &app,
        "plain",
        256,
        json!({"decrypt": true, "sign": false, "unwrap": false, "extractable": true, "sensitive": false}),
    )
    .await;
    let blob = app
        .post("/v1/wrap", &wrap("plain", "rsa-dual", "RSA_WRAP_PAD"))
        .await;
    assert_eq!(blob.status, StatusCode::OK, "{}", blob.body);
    let opened = app
        .post(
            "/v1/synchronousDecrypt",
            &json!({"decryptRequest": {
            "encryptedPayload": blob.body["wrappedKey"], "decryptKeyName": "rsa-dual",
            "cipherAlgorithm": "RSA"}}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let exported = app
        .post("/v1/key/export/plain", &json!({"label": "plain"}))
        .await;
    assert_eq!(opened.body["payload"], exported.body["secretKey"]);
}

#[tokio::test]
async fn a_sensitive_key_is_not_wrapped_under_a_known_or_weak_key() {
    let app = spawn_app().await;
    target(&app).await;
    // Known key: the caller imported the wrapping key, so it could unwrap the blob offline.
    let imported = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "known", "algorithm": "AES",
            "secretKey": STANDARD.encode([0x42u8; 32]),
            "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}),
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    refused(
        &app.post("/v1/wrap", &wrap("target", "known", "AES_WRAP"))
            .await,
    );
    // The same for a public RSA key imported from elsewhere (its private half is outside).
    let public = crate::openssl::fixture_public_key("rsa-4096-4");
    let imported = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "outside", "algorithm": "RSA",
            "publicKey": STANDARD.encode(public),
            "attributes": {"decrypt": false, "sign": false, "unwrap": false, "wrap": true}}),
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    refused(
        &app.post("/v1/wrap", &wrap("target", "outside", "RSA_WRAP_OAEP"))
            .await,
    );
    // Weak key: RSA-2048 (112-bit strength) may not protect an AES-256 key.
    app.create_key(
        &json!({"label": "rsa-2048", "algorithm": "RSA", "keySize": 2048,
        "attributes": {"decrypt": false, "sign": false, "unwrap": true, "wrap": true}}),
    )
    .await;
    refused(
        &app.post("/v1/wrap", &wrap("target", "rsa-2048", "RSA_WRAP_OAEP"))
            .await,
    );
    // An RSA-4096 key (128 bits) may, as in the TSB documentation's samples.
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

#[tokio::test]
async fn unwrapping_cannot_turn_a_sensitive_key_into_an_exportable_one() {
    let app = spawn_app().await;
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
    refused(
        &app.post(
            "/v1/synchronousUnwrap",
            &unwrap(blob, "loose", "kek", "AES_WRAP", false),
        )
        .await,
    );
    assert!(!app.labels().await.contains(&"loose".to_owned()));
    // Unwrapped as sensitive, the copy works but stays inside.
    let reply = app
        .post(
            "/v1/synchronousUnwrap",
            &unwrap(blob, "copy", "kek", "AES_WRAP", true),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    refused(
        &app.post("/v1/key/export/plain", &json!({"label": "copy"}))
            .await,
    );
    // The copy is extractable, but wrapping it out under a decrypting key is refused too.
    aes(
        &app,
        "dual",
        256,
        json!({"decrypt": true, "sign": false, "unwrap": true, "wrap": true}),
    )
    .await;
    refused(
        &app.post("/v1/wrap", &wrap("copy", "dual", "AES_WRAP"))
            .await,
    );
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

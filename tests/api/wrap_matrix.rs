//! Every wrap method of reference 9.3, with keys made as the TSB documentation makes them
//! (extractable, no `sensitive` field), in both modes: by default every method wraps under
//! any key that has `wrap: true` (decrypt-capable and RSA-2048 wrapping keys included) and
//! unwraps to a working key of the right algorithm, as on the TSB; with
//! `--strict-key-protection` the untrusted wrapping keys are refused and the trusted ones work.

use crate::helpers::{TestApp, sign_request, spawn_app_in_mode, verify_request};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// What a wrapped key of each kind is created as, and the signature algorithm proving an
/// unwrapped private key works (`None`: a secret key, proven by encryption).
const WRAPPED: &[(&str, &str, Option<&str>)] = &[
    ("secret", r#"{"algorithm": "AES", "keySize": 256}"#, None),
    (
        "rsa",
        r#"{"algorithm": "RSA", "keySize": 2048}"#,
        Some("SHA256_WITH_RSA"),
    ),
    (
        "ec",
        r#"{"algorithm": "EC", "curveOid": "1.3.132.0.10"}"#,
        Some("SHA256_WITH_ECDSA"),
    ),
    (
        "ed",
        r#"{"algorithm": "ED", "curveOid": "1.3.101.112"}"#,
        Some("EDDSA"),
    ),
    (
        "dsa",
        r#"{"algorithm": "DSA", "keySize": 2048}"#,
        Some("SHA256_WITH_DSA"),
    ),
    ("bls", r#"{"algorithm": "BLS"}"#, Some("BLS")),
];

/// Each method with the kind of key it wraps, an untrusted wrapping key (refused in strict
/// mode only) and a trusted one (accepted in both modes).
pub const METHODS: &[(&str, &str, &str, &str)] = &[
    ("AES_WRAP", "secret", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD", "secret", "aes-dual", "aes-kek"),
    ("AES_WRAP_RSA", "rsa", "aes-dual", "aes-kek"),
    ("AES_WRAP_EC", "ec", "aes-dual", "aes-kek"),
    ("AES_WRAP_ED", "ed", "aes-dual", "aes-kek"),
    ("AES_WRAP_DSA", "dsa", "aes-dual", "aes-kek"),
    ("AES_WRAP_BLS", "bls", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD_RSA", "rsa", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD_EC", "ec", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD_ED", "ed", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD_DSA", "dsa", "aes-dual", "aes-kek"),
    ("AES_WRAP_PAD_BLS", "bls", "aes-dual", "aes-kek"),
    ("RSA_WRAP_PAD", "secret", "rsa-2048-dual", "rsa-4096-kek"),
    ("RSA_WRAP_OAEP", "secret", "rsa-2048-dual", "rsa-4096-kek"),
    // ML-KEM keys cannot decrypt; the untrusted one is exportable.
    ("ML-KEM-512", "secret", "ml-kem-512-open", "ml-kem-512"),
    ("ML-KEM-768", "secret", "ml-kem-768-open", "ml-kem-768"),
    ("ML-KEM-1024", "secret", "ml-kem-1024-open", "ml-kem-1024"),
];

const USE_ALL: &str = r#"{"encrypt": true, "decrypt": true, "verify": true, "sign": true,
    "unwrap": false, "extractable": true, "modifiable": true, "destroyable": true}"#;

async fn create(app: &TestApp, label: &str, mut request: Value, attributes: Value) {
    request["label"] = json!(label);
    request["attributes"] = attributes;
    app.create_key(&request).await;
}

/// The wrapping keys of [`METHODS`].
async fn wrapping_keys(app: &TestApp) {
    let wrapping = |extra: Value| {
        let mut attributes = json!({"decrypt": false, "sign": false, "unwrap": true, "wrap": true});
        for (name, value) in extra.as_object().expect("object") {
            attributes[name] = value.clone();
        }
        attributes
    };
    let aes = json!({"algorithm": "AES", "keySize": 256});
    // The TSB documentation's wrapping key: AES-256 that also encrypts and decrypts.
    create(
        app,
        "aes-dual",
        aes.clone(),
        wrapping(json!({"decrypt": true, "encrypt": true})),
    )
    .await;
    create(app, "aes-kek", aes, wrapping(json!({}))).await;
    create(
        app,
        "rsa-2048-dual",
        json!({"algorithm": "RSA", "keySize": 2048}),
        wrapping(json!({"decrypt": true})),
    )
    .await;
    create(
        app,
        "rsa-4096-kek",
        json!({"algorithm": "RSA", "keySize": 4096}),
        wrapping(json!({})),
    )
    .await;
    for set in ["ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"] {
        let label = set.to_ascii_lowercase();
        create(app, &label, json!({"algorithm": set}), wrapping(json!({}))).await;
        create(
            app,
            &format!("{label}-open"),
            json!({"algorithm": set}),
            wrapping(json!({"extractable": true, "sensitive": false})),
        )
        .await;
    }
}

/// Checks that the unwrapped `copy` is the key `original`: a secret key encrypts a block to
/// the same AES_ECB ciphertext; a private key has the same public key and its signatures
/// verify under the original.
async fn same_working_key(app: &TestApp, original: &str, copy: &str, algorithm: Option<&str>) {
    let Some(algorithm) = algorithm else {
        let mut outputs = Vec::new();
        for label in [original, copy] {
            let reply = app
                .post(
                    "/v1/encrypt",
                    &json!({"encryptRequest": {"payload": STANDARD.encode(b"sixteen byte blk"),
                    "encryptKeyName": label, "cipherAlgorithm": "AES_ECB"}}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
            outputs.push(reply.body["encryptedPayload"].clone());
        }
        assert_eq!(outputs[0], outputs[1], "{copy} is not {original}");
        return;
    };
    let first = app
        .post("/v1/key/attributes", &json!({"label": original}))
        .await;
    let second = app
        .post("/v1/key/attributes", &json!({"label": copy}))
        .await;
    assert_eq!(
        first.body["json"]["algorithm"],
        second.body["json"]["algorithm"]
    );
    assert_eq!(
        first.body["json"]["publicKey"],
        second.body["json"]["publicKey"]
    );
    let payload = b"wrapped and back";
    let signed = app
        .post(
            "/v1/synchronousSign",
            &sign_request(copy, algorithm, payload, "DER"),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{copy}: {}", signed.body);
    let signature = STANDARD
        .decode(signed.body["signature"].as_str().expect("base64"))
        .expect("base64");
    let verified = app
        .post(
            "/v1/verify",
            &verify_request(original, algorithm, payload, &signature),
        )
        .await;
    assert_eq!(
        verified.body["signatureValid"], true,
        "{copy}: {}",
        verified.body
    );
}

fn wrap(wrapped: &str, wrapping: &str, method: &str) -> Value {
    json!({"wrapKeyRequest": {"keyToBeWrapped": wrapped, "wrapKeyName": wrapping,
        "wrapMethod": method}})
}

fn unwrap(blob: &Value, label: &str, unwrapping: &str, method: &str, attributes: Value) -> Value {
    json!({"unwrapKeyRequest": {"wrappedKey": blob, "label": label,
        "unwrapKeyName": unwrapping, "wrapMethod": method, "attributes": attributes,
        "policy": null}})
}

#[tokio::test]
async fn every_wrap_method_wraps_default_keys_and_unwraps_them_to_working_keys_in_both_modes() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        wrapping_keys(&app).await;
        for (kind, request, _) in WRAPPED {
            let request: Value = serde_json::from_str(request).expect("json");
            let attributes: Value = serde_json::from_str(USE_ALL).expect("json");
            create(&app, kind, request, attributes).await;
        }
        let mut copies = 0;
        for (method, kind, untrusted, trusted) in METHODS {
            let algorithm = WRAPPED
                .iter()
                .find(|(k, _, _)| k == kind)
                .map(|(_, _, algorithm)| *algorithm)
                .expect("a wrapped kind");
            for wrapping in [untrusted, trusted] {
                let blob = app.post("/v1/wrap", &wrap(kind, wrapping, method)).await;
                let accepted = !strict || wrapping == trusted;
                if !accepted {
                    blob.assert_error(
                        StatusCode::BAD_REQUEST,
                        606,
                        "res.error.key.attributes.invalid",
                    );
                    continue;
                }
                assert_eq!(
                    blob.status,
                    StatusCode::OK,
                    "strict {strict}, {method} under {wrapping}: {}",
                    blob.body
                );
                copies += 1;
                let copy = format!("copy-{copies}");
                let attributes: Value = serde_json::from_str(USE_ALL).expect("json");
                let reply = app
                    .post(
                        "/v1/synchronousUnwrap",
                        &unwrap(
                            &blob.body["wrappedKey"],
                            &copy,
                            wrapping,
                            method,
                            attributes,
                        ),
                    )
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::CREATED,
                    "strict {strict}, {method} under {wrapping}: {}",
                    reply.body
                );
                same_working_key(&app, kind, &copy, algorithm).await;
            }
        }
        // Every method once under its trusted key, and by default under the untrusted too.
        assert_eq!(copies, METHODS.len() * if strict { 1 } else { 2 });
    }
}

#[tokio::test]
async fn unwrapping_with_sensitive_false_gives_an_exportable_key_unless_strict() {
    for strict in [false, true] {
        let app = spawn_app_in_mode(strict).await;
        wrapping_keys(&app).await;
        let attributes: Value = serde_json::from_str(USE_ALL).expect("json");
        create(
            &app,
            "ec",
            json!({"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7"}),
            attributes,
        )
        .await;
        let blob = app
            .post("/v1/wrap", &wrap("ec", "aes-kek", "AES_WRAP_PAD_EC"))
            .await;
        assert_eq!(blob.status, StatusCode::OK, "{}", blob.body);
        let mut attributes: Value = serde_json::from_str(USE_ALL).expect("json");
        attributes["sensitive"] = json!(false);
        let reply = app
            .post(
                "/v1/synchronousUnwrap",
                &unwrap(
                    &blob.body["wrappedKey"],
                    "plain-ec",
                    "aes-kek",
                    "AES_WRAP_PAD_EC",
                    attributes,
                ),
            )
            .await;
        if strict {
            reply.assert_error(
                StatusCode::BAD_REQUEST,
                606,
                "res.error.key.attributes.invalid",
            );
            continue;
        }
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["json"]["attributes"]["sensitive"], false);
        let exported = app
            .post("/v1/key/export/plain", &json!({"label": "plain-ec"}))
            .await;
        assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
        // openssl reads the exported private key and derives the key's public key from it.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("key.der");
        let der = STANDARD
            .decode(exported.body["privateKey"].as_str().expect("base64"))
            .expect("base64");
        std::fs::write(&path, der).expect("written");
        let public = crate::openssl::run(
            &[
                "pkey",
                "-inform",
                "DER",
                "-in",
                path.to_str().expect("utf-8"),
                "-pubout",
                "-outform",
                "DER",
            ],
            b"",
        );
        let info = app
            .post("/v1/key/attributes", &json!({"label": "ec"}))
            .await;
        assert_eq!(
            json!(STANDARD.encode(public)),
            info.body["json"]["publicKey"]
        );
    }
}

//! Symmetric keys (AES, ChaCha20, Camellia, TDEA, HMACSHA256) and HMAC: creation, import,
//! export, `/v1/synchronousHmac` and both HMAC verification shapes.

use crate::helpers::spawn_app;
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn secret_request(label: &str, algorithm: &str, key_size: Option<u32>) -> Value {
    let mut request = json!({
        "label": label, "algorithm": algorithm,
        "attributes": {"decrypt": true, "sign": true, "unwrap": false, "encrypt": true,
                        "extractable": true, "sensitive": false}
    });
    if let Some(size) = key_size {
        request["keySize"] = json!(size);
    }
    request
}

fn b64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("base64"))
        .expect("valid base64")
}

#[tokio::test]
async fn every_symmetric_algorithm_creates_keys_of_the_right_size_without_public_key() {
    let app = spawn_app().await;
    let cases = [
        ("AES", Some(128), 128, "2.16.840.1.101.3.4.1"),
        ("AES", Some(192), 192, "2.16.840.1.101.3.4.1"),
        ("AES", None, 256, "2.16.840.1.101.3.4.1"),
        ("ChaCha20", Some(256), 256, "1.2.840.113549.1.9.16.3.18"),
        ("Camellia", Some(128), 128, "1.2.392.200011.61.1.1.1"),
        ("Camellia", Some(256), 256, "1.2.392.200011.61.1.1.1"),
        ("TDEA", None, 192, "1.2.840.113549.3.7"),
        ("TDEA", Some(168), 192, "1.2.840.113549.3.7"),
        ("HMACSHA256", None, 256, "1.2.840.113549.2.9"),
    ];
    for (index, (algorithm, size, bits, oid)) in cases.into_iter().enumerate() {
        let label = format!("secret-{index}");
        let body = app
            .create_key(&secret_request(&label, algorithm, size))
            .await;
        let info = &body["json"];
        assert_eq!(info["algorithm"], algorithm);
        assert_eq!(info["algorithmOid"], oid);
        assert_eq!(info["keySize"], bits, "{algorithm} {size:?}");
        assert_eq!(info["publicKey"], Value::Null);
        assert_eq!(info["curveOid"], Value::Null);
        let exported = app
            .post("/v1/key/export/plain", &json!({"label": label}))
            .await;
        assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
        assert_eq!(exported.body["privateKey"], Value::Null);
        assert_eq!(exported.body["publicKey"], Value::Null);
        let secret = b64(&exported.body["secretKey"]);
        assert_eq!(secret.len() * 8, bits as usize);
        if algorithm == "TDEA" {
            assert!(
                secret.iter().all(|byte| byte.count_ones() % 2 == 1),
                "DES parity"
            );
        }
    }
    for (algorithm, size) in [
        ("AES", 100),
        ("AES", 512),
        ("ChaCha20", 128),
        ("Camellia", 64),
        ("HMACSHA256", 1000),
    ] {
        app.post("/v1/key", &secret_request("odd", algorithm, Some(size)))
            .await
            .assert_error(StatusCode::BAD_REQUEST, 603, "res.error.input.keysize");
    }
}

#[tokio::test]
async fn hmac_matches_rfc_4231_and_openssl_and_verifies_in_both_shapes() {
    let app = spawn_app().await;
    // RFC 4231 test case 1: key 20 x 0x0b, data "Hi There".
    let import = json!({
        "label": "rfc4231", "algorithm": "HMACSHA256", "secretKey": STANDARD.encode([0x0b; 20]),
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}
    });
    let reply = app.post("/v1/key/import/plain", &import).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["keySize"], 160);
    let reply = app
        .post("/v1/synchronousHmac", &json!({"hmacRequest": {"keyName": "rfc4231", "payload": STANDARD.encode(b"Hi There")}}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        hex::encode(b64(&reply.body["keyedHash"])),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );

    // A generated key: openssl computes the same HMAC from the exported secret.
    app.create_key(&secret_request("hmac", "HMACSHA256", None))
        .await;
    let secret = b64(&app
        .post("/v1/key/export/plain", &json!({"label": "hmac"}))
        .await
        .body["secretKey"]);
    let payload = b"keyed payload";
    let tag = b64(&app
        .post(
            "/v1/synchronousHmac",
            &json!({"hmacRequest": {"keyName": "hmac", "payload": STANDARD.encode(payload)}}),
        )
        .await
        .body["keyedHash"]);
    let macopt = format!("hexkey:{}", hex::encode(&secret));
    let expected = openssl::run(
        &[
            "dgst", "-sha256", "-mac", "HMAC", "-macopt", &macopt, "-binary",
        ],
        payload,
    );
    assert_eq!(tag, expected);

    let hmac_verify = |signature: &[u8], data: &[u8]| json!({"verifyHmacRequest": {"keyName": "hmac", "payload": STANDARD.encode(data), "signature": STANDARD.encode(signature)}});
    let signature_verify = |signature: &[u8], data: &[u8]| {
        json!({"verifySignatureRequest": {"signKeyName": "hmac", "signatureAlgorithm": "HMACSHA256",
            "payload": STANDARD.encode(data), "signature": STANDARD.encode(signature)}})
    };
    assert!(app.verify(&hmac_verify(&tag, payload)).await);
    assert!(app.verify(&signature_verify(&tag, payload)).await);
    assert!(!app.verify(&hmac_verify(&tag, b"other")).await);
    assert!(!app.verify(&signature_verify(&tag[..31], payload)).await);
    // synchronousSign with HMACSHA256 is the same operation.
    let signed = app
        .sign(&json!({"signRequest": {"signKeyName": "hmac", "signatureAlgorithm": "HMACSHA256", "payload": STANDARD.encode(payload)}}))
        .await;
    assert_eq!(signed, tag);
}

#[tokio::test]
async fn secret_keys_import_with_secret_key_only_and_refuse_asymmetric_operations() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": true, "sign": true, "unwrap": false});
    let import = |label: &str, algorithm: &str, fields: Value| {
        let mut body = json!({"label": label, "algorithm": algorithm, "attributes": attributes});
        for (k, v) in fields.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let reply = app
        .post(
            "/v1/key/import/plain",
            &import(
                "aes",
                "AES",
                json!({"secretKey": STANDARD.encode([7u8; 32])}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["keySize"], 256);
    assert!(
        reply.body["xml"]
            .as_str()
            .expect("xml")
            .contains("creation=\"imported\"")
    );

    let cases = [
        (
            import("x", "AES", json!({"secretKey": STANDARD.encode([7u8; 10])})),
            400,
            603,
            "res.error.input.keysize",
        ),
        (
            import(
                "x",
                "AES",
                json!({"secretKey": STANDARD.encode([7u8; 16]), "publicKey": STANDARD.encode([1u8; 8])}),
            ),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            import("x", "AES", json!({})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            import("x", "RSA", json!({"secretKey": STANDARD.encode([7u8; 16])})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            import("x", "AES", json!({"secretKey": "not base64!"})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
    ];
    for (body, status, code, reason) in cases {
        let reply = app.post("/v1/key/import/plain", &body).await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    assert_eq!(app.labels().await, ["aes"]);

    // Asymmetric operations on a secret key are the TSB's 613; HMAC on a non-HMAC key 607/613.
    let sign = |label: &str, algorithm: &str| json!({"signRequest": {"signKeyName": label, "signatureAlgorithm": algorithm, "payload": "AAAA"}});
    let message = app
        .post("/v1/synchronousSign", &sign("aes", "SHA256_WITH_RSA"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, 613, "res.error.invalid.key.type");
    assert_eq!(
        message,
        "Private key can not be loaded as the referenced key is not an asymmetric key."
    );
    app.post("/v1/synchronousSign", &sign("aes", "HMACSHA256"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
    app.post(
        "/v1/synchronousHmac",
        &json!({"hmacRequest": {"keyName": "aes", "payload": "AAAA"}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
    app.post("/v1/synchronousHmac", &json!({"hmacRequest": null}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    app.post(
        "/v1/certificate/synchronous/request",
        &crate::helpers::seed_csr_request("aes"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 613, "res.error.invalid.key.type");
    app.create_seed_key("rsa", 2048).await;
    app.post(
        "/v1/synchronousHmac",
        &json!({"hmacRequest": {"keyName": "rsa", "payload": "AAAA"}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

//! `/v1/synchronousSign` and `/v1/verify`: every algorithm signed by the emulator and checked
//! by openssl, verify's answers, and the refusals.

use crate::helpers::{TestApp, seed_key_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const MESSAGE: &[u8] = b"Hello TSB, sign me exactly as a Primus would.";

fn sign_request(label: &str, algorithm: &str, payload: &[u8]) -> Value {
    json!({
        "signRequest": {
            "payload": STANDARD.encode(payload),
            "payloadType": "UNSPECIFIED",
            "signKeyName": label,
            "keyPassword": null,
            "signatureAlgorithm": algorithm,
            "signatureType": "DER",
            "metaData": null,
            "metaDataSignature": null
        },
        "requestSignature": null
    })
}

fn verify_request(label: &str, algorithm: &str, payload: &[u8], signature: &[u8]) -> Value {
    json!({
        "verifySignatureRequest": {
            "signKeyName": label,
            "masterKeyPassword": null,
            "signatureAlgorithm": algorithm,
            "payload": STANDARD.encode(payload),
            "signature": STANDARD.encode(signature)
        }
    })
}

impl TestApp {
    /// Signs, asserting 200; returns the raw signature.
    pub async fn sign(&self, request: &Value) -> Vec<u8> {
        let reply = self.post("/v1/synchronousSign", request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let keys: Vec<&String> = reply.body.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["signature"]);
        STANDARD
            .decode(reply.body["signature"].as_str().expect("base64"))
            .expect("valid base64")
    }

    /// Verifies, asserting 200; returns `signatureValid`.
    pub async fn verify(&self, request: &Value) -> bool {
        let reply = self.post("/v1/verify", request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["signatureValid"].as_bool().expect("boolean")
    }

    /// The public key (DER SPKI) of a key, from its key info.
    pub async fn public_key(&self, label: &str) -> Vec<u8> {
        let reply = self.get(&format!("/v1/key/{label}/attributes")).await;
        STANDARD
            .decode(
                reply.body["json"]["publicKey"]
                    .as_str()
                    .expect("public key"),
            )
            .expect("valid base64")
    }
}

fn sha(bits: u32, data: &[u8]) -> Vec<u8> {
    let name = format!("-sha{bits}");
    let name = if bits == 1 { "-sha1".to_owned() } else { name };
    openssl::run(&["dgst", &name, "-binary"], data)
}

#[tokio::test]
async fn every_rsa_algorithm_produces_signatures_openssl_accepts() {
    let app = spawn_app().await;
    app.create_seed_key("rsa", 2048).await;
    let public = app.public_key("rsa").await;
    for bits in [1u32, 224, 256, 384, 512] {
        let digest_opt = if bits == 1 {
            "sha1".to_owned()
        } else {
            format!("sha{bits}")
        };
        let dgst = format!("-{digest_opt}");
        let digest = sha(bits, MESSAGE);
        let pkcs1 = format!("SHA{bits}_WITH_RSA");
        let pss = format!("SHA{bits}_WITH_RSA_PSS");
        let prehashed = format!("NONESHA{bits}_WITH_RSA");
        let prehashed_pss = format!("NONESHA{bits}_WITH_RSA_PSS");
        let dgst_verify = [
            "dgst",
            dgst.as_str(),
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{data}",
        ];
        let pss_verify = [
            "dgst",
            dgst.as_str(),
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{data}",
        ];
        let digest_param = format!("digest:{digest_opt}");
        let raw_verify = [
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "{pub}",
            "-in",
            "{data}",
            "-sigfile",
            "{sig}",
            "-pkeyopt",
            digest_param.as_str(),
        ];
        let raw_pss_verify = [
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "{pub}",
            "-in",
            "{data}",
            "-sigfile",
            "{sig}",
            "-pkeyopt",
            digest_param.as_str(),
            "-pkeyopt",
            "rsa_padding_mode:pss",
            "-pkeyopt",
            "rsa_pss_saltlen:digest",
        ];

        let signature = app.sign(&sign_request("rsa", &pkcs1, MESSAGE)).await;
        assert!(
            openssl::verifies_with(&dgst_verify, &public, &signature, MESSAGE),
            "{pkcs1}"
        );
        assert!(
            app.verify(&verify_request("rsa", &pkcs1, MESSAGE, &signature))
                .await
        );

        let signature = app.sign(&sign_request("rsa", &pss, MESSAGE)).await;
        assert!(
            openssl::verifies_with(&pss_verify, &public, &signature, MESSAGE),
            "{pss}"
        );
        assert!(
            app.verify(&verify_request("rsa", &pss, MESSAGE, &signature))
                .await
        );

        let signature = app.sign(&sign_request("rsa", &prehashed, &digest)).await;
        assert!(
            openssl::verifies_with(&raw_verify, &public, &signature, &digest),
            "{prehashed}"
        );
        // PKCS#1 v1.5 is deterministic: pre-hashed equals hashing by the HSM.
        assert_eq!(
            signature,
            app.sign(&sign_request("rsa", &pkcs1, MESSAGE)).await,
            "{prehashed}"
        );
        assert!(
            app.verify(&verify_request("rsa", &prehashed, &digest, &signature))
                .await
        );

        // There is no NONESHA1_WITH_RSA_PSS; NONE_WITH_RSA_PSS takes any SHA-1/SHA-2 digest.
        let pss_names = if bits == 1 {
            vec!["NONE_WITH_RSA_PSS".to_owned()]
        } else {
            vec![prehashed_pss, "NONE_WITH_RSA_PSS".to_owned()]
        };
        for name in pss_names {
            let signature = app.sign(&sign_request("rsa", &name, &digest)).await;
            assert!(
                openssl::verifies_with(&raw_pss_verify, &public, &signature, &digest),
                "{name} sha{bits}"
            );
            assert!(
                app.verify(&verify_request("rsa", &name, &digest, &signature))
                    .await
            );
        }
    }
}

#[tokio::test]
async fn none_with_rsa_pads_the_payload_as_given() {
    let app = spawn_app().await;
    app.create_seed_key("raw", 2048).await;
    let public = app.public_key("raw").await;
    // A client-built DigestInfo, the usual NONE_WITH_RSA payload.
    let mut digest_info = hex::decode("3031300d060960864801650304020105000420").expect("hex");
    digest_info.extend(sha(256, MESSAGE));
    let signature = app
        .sign(&sign_request("raw", "NONE_WITH_RSA", &digest_info))
        .await;
    let recovered = openssl::verifies_with(
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "{pub}",
            "-in",
            "{data}",
            "-sigfile",
            "{sig}",
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
        ],
        &public,
        &signature,
        &digest_info,
    );
    assert!(recovered);
    assert_eq!(
        signature,
        app.sign(&sign_request("raw", "SHA256_WITH_RSA", MESSAGE))
            .await
    );
    assert!(
        app.verify(&verify_request(
            "raw",
            "NONE_WITH_RSA",
            &digest_info,
            &signature
        ))
        .await
    );
}

#[tokio::test]
async fn verify_answers_false_with_200_for_wrong_signatures() {
    let app = spawn_app().await;
    app.create_seed_key("v", 2048).await;
    let signature = app
        .sign(&sign_request("v", "SHA256_WITH_RSA", MESSAGE))
        .await;
    assert!(
        !app.verify(&verify_request(
            "v",
            "SHA256_WITH_RSA",
            b"another message",
            &signature
        ))
        .await
    );
    assert!(
        !app.verify(&verify_request("v", "SHA384_WITH_RSA", MESSAGE, &signature))
            .await
    );
    assert!(
        !app.verify(&verify_request(
            "v",
            "SHA256_WITH_RSA_PSS",
            MESSAGE,
            &signature
        ))
        .await
    );
    let mut flipped = signature.clone();
    flipped[10] ^= 1;
    assert!(
        !app.verify(&verify_request("v", "SHA256_WITH_RSA", MESSAGE, &flipped))
            .await
    );
    assert!(
        !app.verify(&verify_request(
            "v",
            "SHA256_WITH_RSA",
            MESSAGE,
            &signature[..100]
        ))
        .await
    );
    assert!(
        !app.verify(&verify_request("v", "SHA256_WITH_RSA", MESSAGE, b""))
            .await
    );
}

#[tokio::test]
async fn hex_payloads_sign_the_same_bytes() {
    let app = spawn_app().await;
    app.create_seed_key("hex", 2048).await;
    let mut request = sign_request("hex", "SHA256_WITH_RSA", MESSAGE);
    request["signRequest"]["payload"] = json!(hex::encode_upper(MESSAGE));
    request["signRequest"]["payloadType"] = json!("HEX");
    assert_eq!(
        app.sign(&request).await,
        app.sign(&sign_request("hex", "SHA256_WITH_RSA", MESSAGE))
            .await
    );
    let mut absent = sign_request("hex", "SHA256_WITH_RSA", MESSAGE);
    let inner = absent["signRequest"].as_object_mut().expect("object");
    inner.remove("payloadType");
    inner.remove("signatureType");
    assert_eq!(app.sign(&absent).await.len(), 256);
}

#[tokio::test]
async fn signing_is_refused_in_the_tsb_shape_when_it_cannot_be_done() {
    let app = spawn_app().await;
    app.create_seed_key("rsa", 2048).await;
    let mut no_sign = seed_key_request("no-sign", 2048);
    no_sign["attributes"]["sign"] = json!(false);
    no_sign["attributes"]["decrypt"] = json!(true);
    app.create_key(&no_sign).await;
    let mut locked = seed_key_request("locked", 2048);
    locked["password"] = json!("pw");
    app.create_key(&locked).await;

    let with = |label: &str, field: &str, value: Value| {
        let mut request = sign_request(label, "SHA256_WITH_RSA", MESSAGE);
        request["signRequest"][field] = value;
        request
    };
    let cases = [
        (
            with("rsa", "payload", json!("not base64!")),
            400,
            635,
            "res.error.encoding.exception",
        ),
        (
            with("rsa", "payload", json!("abc")),
            400,
            635,
            "res.error.encoding.exception",
        ),
        (
            with("rsa", "payloadType", json!("HEX")),
            400,
            635,
            "res.error.encoding.exception",
        ),
        (
            with("rsa", "payloadType", json!("JPEG")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "payload", json!(null)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("SHA256_WITH_RSA_OAEP")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("SHA256_WITH_ECDSA")),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("EDDSA")),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            with("rsa", "signatureType", json!("RAW")),
            400,
            635,
            "res.error.encoding.exception",
        ),
        (
            with("rsa", "signatureType", json!("ETH")),
            400,
            635,
            "res.error.encoding.exception",
        ),
        (
            with("rsa", "signatureType", json!("PEM")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("NONESHA256_WITH_RSA")),
            400,
            612,
            "res.error.invalid.payload",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("NONE_WITH_RSA_PSS")),
            400,
            612,
            "res.error.invalid.payload",
        ),
        (
            with("rsa", "payload", json!(STANDARD.encode([7u8; 300])))
                .tap_algorithm("NONE_WITH_RSA"),
            400,
            612,
            "res.error.invalid.payload",
        ),
        (
            with("ghost", "keyPassword", json!(null)),
            404,
            650,
            "res.error.key.not.existent",
        ),
        (
            with("locked", "keyPassword", json!("wrong")),
            400,
            620,
            "res.error.key.password.mismatch",
        ),
        (
            with("no-sign", "keyPassword", json!(null)),
            500,
            701,
            "res.error.in.hsm",
        ),
        (
            with("a/b", "keyPassword", json!(null)),
            400,
            610,
            "res.error.invalid.key.name",
        ),
        (
            json!({"requestSignature": null}),
            400,
            600,
            "res.error.input.validation.failed",
        ),
    ];
    for (request, status, code, reason) in cases {
        let reply = app.post("/v1/synchronousSign", &request).await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    // With its password the locked key signs.
    app.sign(&with("locked", "keyPassword", json!(["p", "w"])))
        .await;

    let bad_signature = json!({"verifySignatureRequest": {
        "signKeyName": "rsa", "signatureAlgorithm": "SHA256_WITH_RSA",
        "payload": STANDARD.encode(MESSAGE), "signature": "%%%"
    }});
    app.post("/v1/verify", &bad_signature).await.assert_error(
        StatusCode::BAD_REQUEST,
        635,
        "res.error.encoding.exception",
    );
    app.post("/v1/verify", &json!({"verifySignatureRequest": null}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    app.post(
        "/v1/verify",
        &verify_request("locked", "SHA256_WITH_RSA", MESSAGE, b"x"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
}

trait TapAlgorithm {
    fn tap_algorithm(self, algorithm: &str) -> Self;
}

impl TapAlgorithm for Value {
    fn tap_algorithm(mut self, algorithm: &str) -> Self {
        self["signRequest"]["signatureAlgorithm"] = json!(algorithm);
        self
    }
}

//! The decoded-key cache behind signing never outlives its key: a label deleted and made
//! again signs with the new key, as openssl checks.

use crate::helpers::{sign_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

const MESSAGE: &[u8] = b"cache me if you can";

#[tokio::test]
async fn a_recreated_label_signs_with_its_new_key_for_each_cached_key_type() {
    let app = spawn_app().await;
    let attributes = json!({"sign": true, "decrypt": false, "unwrap": false, "destroyable": true});
    let cases = [
        (
            json!({"algorithm": "ED", "curveOid": "1.3.101.112"}),
            "EDDSA",
            vec![
                "pkeyutl", "-verify", "-pubin", "-inkey", "{pub}", "-rawin", "-in", "{data}",
                "-sigfile", "{sig}",
            ],
        ),
        (
            json!({"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7"}),
            "SHA256_WITH_ECDSA",
            vec![
                "dgst",
                "-sha256",
                "-verify",
                "{pub}",
                "-signature",
                "{sig}",
                "{data}",
            ],
        ),
        (
            json!({"algorithm": "RSA", "keySize": 2048}),
            "SHA256_WITH_RSA",
            vec![
                "dgst",
                "-sha256",
                "-verify",
                "{pub}",
                "-signature",
                "{sig}",
                "{data}",
            ],
        ),
    ];
    for (spec, algorithm, verify) in cases {
        let mut publics = Vec::new();
        for round in 0..2 {
            let mut request = spec.clone();
            request["label"] = json!("reused");
            request["attributes"] = attributes.clone();
            let created = app.create_key(&request).await;
            let public = STANDARD
                .decode(created["json"]["publicKey"].as_str().expect("public key"))
                .expect("base64");
            // Sign twice: the second signature comes from the cache.
            for _ in 0..2 {
                let reply = app
                    .post(
                        "/v1/synchronousSign",
                        &sign_request("reused", algorithm, MESSAGE, "DER"),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                let signature = STANDARD
                    .decode(reply.body["signature"].as_str().expect("signature"))
                    .expect("base64");
                assert!(
                    openssl::verifies_with(&verify, &public, &signature, MESSAGE),
                    "{algorithm}, round {round}: the signature is not the current key's"
                );
            }
            publics.push(public);
            let deleted = app.delete("/v1/key/reused").await;
            assert!(deleted.status.is_success(), "{}", deleted.body);
        }
        assert_ne!(publics[0], publics[1], "{algorithm}: two rounds, two keys");
    }
}

/// The store's decoded-record cache is keyed by the stored bytes: a password changed after
/// a signature has been made is the password the next signature needs.
#[tokio::test]
async fn a_changed_password_applies_to_the_next_signature_at_once() {
    let app = spawn_app().await;
    app.create_key(
        &json!({"label": "ed", "algorithm": "ED", "curveOid": "1.3.101.112",
        "password": "old", "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
    )
    .await;
    let sign_with = |password: &str| {
        let mut request = sign_request("ed", "EDDSA", MESSAGE, "DER");
        request["signRequest"]["keyPassword"] = json!(password);
        request
    };
    // Twice, so the second read comes from the cache.
    for _ in 0..2 {
        let reply = app.post("/v1/synchronousSign", &sign_with("old")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let changed = app
        .post(
            "/v1/key/changePassword",
            &json!({"label": "ed", "password": "old", "newPassword": "new"}),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.body);
    let refused = app.post("/v1/synchronousSign", &sign_with("old")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let reply = app.post("/v1/synchronousSign", &sign_with("new")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

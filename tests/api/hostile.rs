//! Bad input thrown at every endpoint: whatever arrives, the answer is a TSB-shaped error
//! and never a server error (500 is only the HSM's documented 701 refusals).

use crate::helpers::{seed_key_request, spawn_app};
use axum::http::StatusCode;
use serde_json::{Value, json};

const POST_ROUTES: &[(&str, Option<&str>)] = &[
    ("/v1/key", None),
    ("/v1/key/attributes", None),
    ("/v1/key/deleteKey", None),
    ("/v1/key/changePassword", None),
    ("/v1/key/import/plain", None),
    ("/v1/key/export/plain", None),
    ("/v1/key/keyAttestation", None),
    ("/v1/synchronousSign", Some("signRequest")),
    ("/v1/verify", Some("verifySignatureRequest")),
    ("/v1/synchronousHmac", Some("hmacRequest")),
    ("/v1/encrypt", Some("encryptRequest")),
    ("/v1/synchronousDecrypt", Some("decryptRequest")),
    ("/v1/wrap", Some("wrapKeyRequest")),
    ("/v1/synchronousUnwrap", Some("unwrapKeyRequest")),
    ("/v1/certificate/synchronous/request", None),
    ("/v1/certificate/synchronous/request/download", None),
    ("/v1/certificate/synchronous/selfsign", None),
    ("/v1/certificate/synchronous/sign", None),
    ("/v1/certificate/import/plain", None),
];

/// Bodies that are wrong in shape, type or content, aimed at the key `victim`.
fn hostile_inner() -> Vec<Value> {
    let strings = [
        "",
        "victim",
        "ghost",
        "a/b",
        "\u{0}",
        "%2F",
        "x".repeat(300).as_str(),
    ]
    .map(|s| json!(s))
    .to_vec();
    let mut bodies = vec![json!({}), json!({"unknown": 1})];
    for value in strings.iter().cloned().chain([
        json!(null),
        json!(5),
        json!(true),
        json!([]),
        json!({}),
        json!(-1),
        json!(1e308),
    ]) {
        let mut body = serde_json::Map::new();
        for field in [
            "label",
            "password",
            "algorithm",
            "keySize",
            "curveOid",
            "attributes",
            "policy",
            "signKeyName",
            "keyPassword",
            "signatureAlgorithm",
            "signatureType",
            "payload",
            "payloadType",
            "signature",
            "keyName",
            "encryptKeyName",
            "decryptKeyName",
            "cipherAlgorithm",
            "initializationVector",
            "tagLength",
            "encryptedPayload",
            "additionalAuthenticationData",
            "keyToBeWrapped",
            "wrapKeyName",
            "wrapMethod",
            "wrappedKey",
            "unwrapKeyName",
            "privateKey",
            "publicKey",
            "secretKey",
            "certificate",
            "newPassword",
            "validity",
            "commonName",
            "standardCertificateAttributes",
            "keyUsage",
            "extendedKeyUsage",
            "certificateAuthority",
            "certificateSigningRequest",
        ] {
            body.insert(field.to_owned(), value.clone());
        }
        bodies.push(Value::Object(body));
    }
    // Plausible requests on the victim with one field wrong at a time.
    let base = json!({"label": "victim", "signKeyName": "victim", "keyName": "victim",
        "encryptKeyName": "victim", "decryptKeyName": "victim", "wrapKeyName": "victim",
        "keyToBeWrapped": "victim", "unwrapKeyName": "victim", "payload": "AAAA",
        "signature": "AAAA", "encryptedPayload": "AAAA", "wrappedKey": "AAAA",
        "signatureAlgorithm": "SHA256_WITH_RSA", "cipherAlgorithm": "RSA", "wrapMethod": "AES_WRAP",
        "algorithm": "RSA", "keySize": 2048,
        "attributes": {"decrypt": true, "sign": true, "unwrap": true},
        "standardCertificateAttributes": {"commonName": "x"}, "commonName": "x", "validity": 1,
        "certificateSigningRequest": "AAAA", "certificate": "AAAA", "publicKey": "AAAA"});
    for (field, wrong) in [
        ("payload", json!("%%%")),
        ("signature", json!("")),
        ("tagLength", json!(128)),
        ("initializationVector", json!("AAAA")),
        ("keySize", json!(0)),
        ("validity", json!(0)),
        ("keyUsage", json!(["X"])),
        ("signatureType", json!("ETH")),
        ("payloadType", json!("HEX")),
        ("cipherAlgorithm", json!("AES_GCM")),
        ("wrapMethod", json!("RSA_WRAP_OAEP")),
        (
            "certificateSigningRequest",
            json!("-----BEGIN CERTIFICATE REQUEST-----\n@@\n-----END CERTIFICATE REQUEST-----"),
        ),
    ] {
        let mut body = base.clone();
        body[field] = wrong;
        bodies.push(body);
    }
    bodies.push(base);
    bodies
}

fn allowed_server_error(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::INTERNAL_SERVER_ERROR && body["errorCode"] == 701
}

#[tokio::test]
async fn no_input_to_any_endpoint_causes_a_server_error() {
    let app = spawn_app().await;
    let mut victim = seed_key_request("victim", 2048);
    victim["attributes"]["decrypt"] = json!(true);
    victim["attributes"]["unwrap"] = json!(true);
    // Not destroyable: the sweep sends a valid delete too, and the victim must survive it.
    victim["attributes"]["destroyable"] = json!(false);
    app.create_key(&victim).await;
    let mut count = 0;
    for (path, envelope) in POST_ROUTES {
        let mut bodies: Vec<Value> = vec![json!(null), json!([]), json!("text"), json!(7)];
        for inner in hostile_inner() {
            match envelope {
                Some(name) => {
                    bodies.push(json!({ *name: inner.clone() }));
                    bodies.push(inner);
                }
                None => bodies.push(inner),
            }
        }
        for body in bodies {
            let reply = app.post(path, &body).await;
            count += 1;
            if reply.status.is_success() {
                continue;
            }
            assert!(
                !reply.status.is_server_error() || allowed_server_error(reply.status, &reply.body),
                "{path} answered {} to {body}: {}",
                reply.status,
                reply.body
            );
            assert!(
                reply.body["errorCode"].is_number() && reply.body["reason"].is_string(),
                "{path}: {}",
                reply.body
            );
        }
    }
    for path in [
        "/v1/key/%00/attributes",
        "/v1/key/a%2Fb",
        "/v1/certificate/%E2%80%AE",
        "/v1/generateRandom/-1",
        "/v1/generateRandom/99999999999999999999",
        "/v1/key/ghost",
    ] {
        for method in ["GET", "DELETE", "PUT", "PATCH", "OPTIONS"] {
            let reply = app.send(method, path, Some("application/json"), "{}").await;
            count += 1;
            assert!(
                !reply.status.is_server_error(),
                "{method} {path}: {}",
                reply.body
            );
            assert!(
                reply.body["errorCode"].is_number(),
                "{method} {path}: {}",
                reply.body
            );
        }
    }
    assert!(count >= 850, "{count} requests");
    // Nothing was lost: the victim is still there, unchanged.
    let info = app.get("/v1/key/victim/attributes").await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.body["json"]["algorithm"], "RSA");
}

/// Labels no key may have: empty, over 255 bytes, control characters, NUL, `/`, `\`, `.`,
/// `..`, and Unicode direction overrides. (`%2F` is a legal label: it is never decoded.)
const BAD_LABELS: &[&str] = &[
    "",
    "a/b",
    "../etc/passwd",
    "..",
    ".",
    "a\\b",
    "nul\u{0}byte",
    "tab\there",
    "line\nbreak",
    "esc\u{1b}[31m",
    "bidi\u{202e}gpj.exe",
    "isolate\u{2066}x",
    "mark\u{200f}x",
];

#[tokio::test]
async fn every_bad_label_in_every_label_field_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let long = "x".repeat(256);
    let labels: Vec<&str> = BAD_LABELS.iter().copied().chain([long.as_str()]).collect();
    for label in &labels {
        // Creation and import with an otherwise valid body: exactly 400/610.
        for (path, body) in [
            (
                "/v1/key",
                json!({"label": label, "algorithm": "AES", "keySize": 128,
                "attributes": {"decrypt": true, "sign": false, "unwrap": false}}),
            ),
            (
                "/v1/key/import/plain",
                json!({"label": label, "algorithm": "AES", "secretKey": "AAAAAAAAAAAAAAAAAAAAAA==",
                "attributes": {"decrypt": true, "sign": false, "unwrap": false}}),
            ),
        ] {
            app.post(path, &body).await.assert_error(
                StatusCode::BAD_REQUEST,
                610,
                "res.error.invalid.key.name",
            );
        }
        // Every other label-carrying field: a 4xx TSB error, never a server error.
        for (path, envelope, field) in [
            ("/v1/key/attributes", None, "label"),
            ("/v1/key/export/plain", None, "label"),
            ("/v1/key/deleteKey", None, "label"),
            ("/v1/synchronousSign", Some("signRequest"), "signKeyName"),
            ("/v1/encrypt", Some("encryptRequest"), "encryptKeyName"),
            ("/v1/wrap", Some("wrapKeyRequest"), "keyToBeWrapped"),
            ("/v1/wrap", Some("wrapKeyRequest"), "wrapKeyName"),
            ("/v1/synchronousUnwrap", Some("unwrapKeyRequest"), "label"),
        ] {
            let mut inner = json!({"payload": "AAAA", "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "cipherAlgorithm": "AES_GCM", "wrapMethod": "AES_WRAP", "wrappedKey": "AAAA",
                "keyToBeWrapped": "x", "wrapKeyName": "x", "unwrapKeyName": "x",
                "attributes": {"decrypt": true, "sign": false, "unwrap": false}});
            inner[field] = json!(label);
            let body = match envelope {
                Some(name) => json!({ name: inner }),
                None => inner,
            };
            let reply = app.post(path, &body).await;
            assert!(
                reply.status.is_client_error() && reply.body["errorCode"].is_number(),
                "{path} {field}={label:?}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    assert!(app.labels().await.is_empty(), "nothing was created");
}

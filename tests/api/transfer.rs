//! `/v1/key/import/plain`, `/v1/key/export/plain`, `/v1/key/changePassword`, with key
//! material made and checked by openssl.

use crate::helpers::{fixtures, seed_key_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const MESSAGE: &[u8] = b"moved between partitions";

fn sign_request(label: &str, password: Value) -> Value {
    json!({"signRequest": {
        "payload": STANDARD.encode(MESSAGE), "signKeyName": label, "keyPassword": password,
        "signatureAlgorithm": "SHA256_WITH_RSA"
    }})
}

fn attributes() -> Value {
    json!({"decrypt": false, "sign": true, "unwrap": false, "destroyable": true})
}

fn fixture_path(name: &str) -> String {
    fixtures()
        .join(format!("keys/{name}.pem"))
        .to_str()
        .expect("utf-8")
        .to_owned()
}

fn b64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("base64 string"))
        .expect("valid base64")
}

#[tokio::test]
async fn a_password_can_be_changed_and_removed_on_modifiable_keys_only() {
    let app = spawn_app().await;
    let mut request = seed_key_request("pw", 2048);
    request["password"] = json!("old");
    app.create_key(&request).await;

    let change =
        |old: Value, new: Value| json!({"label": "pw", "password": old, "newPassword": new});
    app.post(
        "/v1/key/changePassword",
        &change(json!("wrong"), json!("new")),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    let reply = app
        .post(
            "/v1/key/changePassword",
            &change(json!(["o", "l", "d"]), json!(["n", "e", "w"])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.post("/v1/synchronousSign", &sign_request("pw", json!("old")))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            620,
            "res.error.key.password.mismatch",
        );
    assert_eq!(
        app.post("/v1/synchronousSign", &sign_request("pw", json!("new")))
            .await
            .status,
        StatusCode::OK
    );

    // A null new password removes it.
    let reply = app
        .post("/v1/key/changePassword", &change(json!("new"), json!(null)))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        app.post("/v1/synchronousSign", &sign_request("pw", json!(null)))
            .await
            .status,
        StatusCode::OK
    );

    let mut fixed = seed_key_request("fixed", 2048);
    fixed["attributes"]["modifiable"] = json!(false);
    app.create_key(&fixed).await;
    app.post(
        "/v1/key/changePassword",
        &json!({"label": "fixed", "newPassword": "x"}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        614,
        "res.error.operation.forbidden.for.key",
    );
    app.post(
        "/v1/key/changePassword",
        &json!({"label": "ghost", "newPassword": "x"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, 650, "res.error.key.not.existent");
}

#[tokio::test]
async fn only_extractable_non_sensitive_keys_are_exported_and_openssl_reads_them() {
    let app = spawn_app().await;
    let mut open = seed_key_request("open", 2048);
    open["attributes"]["extractable"] = json!(true);
    open["attributes"]["sensitive"] = json!(false);
    let created = app.create_key(&open).await;

    let reply = app
        .post(
            "/v1/key/export/plain",
            &json!({"label": "open", "password": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["secretKey"], Value::Null);
    assert_eq!(reply.body["publicKey"], created["json"]["publicKey"]);
    let private = b64(&reply.body["privateKey"]);
    let public = openssl::run(
        &["pkey", "-inform", "DER", "-pubout", "-outform", "DER"],
        &private,
    );
    assert_eq!(public, b64(&created["json"]["publicKey"]));
    assert_eq!(public, openssl::fixture_public_key("rsa-2048-1"));

    for (label, extractable, sensitive) in [("locked-in", false, false), ("sensitive", true, true)]
    {
        let mut request = seed_key_request(label, 2048);
        request["attributes"]["extractable"] = json!(extractable);
        request["attributes"]["sensitive"] = json!(sensitive);
        app.create_key(&request).await;
        let reply = app
            .post("/v1/key/export/plain", &json!({"label": label}))
            .await;
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );
        assert!(
            !reply.body.to_string().contains("PRIVATE"),
            "nothing leaks in the error"
        );
    }
    // The default attributes are non-extractable and sensitive.
    app.create_seed_key("default", 2048).await;
    app.post("/v1/key/export/plain", &json!({"label": "default"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );
}

#[tokio::test]
async fn an_exported_key_reimported_under_a_new_label_signs_identically() {
    let app = spawn_app().await;
    let mut open = seed_key_request("source", 2048);
    open["attributes"]["extractable"] = json!(true);
    open["attributes"]["sensitive"] = json!(false);
    app.create_key(&open).await;
    let exported = app
        .post("/v1/key/export/plain", &json!({"label": "source"}))
        .await
        .body;

    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({
                "label": "copy", "algorithm": "RSA", "privateKey": exported["privateKey"],
                "publicKey": exported["publicKey"], "attributes": attributes()
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(
        reply.body["xml"]
            .as_str()
            .expect("xml")
            .contains("creation=\"imported\"")
    );
    assert_eq!(reply.body["json"]["keySize"], 2048);
    let source = app
        .post("/v1/synchronousSign", &sign_request("source", json!(null)))
        .await
        .body;
    let copy = app
        .post("/v1/synchronousSign", &sign_request("copy", json!(null)))
        .await
        .body;
    assert_eq!(source["signature"], copy["signature"]);
}

#[tokio::test]
async fn openssl_keys_import_as_pkcs8_or_pkcs1_with_pem_armour_and_sign_verifiably() {
    let app = spawn_app().await;
    let key = fixture_path("rsa-3072-1");
    let pkcs8_pem = String::from_utf8(openssl::run(&["pkey", "-in", &key], b"")).expect("utf-8");
    let pkcs1_der = openssl::run(
        &["rsa", "-in", &key, "-traditional", "-outform", "DER"],
        b"",
    );
    let public = openssl::fixture_public_key("rsa-3072-1");

    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "pem", "algorithm": "RSA", "privateKey": pkcs8_pem,
                    "publicKey": STANDARD.encode(&public), "attributes": attributes()}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["keySize"], 3072);

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("c.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=imported\n",
    )
    .expect("write");
    let certificate = openssl::run(
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            &key,
            "-config",
            config.to_str().expect("utf-8"),
            "-days",
            "1",
            "-outform",
            "DER",
        ],
        b"",
    );
    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "pkcs1", "algorithm": "RSA", "privateKey": STANDARD.encode(&pkcs1_der),
                    "certificate": STANDARD.encode(&certificate), "attributes": attributes()}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    for label in ["pem", "pkcs1"] {
        let signature = b64(&app
            .post("/v1/synchronousSign", &sign_request(label, json!(null)))
            .await
            .body["signature"]);
        assert!(
            openssl::verifies_sha256(&public, &signature, MESSAGE),
            "{label}"
        );
    }
}

#[tokio::test]
async fn public_keys_and_certificates_import_as_verify_only_keys() {
    let app = spawn_app().await;
    let key = fixture_path("rsa-2048-2");
    let public = openssl::fixture_public_key("rsa-2048-2");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::write(&data, MESSAGE).expect("write");
    let signature = openssl::run(
        &[
            "dgst",
            "-sha256",
            "-sign",
            &key,
            data.to_str().expect("utf-8"),
        ],
        b"",
    );

    let import = |label: &str, field: &str, value: Vec<u8>| json!({"label": label, "algorithm": "RSA", field: STANDARD.encode(value), "attributes": attributes()});
    let reply = app
        .post(
            "/v1/key/import/plain",
            &import("pub", "publicKey", public.clone()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let verify = json!({"verifySignatureRequest": {
        "signKeyName": "pub", "signatureAlgorithm": "SHA256_WITH_RSA",
        "payload": STANDARD.encode(MESSAGE), "signature": STANDARD.encode(&signature)
    }});
    assert_eq!(
        app.post("/v1/verify", &verify).await.body["signatureValid"],
        true
    );
    app.post("/v1/synchronousSign", &sign_request("pub", json!(null)))
        .await
        .assert_error(StatusCode::BAD_REQUEST, 613, "res.error.invalid.key.type");
    app.post("/v1/key/export/plain", &json!({"label": "pub"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            606,
            "res.error.key.attributes.invalid",
        );

    // Re-importing a public key replaces it (200); a private key never replaces (608).
    let other = openssl::fixture_public_key("rsa-2048-3");
    let reply = app
        .post(
            "/v1/key/import/plain",
            &import("pub", "publicKey", other.clone()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(b64(&reply.body["json"]["publicKey"]), other);
    let pkcs8 = openssl::run(&["pkey", "-in", &key, "-outform", "DER"], b"");
    let mut private = import("pub", "privateKey", pkcs8);
    private["publicKey"] = json!(STANDARD.encode(&public));
    app.post("/v1/key/import/plain", &private)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            608,
            "res.error.key.already.existing",
        );
    // Nor does a public key replace a key that has a private part.
    app.create_seed_key("generated", 2048).await;
    app.post(
        "/v1/key/import/plain",
        &import("generated", "publicKey", public),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        608,
        "res.error.key.already.existing",
    );
}

#[tokio::test]
async fn bad_imports_are_refused_in_the_tsb_shape_and_store_nothing() {
    let app = spawn_app().await;
    let key = fixture_path("rsa-2048-1");
    let pkcs8 = STANDARD.encode(openssl::run(&["pkey", "-in", &key, "-outform", "DER"], b""));
    let public = STANDARD.encode(openssl::fixture_public_key("rsa-2048-1"));
    let wrong_public = STANDARD.encode(openssl::fixture_public_key("rsa-2048-2"));
    let base = |fields: Value| {
        let mut body = json!({"label": "bad", "algorithm": "RSA", "attributes": attributes()});
        for (k, v) in fields.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            base(json!({"privateKey": "@@@", "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"privateKey": STANDARD.encode(b"not a key"), "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"publicKey": STANDARD.encode(b"not a key")})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"certificate": STANDARD.encode(b"not a cert")})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"privateKey": pkcs8, "publicKey": wrong_public})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"privateKey": pkcs8})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"publicKey": public, "certificate": public})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"secretKey": STANDARD.encode([1u8; 32]), "publicKey": public})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"algorithm": "EC", "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"algorithm": "ED", "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"algorithm": "DSA", "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"algorithm": "BLS", "publicKey": public})),
            400,
            625,
            "res.error.key.invalid.encoding",
        ),
        (
            base(json!({"algorithm": "ISS", "publicKey": public})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"attributes": null, "publicKey": public})),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            base(json!({"label": "a/b", "publicKey": public})),
            400,
            610,
            "res.error.invalid.key.name",
        ),
    ];
    for (body, status, code, reason) in cases {
        let reply = app.post("/v1/key/import/plain", &body).await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    assert!(app.labels().await.is_empty());
}

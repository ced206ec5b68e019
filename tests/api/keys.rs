//! `/v1/key`: create, list, describe, delete; passwords, attributes and label rules.

use crate::helpers::{seed_key_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn b64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("base64 string"))
        .expect("valid base64")
}

fn is_iso_second(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    text.len() == 20
        && text.ends_with('Z')
        && text.as_bytes()[10] == b'T'
        && text.chars().filter(|c| c.is_ascii_digit()).count() == 14
}

#[tokio::test]
async fn creating_the_seed_key_answers_201_with_the_full_key_info_envelope() {
    let app = spawn_app().await;
    let body = app.create_seed_key("sub_certificate_key", 4096).await;

    let top: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(top, ["attestationKeyName", "json", "xml", "xmlSignature"]);
    assert_eq!(body["attestationKeyName"], "attestation-key");
    let info = &body["json"];
    assert_eq!(info["label"], "sub_certificate_key");
    assert_eq!(
        info["id"],
        Value::Null,
        "the Go client crashes on a string id"
    );
    assert_eq!(info["algorithm"], "RSA");
    assert_eq!(info["algorithmOid"], "1.2.840.113549.1.1.1");
    assert_eq!(info["curveOid"], Value::Null);
    assert_eq!(info["keySize"], 4096);
    assert_eq!(info["keyUsageCount"], 0);
    assert_eq!(info["policy"], Value::Null);
    assert!(is_iso_second(&info["createTime"]), "{}", info["createTime"]);
    assert!(is_iso_second(&info["attestTime"]), "{}", info["attestTime"]);
    assert_eq!(
        info["attributes"],
        json!({
            "decrypt": false, "sign": true, "ekaSign": null, "unwrap": false, "derive": false,
            "sensitive": true, "alwaysSensitive": true, "extractable": false,
            "neverExtractable": true, "modifiable": true, "copyable": false, "destroyable": true
        })
    );

    // The public key is the fixture's (openssl derives it from the private key file).
    let spki = b64(&info["publicKey"]);
    let expected = openssl::fixture_public_key("rsa-4096-1");
    assert_eq!(spki, expected);
    let text = openssl::run(
        &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
        &spki,
    );
    assert!(String::from_utf8_lossy(&text).contains("Public-Key: (4096 bit)"));
}

#[tokio::test]
async fn the_attestation_xml_is_well_formed_and_openssl_verifies_its_signature() {
    let app = spawn_app().await;
    let body = app.create_seed_key("attested", 2048).await;
    let xml = body["xml"].as_str().expect("xml string");

    let document = roxmltree::Document::parse(xml).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "private_key");
    assert_eq!(root.attribute("creation"), Some("generated"));
    let text = |name: &str| {
        root.descendants()
            .find(|node| node.has_tag_name(name))
            .and_then(|node| node.text())
            .map(str::to_owned)
    };
    assert_eq!(text("label").as_deref(), Some("attested"));
    assert_eq!(
        text("algorithm_oid").as_deref(),
        Some("1.2.840.113549.1.1.1")
    );
    assert_eq!(text("key_size").as_deref(), Some("2048"));
    assert_eq!(
        text("public_key").as_ref(),
        body["json"]["publicKey"]
            .as_str()
            .map(str::to_owned)
            .as_ref()
    );
    assert_eq!(text("sign").as_deref(), Some("true"));
    assert_eq!(text("destroyable").as_deref(), Some("true"));

    // The attestation key is the fixture the app was started with.
    let published = app.get("/_emulator/attestation-key").await;
    assert_eq!(published.status, StatusCode::OK);
    assert_eq!(published.body["attestationKeyName"], "attestation-key");
    let attestation_key = openssl::fixture_public_key("attestation-rsa-2048");
    assert_eq!(b64(&published.body["publicKey"]), attestation_key);

    let signature = b64(&body["xmlSignature"]);
    assert!(openssl::verifies_sha256(
        &attestation_key,
        &signature,
        xml.as_bytes()
    ));
    // A changed document does not verify.
    let tampered = xml.replace("attested", "attestee");
    assert!(!openssl::verifies_sha256(
        &attestation_key,
        &signature,
        tampered.as_bytes()
    ));
}

#[tokio::test]
async fn key_size_defaults_to_4096_and_each_supported_size_is_honoured() {
    let app = spawn_app().await;
    let mut request = seed_key_request("default-size", 0);
    request.as_object_mut().expect("object").remove("keySize");
    assert_eq!(app.create_key(&request).await["json"]["keySize"], 4096);
    for bits in [2048u32, 3072, 4096] {
        let body = app.create_seed_key(&format!("rsa-{bits}"), bits).await;
        assert_eq!(body["json"]["keySize"], bits);
        let text = openssl::run(
            &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
            &b64(&body["json"]["publicKey"]),
        );
        assert!(String::from_utf8_lossy(&text).contains(&format!("Public-Key: ({bits} bit)")));
    }
}

#[tokio::test]
async fn unsupported_key_sizes_are_refused_with_603_and_nothing_is_stored() {
    let app = spawn_app().await;
    for bits in [0u32, 512, 2047, 4095, 16384] {
        let reply = app.post("/v1/key", &seed_key_request("odd", bits)).await;
        reply.assert_error(StatusCode::BAD_REQUEST, 603, "res.error.input.keysize");
    }
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn a_duplicate_label_is_refused_with_608_and_the_first_key_is_untouched() {
    let app = spawn_app().await;
    let first = app.create_seed_key("dup", 2048).await;
    let reply = app.post("/v1/key", &seed_key_request("dup", 3072)).await;
    let message = reply.assert_error(
        StatusCode::BAD_REQUEST,
        608,
        "res.error.key.already.existing",
    );
    assert!(message.contains("'dup'"), "{message}");
    let now = app
        .post("/v1/key/attributes", &json!({"label": "dup"}))
        .await;
    assert_eq!(now.body["json"]["publicKey"], first["json"]["publicKey"]);
    assert_eq!(now.body["json"]["keySize"], 2048);
}

#[tokio::test]
async fn concurrent_creates_of_one_label_give_exactly_one_201() {
    let app = spawn_app().await;
    let request = seed_key_request("race", 2048);
    let attempts = (0..20).map(|_| app.post("/v1/key", &request));
    let replies = futures::future::join_all(attempts).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            608,
            "res.error.key.already.existing",
        );
    }
    assert_eq!(app.labels().await, ["race"]);
}

#[tokio::test]
async fn listing_returns_every_label() {
    let app = spawn_app().await;
    assert!(app.labels().await.is_empty());
    for label in ["b-key", "a-key", "c-key"] {
        app.create_seed_key(label, 2048).await;
    }
    let mut labels = app.labels().await;
    labels.sort();
    assert_eq!(labels, ["a-key", "b-key", "c-key"]);
}

#[tokio::test]
async fn both_attribute_endpoints_describe_the_key_as_creation_did() {
    let app = spawn_app().await;
    let created = app.create_seed_key("described", 2048).await;
    let by_body = app
        .post(
            "/v1/key/attributes",
            &json!({"label": "described", "password": null}),
        )
        .await;
    let by_path = app.get("/v1/key/described/attributes").await;
    let by_alias = app.get("/v1/key/described").await;
    for reply in [&by_body, &by_path, &by_alias] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let mut json = reply.body["json"].clone();
        let mut expected = created["json"].clone();
        json["attestTime"] = Value::Null;
        expected["attestTime"] = Value::Null;
        assert_eq!(json, expected);
        assert!(reply.body["xmlSignature"].is_string());
    }
}

#[tokio::test]
async fn unknown_keys_answer_404_650_on_every_key_endpoint() {
    let app = spawn_app().await;
    let replies = [
        app.post("/v1/key/attributes", &json!({"label": "ghost"}))
            .await,
        app.get("/v1/key/ghost/attributes").await,
        app.post("/v1/key/deleteKey", &json!({"label": "ghost"}))
            .await,
        app.delete("/v1/key/ghost").await,
    ];
    for reply in replies {
        let message = reply.assert_error(StatusCode::NOT_FOUND, 650, "res.error.key.not.existent");
        assert_eq!(message, "A key with the name 'ghost' does not exist.");
    }
}

#[tokio::test]
async fn a_password_is_accepted_as_string_or_char_array_and_enforced() {
    let app = spawn_app().await;
    let mut request = seed_key_request("locked", 2048);
    request["password"] = json!(["s", "e", "c", "r", "e", "t"]);
    app.create_key(&request).await;

    for password in [json!("secret"), json!(["s", "e", "c", "r", "e", "t"])] {
        let reply = app
            .post(
                "/v1/key/attributes",
                &json!({"label": "locked", "password": password}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    for password in [json!("Secret"), json!(null), json!([]), json!(["s", "e"])] {
        let reply = app
            .post(
                "/v1/key/attributes",
                &json!({"label": "locked", "password": password}),
            )
            .await;
        let message = reply.assert_error(
            StatusCode::BAD_REQUEST,
            620,
            "res.error.key.password.mismatch",
        );
        assert_eq!(message, "Key password mismatch for key 'locked'.");
        assert!(
            !reply.body.to_string().contains("secret"),
            "the password never echoes"
        );
    }
    // The path variants carry no password, so they cannot unlock it.
    app.get("/v1/key/locked/attributes").await.assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    // A key without a password ignores one (clients that send one password for all keys),
    // but not in a password change, and not with --strict-key-protection.
    app.create_seed_key("open", 2048).await;
    let reply = app
        .post(
            "/v1/key/attributes",
            &json!({"label": "open", "password": "x"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signed = app
        .post(
            "/v1/synchronousSign",
            &json!({"signRequest": {"signKeyName": "open",
            "keyPassword": "x", "signatureAlgorithm": "SHA256_WITH_RSA", "payload": "AAAA"}}),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    app.post(
        "/v1/key/changePassword",
        &json!({"label": "open", "password": "x", "newPassword": "y"}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    let strict = crate::helpers::spawn_app_in_mode(true).await;
    strict.create_seed_key("open", 2048).await;
    strict
        .post(
            "/v1/key/attributes",
            &json!({"label": "open", "password": "x"}),
        )
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            620,
            "res.error.key.password.mismatch",
        );
}

#[tokio::test]
async fn deleting_honours_destroyable_and_the_password() {
    let app = spawn_app().await;
    app.create_seed_key("by-path", 2048).await;
    let reply = app.delete("/v1/key/by-path").await;
    assert_eq!(reply.status, StatusCode::OK);
    app.get("/v1/key/by-path/attributes").await.assert_error(
        StatusCode::NOT_FOUND,
        650,
        "res.error.key.not.existent",
    );

    let mut request = seed_key_request("by-body", 2048);
    request["password"] = json!("pw");
    app.create_key(&request).await;
    app.post(
        "/v1/key/deleteKey",
        &json!({"label": "by-body", "password": "wrong"}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    let reply = app
        .post(
            "/v1/key/deleteKey",
            &json!({"label": "by-body", "password": ["p", "w"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let mut request = seed_key_request("permanent", 2048);
    request["attributes"]
        .as_object_mut()
        .expect("object")
        .remove("destroyable");
    let created = app.create_key(&request).await;
    assert_eq!(
        created["json"]["attributes"]["destroyable"], false,
        "destroyable defaults to false"
    );
    let message = app.delete("/v1/key/permanent").await.assert_error(
        StatusCode::BAD_REQUEST,
        614,
        "res.error.operation.forbidden.for.key",
    );
    assert!(message.contains("destroyable"), "{message}");
    assert_eq!(app.labels().await, ["permanent"]);
}

#[tokio::test]
async fn missing_required_fields_are_400_600_and_store_nothing() {
    let app = spawn_app().await;
    let mut cases = Vec::new();
    for field in ["decrypt", "sign", "unwrap"] {
        let mut request = seed_key_request("incomplete", 2048);
        request["attributes"]
            .as_object_mut()
            .expect("object")
            .remove(field);
        cases.push((request, format!("attributes.{field}")));
    }
    let mut request = seed_key_request("incomplete", 2048);
    request
        .as_object_mut()
        .expect("object")
        .remove("attributes");
    cases.push((request, "attributes".to_owned()));
    let mut request = seed_key_request("incomplete", 2048);
    request.as_object_mut().expect("object").remove("algorithm");
    cases.push((request, "algorithm".to_owned()));
    for (request, field) in cases {
        let message = app.post("/v1/key", &request).await.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
        assert!(message.contains(&field), "{field}: {message}");
    }
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn algorithms_are_matched_by_name_or_oid_and_others_refused_clearly() {
    let app = spawn_app().await;
    let mut request = seed_key_request("lower", 2048);
    request["algorithm"] = json!("rsa");
    assert_eq!(app.create_key(&request).await["json"]["algorithm"], "RSA");
    let mut request = seed_key_request("by-oid", 2048);
    request.as_object_mut().expect("object").remove("algorithm");
    request["algorithmOid"] = json!("1.2.840.113549.1.1.1");
    assert_eq!(app.create_key(&request).await["json"]["algorithm"], "RSA");

    for (algorithm, expected) in [
        ("ISS", "not supported by tsb-emulator yet"),
        ("FOO", "not valid"),
    ] {
        let mut request = seed_key_request("other", 2048);
        request["algorithm"] = json!(algorithm);
        let message = app.post("/v1/key", &request).await.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
        assert!(
            message.contains(algorithm) && message.contains(expected),
            "{message}"
        );
    }
}

#[tokio::test]
async fn invalid_labels_are_400_610_everywhere_and_store_nothing() {
    let app = spawn_app().await;
    let long = "x".repeat(256);
    for label in [
        "",
        "a/b",
        "nul\0byte",
        "bidi\u{202e}txt",
        "..",
        long.as_str(),
    ] {
        app.post("/v1/key", &seed_key_request(label, 2048))
            .await
            .assert_error(StatusCode::BAD_REQUEST, 610, "res.error.invalid.key.name");
        app.post("/v1/key/attributes", &json!({ "label": label }))
            .await
            .assert_error(StatusCode::BAD_REQUEST, 610, "res.error.invalid.key.name");
    }
    for path in [
        "/v1/key/a%2Fb/attributes",
        "/v1/key/%00",
        "/v1/key/%E2%80%AE",
    ] {
        let reply = app
            .send(
                if path.ends_with("attributes") {
                    "GET"
                } else {
                    "DELETE"
                },
                path,
                None,
                "",
            )
            .await;
        reply.assert_error(StatusCode::BAD_REQUEST, 610, "res.error.invalid.key.name");
    }
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn a_policy_is_kept_and_reported_but_never_with_extractable() {
    let app = spawn_app().await;
    let policy = json!({
        "ruleUse": null, "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
        "keyStatus": {"blocked": false}
    });
    let mut request = seed_key_request("ska", 2048);
    request["policy"] = policy.clone();
    assert_eq!(app.create_key(&request).await["json"]["policy"], policy);

    request["label"] = json!("ska-extractable");
    request["attributes"]["extractable"] = json!(true);
    app.post("/v1/key", &request).await.assert_error(
        StatusCode::BAD_REQUEST,
        606,
        "res.error.key.attributes.invalid",
    );

    let mut request = seed_key_request("address", 2048);
    request["addressFormat"] = json!({"format": "ETH"});
    app.post("/v1/key", &request).await.assert_error(
        StatusCode::BAD_REQUEST,
        630,
        "res.error.invalid.address.on.non.ska.key",
    );
    assert_eq!(app.labels().await, ["ska"]);
}

#[tokio::test]
async fn the_seed_pages_own_json_with_trailing_commas_and_extra_fields_is_accepted() {
    let app = spawn_app().await;
    let reply = app
        .post_raw(
            "/v1/key",
            r#"{
    "label": "sub_certificate_key",
    "password": null,
    "algorithm": "RSA",
    "keySize": 2048,
    "id": "ignored",
    "attributes": {
        "decrypt": false,
        "sign": true,
        "unwrap": false,
        "extractable": false,
        "modifiable": true,
        "destroyable": true,
        "neverExtractable": true,
    },
    "policy": null
}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["id"], Value::Null);
}

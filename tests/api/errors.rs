//! What axum would answer in plain text leaves in the TSB's error shape too.

use crate::helpers::{seed_key_request, spawn_app, spawn_app_with_limit};
use axum::http::StatusCode;

#[tokio::test]
async fn an_unknown_route_is_a_tsb_shaped_404() {
    let app = spawn_app().await;
    let message = app.get("/v1/nothing/here").await.assert_error(
        StatusCode::NOT_FOUND,
        101,
        "res.error.not.implemented",
    );
    assert!(message.contains("GET /v1/nothing/here"), "{message}");
}

#[tokio::test]
async fn a_wrong_method_is_a_tsb_shaped_405() {
    let app = spawn_app().await;
    let reply = app
        .send("PUT", "/v1/key", Some("application/json"), "{}")
        .await;
    reply.assert_error(
        StatusCode::METHOD_NOT_ALLOWED,
        611,
        "res.error.unsupported.operation",
    );
    let reply = app.get("/v1/certificate/synchronous/request").await;
    reply.assert_error(
        StatusCode::METHOD_NOT_ALLOWED,
        611,
        "res.error.unsupported.operation",
    );
}

#[tokio::test]
async fn a_missing_or_wrong_content_type_is_a_tsb_shaped_415() {
    let app = spawn_app().await;
    let body = seed_key_request("k", 2048).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let reply = app
            .send("POST", "/v1/key", content_type, body.clone())
            .await;
        reply.assert_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            600,
            "res.error.input.validation.failed",
        );
    }
    let reply = app
        .send(
            "POST",
            "/v1/key",
            Some("application/json; charset=UTF-8"),
            body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_tsb_shaped_413() {
    let app = spawn_app_with_limit(4096).await;
    let mut request = seed_key_request("big", 2048);
    request["padding"] = "x".repeat(5000).into();
    app.post("/v1/key", &request).await.assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        600,
        "res.error.input.validation.failed",
    );
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn a_limit_above_axums_default_of_2_mib_is_honoured() {
    // The limit is enforced once, where the body is read; no extractor applies a lower one.
    let app = spawn_app_with_limit(3 * 1024 * 1024).await;
    let mut request = seed_key_request("big-but-allowed", 2048);
    request["padding"] = "x".repeat(2_500_000).into();
    let reply = app.post("/v1/key", &request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

#[tokio::test]
async fn malformed_json_is_400_600_and_names_what_is_wrong() {
    let app = spawn_app().await;
    let cases = [
        ("{\"label\": ", "Cannot parse json string"),
        ("not json", "Cannot parse json string"),
        ("", "body is missing"),
        ("[1, 2]", "Cannot parse json string"),
        ("{\"label\": \"k\"} trailing", "Cannot parse json string"),
        (
            r#"{"label": 5, "algorithm": "RSA", "attributes": {}}"#,
            "Field 'label'",
        ),
        (
            r#"{"label": "k", "algorithm": "RSA", "keySize": "big", "attributes": {}}"#,
            "Field 'keySize'",
        ),
        (
            r#"{"label": "k", "algorithm": "RSA", "keySize": -1, "attributes": {}}"#,
            "Field 'keySize'",
        ),
        (
            r#"{"label": "k", "algorithm": "RSA", "attributes": {"sign": "yes"}}"#,
            "Field 'attributes.sign'",
        ),
        (
            r#"{"label": "k", "algorithm": "RSA", "password": 7, "attributes": {}}"#,
            "Field 'password'",
        ),
    ];
    for (body, expected) in cases {
        let message = app.post_raw("/v1/key", body).await.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
        assert!(message.contains(expected), "{body}: {message}");
    }
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_a_crash() {
    let app = spawn_app().await;
    let depth = 100_000;
    let body = format!(
        "{{\"label\": \"k\", \"policy\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    app.post_raw("/v1/key", body).await.assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    // The server still answers.
    assert!(app.labels().await.is_empty());
}

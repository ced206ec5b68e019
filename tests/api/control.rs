//! The control API: journal, faults, metrics, and turning it off.

use crate::helpers::{seed_key_request, sign_request, spawn_app, spawn_app_with_state};
use axum::http::StatusCode;
use serde_json::json;
use tsb_emulator::AppState;

#[tokio::test]
async fn the_journal_records_method_route_status_code_and_label_but_no_secrets() {
    let app = spawn_app().await;
    let mut request = seed_key_request("journaled", 2048);
    request["password"] = json!("top-secret-password");
    app.create_key(&request).await;
    app.post(
        "/v1/synchronousSign",
        &sign_request("absent", "SHA256_WITH_RSA", b"payload-bytes", "RAW"),
    )
    .await;
    app.get("/v1/key/journaled/attributes").await;
    app.get("/v1/no-such-route").await;
    let reply = app.get("/_emulator/journal").await;
    assert_eq!(reply.status, StatusCode::OK);
    let entries = reply.body["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        4,
        "control calls are not journaled: {}",
        reply.body
    );
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["route"], "/v1/key");
    assert_eq!(entries[0]["status"], 201);
    assert_eq!(entries[0]["keyLabel"], "journaled");
    assert_eq!(entries[0]["errorCode"], json!(null));
    assert_eq!(entries[1]["status"], 404);
    assert_eq!(entries[1]["errorCode"], 650);
    assert_eq!(entries[1]["keyLabel"], "absent");
    assert_eq!(entries[2]["route"], "/v1/key/{keyName}/attributes");
    assert_eq!(entries[2]["keyLabel"], "journaled");
    assert_eq!(entries[2]["method"], "GET");
    assert_eq!(entries[3]["route"], json!(null), "no route served it");
    assert_eq!(entries[3]["path"], "/v1/no-such-route");
    let text = reply.body.to_string();
    assert!(!text.contains("top-secret-password") && !text.contains("cGF5bG9hZC1ieXRlcw"));
    let since = app.get("/_emulator/journal?since=2").await;
    assert_eq!(since.body["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.delete("/_emulator/journal").await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        app.get("/_emulator/journal").await.body["entries"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_error_fault_hits_the_next_n_matching_calls_then_disappears() {
    let app = spawn_app().await;
    app.create_seed_key("signer", 2048).await;
    let fault = app
        .post(
            "/_emulator/faults",
            &json!({"count": 2, "path": "/v1/synchronousSign", "keyName": "signer",
                    "error": {"status": 500, "errorCode": 701, "message": "HSM busy"}}),
        )
        .await;
    assert_eq!(fault.status, StatusCode::CREATED, "{}", fault.body);
    assert_eq!(fault.body["id"], 1);
    let listed = app.get("/_emulator/faults").await;
    assert_eq!(listed.body["faults"].as_array().unwrap().len(), 1);
    // Another endpoint naming the key is not affected.
    assert_eq!(
        app.get("/v1/key/signer/attributes").await.status,
        StatusCode::OK
    );
    let sign = sign_request("signer", "SHA256_WITH_RSA", b"hello", "DER");
    for _ in 0..2 {
        let reply = app.post("/v1/synchronousSign", &sign).await;
        let message =
            reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
        assert_eq!(message, "HSM busy");
    }
    let third = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.body);
    assert!(
        app.get("/_emulator/faults").await.body["faults"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let journal = app.get("/_emulator/journal").await.body;
    let faults: Vec<_> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fault"].clone())
        .collect();
    assert_eq!(
        faults,
        [
            json!(null),
            json!(null),
            json!("error"),
            json!("error"),
            json!(null)
        ]
    );
}

#[tokio::test]
async fn a_fault_for_another_key_does_not_hit() {
    let app = spawn_app().await;
    app.create_seed_key("mine", 2048).await;
    app.post(
        "/_emulator/faults",
        &json!({"keyName": "theirs", "error": {"status": 503, "errorCode": 1}}),
    )
    .await;
    let reply = app
        .post(
            "/v1/synchronousSign",
            &sign_request("mine", "SHA256_WITH_RSA", b"x", "DER"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        app.delete("/_emulator/faults").await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        app.get("/_emulator/faults").await.body["faults"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_delay_fault_still_answers_normally() {
    let app = spawn_app().await;
    let added = app
        .post(
            "/_emulator/faults",
            &json!({"path": "/v1/versionInfo", "delayMs": 10}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let reply = app.get("/v1/versionInfo").await;
    assert_eq!(reply.status, StatusCode::OK);
    let journal = app.get("/_emulator/journal").await.body;
    assert_eq!(journal["entries"][0]["fault"], "delay");
}

#[tokio::test]
async fn a_fault_without_an_effect_or_with_an_unknown_code_and_no_reason_is_refused() {
    let app = spawn_app().await;
    for body in [
        json!({"count": 1}),
        json!({"action": "explode"}),
        json!({"error": {"status": 500, "errorCode": 999}}),
        json!({"count": 0, "delayMs": 1}),
        json!({"delayMs": 1, "colour": "blue"}),
    ] {
        let reply = app.post("/_emulator/faults", &body).await;
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    }
}

#[tokio::test]
async fn metrics_count_requests_per_route_and_status() {
    let app = spawn_app().await;
    app.get("/v1/versionInfo").await;
    app.get("/v1/versionInfo").await;
    app.get("/v1/key/absent/attributes").await;
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = reply.body.as_str().unwrap();
    assert!(
        text.contains(
            "tsb_emulator_requests_total{method=\"GET\",route=\"/v1/versionInfo\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("tsb_emulator_requests_total{method=\"GET\",route=\"/v1/key/{keyName}/attributes\",status=\"404\"} 1"), "{text}");
    assert!(text.contains("tsb_emulator_request_duration_seconds_count{method=\"GET\",route=\"/v1/versionInfo\"} 2"), "{text}");
    assert!(text.contains("# TYPE tsb_emulator_request_duration_seconds histogram"));
}

#[tokio::test]
async fn without_the_control_api_its_paths_answer_the_tsb_404() {
    let (app, _) = spawn_app_with_state(|state| AppState {
        control_api: false,
        ..state
    })
    .await;
    for (method, path) in [
        ("POST", "/_emulator/reset"),
        ("GET", "/_emulator/keys"),
        ("GET", "/_emulator/journal"),
        ("POST", "/_emulator/faults"),
    ] {
        let reply = app.send(method, path, Some("application/json"), "{}").await;
        reply.assert_error(StatusCode::NOT_FOUND, 101, "res.error.not.implemented");
    }
    assert_eq!(
        app.get("/_emulator/capabilities").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/metrics").await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_journal_bodies_the_journal_keeps_payloads_but_not_passwords_or_keys() {
    let (app, _) = spawn_app_with_state(|state| AppState {
        observer: std::sync::Arc::new(tsb_emulator::api::Observer::new(10).with_bodies(true)),
        ..state
    })
    .await;
    let mut request = seed_key_request("bodies", 2048);
    request["password"] = json!("top-secret-password");
    app.create_key(&request).await;
    app.post(
        "/v1/key/import/plain",
        &json!({"label": "aes", "algorithm": "AES", "secretKey": "AAECAwQFBgcICQoLDA0ODw==",
                "attributes": {"decrypt": true, "sign": false, "unwrap": false}}),
    )
    .await;
    let journal = app.get("/_emulator/journal").await.body;
    let text = journal.to_string();
    assert_eq!(journal["entries"][0]["requestBody"]["password"], "***");
    assert_eq!(journal["entries"][0]["requestBody"]["keySize"], 2048);
    assert_eq!(journal["entries"][1]["requestBody"]["secretKey"], "***");
    assert!(!text.contains("top-secret-password") && !text.contains("AAECAwQFBgcICQoLDA0ODw=="));
}

#[tokio::test]
async fn without_journal_bodies_no_body_is_journaled() {
    let app = spawn_app().await;
    app.create_seed_key("plain", 2048).await;
    let journal = app.get("/_emulator/journal").await.body;
    assert!(journal["entries"][0].get("requestBody").is_none());
}

//! `GET /_emulator/snapshot` and `POST /_emulator/restore`: save a running store as a fixture
//! manifest and load one back atomically.

use crate::helpers::{sign_request, spawn_app, spawn_app_with_state, verify_request};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tsb_emulator::AppState;

fn ec_key(label: &str) -> Value {
    json!({
        "label": label,
        "algorithm": "EC",
        "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true},
        "policy": null
    })
}

#[tokio::test]
async fn a_snapshot_restored_later_brings_back_the_same_keys_and_removes_newer_ones() {
    let app = spawn_app().await;
    let created = app.create_key(&ec_key("saved")).await;
    let aes = json!({"label": "saved-aes", "algorithm": "AES", "keySize": 256,
        "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": false}});
    app.create_key(&aes).await;
    let snapshot = app.get("/_emulator/snapshot").await;
    assert_eq!(snapshot.status, StatusCode::OK);
    assert_eq!(snapshot.body["version"], 1);
    assert_eq!(snapshot.body["keys"].as_array().unwrap().len(), 2);
    assert!(
        snapshot.body["keys"][0]["material"]["pem"].is_string()
            || snapshot.body["keys"][1]["material"]["pem"].is_string()
    );

    // Later: one key deleted, another created.
    assert_eq!(app.delete("/v1/key/saved").await.status, StatusCode::OK);
    app.create_key(&ec_key("newer")).await;

    let restored = app.post("/_emulator/restore", &snapshot.body).await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(restored.body["keys"], 2);
    let mut labels = app.labels().await;
    labels.sort();
    assert_eq!(labels, ["saved", "saved-aes"]);
    // The same key material: the same public key, and it still signs.
    let info = app.get("/v1/key/saved/attributes").await;
    assert_eq!(info.body["json"]["publicKey"], created["json"]["publicKey"]);
    assert_eq!(
        info.body["json"]["attributes"]["sign"],
        created["json"]["attributes"]["sign"]
    );
    let signed = app
        .post(
            "/v1/synchronousSign",
            &sign_request("saved", "SHA256_WITH_ECDSA", b"after restore", "DER"),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let signature = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        signed.body["signature"].as_str().unwrap(),
    )
    .unwrap();
    let verified = app
        .post(
            "/v1/verify",
            &verify_request("saved", "SHA256_WITH_ECDSA", b"after restore", &signature),
        )
        .await;
    assert_eq!(verified.body["signatureValid"], true, "{}", verified.body);
    // The snapshot of the restored store is the snapshot taken before.
    assert_eq!(app.get("/_emulator/snapshot").await.body, snapshot.body);
}

#[tokio::test]
async fn a_restore_with_one_bad_key_changes_nothing() {
    let app = spawn_app().await;
    app.create_key(&ec_key("kept")).await;
    let mut manifest = app.get("/_emulator/snapshot").await.body;
    let mut broken = manifest["keys"][0].clone();
    broken["label"] = json!("broken");
    broken["material"] =
        json!({"pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"});
    manifest["keys"][0]["label"] = json!("replacement");
    manifest["keys"].as_array_mut().unwrap().push(broken);
    let reply = app.post("/_emulator/restore", &manifest).await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    assert!(
        reply.body["message"].as_str().unwrap().contains("broken"),
        "{}",
        reply.body
    );
    assert_eq!(app.labels().await, ["kept"]);
}

#[tokio::test]
async fn a_restore_refuses_generated_keys_material_files_and_unknown_fields() {
    let app = spawn_app().await;
    app.create_key(&ec_key("kept")).await;
    for (manifest, field) in [
        (
            json!({"version": 1, "keys": [{"label": "g", "algorithm": "EC",
                "curveOid": "1.2.840.10045.3.1.7", "generate": true,
                "attributes": {"sign": true, "decrypt": false, "unwrap": false}}]}),
            "generate",
        ),
        (
            json!({"version": 1, "keys": [{"label": "f", "algorithm": "EC",
                "material": {"file": "/etc/passwd"},
                "attributes": {"sign": true, "decrypt": false, "unwrap": false}}]}),
            "material.file",
        ),
        (json!({"version": 2, "keys": []}), "version"),
    ] {
        let reply = app.post("/_emulator/restore", &manifest).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(
            reply.body["message"].as_str().unwrap().contains(field),
            "{field}: {}",
            reply.body
        );
    }
    let reply = app
        .post(
            "/_emulator/restore",
            &json!({"version": 1, "keys": [], "extra": 1}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(app.labels().await, ["kept"]);
}

#[tokio::test]
async fn without_the_control_api_snapshot_and_restore_answer_the_tsb_404() {
    let (app, _) = spawn_app_with_state(|state| AppState {
        control_api: false,
        ..state
    })
    .await;
    for (method, path) in [
        ("GET", "/_emulator/snapshot"),
        ("POST", "/_emulator/restore"),
    ] {
        let reply = app.send(method, path, Some("application/json"), "{}").await;
        reply.assert_error(StatusCode::NOT_FOUND, 101, "res.error.not.implemented");
    }
}

//! The movable clock: `/_emulator/clock` moves the time every part of the device reads.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use tsb_emulator::domain::Timestamp;

fn start_date(pem: &str) -> String {
    let output = crate::openssl::output(&["x509", "-noout", "-startdate"], pem.as_bytes());
    assert!(output.status.success(), "openssl x509 failed");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[tokio::test]
async fn the_clock_moves_and_key_creation_and_certificates_follow_it() {
    let app = spawn_app().await;
    let before = app.get("/_emulator/clock").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.body["offsetSeconds"], 0);
    assert_eq!(before.body["fixed"], false);

    let moved = app
        .post(
            "/_emulator/clock",
            &json!({"now": "2031-05-17T10:20:30+02:00"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let now = moved.body["now"].as_str().unwrap().to_owned();
    assert!(now.starts_with("2031-05-17T08:20:3"), "{now}");

    app.create_key(
        &json!({"label": "later", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true}}),
    )
    .await;
    let info = app
        .post("/v1/key/attributes", &json!({"label": "later"}))
        .await;
    let created = info.body["json"]["createTime"].as_str().unwrap().to_owned();
    assert!(created.starts_with("2031-05-17T08:2"), "{}", info.body);

    let advanced = app
        .post("/_emulator/clock", &json!({"advanceSeconds": 86_400 * 3}))
        .await;
    assert!(
        advanced.body["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-05-20T08:2"),
        "{}",
        advanced.body
    );
    let certificate = app
        .post(
            "/v1/certificate/synchronous/selfsign",
            &json!({"signKeyName": "later", "validity": 30, "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "commonName": "moved", "keyUsage": ["DIGITAL_SIGNATURE"]}),
        )
        .await;
    assert_eq!(certificate.status, StatusCode::OK, "{}", certificate.body);
    let pem = certificate.body["certificate"].as_str().unwrap();
    assert_eq!(start_date(pem).trim(), "notBefore=May 20 00:00:00 2031 GMT");

    let reset = app.post("/_emulator/reset", &json!({})).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let after = app.get("/_emulator/clock").await;
    assert_eq!(after.body["offsetSeconds"], 0, "{}", after.body);
    let read = Timestamp::parse(after.body["now"].as_str().unwrap()).unwrap();
    assert!(read.0.abs_diff(Timestamp::now().0) < 60, "{read}");
}

#[tokio::test]
async fn a_deterministic_clock_stands_still_until_moved() {
    let app = spawn_app_with(
        tsb_emulator::keystore::KeyStore::in_memory().unwrap(),
        tsb_emulator::hsm::HsmOptions {
            deterministic_seed: Some("clock".to_owned()),
            ..tsb_emulator::hsm::HsmOptions::default()
        },
    )
    .await;
    let read = app.get("/_emulator/clock").await;
    assert_eq!(read.body["now"], "2026-01-01T00:00:00Z");
    assert_eq!(read.body["fixed"], true);
    let moved = app
        .post("/_emulator/clock", &json!({"advanceSeconds": -60}))
        .await;
    assert_eq!(moved.body["now"], "2025-12-31T23:59:00Z");
    assert_eq!(moved.body["offsetSeconds"], -60);
}

#[tokio::test]
async fn bad_clock_moves_are_refused_in_the_tsb_shape_and_move_nothing() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({"advanceSeconds": 60, "now": "2031-01-01T00:00:00Z"}),
        json!({"now": "tomorrow"}),
        json!({"now": "2031-02-30T00:00:00Z"}),
        json!({"advanceSeconds": "60"}),
        json!({"advanceSeconds": 1.5}),
        json!({"rewind": 60}),
    ] {
        let reply = app.post("/_emulator/clock", &body).await;
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    }
    assert_eq!(app.get("/_emulator/clock").await.body["offsetSeconds"], 0);
}

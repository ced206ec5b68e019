//! Service endpoints (reference 12): version, licence, statistics.

use crate::helpers::spawn_app;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn version_info_reports_the_emulated_tsb_release_with_a_capital_v() {
    let app = spawn_app().await;
    let reply = app.get("/v1/versionInfo").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"Version": "2.2.0"}));
}

#[tokio::test]
async fn license_info_lists_the_rest_api_flag() {
    let app = spawn_app().await;
    let reply = app.get("/v1/licenseInfo").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"clientFlags": ["REST_API"]}));
}

#[tokio::test]
async fn keystore_statistics_count_the_keys() {
    let app = spawn_app().await;
    let before = app.get("/v1/keystore/statistics").await;
    assert_eq!(before.status, StatusCode::OK);
    let text = before.body["keyStoreStatistics"]
        .as_str()
        .expect("a string")
        .to_owned();
    assert!(text.starts_with("keys: 0;"), "{text}");
    app.create_seed_key("one", 2048).await;
    app.create_seed_key("two", 2048).await;
    let after = app.get("/v1/keystore/statistics").await;
    let text = after.body["keyStoreStatistics"].as_str().expect("a string");
    assert!(text.starts_with("keys: 2;"), "{text}");
}

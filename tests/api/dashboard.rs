//! The dashboard at `/_emulator/ui`: its page and assets are served from the binary with a
//! strict content security policy, load without the control token (they hold no data) while
//! every data call the page makes still needs it, and `--no-control-api` turns it off. The
//! page's behaviour in a browser is checked by `scripts/dashboard-browser.py` (Chromium).

use crate::helpers::{spawn_app, spawn_app_configured, spawn_app_with_state};
use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use tsb_emulator::access::AccessPolicy;
use tsb_emulator::api::AppState;

const ASSETS: [(&str, &str); 3] = [
    ("/_emulator/ui", "text/html"),
    ("/_emulator/ui/app.js", "text/javascript"),
    ("/_emulator/ui/app.css", "text/css"),
];

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    for (path, kind) in ASSETS {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let content_type = reply.headers["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        let csp = reply.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    }
    let page = app.get("/_emulator/ui").await.body;
    let page = page.as_str().unwrap();
    // Everything the page loads comes from the emulator itself; no inline script.
    assert!(
        page.contains(r#"<script src="/_emulator/ui/app.js""#),
        "{page}"
    );
    assert!(!page.contains("<script>"), "{page}");
    for section in [
        "keys",
        "journal",
        "faults",
        "clock-now",
        "approvals-section",
        "requests",
        "approvers",
    ] {
        assert!(page.contains(&format!(r#"id="{section}""#)), "{section}");
    }
    let script = app.get("/_emulator/ui/app.js").await.body;
    let script = script.as_str().unwrap();
    for call in [
        "/_emulator/keys",
        "/_emulator/journal",
        "/_emulator/faults",
        "/_emulator/clock",
        "/_emulator/requests",
        "/_emulator/approvers",
        "/_emulator/tasks/",
    ] {
        assert!(script.contains(call), "{call}");
    }
    assert!(!script.contains("innerHTML"), "data goes in as text only");
}

#[tokio::test]
async fn the_page_loads_without_the_control_token_but_its_data_calls_need_it() {
    let app = spawn_app_configured(|state| {
        let mut policy = AccessPolicy::default();
        policy.set_control_token("dash-s3cret");
        state.access = Arc::new(policy);
    })
    .await;
    for (path, _) in ASSETS {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    for path in ["/_emulator/keys", "/_emulator/journal", "/_emulator/faults"] {
        app.get(path).await.assert_error(
            StatusCode::UNAUTHORIZED,
            406,
            "res.error.missing.access.token",
        );
        let reply = app
            .send_with_headers(
                "GET",
                path,
                &[("x-control-token", "dash-s3cret")],
                Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    // Only the three static answers are exempt, not whatever sits below the page's path.
    app.get("/_emulator/ui/keys").await.assert_error(
        StatusCode::UNAUTHORIZED,
        406,
        "res.error.missing.access.token",
    );
    let reply = app
        .send_with_headers(
            "POST",
            "/_emulator/ui",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_foreign_origin_cannot_read_the_page() {
    let app = spawn_app().await;
    let reply = app
        .send_with_headers(
            "GET",
            "/_emulator/ui",
            &[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080"),
            ],
            Body::empty(),
        )
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, 400, "res.error.security.not.allowed");
    // The page's own calls come from its own origin and pass.
    let reply = app
        .send_with_headers(
            "POST",
            "/_emulator/faults",
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
                ("content-type", "application/json"),
            ],
            json!({"path": "/v1/key", "error": {"status": 500, "errorCode": 701}}).to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn without_the_control_api_there_is_no_dashboard() {
    let (app, _) = spawn_app_with_state(|state| AppState {
        control_api: false,
        ..state
    })
    .await;
    for (path, _) in ASSETS {
        app.get(path)
            .await
            .assert_error(StatusCode::NOT_FOUND, 101, "res.error.not.implemented");
    }
}

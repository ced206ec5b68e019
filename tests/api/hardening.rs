//! The attack suite of issue 22, one test per finding: the control API behind origin, host,
//! content-type and token checks; empty secrets; faults inside the limits and after access
//! control; in-memory keys in memory only; off-curve keys and control characters in
//! subjects; the journal keeping declared fields only; hyper's own refusals. Router tests
//! first, then the real binary where a finding needs it.

use crate::helpers::{spawn_app, spawn_app_configured};
use crate::server::{BINARY, Server};
use axum::body::Body;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tsb_emulator::access::{AccessPolicy, ApiKeyGroup};
use tsb_emulator::api::guard::Guard;

const FORBIDDEN_CODE: u64 = 400;
const FORBIDDEN_REASON: &str = "res.error.security.not.allowed";

fn ec_key(label: &str) -> Value {
    json!({
        "label": label, "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": false}
    })
}

#[tokio::test]
async fn a_cross_site_form_post_to_reset_is_refused_and_wipes_nothing() {
    let app = spawn_app().await;
    app.create_key(&ec_key("precious")).await;
    let form = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", "http://evil.example"),
        ("host", "localhost:8080"),
    ];
    let reply = app
        .send_with_headers("POST", "/_emulator/reset", &form, "a=b")
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, FORBIDDEN_CODE, FORBIDDEN_REASON);
    // Without an Origin (a page cannot drop it, but curl can), a form body is still refused.
    let reply = app
        .send_with_headers("POST", "/_emulator/reset", &form[..1], "a=b")
        .await;
    reply.assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        600,
        "res.error.input.validation.failed",
    );
    assert!(app.labels().await.contains(&"precious".to_owned()));
    // The server's own origin with JSON is a normal call.
    let own = [
        ("content-type", "application/json"),
        ("origin", "http://localhost:8080"),
        ("host", "localhost:8080"),
    ];
    let reply = app
        .send_with_headers("POST", "/_emulator/reset", &own, "{}")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_foreign_origin_is_refused_on_every_path_and_none_is_fine() {
    let app = spawn_app().await;
    for path in [
        "/v1/key",
        "/_emulator/keys",
        "/_emulator/journal",
        "/health",
    ] {
        let reply = app
            .send_with_headers(
                "GET",
                path,
                &[
                    ("origin", "http://evil.example"),
                    ("host", "127.0.0.1:8080"),
                ],
                Body::empty(),
            )
            .await;
        reply.assert_error(StatusCode::FORBIDDEN, FORBIDDEN_CODE, FORBIDDEN_REASON);
        assert!(!reply.headers.contains_key("access-control-allow-origin"));
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    // "null" (sandboxed frames, file://) and an https origin for an http server are foreign.
    for origin in ["null", "https://127.0.0.1:8080"] {
        let reply = app
            .send_with_headers(
                "GET",
                "/v1/key",
                &[("origin", origin), ("host", "127.0.0.1:8080")],
                Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin}");
    }
}

#[tokio::test]
async fn an_admitted_origin_gets_cors_headers_and_its_preflight_answered() {
    let app = spawn_app_configured(|state| {
        state.guard =
            Arc::new(Guard::new(&["http://localhost:3000".into()], false, false).expect("origin"));
    })
    .await;
    let preflight = app
        .send_with_headers(
            "OPTIONS",
            "/v1/key",
            &[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type, x-api-key"),
            ],
            Body::empty(),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(
        preflight.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        preflight.headers["access-control-allow-headers"],
        "content-type, x-api-key"
    );
    let reply = app
        .send_with_headers(
            "GET",
            "/v1/key",
            &[("origin", "http://localhost:3000")],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "http://localhost:3000"
    );
    // Error answers carry the headers too, so the page can read the TSB error.
    let reply = app
        .send_with_headers(
            "GET",
            "/v1/key/absent/attributes",
            &[("origin", "http://localhost:3000")],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.headers.contains_key("access-control-allow-origin"));
    // Another origin is still refused, preflight included.
    let reply = app
        .send_with_headers(
            "OPTIONS",
            "/v1/key",
            &[
                ("origin", "http://localhost:3001"),
                ("access-control-request-method", "POST"),
            ],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn on_a_loopback_listener_only_loopback_host_names_are_served() {
    let app = spawn_app_configured(|state| {
        state.guard = Arc::new(Guard::new(&[], true, false).expect("guard"));
    })
    .await;
    for host in [
        "evil.example",
        "evil.example:8080",
        "10.0.0.1:8080",
        "[::2]:80",
    ] {
        let reply = app
            .send_with_headers("GET", "/v1/key", &[("host", host)], Body::empty())
            .await;
        reply.assert_error(StatusCode::FORBIDDEN, FORBIDDEN_CODE, FORBIDDEN_REASON);
    }
    for host in [
        "localhost",
        "localhost:8080",
        "app.localhost:1",
        "127.0.0.1:8080",
        "127.9.9.9",
        "[::1]:8080",
    ] {
        let reply = app
            .send_with_headers("GET", "/v1/key", &[("host", host)], Body::empty())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn a_control_token_is_required_by_the_control_api_and_compared_exactly() {
    let app = spawn_app_configured(|state| {
        let mut policy = AccessPolicy::default();
        policy.set_control_token("control-s3cret");
        state.access = Arc::new(policy);
    })
    .await;
    app.get("/_emulator/keys").await.assert_error(
        StatusCode::UNAUTHORIZED,
        406,
        "res.error.missing.access.token",
    );
    for headers in [
        [("authorization", "Bearer control-s3cre")],
        [("x-control-token", "control-s3cret ")],
    ] {
        let reply = app
            .send_with_headers("GET", "/_emulator/keys", &headers, Body::empty())
            .await;
        let message = reply.assert_error(
            StatusCode::UNAUTHORIZED,
            617,
            "res.error.invalid.access.token",
        );
        assert!(!message.contains("s3cre"), "{message}");
    }
    for headers in [
        [("authorization", "Bearer control-s3cret")],
        [("x-control-token", "control-s3cret")],
    ] {
        let reply = app
            .send_with_headers("GET", "/_emulator/keys", &headers, Body::empty())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let reply = app.post("/_emulator/reset", &json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // The read-only facts and the TSB API itself do not take the control token.
    assert_eq!(
        app.get("/_emulator/capabilities").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/v1/key").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_fault_never_answers_a_caller_that_access_control_refuses() {
    let app = spawn_app_configured(|state| {
        let mut policy = AccessPolicy::default();
        policy.add_api_key(ApiKeyGroup::Service, "service-key");
        state.access = Arc::new(policy);
    })
    .await;
    let forged = json!({"path": "/v1/versionInfo",
        "error": {"status": 200, "errorCode": 1, "message": "forged"}});
    assert_eq!(
        app.post("/_emulator/faults", &forged).await.status,
        StatusCode::CREATED
    );
    let reply = app.get("/v1/versionInfo").await;
    reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");
    // The refused call did not use the fault up: the authenticated one gets it.
    let reply = app
        .send_with_headers(
            "GET",
            "/v1/versionInfo",
            &[("x-api-key", "service-key")],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.body["message"], "forged");
}

#[tokio::test]
async fn a_delay_fault_is_bounded_by_the_request_timeout() {
    let app = spawn_app_configured(|state| {
        state.request_timeout = Duration::from_millis(200);
    })
    .await;
    let fault = json!({"path": "/v1/versionInfo", "delayMs": 8000});
    assert_eq!(
        app.post("/_emulator/faults", &fault).await.status,
        StatusCode::CREATED
    );
    let started = Instant::now();
    let reply = app.get("/v1/versionInfo").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    reply.assert_error(StatusCode::SERVICE_UNAVAILABLE, 1, "res.error.technical");
}

#[tokio::test]
async fn the_journal_keeps_only_the_fields_the_request_type_declares() {
    let app = spawn_app_configured(|state| {
        state.observer = Arc::new(tsb_emulator::api::Observer::new(10).with_bodies(true));
    })
    .await;
    let mut request = ec_key("journaled");
    request["apiSecret"] = json!("hunter2-undeclared");
    request["attributes"]["shadow"] = json!({"token": "hunter2-nested"});
    app.create_key(&request).await;
    let journal = app.get("/_emulator/journal").await.body;
    let body = &journal["entries"][0]["requestBody"];
    assert_eq!(body["label"], "journaled");
    assert_eq!(body["curveOid"], "1.2.840.10045.3.1.7");
    assert_eq!(body["attributes"]["sign"], true);
    assert_eq!(body["apiSecret"], "***");
    assert_eq!(body["attributes"]["shadow"], "***");
    assert!(!journal.to_string().contains("hunter2"), "{journal}");
}

/// A P-256 SubjectPublicKeyInfo holding the point (0, 0), which is not on the curve.
fn p256_spki_of_origin() -> Vec<u8> {
    let mut der = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    der.push(0x04);
    der.extend([0u8; 64]);
    der
}

#[tokio::test]
async fn an_ec_public_key_off_the_curve_is_refused_as_openssl_refuses_it() {
    let app = spawn_app().await;
    let spki = p256_spki_of_origin();
    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "origin", "algorithm": "EC", "publicKey": STANDARD.encode(&spki),
                    "attributes": {"sign": false, "decrypt": false, "unwrap": false}}),
        )
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        625,
        "res.error.key.invalid.encoding",
    );
    assert!(!app.labels().await.contains(&"origin".to_owned()));
    // openssl agrees that the key is unusable.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("origin.der");
    std::fs::write(&path, &spki).unwrap();
    let checked = std::process::Command::new("openssl")
        .args(["pkey", "-pubin", "-inform", "DER", "-noout", "-in"])
        .arg(&path)
        .output()
        .expect("openssl runs");
    assert!(!checked.status.success(), "openssl accepted (0,0)");
}

#[tokio::test]
async fn a_subject_with_a_nul_or_other_control_character_is_refused() {
    let app = spawn_app().await;
    app.create_key(&json!({
        "label": "subject", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"sign": true, "decrypt": false, "unwrap": false}
    }))
    .await;
    for common_name in ["good.example\u{0}evil.example", "line\nbreak", "c1\u{85}"] {
        let csr = json!({
            "signKeyName": "subject", "signatureAlgorithm": "SHA256_WITH_ECDSA",
            "standardCertificateAttributes": {"commonName": common_name}
        });
        let reply = app.post("/v1/certificate/synchronous/request", &csr).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(
            reply.body["message"]
                .as_str()
                .unwrap()
                .contains("control character"),
            "{}",
            reply.body
        );
        let selfsign = json!({
            "signKeyName": "subject", "signatureAlgorithm": "SHA256_WITH_ECDSA",
            "commonName": common_name, "validity": 30
        });
        let reply = app
            .post("/v1/certificate/synchronous/selfsign", &selfsign)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    }
}

// ---- The real binary --------------------------------------------------------------------

/// Starts the binary expecting it to refuse the configuration; returns its standard error.
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = std::process::Command::new(BINARY);
    command
        .args(["--listen", "127.0.0.1:0", "--in-memory", "--rsa-pool", "0"])
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("binary runs");
    assert!(!output.status.success(), "started with {args:?} {env:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn empty_or_short_secrets_stop_the_start_with_a_clear_message() {
    let stderr = refused_start(&["--jwt-hs256-secret", ""], &[]);
    assert!(stderr.contains("--jwt-hs256-secret"), "{stderr}");
    let stderr = refused_start(&["--jwt-hs256-secret", "only-twenty-bytes-ok"], &[]);
    assert!(stderr.contains("at least 32"), "{stderr}");
    let stderr = refused_start(&["--bearer-token", ""], &[]);
    assert!(stderr.contains("--bearer-token"), "{stderr}");
    let stderr = refused_start(&["--bearer-token", "good,"], &[]);
    assert!(stderr.contains("empty"), "{stderr}");
    let stderr = refused_start(&["--control-token", " "], &[]);
    assert!(stderr.contains("--control-token"), "{stderr}");
    let stderr = refused_start(&[], &[("TSB_EMULATOR_BEARER_TOKENS", "a,,b")]);
    assert!(stderr.contains("empty"), "{stderr}");
}

#[test]
fn with_tsb_auth_and_no_control_token_the_log_says_the_control_api_is_open() {
    let server = Server::start(&["--in-memory", "--api-key", "SERVICE=service-key"]);
    // One answer first: SIGTERM right after the "listening" line can precede the handler.
    assert_eq!(server.request("GET", "/health", None).0, 200);
    let log = server.stop_and_collect_log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("control API") && line.contains("open"))
        .collect();
    assert_eq!(lines.len(), 1, "{log}");
    let server = Server::start(&[
        "--in-memory",
        "--api-key",
        "SERVICE=service-key",
        "--control-token",
        "control-token-value",
    ]);
    assert_eq!(server.request("GET", "/health", None).0, 200);
    let log = server.stop_and_collect_log();
    assert!(!log.contains("is open"), "{log}");
    assert!(!log.contains("control-token-value"), "{log}");
}

/// Sends raw bytes, returns the whole answer as text.
fn raw(address: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(request).expect("written");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn on_the_socket_a_rebinding_host_and_a_cross_site_reset_are_refused() {
    let server = Server::start(&["--in-memory"]);
    let (status, _) = server.request("POST", "/v1/key", Some(&ec_key("kept")));
    assert_eq!(status, 201);
    let answer = raw(
        server.address,
        b"GET /_emulator/keys HTTP/1.1\r\nHost: rebind.evil.example:8080\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains(FORBIDDEN_REASON), "{answer}");
    let form = format!(
        "POST /_emulator/reset HTTP/1.1\r\nHost: {}\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=b",
        server.address
    );
    let answer = raw(server.address, form.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let (status, _) = server.request("GET", "/v1/key/kept/attributes", None);
    assert_eq!(status, 200);
}

#[test]
fn sigterm_cuts_a_long_delay_fault_short_and_exits_promptly() {
    let server = Server::start(&["--in-memory"]);
    let (status, _) = server.request(
        "POST",
        "/_emulator/faults",
        Some(&json!({"path": "/v1/versionInfo", "delayMs": 60_000})),
    );
    assert_eq!(status, 201);
    let address = server.address;
    let delayed =
        std::thread::spawn(move || crate::server::http(address, "GET", "/v1/versionInfo", None));
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    server.sigterm();
    let (status, _) = delayed.join().expect("request thread");
    assert_eq!(status, 200, "the delayed request is answered, not dropped");
    assert!(server.wait(), "clean exit");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn in_memory_keys_leave_no_file_behind_after_kill_9() {
    let temp = tempfile::tempdir().expect("temp dir");
    let temp_path = temp.path().to_str().unwrap().to_owned();
    let mut server = Server::start_with_env(&["--in-memory"], &[("TMPDIR", &temp_path)]);
    let (status, created) = server.request("POST", "/v1/key", Some(&ec_key("volatile")));
    assert_eq!(status, 201, "{created}");
    let pid = server.child.id();
    // No open file of the process is a store file: not under /dev/shm, not in the temp dir.
    // (Checked while it runs: sled's temporary mode, the old in-memory store, showed here as
    // /dev/shm/pagecache.tmp.*; a file it never opened cannot be left behind.)
    let mut open_files = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("proc fd")
        .flatten()
    {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            open_files.push(target.display().to_string());
        }
    }
    for file in &open_files {
        assert!(
            !file.starts_with("/dev/shm")
                && !file.starts_with(&temp_path)
                && !file.contains("sled")
                && !file.contains("pagecache"),
            "open store file {file}: {open_files:?}"
        );
    }
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    let _ = server.child.wait();
    let left: Vec<_> = std::fs::read_dir(temp.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "files left in the temp dir: {left:?}");
    // /dev/shm is shared with every other process on the machine, so it is judged through
    // the process's own open files above: sled's temporary store kept its file open there.
}

#[test]
fn hypers_own_refusals_of_broken_heads_are_4xx_and_the_server_keeps_serving() {
    let server = Server::start(&["--in-memory"]);
    let answer = raw(server.address, b"GARBAGE\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let long_uri = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a".repeat(70_000)
    );
    let answer = raw(server.address, long_uri.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 414") || answer.starts_with("HTTP/1.1 431"),
        "{answer:.40}"
    );
    let many_headers = format!(
        "GET /health HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
        (0..200)
            .map(|i| format!("x-h{i}: v\r\n"))
            .collect::<String>()
    );
    let answer = raw(server.address, many_headers.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:.40}");
    let (status, _) = server.request("GET", "/health", None);
    assert_eq!(status, 200);
}

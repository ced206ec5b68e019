//! Access control through the router: the API-key matrix (every route x no key, wrong key,
//! another group's key, the right key), key rollover as the official clients do it, bearer
//! tokens and JWTs minted by openssl, and the body-read and request timeouts.

use crate::helpers::{TestApp, fixtures, spawn_app_configured};
use crate::openssl;
use axum::body::Body;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tsb_emulator::access::{AccessPolicy, ApiKeyGroup};
use tsb_emulator::crypto::jwt::JwtKey;

use ApiKeyGroup::*;

/// Every TSB route the router serves, with the groups whose key opens it (reference 3.2,
/// tolerances of 3.3). `the_route_table_covers_every_route_of_the_api_document` checks it
/// against the OpenAPI document, so a new route cannot be forgotten here.
pub const ROUTES: &[(&str, &str, &[ApiKeyGroup])] = &[
    ("POST", "/v1/key", &[KeyManagement]),
    ("GET", "/v1/key", &[KeyManagement]),
    ("POST", "/v1/key/attributes", &[KeyManagement]),
    ("POST", "/v1/key/deleteKey", &[KeyManagement]),
    ("GET", "/v1/key/some-key", &[KeyManagement]),
    ("DELETE", "/v1/key/some-key", &[KeyManagement]),
    ("GET", "/v1/key/some-key/attributes", &[KeyManagement]),
    ("POST", "/v1/key/import/plain", &[KeyManagement]),
    ("POST", "/v1/key/export/plain", &[KeyManagement]),
    ("POST", "/v1/key/changePassword", &[KeyManagement]),
    ("POST", "/v1/key/keyAttestation", &[KeyManagement]),
    ("POST", "/v1/key/address", &[KeyManagement]),
    ("GET", "/v1/key/some-key/address", &[KeyManagement]),
    ("POST", "/v1/importedKey", &[KeyManagement]),
    ("POST", "/v1/derivedKey", &[KeyManagement]),
    ("GET", "/v1/attestation/certificateChain", &[KeyManagement]),
    (
        "POST",
        "/v1/certificate/synchronous/request",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/synchronous/request/download",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/synchronous/selfsign",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/synchronous/sign",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/import/plain",
        &[KeyOperation, KeyManagement],
    ),
    (
        "GET",
        "/v1/certificate/some-key",
        &[KeyOperation, KeyManagement],
    ),
    (
        "DELETE",
        "/v1/certificate/some-key",
        &[KeyOperation, KeyManagement],
    ),
    ("POST", "/v1/synchronousSign", &[KeyOperation]),
    ("POST", "/v1/verify", &[KeyOperation]),
    ("POST", "/v1/synchronousHmac", &[KeyOperation]),
    ("POST", "/v1/encrypt", &[KeyOperation]),
    ("POST", "/v1/synchronousDecrypt", &[KeyOperation]),
    ("GET", "/v1/generateRandom/16", &[KeyOperation, Service]),
    ("POST", "/v1/wrap", &[KeyOperation]),
    ("POST", "/v1/synchronousUnwrap", &[KeyOperation]),
    ("POST", "/v1/unwrap", &[KeyOperation]),
    ("GET", "/v1/versionInfo", &[Service]),
    ("GET", "/v1/licenseInfo", &[Service]),
    ("GET", "/v1/keystore/statistics", &[Service]),
    ("POST", "/v1/sign", &[KeyOperation]),
    ("POST", "/v1/decrypt", &[KeyOperation]),
    ("POST", "/v1/synchronousBlock", &[KeyOperation]),
    ("POST", "/v1/block", &[KeyOperation]),
    ("POST", "/v1/synchronousUnblock", &[KeyOperation]),
    ("POST", "/v1/unblock", &[KeyOperation]),
    (
        "POST",
        "/v1/synchronousModify",
        &[KeyOperation, KeyManagement],
    ),
    ("POST", "/v1/modify", &[KeyOperation, KeyManagement]),
    ("GET", "/v1/request/some-key", &[KeyOperation]),
    ("DELETE", "/v1/request/some-key", &[KeyOperation]),
    ("POST", "/v1/filteredRequests", &[KeyOperation]),
    (
        "POST",
        "/v1/certificate/request",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/selfsign",
        &[KeyOperation, KeyManagement],
    ),
    (
        "POST",
        "/v1/certificate/sign",
        &[KeyOperation, KeyManagement],
    ),
    ("POST", "/v1/filteredSignApprovalTask", &[Approver]),
    ("POST", "/v1/filteredDecryptApprovalTask", &[Approver]),
    ("POST", "/v1/filteredUnwrapKeyApprovalTask", &[Approver]),
    ("POST", "/v1/filteredBlockKeyApprovalTask", &[Approver]),
    ("POST", "/v1/filteredUnblockKeyApprovalTask", &[Approver]),
    ("POST", "/v1/filteredModifyKeyApprovalTask", &[Approver]),
    ("POST", "/v1/filteredAllApprovalTask", &[Approver]),
    ("POST", "/v1/approval", &[Approver]),
    ("DELETE", "/v1/task", &[Approver]),
    ("PATCH", "/v1/task", &[Approver]),
    (
        "POST",
        "/v1/approverManagement/create",
        &[ApproverKeyManagement],
    ),
    (
        "PUT",
        "/v1/approverManagement/create",
        &[ApproverKeyManagement],
    ),
    ("POST", "/v1/approver/onboard", &[Approver]),
    (
        "POST",
        "/v1/approverManagement/renewOneTimeCode",
        &[ApproverKeyManagement],
    ),
    (
        "POST",
        "/v1/approverManagement/restoreFromBackup",
        &[ApproverKeyManagement],
    ),
    (
        "POST",
        "/v1/approverManagement/restoreFromBackup/forgotPassword",
        &[ApproverKeyManagement],
    ),
    (
        "GET",
        "/v1/approverManagement/onboarding/status",
        &[ApproverKeyManagement],
    ),
    (
        "DELETE",
        "/v1/approverManagement/delete/some-key",
        &[ApproverKeyManagement],
    ),
];

/// The fixture key of each group (and a second, "rolled over" key management key).
pub fn fixture_api_key(group: ApiKeyGroup) -> &'static str {
    match group {
        KeyManagement => "km-6f1d0c2a-fixture",
        KeyOperation => "ko-3b9e77d4-fixture",
        Service => "sv-a0c4e1f9-fixture",
        Approver => "ap-58d2b6c3-fixture",
        ApproverKeyManagement => "akm-9e7f2d10-fixture",
    }
}

fn policy_with_every_group() -> AccessPolicy {
    let mut policy = AccessPolicy::default();
    for group in ApiKeyGroup::ALL {
        policy.add_api_key(group, fixture_api_key(group));
    }
    policy.add_api_key(KeyManagement, "km-second-key");
    policy
}

async fn app_with(policy: AccessPolicy) -> TestApp {
    spawn_app_configured(|state| state.access = Arc::new(policy)).await
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> crate::helpers::Reply {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let body = if method == "POST" { "{}" } else { "" };
    app.send_with_headers(method, path, &all, body).await
}

#[tokio::test]
async fn every_route_refuses_a_missing_a_wrong_and_another_groups_key_and_accepts_its_own() {
    let app = app_with(policy_with_every_group()).await;
    for &(method, path, groups) in ROUTES {
        let context = format!("{method} {path}");
        let reply = call(&app, method, path, &[]).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");

        let reply = call(&app, method, path, &[("x-api-key", "not-a-configured-key")]).await;
        let message =
            reply.assert_error(StatusCode::UNAUTHORIZED, 631, "res.error.invalid.api.key");
        assert!(
            !message.contains("not-a-configured-key"),
            "{context}: {message}"
        );

        for other in ApiKeyGroup::ALL.iter().filter(|g| !groups.contains(g)) {
            let reply = call(
                &app,
                method,
                path,
                &[("x-api-key", fixture_api_key(*other))],
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{context} with {other:?}"
            );
            assert_eq!(reply.body["errorCode"], 631, "{context} with {other:?}");
        }
        for group in groups {
            let reply = call(
                &app,
                method,
                path,
                &[("x-api-key", fixture_api_key(*group))],
            )
            .await;
            assert_ne!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{context} with {group:?}: {}",
                reply.body
            );
        }
    }
}

#[tokio::test]
async fn the_right_key_gets_the_real_answer() {
    let app = app_with(policy_with_every_group()).await;
    let reply = call(
        &app,
        "GET",
        "/v1/versionInfo",
        &[("x-api-key", fixture_api_key(Service))],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(&app, "GET", "/v1/key", &[("x-api-key", "km-second-key")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!([]));
}

#[tokio::test]
async fn health_the_emulator_api_and_the_api_documents_need_no_key() {
    let app = app_with(policy_with_every_group()).await;
    for path in [
        "/health",
        "/metrics",
        "/_emulator/attestation-key",
        "/_emulator/journal",
        "/v3/api-docs",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn without_keys_everything_is_open_like_a_fresh_tsb() {
    let app = app_with(AccessPolicy::default()).await;
    let reply = app.get("/v1/versionInfo").await;
    assert_eq!(reply.status, StatusCode::OK);
    // A key sent to an open emulator is ignored, as a TSB without apiAuthentication does.
    let reply = call(&app, "GET", "/v1/key", &[("x-api-key", "anything")]).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_group_without_keys_leaves_its_paths_open() {
    let mut policy = AccessPolicy::default();
    policy.add_api_key(Service, fixture_api_key(Service));
    let app = app_with(policy).await;
    assert_eq!(app.get("/v1/key").await.status, StatusCode::OK);
    let reply = app.get("/v1/versionInfo").await;
    reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");
    // generateRandom accepts KO or SV; SV has keys, so it is protected.
    let reply = app.get("/v1/generateRandom/8").await;
    reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");
}

/// What the Go, Keycloak and Fireblocks clients do: on 401 with `errorCode` 631, retry with
/// the next configured key of the group; any other answer is final.
async fn rolling_client_call(
    app: &TestApp,
    keys: &[&str],
    path: &str,
) -> (usize, crate::helpers::Reply) {
    let mut attempts = 0;
    for key in keys {
        attempts += 1;
        let reply = call(app, "GET", path, &[("x-api-key", key)]).await;
        let rolls_over = reply.status == StatusCode::UNAUTHORIZED
            && reply.body["errorCode"].as_u64() == Some(631);
        if !rolls_over {
            return (attempts, reply);
        }
    }
    panic!("every key refused");
}

#[tokio::test]
async fn a_client_rolls_over_from_a_revoked_key_to_the_valid_one() {
    // The server only knows the new key; the client still lists the revoked one first.
    let mut policy = AccessPolicy::default();
    policy.add_api_key(KeyManagement, "km-new");
    let app = app_with(policy).await;
    let (attempts, reply) = rolling_client_call(&app, &["km-revoked", "km-new"], "/v1/key").await;
    assert_eq!(attempts, 2);
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The journal shows the rollover: the refused key's 401/631, then the success.
    let journal = app.get("/_emulator/journal").await.body;
    let entries: Vec<_> = journal["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (entry["status"].clone(), entry["errorCode"].clone()))
        .collect();
    assert_eq!(
        entries,
        [(json!(401), json!(631)), (json!(200), json!(null))],
        "{journal}"
    );
    assert!(
        !journal.to_string().contains("km-"),
        "keys stay out of the journal"
    );
}

#[tokio::test]
async fn a_fixed_bearer_token_is_required_when_configured() {
    let mut policy = AccessPolicy::default();
    policy.add_bearer_token("token-one");
    policy.add_bearer_token("token-two");
    let app = app_with(policy).await;

    let reply = app.get("/v1/versionInfo").await;
    reply.assert_error(
        StatusCode::UNAUTHORIZED,
        406,
        "res.error.missing.access.token",
    );
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    let reply = call(
        &app,
        "GET",
        "/v1/versionInfo",
        &[("authorization", "Basic dXNlcjpwdw==")],
    )
    .await;
    reply.assert_error(
        StatusCode::UNAUTHORIZED,
        406,
        "res.error.missing.access.token",
    );

    let reply = call(
        &app,
        "GET",
        "/v1/versionInfo",
        &[("authorization", "Bearer token-three")],
    )
    .await;
    let message = reply.assert_error(
        StatusCode::UNAUTHORIZED,
        617,
        "res.error.invalid.access.token",
    );
    assert!(!message.contains("token-three"), "{message}");

    for token in ["Bearer token-one", "bearer token-two"] {
        let reply = call(&app, "GET", "/v1/versionInfo", &[("authorization", token)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{token}: {}", reply.body);
    }
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_bearer_on_every_route_needs_the_token_and_with_it_off_none_does() {
    let mut policy = AccessPolicy::default();
    policy.add_bearer_token("matrix-token");
    let on = app_with(policy).await;
    let off = app_with(AccessPolicy::default()).await;
    for &(method, path, _) in ROUTES {
        let reply = call(&on, method, path, &[]).await;
        reply.assert_error(
            StatusCode::UNAUTHORIZED,
            406,
            "res.error.missing.access.token",
        );
        let reply = call(&on, method, path, &[("authorization", "Bearer other")]).await;
        reply.assert_error(
            StatusCode::UNAUTHORIZED,
            617,
            "res.error.invalid.access.token",
        );
        let reply = call(
            &on,
            method,
            path,
            &[("authorization", "Bearer matrix-token")],
        )
        .await;
        assert_ne!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            reply.body
        );
        let reply = call(&off, method, path, &[]).await;
        assert_ne!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn bearer_tokens_and_api_keys_combine() {
    let mut policy = policy_with_every_group();
    policy.add_bearer_token("the-token");
    let app = app_with(policy).await;
    let key = fixture_api_key(Service);
    let reply = call(&app, "GET", "/v1/versionInfo", &[("x-api-key", key)]).await;
    reply.assert_error(
        StatusCode::UNAUTHORIZED,
        406,
        "res.error.missing.access.token",
    );
    let reply = call(
        &app,
        "GET",
        "/v1/versionInfo",
        &[("authorization", "Bearer the-token")],
    )
    .await;
    reply.assert_error(StatusCode::UNAUTHORIZED, 416, "res.error.missing.api.key");
    let both = [("authorization", "Bearer the-token"), ("x-api-key", key)];
    assert_eq!(
        call(&app, "GET", "/v1/versionInfo", &both).await.status,
        StatusCode::OK
    );
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.claims` of a JWT with `alg` and claims.
fn signing_input(alg: &str, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// An HS256 token whose MAC openssl computes.
fn openssl_hs256(secret: &str, claims: &Value) -> String {
    let input = signing_input("HS256", claims);
    let mac = openssl::run(
        &[
            "dgst",
            "-sha256",
            "-mac",
            "HMAC",
            "-macopt",
            &format!("key:{secret}"),
            "-binary",
        ],
        input.as_bytes(),
    );
    format!("{input}.{}", b64(&mac))
}

/// A token signed by openssl with the private key file `key` (`alg` RS256 or ES256).
fn openssl_signed(alg: &str, key: &std::path::Path, claims: &Value) -> String {
    let input = signing_input(alg, claims);
    let key = key.to_str().unwrap();
    let signature = openssl::run(
        &["dgst", "-sha256", "-sign", key, "-binary"],
        input.as_bytes(),
    );
    let signature = if alg == "ES256" {
        der_to_jose(&signature)
    } else {
        signature
    };
    format!("{input}.{}", b64(&signature))
}

/// An ECDSA DER signature `SEQUENCE { r INTEGER, s INTEGER }` as JOSE's 64-byte `r || s`.
fn der_to_jose(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30);
    let mut at = 2;
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[at], 0x02);
        let len = der[at + 1] as usize;
        let value = &der[at + 2..at + 2 + len];
        let value = &value[value.len().saturating_sub(32)..];
        out.extend(std::iter::repeat_n(0u8, 32 - value.len()));
        out.extend_from_slice(value);
        at += 2 + len;
    }
    out
}

fn public_key_pem(private_key: &std::path::Path) -> Vec<u8> {
    openssl::run(
        &["pkey", "-in", private_key.to_str().unwrap(), "-pubout"],
        b"",
    )
}

async fn jwt_app(key: JwtKey) -> TestApp {
    let mut policy = AccessPolicy::default();
    policy.set_jwt_key(key);
    app_with(policy).await
}

async fn bearer_status(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let authorization = format!("Bearer {token}");
    let reply = call(
        app,
        "GET",
        "/v1/versionInfo",
        &[("authorization", &authorization)],
    )
    .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn hs256_jwts_minted_by_openssl_are_checked_for_signature_and_expiry() {
    let app = jwt_app(JwtKey::hs256(b"jwt-shared-secret")).await;
    let valid = openssl_hs256(
        "jwt-shared-secret",
        &json!({"sub": "ci", "exp": now() + 600}),
    );
    assert_eq!(bearer_status(&app, &valid).await.0, StatusCode::OK);
    let no_expiry = openssl_hs256("jwt-shared-secret", &json!({"sub": "ci"}));
    assert_eq!(bearer_status(&app, &no_expiry).await.0, StatusCode::OK);

    let expired = openssl_hs256("jwt-shared-secret", &json!({"exp": now() - 600}));
    let (status, body) = bearer_status(&app, &expired).await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!(617))
    );
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );

    let future = openssl_hs256("jwt-shared-secret", &json!({"nbf": now() + 600}));
    assert_eq!(bearer_status(&app, &future).await.1["errorCode"], 617);
    let other_secret = openssl_hs256("another-secret", &json!({"exp": now() + 600}));
    assert_eq!(bearer_status(&app, &other_secret).await.1["errorCode"], 617);
    assert_eq!(bearer_status(&app, "not.a.jwt").await.1["errorCode"], 617);
}

#[tokio::test]
async fn rs256_jwts_signed_by_openssl_verify_against_the_configured_public_key() {
    let private = fixtures().join("keys").join("rsa-2048-1.pem");
    let app = jwt_app(JwtKey::from_public_key(&public_key_pem(&private)).unwrap()).await;
    let valid = openssl_signed("RS256", &private, &json!({"exp": now() + 600}));
    assert_eq!(bearer_status(&app, &valid).await.0, StatusCode::OK);

    let other = fixtures().join("keys").join("rsa-2048-2.pem");
    let forged = openssl_signed("RS256", &other, &json!({"exp": now() + 600}));
    assert_eq!(bearer_status(&app, &forged).await.1["errorCode"], 617);
    // The HS256-with-the-public-key confusion: the algorithm is fixed by the key.
    let public = String::from_utf8(public_key_pem(&private)).unwrap();
    let confused = openssl_hs256(&public, &json!({"exp": now() + 600}));
    assert_eq!(bearer_status(&app, &confused).await.1["errorCode"], 617);
}

#[tokio::test]
async fn es256_jwts_signed_by_openssl_verify_in_the_jose_signature_format() {
    let private = fixtures().join("keys").join("ec-p256-jwt.pem");
    let app = jwt_app(JwtKey::from_public_key(&public_key_pem(&private)).unwrap()).await;
    let valid = openssl_signed("ES256", &private, &json!({"exp": now() + 600}));
    assert_eq!(bearer_status(&app, &valid).await.0, StatusCode::OK);
    let expired = openssl_signed("ES256", &private, &json!({"exp": now() - 600}));
    assert_eq!(bearer_status(&app, &expired).await.1["errorCode"], 617);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408_in_the_tsb_shape() {
    let app =
        spawn_app_configured(|state| state.body_read_timeout = Duration::from_millis(200)).await;
    let never_ends =
        Body::from_stream(futures::stream::pending::<Result<Vec<u8>, std::io::Error>>());
    let reply = app
        .send_with_headers(
            "POST",
            "/v1/key",
            &[("content-type", "application/json")],
            never_ends,
        )
        .await;
    reply.assert_error(
        StatusCode::REQUEST_TIMEOUT,
        600,
        "res.error.input.validation.failed",
    );
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn a_request_not_answered_in_time_is_503_in_the_tsb_shape() {
    // RSA-4096 generation (no fixture supply, no pool) takes far longer than 20 ms.
    let store = tsb_emulator::keystore::KeyStore::in_memory().unwrap();
    let options = tsb_emulator::hsm::HsmOptions {
        initial_attestation_key: Some(crate::helpers::fixture_key("attestation-rsa-2048")),
        rsa_pool_depth: 0,
        ..Default::default()
    };
    let hsm = tsb_emulator::hsm::Hsm::open(store, options).await.unwrap();
    let state = tsb_emulator::AppState {
        request_timeout: Duration::from_millis(20),
        ..tsb_emulator::AppState::new(hsm)
    };
    let app = TestApp {
        router: tsb_emulator::app(state),
    };
    let reply = app
        .post("/v1/key", &crate::helpers::seed_key_request("slow", 4096))
        .await;
    reply.assert_error(StatusCode::SERVICE_UNAVAILABLE, 1, "res.error.technical");
}

#[tokio::test]
async fn a_jwt_expires_and_becomes_valid_on_the_emulators_clock() {
    let app = jwt_app(JwtKey::hs256(b"jwt-shared-secret")).await;
    let short = openssl_hs256("jwt-shared-secret", &json!({"exp": now() + 120}));
    let later = openssl_hs256("jwt-shared-secret", &json!({"nbf": now() + 3600}));
    assert_eq!(bearer_status(&app, &short).await.0, StatusCode::OK);
    assert_eq!(bearer_status(&app, &later).await.1["errorCode"], 617);

    let moved = app
        .post("/_emulator/clock", &json!({"advanceSeconds": 7200}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let (status, body) = bearer_status(&app, &short).await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!(617))
    );
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    assert_eq!(bearer_status(&app, &later).await.0, StatusCode::OK);
}

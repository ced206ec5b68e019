//! The SKA workflow scripted from a test through the control API: approvers the emulator holds
//! keys for, approving and rejecting their tasks, expiring requests, automatic decisions on the
//! emulator's clock, and `--deterministic` ids and approval blobs. Signatures checked with openssl.

use crate::helpers::*;
use crate::openssl;
use crate::ska::{Approver, assert_signature_verifies, ec_key, group, request, use_policy};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tsb_emulator::hsm::HsmOptions;
use tsb_emulator::keystore::KeyStore;

/// Adds a generated approver through the control API; answers its listing.
async fn add_approver(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/_emulator/approvers", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body.get("privateKey").is_none(), "{}", reply.body);
    reply.body
}

/// A `ruleUse` policy with one group of the named approvers (by their listed public keys).
fn policy_of(approvers: &[&Value], quorum: u32, timeout: u32) -> Value {
    let approvals: Vec<Value> = approvers
        .iter()
        .map(|a| json!({"type": "public_key", "name": a["name"], "value": a["publicKey"]}))
        .collect();
    json!({"ruleUse": {"tokens": [{"name": "t", "timelock": 0, "timeout": timeout, "groups": [
            {"name": "g", "quorum": quorum, "approvals": approvals}]}]},
        "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
        "keyStatus": {"blocked": false}})
}

async fn submit_sign(app: &TestApp, label: &str, payload: &[u8]) -> String {
    let reply = app
        .post(
            "/v1/sign",
            &sign_request(label, "SHA256_WITH_ECDSA", payload, "DER"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["signRequestId"].as_str().unwrap().to_owned()
}

/// The control API's view of the open request `id`, if it is open.
async fn open_request(app: &TestApp, id: &str) -> Option<Value> {
    let reply = app.get("/_emulator/requests").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
}

async fn advance(app: &TestApp, seconds: i64) {
    let reply = app
        .post("/_emulator/clock", &json!({"advanceSeconds": seconds}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_scripted_approval_is_a_real_approval_and_the_signature_verifies() {
    let app = spawn_app().await;
    let alice = add_approver(&app, json!({"name": "alice", "algorithm": "EC"})).await;
    let bob = add_approver(&app, json!({"name": "bob", "algorithm": "ED"})).await;
    assert_eq!(alice["keyType"], "EC secp256r1", "{alice}");
    assert_eq!(alice["origin"], "emulator", "{alice}");
    assert_eq!(bob["keyType"], "ED25519", "{bob}");
    // The listed public key is the approver's SPKI, as openssl reads it.
    let pem = alice["publicKeyPem"].as_str().unwrap();
    let der = openssl::run(&["pkey", "-pubin", "-outform", "DER"], pem.as_bytes());
    assert_eq!(STANDARD.encode(der), alice["publicKey"]);

    app.create_key(&ec_key("pay", policy_of(&[&alice, &bob], 2, 0)))
        .await;
    let id = submit_sign(&app, "pay", b"scripted").await;
    let open = open_request(&app, &id).await.expect("the request is open");
    assert_eq!(open["status"], "PENDING");
    assert_eq!(open["keyName"], "pay");
    let mut by_name: Vec<(String, String)> = open["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["approver"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    by_name.sort();
    assert_eq!(
        by_name.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["alice", "bob"]
    );

    // Alice approves her task (the emulator names the approver from the task).
    let after = app
        .post(
            &format!("/_emulator/tasks/{}/approve", by_name[0].1),
            &json!({}),
        )
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(after.body["status"], "PENDING", "quorum 2: {}", after.body);
    let seen = request(&app, &id).await;
    assert_eq!(seen["approvedBy"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["notYetApprovedBy"].as_array().unwrap().len(), 1);

    // Bob's task approved as bob: the quorum is met and the signature is made.
    let after = app
        .post(
            &format!("/_emulator/tasks/{}/approve", by_name[1].1),
            &json!({"approver": "bob"}),
        )
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "pay", &done, b"scripted").await;
    assert!(open_request(&app, &id).await.is_none());
}

#[tokio::test]
async fn rejected_expired_and_cancelled_branches_run_from_the_control_api() {
    let app = spawn_app().await;
    let alice = add_approver(&app, json!({"name": "alice", "algorithm": "RSA"})).await;
    app.create_key(&ec_key("k", policy_of(&[&alice], 1, 0)))
        .await;

    let rejected = submit_sign(&app, "k", b"no").await;
    let expired = submit_sign(&app, "k", b"late").await;
    let cancelled = submit_sign(&app, "k", b"never").await;

    let task = open_request(&app, &rejected).await.unwrap()["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post(&format!("/_emulator/tasks/{task}/reject"), &json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let seen = request(&app, &rejected).await;
    assert_eq!(seen["status"], "REJECTED", "{seen}");
    assert_eq!(seen["rejectedBy"].as_array().unwrap().len(), 1);

    let reply = app
        .post(&format!("/_emulator/requests/{expired}/expire"), &json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(request(&app, &expired).await["status"], "EXPIRED");

    assert_eq!(
        app.delete(&format!("/v1/request/{cancelled}")).await.status,
        StatusCode::OK
    );
    assert_eq!(request(&app, &cancelled).await["status"], "CANCELLED");

    // None is open any more, and the approver has no task left.
    let open = app.get("/_emulator/requests").await;
    assert_eq!(open.body["requests"], json!([]), "{}", open.body);

    // A finished request cannot be approved or expired into something else.
    app.post(&format!("/_emulator/tasks/{task}/approve"), &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, 652, "res.error.task.not.existent");
    let reply = app
        .post(
            &format!("/_emulator/requests/{rejected}/expire"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.body["status"], "REJECTED", "{}", reply.body);
}

#[tokio::test]
async fn auto_decisions_approve_at_submit_reject_after_the_clock_moves_and_can_be_cleared() {
    let app = spawn_app().await;
    let yes = add_approver(
        &app,
        json!({"name": "yes", "algorithm": "EC", "curveOid": "1.3.132.0.34",
            "decision": {"decision": "approve"}}),
    )
    .await;
    assert_eq!(
        yes["decision"],
        json!({"decision": "approve", "afterMs": 0})
    );
    app.create_key(&ec_key("auto", policy_of(&[&yes], 1, 0)))
        .await;
    // Approved during the submit: the client's first poll sees the signature.
    let id = submit_sign(&app, "auto", b"at once").await;
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "auto", &done, b"at once").await;

    let no = add_approver(&app, json!({"name": "no", "algorithm": "ED"})).await;
    let reply = app
        .send(
            "PUT",
            "/_emulator/approvers/no/decision",
            Some("application/json"),
            json!({"decision": "reject", "afterMs": 5000}).to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.create_key(&ec_key("slow", policy_of(&[&no], 1, 0)))
        .await;
    let id = submit_sign(&app, "slow", b"wait").await;
    assert_eq!(request(&app, &id).await["status"], "PENDING");
    advance(&app, 4).await;
    assert_eq!(request(&app, &id).await["status"], "PENDING");
    advance(&app, 1).await;
    assert_eq!(request(&app, &id).await["status"], "REJECTED");

    // Cleared, the approver decides nothing any more.
    let reply = app.delete("/_emulator/approvers/no/decision").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["decision"], Value::Null);
    let id = submit_sign(&app, "slow", b"wait again").await;
    advance(&app, 60).await;
    assert_eq!(request(&app, &id).await["status"], "PENDING");
}

#[tokio::test]
async fn an_approver_outside_the_emulator_and_a_scripted_one_share_a_quorum() {
    let app = spawn_app().await;
    let outside = Approver::new(false);
    let inside = add_approver(
        &app,
        json!({"name": "inside", "algorithm": "RSA", "keySize": 2048,
        "decision": {"decision": "approve", "afterMs": 0}}),
    )
    .await;
    let mut policy = use_policy(vec![group("g", &[&outside], 2)], 0, 0);
    policy["ruleUse"]["tokens"][0]["groups"][0]["approvals"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "public_key", "name": "inside", "value": inside["publicKey"]}));
    app.create_key(&ec_key("mixed", policy)).await;
    let id = submit_sign(&app, "mixed", b"both").await;
    let seen = request(&app, &id).await;
    assert_eq!(seen["status"], "PENDING", "{seen}");
    assert_eq!(seen["approvedBy"].as_array().unwrap().len(), 1, "{seen}");
    // The task of the outside approver cannot be approved by the emulator: it has no key.
    let tasks = outside.tasks(&app, json!({})).await;
    assert_eq!(tasks.len(), 1);
    app.post(
        &format!(
            "/_emulator/tasks/{}/approve",
            tasks[0]["id"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    let reply = outside.approve(&app, &tasks[0]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "mixed", &done, b"both").await;
}

#[tokio::test]
async fn control_api_mistakes_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    add_approver(&app, json!({"name": "alice", "algorithm": "EC"})).await;
    let duplicate = app
        .post(
            "/_emulator/approvers",
            &json!({"name": "alice", "algorithm": "ED"}),
        )
        .await;
    assert_eq!(
        duplicate.status,
        StatusCode::BAD_REQUEST,
        "{}",
        duplicate.body
    );
    for body in [
        json!({"name": "x", "algorithm": "DSA"}),
        json!({"name": "x", "algorithm": "RSA", "keySize": 123}),
        json!({"name": "x", "algorithm": "EC", "curveOid": "1.2.3"}),
        json!({"name": "x", "algorithm": "ED", "keySize": 2048}),
        json!({"name": "a/b", "algorithm": "ED"}),
        json!({"name": "", "algorithm": "ED"}),
        json!({"name": "x", "algorithm": "ED", "decision": {"decision": "maybe"}}),
    ] {
        let reply = app.post("/_emulator/approvers", &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert!(reply.body["errorCode"].is_number(), "{}", reply.body);
    }
    let listed = app.get("/_emulator/approvers").await;
    assert_eq!(listed.body["approvers"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["approvers"][0]["name"], "alice");

    let reply = app
        .send(
            "PUT",
            "/_emulator/approvers/nobody/decision",
            Some("application/json"),
            json!({"decision": "approve"}).to_string(),
        )
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        413,
        "res.error.approver.not.existent",
    );
    app.post("/_emulator/tasks/no-such-task/approve", &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, 652, "res.error.task.not.existent");
    app.post("/_emulator/requests/no-such-request/expire", &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, 651, "res.error.request.not.existent");
}

#[tokio::test]
async fn runtime_approvers_survive_a_restart_and_a_reset_removes_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let id = {
        let store = KeyStore::open(dir.path()).unwrap();
        let app = spawn_app_with(store, HsmOptions::default()).await;
        let alice = add_approver(&app, json!({"name": "alice", "algorithm": "ED"})).await;
        app.create_key(&ec_key("k", policy_of(&[&alice], 1, 0)))
            .await;
        submit_sign(&app, "k", b"after restart").await
    };
    let store = KeyStore::open(dir.path()).unwrap();
    let app = spawn_app_with(store, HsmOptions::default()).await;
    let task = open_request(&app, &id).await.expect("still open")["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post(
            &format!("/_emulator/tasks/{task}/approve"),
            &json!({"approver": "alice"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "k", &done, b"after restart").await;

    assert_eq!(
        app.post("/_emulator/reset", &json!({})).await.status,
        StatusCode::OK
    );
    let listed = app.get("/_emulator/approvers").await;
    assert_eq!(listed.body["approvers"], json!([]), "{}", listed.body);
}

/// One scripted SKA session: an approver, a policy key, a request, its task and approval.
async fn scripted_session(seed: &str) -> (String, Value, Value) {
    let options = HsmOptions {
        deterministic_seed: Some(seed.to_owned()),
        ..HsmOptions::default()
    };
    let app = spawn_app_with(KeyStore::in_memory().expect("store"), options).await;
    let alice = add_approver(&app, json!({"name": "alice", "algorithm": "EC"})).await;
    app.create_key(&ec_key("det", policy_of(&[&alice], 1, 0)))
        .await;
    let id = submit_sign(&app, "det", b"same").await;
    let open = open_request(&app, &id).await.unwrap();
    let task = open["tasks"][0]["id"].as_str().unwrap().to_owned();
    let reply = app
        .post(&format!("/_emulator/tasks/{task}/approve"), &json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = request(&app, &id).await;
    (id, open, done)
}

#[tokio::test]
async fn deterministic_mode_repeats_request_and_task_ids_and_results() {
    let (id, open, done) = scripted_session("ska-seed").await;
    let (id2, open2, done2) = scripted_session("ska-seed").await;
    assert_eq!(id, id2);
    assert_eq!(open, open2);
    assert_eq!(done, done2);
    assert_eq!(done["status"], "EXECUTED");
    let (other, _, _) = scripted_session("another-seed").await;
    assert_ne!(id, other);
}

/// An app whose device loaded `fixtures/ska` (two approvers, two policy keys).
async fn app_with_ska_fixtures() -> (TestApp, tsb_emulator::hsm::Hsm) {
    let (app, hsm) = spawn_app_with_state(|state| state).await;
    let set = tsb_emulator::fixtures::load(&fixtures().join("ska")).expect("the set loads");
    tsb_emulator::fixtures::apply(&hsm, set)
        .await
        .expect("fixtures load");
    (app, hsm)
}

fn approver_named<'a>(listed: &'a Value, name: &str) -> &'a Value {
    listed["approvers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no approver {name}: {listed}"))
}

#[tokio::test]
async fn fixture_approvers_load_with_their_keys_and_a_reset_puts_them_back() {
    let (app, hsm) = app_with_ska_fixtures().await;
    let listed = app.get("/_emulator/approvers").await.body;
    let committed = std::fs::read_to_string(fixtures().join("approvers/ed25519.spki.b64")).unwrap();
    assert_eq!(
        approver_named(&listed, "officer")["publicKey"],
        committed.trim()
    );
    let robot = approver_named(&listed, "robot").clone();
    assert_eq!(
        robot["decision"],
        json!({"decision": "approve", "afterMs": 0})
    );

    // The officer signs outside the emulator with the committed key (openssl), through
    // the TSB's own endpoints.
    let id = submit_sign(&app, "ska-officer-signer", b"fixture").await;
    let officer =
        Approver::from_pem(&std::fs::read(fixtures().join("approvers/ed25519.pem")).unwrap());
    let tasks = officer.tasks(&app, json!({})).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let reply = officer.approve(&app, &tasks[0]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "ska-officer-signer", &done, b"fixture").await;

    // Changed at run time, then reset: the fixture approvers come back as loaded, the
    // generated key unchanged; an approver added at run time is gone.
    add_approver(&app, json!({"name": "extra", "algorithm": "ED"})).await;
    let cleared = app.delete("/_emulator/approvers/robot/decision").await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(
        app.post("/_emulator/reset", &json!({})).await.status,
        StatusCode::OK
    );
    let listed = app.get("/_emulator/approvers").await.body;
    let names: Vec<&str> = listed["approvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["officer", "robot"]);
    assert_eq!(approver_named(&listed, "robot"), &robot);

    // Loading the set again (a restart) keeps the generated approver's key.
    let set = tsb_emulator::fixtures::load(&fixtures().join("ska")).unwrap();
    tsb_emulator::fixtures::apply(&hsm, set).await.unwrap();
    let listed = app.get("/_emulator/approvers").await.body;
    assert_eq!(
        approver_named(&listed, "robot")["publicKey"],
        robot["publicKey"]
    );
}

#[tokio::test]
async fn a_fixture_key_naming_a_fixture_approver_as_onboarded_is_approved_by_its_decision() {
    let (app, _hsm) = app_with_ska_fixtures().await;
    let id = submit_sign(&app, "ska-robot-signer", b"robot").await;
    let done = request(&app, &id).await;
    assert_signature_verifies(&app, "ska-robot-signer", &done, b"robot").await;
    let approved_by = done["approvedBy"].as_array().unwrap();
    assert_eq!(approved_by.len(), 1, "{done}");
}

#[test]
fn manifest_approvers_with_problems_are_refused_naming_the_approver() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("manifest.yaml");
    for (text, field) in [
        (
            "version: 1\napprovers:\n  - {name: a, algorithm: ED, generate: true}\n  - {name: a, algorithm: EC, generate: true}\n",
            "approvers[a].name",
        ),
        (
            "version: 1\napprovers:\n  - {name: a, algorithm: EC, material: {file: missing.pem}}\n",
            "approvers[a].material.file",
        ),
        (
            "version: 1\napprovers:\n  - {name: a, algorithm: RSA, keySize: 12, generate: true}\n",
            "approvers[a].algorithm",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let error = tsb_emulator::fixtures::load(&file).expect_err(text);
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        let problems = tsb_emulator::fixtures::validate(&file).expect_err(text);
        assert!(problems.to_string().contains(field), "{problems}");
    }
}

#[tokio::test]
async fn the_journal_and_metrics_show_requests_and_approvals_like_other_calls() {
    let app = spawn_app().await;
    let officer = Approver::new(false);
    app.create_key(&ec_key(
        "seen",
        use_policy(vec![group("g", &[&officer], 1)], 0, 0),
    ))
    .await;
    assert_eq!(
        app.delete("/_emulator/journal").await.status,
        StatusCode::NO_CONTENT
    );
    let id = submit_sign(&app, "seen", b"journal").await;
    let tasks = officer.tasks(&app, json!({})).await;
    assert_eq!(
        officer.approve(&app, &tasks[0]).await.status,
        StatusCode::OK
    );
    assert_eq!(request(&app, &id).await["status"], "EXECUTED");
    app.get("/v1/request/no-such-request").await;

    let journal = app.get("/_emulator/journal").await.body;
    let rows: Vec<(String, String, u64, Value)> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["route"].as_str().unwrap_or("").to_owned(),
                e["status"].as_u64().unwrap(),
                e["errorCode"].clone(),
            )
        })
        .collect();
    let expected = [
        ("POST", "/v1/sign", 201, Value::Null),
        ("POST", "/v1/filteredSignApprovalTask", 200, Value::Null),
        ("POST", "/v1/approval", 200, Value::Null),
        ("GET", "/v1/request/{id}", 200, Value::Null),
        ("GET", "/v1/request/{id}", 404, json!(651)),
    ];
    for (method, route, status, code) in expected {
        assert!(
            rows.iter()
                .any(|r| r.0 == method && r.1 == route && r.2 == status && r.3 == code),
            "{method} {route} {status} {code} missing: {rows:?}"
        );
    }
    let sign = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["route"] == "/v1/sign")
        .unwrap();
    assert_eq!(sign["keyLabel"], "seen", "{sign}");

    let metrics = app.get("/metrics").await.body;
    let text = metrics.as_str().unwrap();
    for line in [
        "tsb_emulator_requests_total{method=\"POST\",route=\"/v1/sign\",status=\"201\"} 1",
        "tsb_emulator_requests_total{method=\"POST\",route=\"/v1/approval\",status=\"200\"} 1",
        "tsb_emulator_requests_total{method=\"GET\",route=\"/v1/request/{id}\",status=\"404\"} 1",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}

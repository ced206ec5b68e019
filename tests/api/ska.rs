//! Asynchronous requests and the SKA key lifecycle through the router: requests that run at
//! once, pending requests that expire on the emulator's clock or are cancelled, block,
//! unblock and modify, and policies refused at creation. Signatures checked with openssl.

use crate::helpers::*;
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const P256: &str = "1.2.840.10045.3.1.7";

pub(crate) fn ec_key(label: &str, policy: Value) -> Value {
    json!({"label": label, "algorithm": "EC", "curveOid": P256,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true,
            "extractable": false, "sensitive": true},
        "policy": policy})
}

/// An Ed25519 approver's DER SPKI, made by openssl.
fn approver_spki() -> Vec<u8> {
    let private = openssl::run(&["genpkey", "-algorithm", "ed25519"], b"");
    openssl::run(&["pkey", "-pubout", "-outform", "DER"], &private)
}

fn policy_with_approver(spki: &[u8], timeout: u32) -> Value {
    json!({
        "ruleUse": {"tokens": [{"name": "t", "timelock": 0, "timeout": timeout, "groups": [
            {"name": "g", "quorum": 1, "approvals": [
                {"type": "public_key", "name": "officer", "value": STANDARD.encode(spki)}]}]}]},
        "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
        "keyStatus": {"blocked": false}
    })
}

pub(crate) fn empty_policy() -> Value {
    json!({"ruleUse": null, "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
        "keyStatus": {"blocked": false}})
}

pub(crate) async fn request(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/v1/request/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// The executed request's `result` is a SHA-256 signature over `payload` that openssl
/// verifies with the key's public key.
pub(crate) async fn assert_signature_verifies(
    app: &TestApp,
    label: &str,
    done: &Value,
    payload: &[u8],
) {
    assert_eq!(done["status"], "EXECUTED", "{done}");
    let signature = STANDARD.decode(done["result"].as_str().unwrap()).unwrap();
    let info = app
        .post("/v1/key/attributes", &json!({"label": label}))
        .await;
    let public = STANDARD
        .decode(info.body["json"]["publicKey"].as_str().unwrap())
        .unwrap();
    let args = [
        "dgst",
        "-sha256",
        "-verify",
        "{pub}",
        "-signature",
        "{sig}",
        "{data}",
    ];
    assert!(
        openssl::verifies_with(&args, &public, &signature, payload),
        "openssl rejects the request's signature"
    );
}

#[tokio::test]
async fn async_sign_on_keys_without_approvals_is_executed_at_the_first_poll() {
    let app = spawn_app().await;
    app.create_key(&ec_key("plain", Value::Null)).await;
    app.create_key(&ec_key("empty", empty_policy())).await;
    for label in ["plain", "empty"] {
        let payload = format!("pay {label}");
        let reply = app
            .post(
                "/v1/sign",
                &sign_request(label, "SHA256_WITH_ECDSA", payload.as_bytes(), "DER"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let object = reply.body.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["signRequestId"]);
        let id = reply.body["signRequestId"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "UUID v4: {id}");

        let body = request(&app, &id).await;
        let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
        let mut expected = vec![
            "approvedBy",
            "executionTime",
            "id",
            "notYetApprovedBy",
            "rejectedBy",
            "result",
            "status",
        ];
        expected.sort_unstable();
        let mut sorted = fields.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["status"], "EXECUTED", "{body}");
        assert_eq!(body["approvedBy"], json!([]));
        assert!(body["executionTime"].as_str().unwrap().ends_with('Z'));
        assert_signature_verifies(&app, label, &body, payload.as_bytes()).await;
    }
}

#[tokio::test]
async fn async_decrypt_gives_the_plaintext_as_result() {
    let app = spawn_app().await;
    app.create_key(&json!({"label": "rsa", "algorithm": "RSA", "keySize": 2048,
        "attributes": {"decrypt": true, "sign": false, "unwrap": false, "destroyable": true}}))
        .await;
    let encrypted = app
        .post(
            "/v1/encrypt",
            &json!({"encryptRequest": {"payload": STANDARD.encode(b"secret"), "encryptKeyName": "rsa",
                "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA256"}}),
        )
        .await;
    assert_eq!(encrypted.status, StatusCode::OK, "{}", encrypted.body);
    let reply = app
        .post(
            "/v1/decrypt",
            &json!({"decryptRequest": {"encryptedPayload": encrypted.body["encryptedPayload"],
                "decryptKeyName": "rsa", "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA256"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = request(&app, reply.body["decryptRequestId"].as_str().unwrap()).await;
    assert_eq!(body["status"], "EXECUTED");
    assert_eq!(body["result"], STANDARD.encode(b"secret"));
}

#[tokio::test]
async fn a_key_needing_approval_refuses_sync_calls_and_its_requests_wait_expire_or_are_cancelled() {
    let app = spawn_app().await;
    let spki = approver_spki();
    app.create_key(&ec_key("ska", policy_with_approver(&spki, 600)))
        .await;
    let sign = sign_request("ska", "SHA256_WITH_ECDSA", b"tx", "DER");
    app.post("/v1/synchronousSign", &sign).await.assert_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        701,
        "res.error.in.hsm",
    );

    let submit = || async { app.post("/v1/sign", &sign).await };
    let first = submit().await.body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = request(&app, &first).await;
    assert_eq!(body["status"], "PENDING", "{body}");
    assert_eq!(body["notYetApprovedBy"], json!([STANDARD.encode(&spki)]));
    assert_eq!(body["result"], Value::Null);
    assert_eq!(body["executionTime"], Value::Null);

    let second = submit().await.body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.delete(&format!("/v1/request/{second}")).await.status,
        StatusCode::OK
    );
    assert_eq!(request(&app, &second).await["status"], "CANCELLED");

    let pending = app
        .post("/v1/filteredRequests", &json!({"status": "PENDING"}))
        .await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    let ids: Vec<&str> = pending
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str()]);

    app.post("/_emulator/clock", &json!({"advanceSeconds": 599}))
        .await;
    assert_eq!(request(&app, &first).await["status"], "PENDING");
    app.post("/_emulator/clock", &json!({"advanceSeconds": 2}))
        .await;
    let expired = request(&app, &first).await;
    assert_eq!(expired["status"], "EXPIRED", "{expired}");
    assert_eq!(expired["notYetApprovedBy"], json!([]));

    // Deleting the key cancels its open requests.
    let third = submit().await.body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.delete("/v1/key/ska").await.status, StatusCode::OK);
    assert_eq!(request(&app, &third).await["status"], "CANCELLED");

    app.get("/v1/request/no-such-request").await.assert_error(
        StatusCode::NOT_FOUND,
        651,
        "res.error.request.not.existent",
    );
    app.post("/v1/filteredRequests", &json!({"status": "WAITING"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
}

#[tokio::test]
async fn a_blocked_key_refuses_use_until_unblocked_and_modify_replaces_the_rules() {
    let app = spawn_app().await;
    app.create_key(&ec_key("k", empty_policy())).await;
    let sign = sign_request("k", "SHA256_WITH_ECDSA", b"m", "DER");
    let block = json!({"blockRequest": {"blockKeyName": "k"}});
    let reply = app.post("/v1/synchronousBlock", &block).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let message = app.post("/v1/synchronousSign", &sign).await.assert_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        701,
        "res.error.in.hsm",
    );
    assert!(message.contains("blocked"), "{message}");
    let info = app.post("/v1/key/attributes", &json!({"label": "k"})).await;
    assert_eq!(info.body["json"]["policy"]["keyStatus"]["blocked"], true);
    // Verifying is not a use the block refuses.
    let attestation = app
        .post("/v1/key/keyAttestation", &json!({"label": "k"}))
        .await;
    assert_ne!(attestation.status, StatusCode::INTERNAL_SERVER_ERROR);

    let unblock = app
        .post(
            "/v1/unblock",
            &json!({"unblockRequest": {"unblockKeyName": "k"}}),
        )
        .await;
    assert_eq!(unblock.status, StatusCode::CREATED, "{}", unblock.body);
    let body = request(&app, unblock.body["unblockKeyRequestId"].as_str().unwrap()).await;
    assert_eq!(body["status"], "EXECUTED");
    assert_eq!(body["result"], Value::Null);
    assert_eq!(
        app.post("/v1/synchronousSign", &sign).await.status,
        StatusCode::OK
    );

    let spki = approver_spki();
    let rules = policy_with_approver(&spki, 0);
    let modify = json!({"modifyRequest": {"modifyKeyName": "k", "policy": {
        "ruleUse": rules["ruleUse"], "ruleBlock": null, "ruleUnblock": null, "ruleModify": null}}});
    let reply = app.post("/v1/synchronousModify", &modify).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.post("/v1/synchronousSign", &sign).await.assert_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        701,
        "res.error.in.hsm",
    );
    let info = app.post("/v1/key/attributes", &json!({"label": "k"})).await;
    assert_eq!(info.body["json"]["policy"]["keyStatus"]["blocked"], false);
    assert_eq!(
        info.body["json"]["policy"]["ruleUse"]["tokens"][0]["groups"][0]["approvals"][0]["value"],
        STANDARD.encode(&spki)
    );

    // A key without a policy has no lifecycle.
    app.create_key(&ec_key("plain", Value::Null)).await;
    app.post(
        "/v1/synchronousBlock",
        &json!({"blockRequest": {"blockKeyName": "plain"}}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        611,
        "res.error.unsupported.operation",
    );
}

#[tokio::test]
async fn bad_policies_are_refused_at_creation_and_store_nothing() {
    let app = spawn_app().await;
    let spki = approver_spki();
    let mut timelock = policy_with_approver(&spki, 600);
    timelock["ruleUse"]["tokens"][0]["timelock"] = json!(30);
    let mut quorum = policy_with_approver(&spki, 600);
    quorum["ruleUse"]["tokens"][0]["groups"][0]["quorum"] = json!(2);
    let mut no_status = empty_policy();
    no_status.as_object_mut().unwrap().remove("keyStatus");
    for (label, policy) in [
        ("timelock", timelock),
        ("quorum", quorum),
        ("no-status", no_status),
    ] {
        app.post("/v1/key", &ec_key(label, policy))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                600,
                "res.error.input.validation.failed",
            );
    }
    let aes = json!({"label": "aes", "algorithm": "AES", "keySize": 256,
        "attributes": {"decrypt": true, "sign": false, "unwrap": false, "destroyable": true},
        "policy": empty_policy()});
    app.post("/v1/key", &aes).await.assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn pending_and_finished_requests_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spki = approver_spki();
    let (pending, executed) = {
        let store = tsb_emulator::keystore::KeyStore::open(dir.path()).unwrap();
        let app = spawn_app_with(store, tsb_emulator::hsm::HsmOptions::default()).await;
        app.create_key(&ec_key("ska", policy_with_approver(&spki, 0)))
            .await;
        app.create_key(&ec_key("plain", Value::Null)).await;
        let pending = app
            .post(
                "/v1/sign",
                &sign_request("ska", "SHA256_WITH_ECDSA", b"a", "DER"),
            )
            .await
            .body["signRequestId"]
            .as_str()
            .unwrap()
            .to_owned();
        let executed = app
            .post(
                "/v1/sign",
                &sign_request("plain", "SHA256_WITH_ECDSA", b"b", "DER"),
            )
            .await
            .body["signRequestId"]
            .as_str()
            .unwrap()
            .to_owned();
        (pending, executed)
    };
    let store = tsb_emulator::keystore::KeyStore::open(dir.path()).unwrap();
    let app = spawn_app_with(store, tsb_emulator::hsm::HsmOptions::default()).await;
    assert_eq!(request(&app, &pending).await["status"], "PENDING");
    let done = request(&app, &executed).await;
    assert_eq!(done["status"], "EXECUTED");
    assert!(done["result"].is_string());
}

/// An approver made by openssl: its private key (PEM) and DER SPKI.
pub(crate) struct Approver {
    dir: tempfile::TempDir,
    pub(crate) spki: Vec<u8>,
    /// Ed25519 signs the message itself (EdDSA); RSA and EC sign its SHA-256.
    ed: bool,
}

impl Approver {
    pub(crate) fn new(rsa: bool) -> Self {
        let args: &[&str] = if rsa {
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ]
        } else {
            &["genpkey", "-algorithm", "ed25519"]
        };
        Self::from_pem(&openssl::run(args, b""))
    }

    /// A P-256 approver made by openssl (ECDSA over SHA-256, DER signatures).
    pub(crate) fn ec() -> Self {
        Self::from_pem(&openssl::run(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ],
            b"",
        ))
    }

    /// An approver with a committed private key (RSA, EC or Ed25519 PEM).
    pub(crate) fn from_pem(private: &[u8]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("key.pem"), private).unwrap();
        let spki = openssl::run(&["pkey", "-pubout", "-outform", "DER"], private);
        let text = String::from_utf8_lossy(&openssl::run(&["pkey", "-noout", "-text"], private))
            .into_owned();
        let ed = text.contains("ED25519");
        Self { dir, spki, ed }
    }

    /// The signature over `message` as approvers make it (reference 13.2's table).
    pub(crate) fn sign(&self, message: &[u8]) -> String {
        let data = self.dir.path().join("data");
        std::fs::write(&data, message).unwrap();
        let key = self.dir.path().join("key.pem");
        let (key, data) = (key.to_str().unwrap(), data.to_str().unwrap());
        let signature = if !self.ed {
            openssl::run(&["dgst", "-sha256", "-sign", key, data], b"")
        } else {
            openssl::run(
                &["pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", data],
                b"",
            )
        };
        STANDARD.encode(signature)
    }

    pub(crate) fn digest(&self) -> &'static str {
        if self.ed { "EdDSA" } else { "SHA-256" }
    }

    pub(crate) fn public_key(&self) -> String {
        STANDARD.encode(&self.spki)
    }

    /// The timestamp authentication of the task endpoints, at the emulator's time.
    pub(crate) async fn auth(&self, app: &TestApp) -> Value {
        let now = app.get("/_emulator/clock").await.body["now"]
            .as_str()
            .unwrap()
            .to_owned();
        let timestamp = now.replace('Z', "+00:00");
        json!({"timestamp": timestamp, "timestampSignature": self.sign(timestamp.as_bytes()),
            "timestampDigestAlgorithm": self.digest(), "approverPublicKey": self.public_key()})
    }

    pub(crate) async fn tasks(&self, app: &TestApp, extra: Value) -> Vec<Value> {
        self.tasks_at(app, "/v1/filteredSignApprovalTask", extra)
            .await
    }

    /// The approver's tasks from one of the `filtered*ApprovalTask` endpoints.
    pub(crate) async fn tasks_at(&self, app: &TestApp, path: &str, extra: Value) -> Vec<Value> {
        let mut body = self.auth(app).await;
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let reply = app.post(path, &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["tasks"].as_array().unwrap().clone()
    }

    pub(crate) async fn approve(&self, app: &TestApp, task: &Value) -> crate::helpers::Reply {
        let blob = STANDARD
            .decode(task["approvalToBeSigned"].as_str().unwrap())
            .unwrap();
        app.post(
            "/v1/approval",
            &json!({"id": task["id"], "approvalToBeSigned": task["approvalToBeSigned"],
                "signature": self.sign(&blob), "approvalDigestAlgorithm": self.digest(),
                "approverPublicKey": self.public_key()}),
        )
        .await
    }
}

pub(crate) fn group(name: &str, approvers: &[&Approver], quorum: u32) -> Value {
    let approvals: Vec<Value> = approvers
        .iter()
        .map(|a| json!({"type": "public_key", "name": "officer", "value": a.public_key()}))
        .collect();
    json!({"name": name, "quorum": quorum, "approvals": approvals})
}

pub(crate) fn use_policy(groups: Vec<Value>, timelock: u32, timeout: u32) -> Value {
    json!({"ruleUse": {"tokens": [{"name": "t", "timelock": timelock, "timeout": timeout, "groups": groups}]},
        "ruleBlock": null, "ruleUnblock": null, "ruleModify": null, "keyStatus": {"blocked": false}})
}

#[tokio::test]
async fn an_approval_signed_outside_the_emulator_executes_the_request() {
    let app = spawn_app().await;
    let (ed, rsa) = (Approver::new(false), Approver::new(true));
    app.create_key(&ec_key(
        "two",
        use_policy(vec![group("a", &[&ed], 1), group("b", &[&rsa], 1)], 0, 0),
    ))
    .await;
    let reply = app
        .post(
            "/v1/sign",
            &sign_request("two", "SHA256_WITH_ECDSA", b"pay me", "DER"),
        )
        .await;
    let id = reply.body["signRequestId"].as_str().unwrap().to_owned();

    let tasks = ed.tasks(&app, json!({"detailLevel": "level4"})).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["detailLevel"], "level4");
    assert_eq!(task["approverPublicKey"], ed.public_key());
    assert_eq!(task["payload"], STANDARD.encode(b"pay me"));
    assert!(
        task["timestamp"].is_string() && task["requestBase64"].is_string(),
        "{task}"
    );
    assert!(
        task["signedSignRequest"]["signRequest"].is_object(),
        "{task}"
    );
    assert_eq!(task["signedDecryptRequest"], Value::Null);

    // A signature by the wrong key is 400/403 and changes nothing.
    let forged = json!({"id": task["id"], "approvalToBeSigned": task["approvalToBeSigned"],
        "signature": rsa.sign(b"other"), "approvalDigestAlgorithm": "EdDSA",
        "approverPublicKey": ed.public_key()});
    app.post("/v1/approval", &forged).await.assert_error(
        StatusCode::BAD_REQUEST,
        403,
        "res.error.input.invalid.signature",
    );

    assert_eq!(ed.approve(&app, task).await.status, StatusCode::OK);
    let body = request(&app, &id).await;
    assert_eq!(body["status"], "PENDING", "two groups: {body}");
    assert_eq!(body["approvedBy"], json!([ed.public_key()]));
    assert_eq!(body["notYetApprovedBy"], json!([rsa.public_key()]));
    assert!(
        ed.tasks(&app, json!({})).await.is_empty(),
        "an approved task is gone"
    );

    let tasks = rsa.tasks(&app, json!({"requestId": id})).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["detailLevel"], "level1");
    assert_eq!(rsa.approve(&app, &tasks[0]).await.status, StatusCode::OK);
    let body = request(&app, &id).await;
    assert_signature_verifies(&app, "two", &body, b"pay me").await;

    app.post("/v1/approval", &json!({"id": "no-such-task", "approvalToBeSigned": "AA==",
        "signature": "AA==", "approvalDigestAlgorithm": "EdDSA", "approverPublicKey": ed.public_key()}))
        .await
        .assert_error(StatusCode::NOT_FOUND, 652, "res.error.task.not.existent");
}

#[tokio::test]
async fn rejection_timelock_and_timestamp_window_follow_the_emulators_clock() {
    let app = spawn_app().await;
    let (ed, rsa) = (Approver::new(false), Approver::new(true));
    // Quorum 1 of two approvers, with a two-minute timelock.
    app.create_key(&ec_key(
        "k",
        use_policy(vec![group("g", &[&ed, &rsa], 1)], 120, 600),
    ))
    .await;
    let sign = sign_request("k", "SHA256_WITH_ECDSA", b"later", "DER");
    let first = app.post("/v1/sign", &sign).await.body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.post("/v1/sign", &sign).await.body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();

    let task = ed.tasks(&app, json!({"requestId": first})).await.remove(0);
    assert_eq!(ed.approve(&app, &task).await.status, StatusCode::OK);
    assert_eq!(request(&app, &first).await["status"], "APPROVED");
    app.post("/_emulator/clock", &json!({"advanceSeconds": 120}))
        .await;
    let done = request(&app, &first).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert!(done["result"].is_string());

    // Both approvers reject the second request: no token can be fulfilled.
    for approver in [&ed, &rsa] {
        let task = approver
            .tasks(&app, json!({"requestId": second}))
            .await
            .remove(0);
        let mut body = approver.auth(&app).await;
        body["id"] = task["id"].clone();
        let reply = app
            .send(
                "DELETE",
                "/v1/task",
                Some("application/json"),
                body.to_string(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let rejected = request(&app, &second).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    assert_eq!(rejected["rejectedBy"].as_array().unwrap().len(), 2);

    // A timestamp an hour behind the emulator's clock is refused.
    let stale = ed.auth(&app).await;
    app.post("/_emulator/clock", &json!({"advanceSeconds": 3600}))
        .await;
    app.post("/v1/filteredAllApprovalTask", &stale)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            404,
            "res.error.input.timestamp.off",
        );
    let mut forged = ed.auth(&app).await;
    forged["timestampSignature"] = json!(rsa.sign(b"x"));
    app.post("/v1/filteredAllApprovalTask", &forged)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            403,
            "res.error.input.invalid.signature",
        );
}

#[tokio::test]
async fn the_asynchronous_certificate_calls_answer_sign_request_ids_and_their_results() {
    let app = spawn_app().await;
    app.create_key(&ec_key("ca", empty_policy())).await;
    let subject = json!({"commonName": "Async CA"});
    let csr = app
        .post(
            "/v1/certificate/request",
            &json!({"csrSignRequest": {"signKeyName": "ca", "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "validity": 30, "standardCertificateAttributes": subject}}),
        )
        .await;
    assert_eq!(csr.status, StatusCode::CREATED, "{}", csr.body);
    let body = request(&app, csr.body["signRequestId"].as_str().unwrap()).await;
    assert_eq!(body["status"], "EXECUTED", "{body}");
    let pem = body["result"].as_str().unwrap().to_owned();
    assert!(pem.starts_with("-----BEGIN"), "{pem}");
    let verified = openssl::output(&["req", "-verify", "-noout"], pem.as_bytes());
    assert!(verified.status.success(), "openssl rejects the CSR");

    let self_signed = app
        .post(
            "/v1/certificate/selfsign",
            &json!({"selfSignCertificateRequest": {"signKeyName": "ca", "validity": 30,
                "signatureAlgorithm": "SHA256_WITH_ECDSA", "commonName": "Async CA",
                "certificateAuthority": true, "keyUsage": ["KEY_CERT_SIGN"]}}),
        )
        .await;
    assert_eq!(
        self_signed.status,
        StatusCode::CREATED,
        "{}",
        self_signed.body
    );
    let body = request(&app, self_signed.body["signRequestId"].as_str().unwrap()).await;
    assert_eq!(body["result"], "true", "{body}");
    assert_eq!(app.get("/v1/certificate/ca").await.status, StatusCode::OK);

    let issued = app
        .post(
            "/v1/certificate/sign",
            &json!({"signCertificateRequest": {"signKeyName": "ca", "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "commonName": "leaf", "certificateSigningRequest": pem, "validity": 10}}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let body = request(&app, issued.body["signRequestId"].as_str().unwrap()).await;
    assert_eq!(body["status"], "EXECUTED", "{body}");
    assert!(
        body["result"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}

#[tokio::test]
async fn a_synchronous_sign_runs_with_signed_approvals_made_from_a_task() {
    use tsb_emulator::crypto::approval::{ApprovalDigest, ApproverIdentity, SignedApproval};
    let app = spawn_app().await;
    let ed = Approver::new(false);
    app.create_key(&ec_key(
        "sync",
        use_policy(vec![group("g", &[&ed], 1)], 0, 600),
    ))
    .await;
    let sign = sign_request("sync", "SHA256_WITH_ECDSA", b"same payload", "DER");
    app.post("/v1/sign", &sign).await;
    let task = ed.tasks(&app, json!({})).await.remove(0);
    let token = STANDARD
        .decode(task["approvalToBeSigned"].as_str().unwrap())
        .unwrap();
    let entry = SignedApproval {
        token: token.clone(),
        digest: ApprovalDigest::from_name("EdDSA").unwrap(),
        signature: STANDARD.decode(ed.sign(&token)).unwrap(),
        approver: ApproverIdentity::PublicKey(ed.spki.clone()),
    }
    .encode()
    .unwrap();
    let mut with = sign.clone();
    with["signRequest"]["signedApprovals"] = json!([STANDARD.encode(&entry)]);
    let reply = app.post("/v1/synchronousSign", &with).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The same approval does not cover another payload.
    let mut other = sign_request("sync", "SHA256_WITH_ECDSA", b"another payload", "DER");
    other["signRequest"]["signedApprovals"] = json!([STANDARD.encode(&entry)]);
    app.post("/v1/synchronousSign", &other).await.assert_error(
        StatusCode::BAD_REQUEST,
        403,
        "res.error.input.invalid.signature",
    );
}

#[tokio::test]
async fn a_quorum_of_two_needs_both_approvals_also_for_a_certificate_request() {
    let app = spawn_app().await;
    let (ed, rsa) = (Approver::new(false), Approver::new(true));
    app.create_key(&ec_key(
        "q2",
        use_policy(vec![group("g", &[&ed, &rsa], 2)], 0, 0),
    ))
    .await;
    let id = app
        .post(
            "/v1/sign",
            &sign_request("q2", "SHA256_WITH_ECDSA", b"both", "DER"),
        )
        .await
        .body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = ed.tasks(&app, json!({"requestId": id})).await.remove(0);
    assert_eq!(ed.approve(&app, &first).await.status, StatusCode::OK);
    assert_eq!(request(&app, &id).await["status"], "PENDING");
    let second = rsa.tasks(&app, json!({"requestId": id})).await.remove(0);
    assert_eq!(rsa.approve(&app, &second).await.status, StatusCode::OK);
    let done = request(&app, &id).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert_eq!(done["approvedBy"].as_array().unwrap().len(), 2);

    // An approved certificate request runs with its approvals: the result is the PEM CSR.
    let csr = app
        .post(
            "/v1/certificate/request",
            &json!({"csrSignRequest": {"signKeyName": "q2", "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "validity": 30, "standardCertificateAttributes": {"commonName": "q2"}}}),
        )
        .await;
    let id = csr.body["signRequestId"].as_str().unwrap().to_owned();
    for approver in [&ed, &rsa] {
        let task = approver
            .tasks(&app, json!({"requestId": id}))
            .await
            .remove(0);
        assert_eq!(approver.approve(&app, &task).await.status, StatusCode::OK);
    }
    let done = request(&app, &id).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    let pem = done["result"].as_str().unwrap();
    let verified = openssl::output(&["req", "-verify", "-noout"], pem.as_bytes());
    assert!(verified.status.success(), "openssl rejects the CSR");
}

#[tokio::test]
async fn rsa_ec_and_ed25519_approvers_signing_with_openssl_release_an_async_decrypt() {
    let app = spawn_app().await;
    let (rsa, ec, ed) = (Approver::new(true), Approver::ec(), Approver::new(false));
    let policy = use_policy(
        vec![
            group("a", &[&rsa], 1),
            group("b", &[&ec], 1),
            group("c", &[&ed], 1),
        ],
        0,
        0,
    );
    app.create_key(
        &json!({"label": "vault", "algorithm": "RSA", "keySize": 2048,
        "attributes": {"decrypt": true, "sign": false, "unwrap": false, "destroyable": true},
        "policy": policy}),
    )
    .await;
    // Encrypted outside the emulator, by openssl with the key's public key.
    let info = app
        .post("/v1/key/attributes", &json!({"label": "vault"}))
        .await;
    let public = STANDARD
        .decode(info.body["json"]["publicKey"].as_str().unwrap())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let public_path = dir.path().join("public.der");
    std::fs::write(&public_path, &public).unwrap();
    let ciphertext = openssl::run(
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-keyform",
            "DER",
            "-inkey",
            public_path.to_str().unwrap(),
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            "-pkeyopt",
            "rsa_mgf1_md:sha256",
        ],
        b"three keys",
    );
    let reply = app
        .post(
            "/v1/decrypt",
            &json!({"decryptRequest": {"encryptedPayload": STANDARD.encode(&ciphertext),
                "decryptKeyName": "vault", "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA256"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["decryptRequestId"].as_str().unwrap().to_owned();
    for (i, approver) in [&rsa, &ec, &ed].into_iter().enumerate() {
        assert_eq!(
            request(&app, &id).await["status"],
            "PENDING",
            "before approval {i}"
        );
        let tasks = approver
            .tasks_at(&app, "/v1/filteredDecryptApprovalTask", json!({}))
            .await;
        assert_eq!(tasks.len(), 1, "approver {i}: {tasks:?}");
        let reply = approver.approve(&app, &tasks[0]).await;
        assert_eq!(reply.status, StatusCode::OK, "approver {i}: {}", reply.body);
    }
    let done = request(&app, &id).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert_eq!(done["result"], STANDARD.encode(b"three keys"));
    assert_eq!(done["approvedBy"].as_array().unwrap().len(), 3);
}

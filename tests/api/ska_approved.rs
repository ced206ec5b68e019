//! Approved requests of every kind run with their approvals: asynchronous unwrap and
//! certificate requests, and the synchronous calls that carry `signedApprovals`
//! (decrypt, unwrap, the certificate calls). Approvals signed by openssl.

use crate::helpers::*;
use crate::openssl;
use crate::ska::{Approver, empty_policy, group, request, use_policy};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tsb_emulator::crypto::approval::{ApprovalDigest, ApproverIdentity, SignedApproval};

/// The `signedApprovals` entry an approver makes from a task (reference 13.6).
fn signed_approval(approver: &Approver, task: &Value) -> String {
    let token = STANDARD
        .decode(task["approvalToBeSigned"].as_str().unwrap())
        .unwrap();
    let entry = SignedApproval {
        token: token.clone(),
        digest: ApprovalDigest::from_name(approver.digest()).unwrap(),
        signature: STANDARD.decode(approver.sign(&token)).unwrap(),
        approver: ApproverIdentity::PublicKey(approver.spki.clone()),
    };
    STANDARD.encode(entry.encode().unwrap())
}

fn rsa_key(label: &str, attributes: Value, policy: Value) -> Value {
    json!({"label": label, "algorithm": "RSA", "keySize": 2048, "attributes": attributes,
        "policy": policy})
}

fn id_of(reply: &Reply, field: &str) -> String {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body[field].as_str().unwrap().to_owned()
}

fn unwrap_request(wrapped: &Value, label: &str) -> Value {
    json!({"unwrapKeyRequest": {"wrappedKey": wrapped, "label": label,
        "attributes": {"encrypt": true, "decrypt": true, "sign": false, "verify": false,
            "unwrap": false, "wrap": false, "destroyable": true, "extractable": false,
            "sensitive": true},
        "unwrapKeyName": "unwrapper", "wrapMethod": "RSA_WRAP_OAEP"}})
}

#[tokio::test]
async fn an_approved_unwrap_creates_the_key_and_a_taken_label_makes_it_failed() {
    let app = spawn_app().await;
    let officer = Approver::new(false);
    app.create_key(&rsa_key(
        "unwrapper",
        json!({"decrypt": false, "sign": false, "wrap": true, "unwrap": true, "destroyable": true}),
        use_policy(vec![group("g", &[&officer], 1)], 0, 600),
    ))
    .await;
    app.create_key(
        &json!({"label": "secret", "algorithm": "AES", "keySize": 256,
        "attributes": {"encrypt": true, "decrypt": true, "sign": false, "unwrap": false,
            "extractable": true, "sensitive": false, "destroyable": true}}),
    )
    .await;
    let wrapped = app
        .post(
            "/v1/wrap",
            &json!({"wrapKeyRequest": {"keyToBeWrapped": "secret", "wrapKeyName": "unwrapper",
                "wrapMethod": "RSA_WRAP_OAEP"}}),
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK, "{}", wrapped.body);
    let wrapped = wrapped.body["wrappedKey"].clone();

    // Without approvals the synchronous unwrap is refused as the HSM refuses it.
    app.post("/v1/synchronousUnwrap", &unwrap_request(&wrapped, "copy"))
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");

    let reply = app
        .post("/v1/unwrap", &unwrap_request(&wrapped, "copy"))
        .await;
    assert_eq!(
        reply.body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["unwrapRequestId"]
    );
    let id = id_of(&reply, "unwrapRequestId");
    assert_eq!(request(&app, &id).await["status"], "PENDING");
    let tasks = officer
        .tasks_at(
            &app,
            "/v1/filteredUnwrapKeyApprovalTask",
            json!({"requestId": id, "detailLevel": "level4"}),
        )
        .await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(
        tasks[0]["payload"], wrapped,
        "approvers see the wrapped key"
    );
    assert_eq!(
        officer.approve(&app, &tasks[0]).await.status,
        StatusCode::OK
    );
    let done = request(&app, &id).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert_eq!(done["result"], Value::Null);
    let info = app
        .post("/v1/key/attributes", &json!({"label": "copy"}))
        .await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.body["json"]["algorithm"], "AES");

    // A second request for the same label waits; once approved the device refuses it: FAILED.
    let again = id_of(
        &app.post("/v1/unwrap", &unwrap_request(&wrapped, "copy"))
            .await,
        "unwrapRequestId",
    );
    let task = officer
        .tasks_at(
            &app,
            "/v1/filteredAllApprovalTask",
            json!({"requestId": again}),
        )
        .await
        .remove(0);
    // The pending request's task, signed, is what a synchronous unwrap of the same blob needs.
    let mut with = unwrap_request(&wrapped, "sync-copy");
    with["unwrapKeyRequest"]["signedApprovals"] = json!([signed_approval(&officer, &task)]);
    let reply = app.post("/v1/synchronousUnwrap", &with).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    assert_eq!(officer.approve(&app, &task).await.status, StatusCode::OK);
    let failed = request(&app, &again).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(failed["result"], Value::Null);
    assert!(failed["executionTime"].is_string(), "{failed}");
}

#[tokio::test]
async fn a_synchronous_decrypt_runs_with_signed_approvals_and_not_without() {
    let app = spawn_app().await;
    let officer = Approver::new(true);
    app.create_key(&rsa_key(
        "dec",
        json!({"decrypt": true, "sign": false, "unwrap": false, "destroyable": true}),
        use_policy(vec![group("g", &[&officer], 1)], 0, 600),
    ))
    .await;
    let encrypted = app
        .post(
            "/v1/encrypt",
            &json!({"encryptRequest": {"payload": STANDARD.encode(b"for approved eyes"),
                "encryptKeyName": "dec", "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA256"}}),
        )
        .await;
    assert_eq!(encrypted.status, StatusCode::OK, "{}", encrypted.body);
    let decrypt = json!({"decryptRequest": {"encryptedPayload": encrypted.body["encryptedPayload"],
        "decryptKeyName": "dec", "cipherAlgorithm": "RSA_PADDING_OAEP_WITH_SHA256"}});
    app.post("/v1/synchronousDecrypt", &decrypt)
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");

    let id = id_of(&app.post("/v1/decrypt", &decrypt).await, "decryptRequestId");
    let task = officer
        .tasks_at(
            &app,
            "/v1/filteredDecryptApprovalTask",
            json!({"requestId": id}),
        )
        .await
        .remove(0);
    let mut with = decrypt.clone();
    with["decryptRequest"]["signedApprovals"] = json!([signed_approval(&officer, &task)]);
    let reply = app.post("/v1/synchronousDecrypt", &with).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["payload"], STANDARD.encode(b"for approved eyes"));

    // A blob that is not a signed approval is refused in the TSB's shape.
    let mut bad = decrypt.clone();
    bad["decryptRequest"]["signedApprovals"] = json!(["AAAA"]);
    let reply = app.post("/v1/synchronousDecrypt", &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn approved_certificate_requests_run_and_synchronous_ones_take_signed_approvals() {
    let app = spawn_app().await;
    let officer = Approver::new(false);
    app.create_key(&crate::ska::ec_key(
        "ca",
        use_policy(vec![group("g", &[&officer], 1)], 0, 600),
    ))
    .await;
    let self_sign = json!({"signKeyName": "ca", "validity": 30, "signatureAlgorithm": "SHA256_WITH_ECDSA",
        "commonName": "Approved CA", "certificateAuthority": true, "keyUsage": ["KEY_CERT_SIGN"]});
    app.post("/v1/certificate/synchronous/selfsign", &self_sign)
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");

    let id = id_of(
        &app.post(
            "/v1/certificate/selfsign",
            &json!({"selfSignCertificateRequest": self_sign}),
        )
        .await,
        "signRequestId",
    );
    let task = officer
        .tasks(&app, json!({"requestId": id}))
        .await
        .remove(0);
    assert_eq!(officer.approve(&app, &task).await.status, StatusCode::OK);
    let done = request(&app, &id).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert_eq!(done["result"], "true");
    let stored = app.get("/v1/certificate/ca").await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    let pem = stored.body["certificate"].as_str().unwrap();
    let text = String::from_utf8(openssl::run(
        &["x509", "-noout", "-subject"],
        pem.as_bytes(),
    ))
    .unwrap();
    assert!(text.contains("Approved CA"), "{text}");

    // An approved issue request gives the PEM certificate, signed by the CA key.
    app.create_key(&crate::ska::ec_key("plain", empty_policy()))
        .await;
    let leaf_csr = app
        .post(
            "/v1/certificate/synchronous/request",
            &json!({"signKeyName": "plain", "signatureAlgorithm": "SHA256_WITH_ECDSA",
                "validity": 30, "standardCertificateAttributes": {"commonName": "leaf"}}),
        )
        .await;
    let leaf_csr = leaf_csr.body["certificateSigningRequest"].clone();
    let issue = id_of(
        &app.post(
            "/v1/certificate/sign",
            &json!({"signCertificateRequest": {"signKeyName": "ca",
                "signatureAlgorithm": "SHA256_WITH_ECDSA", "commonName": "leaf",
                "certificateSigningRequest": leaf_csr}}),
        )
        .await,
        "signRequestId",
    );
    let task = officer
        .tasks(&app, json!({"requestId": issue, "detailLevel": "level4"}))
        .await
        .remove(0);
    assert_eq!(
        task["payload"],
        STANDARD.encode(leaf_csr.as_str().unwrap()),
        "approvers see the CSR they certify"
    );
    assert_eq!(officer.approve(&app, &task).await.status, StatusCode::OK);
    let done = request(&app, &issue).await;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    let leaf = done["result"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), pem_of(&app, "ca").await).unwrap();
    std::fs::write(dir.path().join("leaf.pem"), leaf).unwrap();
    let ca = dir.path().join("ca.pem");
    let verify = openssl::output(
        &[
            "verify",
            "-CAfile",
            ca.to_str().unwrap(),
            dir.path().join("leaf.pem").to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );

    // The CSR's side effect replaces the CA's certificate (reference 11.2): last.
    // A synchronous CSR with the approval of a pending CSR request's task runs.
    let csr = json!({"signKeyName": "ca", "signatureAlgorithm": "SHA256_WITH_ECDSA", "validity": 30,
        "standardCertificateAttributes": {"commonName": "leaf"}});
    let pending = id_of(
        &app.post("/v1/certificate/request", &json!({"csrSignRequest": csr}))
            .await,
        "signRequestId",
    );
    let task = officer
        .tasks(&app, json!({"requestId": pending}))
        .await
        .remove(0);
    let mut with = csr.clone();
    with["signedApprovals"] = json!([signed_approval(&officer, &task)]);
    let reply = app.post("/v1/certificate/synchronous/request", &with).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let pem = reply.body["certificateSigningRequest"].as_str().unwrap();
    let verified = openssl::output(&["req", "-verify", "-noout"], pem.as_bytes());
    assert!(verified.status.success(), "openssl rejects the CSR");
    app.post("/v1/certificate/synchronous/request", &csr)
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
}

async fn pem_of(app: &TestApp, label: &str) -> String {
    app.get(&format!("/v1/certificate/{label}")).await.body["certificate"]
        .as_str()
        .unwrap()
        .to_owned()
}

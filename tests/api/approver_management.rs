//! Approver management (reference 14, issue 20) through the router: the documentation's
//! requests as printed, then an onboarded approver that approves a signature request with
//! the key from its PKCS#12, everything outside the emulator done by python `cryptography`
//! (AES-GCM) and the `openssl` command line (PKCS#12, signatures, certificates).

use crate::helpers::*;
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tsb_emulator::hsm::HsmOptions;
use tsb_emulator::keystore::KeyStore;

const P256: &str = "1.2.840.10045.3.1.7";

/// A python with `cryptography`: the system's, else a venv under target/ made on first use.
fn python() -> String {
    let works = |python: &str| {
        Command::new(python)
            .args(["-c", "import cryptography.hazmat.primitives.ciphers.aead"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if works("python3") {
        return "python3".to_owned();
    }
    let venv = format!("{}/target/onboarding-venv", env!("CARGO_MANIFEST_DIR"));
    let python = format!("{venv}/bin/python");
    if !works(&python) {
        let made = Command::new("python3").args(["-m", "venv", &venv]).status();
        assert!(made.is_ok_and(|s| s.success()), "python3 -m venv failed");
        let pip = Command::new(format!("{venv}/bin/pip"))
            .args(["install", "--quiet", "cryptography"])
            .status();
        assert!(
            pip.is_ok_and(|s| s.success()),
            "pip install cryptography failed"
        );
    }
    python
}

/// Opens an onboarding answer as the Authorization App does: AES-GCM under the UTF-8 bytes of
/// the transport password (python `cryptography`), then the PKCS#12 with `openssl pkcs12`.
/// Writes `key.pem` and `cert.pem` into `dir`.
fn open_onboarding(dir: &Path, answer: &Value, transport: &str, backup: &str) {
    let script = "import sys,base64\n\
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n\
        key=sys.argv[1].encode()\n\
        nonce=base64.b64decode(sys.argv[2])\n\
        data=base64.b64decode(sys.argv[3])\n\
        open(sys.argv[4],'wb').write(AESGCM(key).decrypt(nonce,data,None))\n";
    let p12 = dir.join("approver.p12");
    let output = Command::new(python())
        .args(["-c", script, transport])
        .arg(answer["initializationVector"].as_str().unwrap())
        .arg(answer["encryptedPayload"].as_str().unwrap())
        .arg(&p12)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "AES-GCM refused: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (p12, pass) = (p12.to_str().unwrap(), format!("pass:{backup}"));
    let key = openssl::run(
        &["pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", &pass],
        b"",
    );
    let cert = openssl::run(
        &[
            "pkcs12", "-in", p12, "-clcerts", "-nokeys", "-passin", &pass,
        ],
        b"",
    );
    std::fs::write(dir.join("key.pem"), key).unwrap();
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
}

/// An approver holding the key and certificate from its decrypted PKCS#12; signs with openssl.
struct Onboarded {
    dir: tempfile::TempDir,
}

impl Onboarded {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    fn certificate_der(&self) -> Vec<u8> {
        openssl::run(
            &["x509", "-in", &self.path("cert.pem"), "-outform", "DER"],
            b"",
        )
    }

    fn certificate(&self) -> String {
        STANDARD.encode(self.certificate_der())
    }

    fn spki(&self) -> Vec<u8> {
        openssl::run(
            &[
                "pkey",
                "-in",
                &self.path("key.pem"),
                "-pubout",
                "-outform",
                "DER",
            ],
            b"",
        )
    }

    /// SHA256withRSA over `message` (reference 13.2's table), base64.
    fn sign(&self, message: &[u8]) -> String {
        let data: PathBuf = self.dir.path().join("data");
        std::fs::write(&data, message).unwrap();
        let signature = openssl::run(
            &[
                "dgst",
                "-sha256",
                "-sign",
                &self.path("key.pem"),
                data.to_str().unwrap(),
            ],
            b"",
        );
        STANDARD.encode(signature)
    }

    /// Timestamp authentication with the approver's certificate.
    async fn auth(&self, app: &TestApp) -> Value {
        let now = app.get("/_emulator/clock").await.body["now"]
            .as_str()
            .unwrap()
            .replace('Z', "+00:00");
        json!({"timestamp": now, "timestampSignature": self.sign(now.as_bytes()),
            "timestampDigestAlgorithm": "SHA-256", "approverCertificate": self.certificate()})
    }

    async fn tasks(&self, app: &TestApp, endpoint: &str) -> Vec<Value> {
        let reply = app.post(endpoint, &self.auth(app).await).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["tasks"].as_array().unwrap().clone()
    }

    async fn approve(&self, app: &TestApp, task: &Value) -> Reply {
        let blob = STANDARD
            .decode(task["approvalToBeSigned"].as_str().unwrap())
            .unwrap();
        app.post(
            "/v1/approval",
            &json!({"id": task["id"], "approvalToBeSigned": task["approvalToBeSigned"],
                "signature": self.sign(&blob), "approvalDigestAlgorithm": "SHA-256",
                "approverCertificate": self.certificate()}),
        )
        .await
    }
}

async fn put(app: &TestApp, path: &str, body: &Value) -> Reply {
    app.send("PUT", path, Some("application/json"), body.to_string())
        .await
}

fn code_of(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let code = reply.body["oneTimeCode"].as_str().unwrap().to_owned();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(reply.body.as_object().unwrap().len(), 1, "{}", reply.body);
    code
}

/// The one-time code as the documentation sends it: an array of one-character strings.
fn chars(text: &str) -> Value {
    Value::Array(text.chars().map(|c| json!(c.to_string())).collect())
}

/// The documentation's 32-character transport password.
const TRANSPORT: &str = "AnMrg9Ho5PLqqR8kmHhfgsvp8iT2OlpW";

async fn onboard(app: &TestApp, name: &str, code: &str, backup: &str) -> Onboarded {
    let reply = app
        .post(
            "/v1/approver/onboard",
            &json!({"approverName": name, "oneTimeCode": chars(code),
                "transportPassword": chars(TRANSPORT)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        STANDARD
            .decode(reply.body["initializationVector"].as_str().unwrap())
            .unwrap()
            .len(),
        12
    );
    let dir = tempfile::tempdir().unwrap();
    open_onboarding(dir.path(), &reply.body, TRANSPORT, backup);
    Onboarded { dir }
}

async fn status(app: &TestApp) -> Value {
    let reply = app.get("/v1/approverManagement/onboarding/status").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["approverName"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_documentations_requests_work_as_printed() {
    let app = spawn_app().await;
    // approver-mangement-api.md, Swagger tab.
    let finance = code_of(
        &app.post(
            "/v1/approverManagement/create",
            &json!({
              "approverName": "finance-officer@securosys.com",
              "algorithm": "RSA",
              "keySize": 2048,
              "backupPassword": [ "2","a","l","1","5" ],
              "validity": 3650
            }),
        )
        .await,
    );
    // Its curl tab: PUT.
    code_of(
        &put(
            &app,
            "/v1/approverManagement/create",
            &json!({
              "approverName": "devops-sebastianfernandez@securosys.com",
              "algorithm": "RSA",
              "keySize": 2048,
              "backupPassword": [ "6","s","e","1","Q" ],
              "validity": 3650
            }),
        )
        .await,
    );
    // create_approver.md: the Swagger body names an approver that exists now (632), the curl
    // creates another with a plain-string password.
    app.post(
        "/v1/approverManagement/create",
        &json!({
          "approverName": "finance-officer@securosys.com",
          "algorithm": "RSA",
          "keySize": 2048,
          "backupPassword": "6se1Qbsi3bJshe",
          "validity": 3650
        }),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        632,
        "res.error.approver.already.existing",
    );
    code_of(
        &put(
            &app,
            "/v1/approverManagement/create",
            &json!({
              "approverName": "officer1@securosys.com",
              "algorithm": "RSA",
              "keySize": 2048,
              "backupPassword": "6se1Qbsi3bJshe",
              "validity": 3650
            }),
        )
        .await,
    );
    let body = status(&app).await;
    assert_eq!(body["onboarded"], json!([]));
    assert_eq!(
        names(&body["pending"]),
        [
            "devops-sebastianfernandez@securosys.com",
            "finance-officer@securosys.com",
            "officer1@securosys.com"
        ]
    );

    // Onboard: the printed body with the code we got.
    let reply = app
        .post(
            "/v1/approver/onboard",
            &json!({
              "approverName": "finance-officer@securosys.com",
              "oneTimeCode": chars(&finance),
              "transportPassword":  [ "A","n","M","r","g","9","H","o","5","P","L","q","q","R","8","k","m","H","h","f","g","s","v","p","8","i","T","2","O","l","p","W" ]
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["encryptedPayload", "initializationVector"]);
    let dir = tempfile::tempdir().unwrap();
    open_onboarding(dir.path(), &reply.body, TRANSPORT, "2al15");
    let officer = Onboarded { dir };
    let subject = openssl::run(
        &[
            "x509",
            "-in",
            &officer.path("cert.pem"),
            "-noout",
            "-subject",
        ],
        b"",
    );
    assert!(
        String::from_utf8_lossy(&subject).contains("finance-officer@securosys.com"),
        "{}",
        String::from_utf8_lossy(&subject)
    );
    // The code is spent.
    app.post(
        "/v1/approver/onboard",
        &json!({"approverName": "finance-officer@securosys.com", "oneTimeCode": chars(&finance),
            "transportPassword": TRANSPORT}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        412,
        "res.error.invalid.onetimepassword",
    );

    // Status: onboarded with a PEM certificate of the approver's key.
    let body = status(&app).await;
    assert_eq!(names(&body["onboarded"]), ["finance-officer@securosys.com"]);
    let pem = body["onboarded"][0]["approverCertificate"]
        .as_str()
        .unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    let der = openssl::run(&["x509", "-outform", "DER"], pem.as_bytes());
    assert_eq!(der, officer.certificate_der());

    // Restore from backup (password known): a new code opens the same PKCS#12.
    let restored = code_of(
        &app.post(
            "/v1/approverManagement/restoreFromBackup",
            &json!({
              "approverName": "finance-officer@securosys.com"
            }),
        )
        .await,
    );
    let again = onboard(&app, "finance-officer@securosys.com", &restored, "2al15").await;
    assert_eq!(again.spki(), officer.spki());

    // Forgot password: an unwrap request, executed at once (the backup key has no policy),
    // whose result is the code; the new PKCS#12 opens with the new password.
    let reply = app
        .post(
            "/v1/approverManagement/restoreFromBackup/forgotPassword",
            &json!({
              "approverName": "finance-officer@securosys.com",
              "newBackupPassword": [ "a", "b", "c", "d" ]
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["unwrapRequestId"].as_str().unwrap();
    let request = app.get(&format!("/v1/request/{id}")).await;
    assert_eq!(request.status, StatusCode::OK);
    assert_eq!(request.body["id"], id);
    assert_eq!(request.body["status"], "EXECUTED", "{}", request.body);
    assert_eq!(request.body["approvedBy"], json!([]));
    let code = request.body["result"].as_str().unwrap();
    let renewed = onboard(&app, "finance-officer@securosys.com", code, "abcd").await;
    assert_eq!(renewed.spki(), officer.spki());

    // Renew: the Swagger body names an approver that was never created, the curl one exists.
    app.post(
        "/v1/approverManagement/renewOneTimeCode",
        &json!({
          "approverName": "financeOfficer1@securosys.com"
        }),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        413,
        "res.error.approver.not.existent",
    );
    let devops = code_of(
        &app.post(
            "/v1/approverManagement/renewOneTimeCode",
            &json!({
              "approverName": "devops-sebastianfernandez@securosys.com"
            }),
        )
        .await,
    );
    onboard(
        &app,
        "devops-sebastianfernandez@securosys.com",
        &devops,
        "6se1Q",
    )
    .await;

    // Delete.
    let reply = app
        .delete("/v1/approverManagement/delete/officer1@securosys.com")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.delete("/v1/approverManagement/delete/officer1@securosys.com")
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            413,
            "res.error.approver.not.existent",
        );
    let body = status(&app).await;
    assert_eq!(
        names(&body["onboarded"]),
        [
            "devops-sebastianfernandez@securosys.com",
            "finance-officer@securosys.com"
        ]
    );
    assert_eq!(body["pending"], json!([]));
}

fn ec_key(label: &str, policy: Value) -> Value {
    json!({"label": label, "algorithm": "EC", "curveOid": P256,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true,
            "extractable": false, "sensitive": true},
        "policy": policy})
}

fn policy_naming(approver: &str) -> Value {
    json!({
        "ruleUse": {"tokens": [{"name": "main", "timelock": 0, "timeout": 0, "groups": [
            {"name": "main", "quorum": 1, "approvals": [
                {"type": "onboarded_approver_certificate", "name": approver}]}]}]},
        "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
        "keyStatus": {"blocked": false}
    })
}

async fn create(app: &TestApp, name: &str, backup: &str) -> String {
    code_of(
        &app.post(
            "/v1/approverManagement/create",
            &json!({"approverName": name, "algorithm": "RSA", "keySize": 2048,
                "backupPassword": backup, "validity": 30}),
        )
        .await,
    )
}

#[tokio::test]
async fn an_onboarded_approver_approves_a_signature_with_the_key_from_its_pkcs12() {
    let app = spawn_app().await;
    let code = create(&app, "signer@example.com", "backup-pw").await;
    let signer = onboard(&app, "signer@example.com", &code, "backup-pw").await;
    app.create_key(&ec_key("guarded", policy_naming("signer@example.com")))
        .await;

    // The rule needs the approver: a synchronous sign is refused.
    app.post(
        "/v1/synchronousSign",
        &sign_request("guarded", "SHA256_WITH_ECDSA", b"pay 10", "DER"),
    )
    .await
    .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");

    let reply = app
        .post(
            "/v1/sign",
            &sign_request("guarded", "SHA256_WITH_ECDSA", b"pay 10", "DER"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["signRequestId"].as_str().unwrap().to_owned();
    let pending = app.get(&format!("/v1/request/{id}")).await.body;
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(
        pending["notYetApprovedBy"],
        json!([STANDARD.encode(signer.spki())])
    );

    // Timestamp authentication with the certificate from the PKCS#12.
    let tasks = signer.tasks(&app, "/v1/filteredSignApprovalTask").await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(
        tasks[0]["approverPublicKey"],
        STANDARD.encode(signer.spki())
    );
    let reply = signer.approve(&app, &tasks[0]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let done = app.get(&format!("/v1/request/{id}")).await.body;
    assert_eq!(done["status"], "EXECUTED", "{done}");
    assert_eq!(done["approvedBy"], json!([STANDARD.encode(signer.spki())]));
    crate::ska::assert_signature_verifies(&app, "guarded", &done, b"pay 10").await;
}

#[tokio::test]
async fn the_control_api_approves_as_a_managed_approver_and_lists_fixture_ones_as_onboarded() {
    let app = spawn_app().await;
    let code = create(&app, "robot@example.com", "backup-pw").await;
    onboard(&app, "robot@example.com", &code, "backup-pw").await;
    app.create_key(&ec_key("scripted", policy_naming("robot@example.com")))
        .await;
    let reply = app
        .post(
            "/v1/sign",
            &sign_request("scripted", "SHA256_WITH_ECDSA", b"by script", "DER"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["signRequestId"].as_str().unwrap().to_owned();
    let open = app.get("/_emulator/requests").await.body;
    let task = &open["requests"][0]["tasks"][0];
    assert_eq!(task["approver"], "robot@example.com", "{open}");
    let reply = app
        .post(
            &format!("/_emulator/tasks/{}/approve", task["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = app.get(&format!("/v1/request/{id}")).await.body;
    crate::ska::assert_signature_verifies(&app, "scripted", &done, b"by script").await;

    // An approver the control API adds with `onboarded` has a certificate and is listed as
    // onboarded, as a fixture's would be.
    let reply = app
        .post(
            "/_emulator/approvers",
            &json!({"name": "fixture-like", "algorithm": "RSA", "onboarded": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let pem = reply.body["certificate"].as_str().unwrap().to_owned();
    let text = String::from_utf8(openssl::run(
        &["x509", "-noout", "-subject", "-issuer"],
        pem.as_bytes(),
    ))
    .unwrap();
    assert!(text.contains("subject=CN = fixture-like"), "{text}");
    assert!(text.contains("issuer=CN = fixture-like"), "{text}");
    let body = status(&app).await;
    assert_eq!(
        names(&body["onboarded"]),
        ["fixture-like", "robot@example.com"]
    );
}

#[tokio::test]
async fn a_policy_naming_an_approver_not_onboarded_waits_until_it_onboards() {
    let app = spawn_app().await;
    // Unknown when the key is made: accepted, nobody can approve yet.
    app.create_key(&ec_key("later", policy_naming("late@example.com")))
        .await;
    let early = app
        .post(
            "/v1/sign",
            &sign_request("later", "SHA256_WITH_ECDSA", b"x", "DER"),
        )
        .await
        .body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.get(&format!("/v1/request/{early}")).await.body;
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["notYetApprovedBy"], json!([]));

    // Created but pending: still no approver.
    let code = create(&app, "late@example.com", "pw").await;
    let pending = app
        .post(
            "/v1/sign",
            &sign_request("later", "SHA256_WITH_ECDSA", b"y", "DER"),
        )
        .await;
    let pending = pending.body["signRequestId"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/v1/request/{pending}")).await.body["notYetApprovedBy"],
        json!([])
    );

    let late = onboard(&app, "late@example.com", &code, "pw").await;
    let id = app
        .post(
            "/v1/sign",
            &sign_request("later", "SHA256_WITH_ECDSA", b"z", "DER"),
        )
        .await
        .body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let tasks = late.tasks(&app, "/v1/filteredAllApprovalTask").await;
    assert_eq!(
        tasks.len(),
        1,
        "tasks only for requests made after onboarding: {tasks:?}"
    );
    assert_eq!(late.approve(&app, &tasks[0]).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/v1/request/{id}")).await.body["status"],
        "EXECUTED"
    );
}

#[tokio::test]
async fn wrong_codes_and_bad_inputs_are_refused_in_tsb_shape_and_change_nothing() {
    let app = spawn_app().await;
    let create_with = |changes: Value| {
        let mut body = json!({"approverName": "a@example.com", "algorithm": "RSA",
            "keySize": 2048, "backupPassword": "pw", "validity": 10});
        for (field, value) in changes.as_object().unwrap() {
            body[field] = value.clone();
        }
        body
    };
    let path = "/v1/approverManagement/create";
    for (changes, code, reason) in [
        (
            json!({"algorithm": "EC"}),
            600,
            "res.error.input.validation.failed",
        ),
        (
            json!({"algorithm": null}),
            600,
            "res.error.input.validation.failed",
        ),
        (json!({"keySize": 1024}), 603, "res.error.input.keysize"),
        (
            json!({"approverName": null}),
            600,
            "res.error.input.validation.failed",
        ),
        (
            json!({"approverName": " "}),
            633,
            "res.error.input.no.value.for.approver.mgmt",
        ),
        (
            json!({"backupPassword": []}),
            633,
            "res.error.input.no.value.for.approver.mgmt",
        ),
        (
            json!({"backupPassword": null}),
            600,
            "res.error.input.validation.failed",
        ),
        (
            json!({"backupPassword": 5}),
            600,
            "res.error.input.validation.failed",
        ),
        (
            json!({"validity": -1}),
            600,
            "res.error.input.validation.failed",
        ),
    ] {
        app.post(path, &create_with(changes.clone()))
            .await
            .assert_error(StatusCode::BAD_REQUEST, code, reason);
    }
    assert_eq!(status(&app).await, json!({"onboarded": [], "pending": []}));

    let code = create(&app, "a@example.com", "pw").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let onboard_with = |code: &str, transport: &str| json!({"approverName": "a@example.com", "oneTimeCode": code, "transportPassword": transport});
    app.post("/v1/approver/onboard", &onboard_with(wrong, TRANSPORT))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            412,
            "res.error.invalid.onetimepassword",
        );
    // A transport password of the wrong length is refused before the code is spent.
    app.post(
        "/v1/approver/onboard",
        &onboard_with(&code, "fifteen-chars!!"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    app.post(
        "/v1/approver/onboard",
        &json!({"approverName": "nobody@example.com", "oneTimeCode": code,
            "transportPassword": TRANSPORT}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        413,
        "res.error.approver.not.existent",
    );
    assert_eq!(names(&status(&app).await["pending"]), ["a@example.com"]);
    // A 16-character transport password (AES-128) and the right code work once.
    let reply = app
        .post(
            "/v1/approver/onboard",
            &onboard_with(&code, "0123456789abcdef"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let dir = tempfile::tempdir().unwrap();
    open_onboarding(dir.path(), &reply.body, "0123456789abcdef", "pw");
    app.post("/v1/approver/onboard", &onboard_with(&code, TRANSPORT))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            412,
            "res.error.invalid.onetimepassword",
        );
    // A renewed code replaces the old one.
    let first = code_of(
        &app.post(
            "/v1/approverManagement/renewOneTimeCode",
            &json!({"approverName": "a@example.com"}),
        )
        .await,
    );
    let second = code_of(
        &app.post(
            "/v1/approverManagement/renewOneTimeCode",
            &json!({"approverName": "a@example.com"}),
        )
        .await,
    );
    if first != second {
        app.post("/v1/approver/onboard", &onboard_with(&first, TRANSPORT))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                412,
                "res.error.invalid.onetimepassword",
            );
    }
    assert_eq!(
        app.post("/v1/approver/onboard", &onboard_with(&second, TRANSPORT))
            .await
            .status,
        StatusCode::OK
    );
    app.post(
        "/v1/approverManagement/restoreFromBackup/forgotPassword",
        &json!({"approverName": "nobody@example.com", "newBackupPassword": "x"}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        413,
        "res.error.approver.not.existent",
    );
}

#[tokio::test]
async fn forgot_password_waits_for_the_backup_keys_policy() {
    let app = spawn_app().await;
    let code = create(&app, "guardian@example.com", "g").await;
    let guardian = onboard(&app, "guardian@example.com", &code, "g").await;
    create(&app, "lost@example.com", "old").await;
    // The backup key exists from the first create on, with an empty policy: give it a
    // ruleUse naming the guardian.
    let reply = app
        .post(
            "/v1/synchronousModify",
            &json!({"modifyRequest": {
                "modifyKeyName": "approver-mgmt-backup-key-rsa-wrapping",
                "policy": policy_naming("guardian@example.com")}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let reply = app
        .post(
            "/v1/approverManagement/restoreFromBackup/forgotPassword",
            &json!({"approverName": "lost@example.com", "newBackupPassword": "new"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["unwrapRequestId"].as_str().unwrap().to_owned();
    let body = app.get(&format!("/v1/request/{id}")).await.body;
    assert_eq!(body["status"], "PENDING", "{body}");
    assert_eq!(body["result"], Value::Null);

    let tasks = guardian
        .tasks(&app, "/v1/filteredUnwrapKeyApprovalTask")
        .await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        !STANDARD
            .decode(tasks[0]["approvalToBeSigned"].as_str().unwrap())
            .unwrap()
            .windows(3)
            .any(|w| w == b"new"),
        "the new password is nowhere in the task"
    );
    assert_eq!(
        guardian.approve(&app, &tasks[0]).await.status,
        StatusCode::OK
    );
    let body = app.get(&format!("/v1/request/{id}")).await.body;
    assert_eq!(body["status"], "EXECUTED", "{body}");
    let code = body["result"].as_str().unwrap();
    onboard(&app, "lost@example.com", code, "new").await;
}

#[tokio::test]
async fn approvers_and_codes_survive_a_restart_and_codes_are_never_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let options = || HsmOptions {
        rsa_supply: Some(Arc::new(FixtureSupply::new())),
        ..HsmOptions::default()
    };
    let (pending, onboarded) = {
        let app = spawn_app_with(KeyStore::open(dir.path()).unwrap(), options()).await;
        let pending = create(&app, "pending@example.com", "p").await;
        let code = create(&app, "done@example.com", "d").await;
        let done = onboard(&app, "done@example.com", &code, "d").await;
        (pending, done)
    };
    let app = spawn_app_with(KeyStore::open(dir.path()).unwrap(), options()).await;
    let body = status(&app).await;
    assert_eq!(names(&body["onboarded"]), ["done@example.com"]);
    assert_eq!(names(&body["pending"]), ["pending@example.com"]);
    onboard(&app, "pending@example.com", &pending, "p").await;
    // The onboarded approver still approves after the restart.
    app.create_key(&ec_key("after", policy_naming("done@example.com")))
        .await;
    let id = app
        .post(
            "/v1/sign",
            &sign_request("after", "SHA256_WITH_ECDSA", b"r", "DER"),
        )
        .await
        .body["signRequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let tasks = onboarded.tasks(&app, "/v1/filteredSignApprovalTask").await;
    assert_eq!(
        onboarded.approve(&app, &tasks[0]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/v1/request/{id}")).await.body["status"],
        "EXECUTED"
    );

    // The journal with bodies: codes and passwords are redacted.
    let (app, _) = spawn_app_with_state(|state| tsb_emulator::AppState {
        observer: Arc::new(tsb_emulator::api::Observer::new(10).with_bodies(true)),
        ..state
    })
    .await;
    let code = create(&app, "j@example.com", "journal-backup-secret").await;
    app.post(
        "/v1/approver/onboard",
        &json!({"approverName": "j@example.com", "oneTimeCode": code,
            "transportPassword": "journal-transport-secret-32-char"}),
    )
    .await;
    let journal = app.get("/_emulator/journal").await.body;
    let text = journal.to_string();
    assert_eq!(
        journal["entries"][1]["requestBody"]["oneTimeCode"], "***",
        "{journal}"
    );
    assert_eq!(
        journal["entries"][1]["requestBody"]["transportPassword"],
        "***"
    );
    assert_eq!(
        journal["entries"][0]["requestBody"]["backupPassword"],
        "***"
    );
    assert!(
        !text.contains(&format!("\"{code}\""))
            && !text.contains("journal-backup-secret")
            && !text.contains("journal-transport-secret"),
        "{text}"
    );
}

//! Fixture manifests: loading, keeping existing keys, errors naming file/key/field, reset, the
//! JSON Schema agreeing with the loader.

use crate::helpers::{TestApp, fixtures, spawn_app, spawn_app_with_state};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use tsb_emulator::fixtures::{self as manifest};

fn example() -> std::path::PathBuf {
    fixtures().join("example")
}

/// An app whose device loaded the example fixture set.
async fn app_with_example() -> TestApp {
    app_with_example_and_device().await.0
}

async fn app_with_example_and_device() -> (TestApp, tsb_emulator::hsm::Hsm) {
    let (app, hsm) = spawn_app_with_state(|state| state).await;
    let set = manifest::load(&example()).expect("example loads");
    hsm.load_fixtures(set.keys).await.expect("fixtures load");
    (app, hsm)
}

fn write_manifest(dir: &Path, text: &str) -> std::path::PathBuf {
    let file = dir.join("manifest.yaml");
    std::fs::write(&file, text).expect("written");
    file
}

#[tokio::test]
async fn the_example_set_loads_its_keys_as_the_api_would_create_them() {
    let app = app_with_example().await;
    assert_eq!(
        app.labels().await,
        [
            "aes-data",
            "ec-generated",
            "ec-signer",
            "ed-signer",
            "rsa-signer"
        ]
    );
    let rsa = app.get("/v1/key/rsa-signer/attributes").await;
    assert_eq!(rsa.status, StatusCode::OK);
    assert_eq!(rsa.body["json"]["keySize"], 2048);
    // The password protects the key exactly as one set through the API would.
    let locked = app
        .post("/v1/key/attributes", &json!({"label": "ec-signer"}))
        .await;
    locked.assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    let unlocked = app
        .post(
            "/v1/key/attributes",
            &json!({"label": "ec-signer", "password": "fixture-password"}),
        )
        .await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    assert_eq!(unlocked.body["json"]["curveOid"], "1.2.840.10045.3.1.7");
}

#[tokio::test]
async fn the_imported_rsa_key_is_the_committed_pem_as_openssl_sees_it() {
    let app = app_with_example().await;
    let reply = app.get("/v1/key/rsa-signer/attributes").await;
    let ours = reply.body["json"]["publicKey"].as_str().unwrap().to_owned();
    let output = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(fixtures().join("keys/rsa-2048-1.pem"))
        .output()
        .expect("openssl runs");
    assert!(output.status.success());
    use base64::Engine;
    assert_eq!(
        ours,
        base64::engine::general_purpose::STANDARD.encode(output.stdout)
    );
}

#[tokio::test]
async fn loading_twice_keeps_the_existing_keys() {
    let (app, hsm) = app_with_example_and_device().await;
    let before = app.get("/v1/key/ec-generated/attributes").await;
    let set = manifest::load(&example()).unwrap();
    let report = hsm.load_fixtures(set.keys).await.unwrap();
    assert!(report.created.is_empty());
    assert_eq!(report.kept.len(), 5);
    let after = app.get("/v1/key/ec-generated/attributes").await;
    assert_eq!(
        before.body["json"]["publicKey"],
        after.body["json"]["publicKey"]
    );
}

#[tokio::test]
async fn reset_deletes_other_keys_and_restores_the_fixture_keys_with_their_material() {
    let app = app_with_example().await;
    let generated =
        app.get("/v1/key/ec-generated/attributes").await.body["json"]["publicKey"].clone();
    app.create_seed_key("made-by-a-test", 2048).await;
    assert_eq!(
        app.delete("/v1/key/rsa-signer").await.status,
        StatusCode::OK
    );
    let reply = app.post("/_emulator/reset", &json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"keys": 5}));
    assert_eq!(
        app.labels().await,
        [
            "aes-data",
            "ec-generated",
            "ec-signer",
            "ed-signer",
            "rsa-signer"
        ]
    );
    let again = app.get("/v1/key/ec-generated/attributes").await.body["json"]["publicKey"].clone();
    assert_eq!(
        generated, again,
        "a generated fixture key keeps its material"
    );
}

#[tokio::test]
async fn reset_without_fixtures_empties_the_store() {
    let app = spawn_app().await;
    app.create_seed_key("temporary", 2048).await;
    assert_eq!(
        app.post("/_emulator/reset", &json!({})).await.status,
        StatusCode::OK
    );
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn the_keys_listing_shows_metadata_but_no_secrets() {
    let app = app_with_example().await;
    let reply = app.get("/_emulator/keys").await;
    assert_eq!(reply.status, StatusCode::OK);
    let keys = reply.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 5);
    let ec = keys.iter().find(|k| k["label"] == "ec-signer").unwrap();
    assert_eq!(ec["algorithm"], "EC");
    assert_eq!(ec["hasPassword"], true);
    assert_eq!(ec["imported"], true);
    let text = reply.body.to_string();
    assert!(!text.contains("fixture-password"));
    assert!(!text.contains("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="));
    assert!(!text.to_lowercase().contains("privatekey\":\""));
}

#[test]
fn the_example_manifest_satisfies_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("manifest.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for set in [example(), fixtures().join("ska")] {
        let text = std::fs::read_to_string(set.join("manifest.yaml")).unwrap();
        let instance: Value = serde_norway::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", set.display());
        assert!(manifest::load(&set.join("manifest.yaml")).is_ok());
    }
}

#[test]
fn schema_and_loader_refuse_the_same_broken_manifests() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("manifest.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = |extra: &str| {
        format!(
            "version: 1\nkeys:\n  - label: k\n    algorithm: AES\n    attributes: {{decrypt: true, sign: false, unwrap: false}}\n{extra}"
        )
    };
    for broken in [
        key(""),                                                   // neither material nor generate
        key("    generate: true\n    material: {base64: AAAA}\n"), // both
        key("    generate: true\n    colour: blue\n"),             // unknown field
        key("    material: {base64: AAAA, pem: x}\n"),             // two sources
        "version: 2\nkeys: []\n".to_owned(),
        "version: 1\napprovers:\n  - {name: a, algorithm: ED}\nkeys: []\n".to_owned(), // no key source
        "version: 1\napprovers:\n  - {name: a, algorithm: DSA, generate: true}\nkeys: []\n".to_owned(),
        "version: 1\napprovers:\n  - {name: a/b, algorithm: ED, generate: true}\nkeys: []\n".to_owned(),
        "version: 1\napprovers:\n  - {name: a, algorithm: ED, generate: true, decision: {decision: maybe}}\nkeys: []\n".to_owned(),
    ] {
        let file = write_manifest(dir.path(), &broken);
        let instance: Value = serde_norway::from_str(&broken).unwrap();
        assert!(!validator.is_valid(&instance), "schema accepts:\n{broken}");
        assert!(manifest::load(&file).is_err(), "loader accepts:\n{broken}");
    }
}

#[test]
fn a_broken_manifest_is_reported_with_its_file_key_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_manifest(
        dir.path(),
        "version: 1\nkeys:\n  - label: signer\n    algorithm: EC\n    curveOid: 1.2.840.10045.3.1.7\n    attributes: {decrypt: false, unwrap: false}\n    generate: true\n",
    );
    let error = manifest::load(&file).unwrap_err();
    assert_eq!(error.file, file);
    assert_eq!(error.key.as_deref(), Some("signer"));
    assert_eq!(error.field.as_deref(), Some("attributes.sign"));
    let text = error.to_string();
    assert!(
        text.contains("manifest.yaml")
            && text.contains("'signer'")
            && text.contains("attributes.sign"),
        "{text}"
    );
}

#[test]
fn a_missing_material_file_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_manifest(
        dir.path(),
        "version: 1\nkeys:\n  - label: r\n    algorithm: RSA\n    attributes: {decrypt: false, sign: true, unwrap: false}\n    material: {file: nowhere.pem}\n",
    );
    let error = manifest::load(&file).unwrap_err();
    assert_eq!(error.key.as_deref(), Some("r"));
    assert_eq!(error.field.as_deref(), Some("material.file"));
}

#[test]
fn material_that_is_not_the_declared_algorithm_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pem = fixtures().join("keys/rsa-2048-1.pem");
    let file = write_manifest(
        dir.path(),
        &format!(
            "version: 1\nkeys:\n  - label: e\n    algorithm: EC\n    attributes: {{decrypt: false, sign: true, unwrap: false}}\n    material: {{file: {}}}\n",
            pem.display()
        ),
    );
    let error = manifest::load(&file).unwrap_err();
    assert_eq!(error.key.as_deref(), Some("e"));
    assert_eq!(error.field.as_deref(), Some("material.file"));
}

#[test]
fn a_json_manifest_loads_like_a_yaml_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.json");
    std::fs::write(
        &file,
        json!({"version": 1, "keys": [{"label": "h", "algorithm": "HMACSHA256",
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}, "generate": true}]})
        .to_string(),
    )
    .unwrap();
    let set = manifest::load(dir.path()).expect("a folder of manifests loads");
    assert_eq!(set.keys.len(), 1);
}

#[tokio::test]
async fn a_suite_run_twice_with_a_reset_between_gets_byte_identical_answers() {
    let app = app_with_example().await;
    async fn suite(app: &TestApp) -> Vec<String> {
        let mut out = Vec::new();
        // Deterministic operations only: PKCS#1 v1.5 and Ed25519 signatures, AES-ECB, listings.
        for (key, algorithm) in [("rsa-signer", "SHA256_WITH_RSA"), ("ed-signer", "EDDSA")] {
            let reply = app
                .post(
                    "/v1/synchronousSign",
                    &crate::helpers::sign_request(key, algorithm, b"same input", "DER"),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            out.push(reply.body.to_string());
        }
        let encrypt = app
            .post(
                "/v1/encrypt",
                &json!({"encryptRequest": {"encryptKeyName": "aes-data",
                        "payload": "AAECAwQFBgcICQoLDA0ODw==", "cipherAlgorithm": "AES_ECB"}}),
            )
            .await;
        assert_eq!(encrypt.status, StatusCode::OK, "{}", encrypt.body);
        out.push(encrypt.body.to_string());
        app.create_seed_key("made-during-the-suite", 2048).await;
        out.push(app.get("/v1/key").await.body.to_string());
        let mut keys = app.get("/_emulator/keys").await.body;
        // Keys made by the suite itself get a new createTime; the fixture keys keep theirs.
        keys["keys"]
            .as_array_mut()
            .unwrap()
            .retain(|k| k["label"] != "made-during-the-suite");
        out.push(keys.to_string());
        out
    }
    let first = suite(&app).await;
    assert_eq!(
        app.post("/_emulator/reset", &json!({})).await.status,
        StatusCode::OK
    );
    let second = suite(&app).await;
    assert_eq!(first, second);
}

#[test]
fn a_label_declared_twice_in_a_folder_of_manifests_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = "version: 1\nkeys:\n  - label: twice\n    algorithm: AES\n    attributes: {decrypt: true, sign: false, unwrap: false}\n    generate: true\n";
    std::fs::write(dir.path().join("a.yaml"), key).unwrap();
    std::fs::write(dir.path().join("b.yml"), key).unwrap();
    let error = manifest::load(dir.path()).unwrap_err();
    assert_eq!(error.file, dir.path().join("b.yml"));
    assert_eq!(error.key.as_deref(), Some("twice"));
    assert_eq!(error.field.as_deref(), Some("label"));
}

#[tokio::test]
async fn material_files_may_be_der_or_base64_text() {
    let dir = tempfile::tempdir().unwrap();
    let der = std::process::Command::new("openssl")
        .args(["pkey", "-outform", "DER", "-in"])
        .arg(fixtures().join("keys/ec-p256-1.pem"))
        .output()
        .expect("openssl runs");
    assert!(der.status.success());
    std::fs::write(dir.path().join("ec.der"), &der.stdout).unwrap();
    std::fs::write(
        dir.path().join("hmac.b64"),
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    )
    .unwrap();
    let file = write_manifest(
        dir.path(),
        "version: 1\nkeys:\n  - label: ec\n    algorithm: EC\n    attributes: {decrypt: false, sign: true, unwrap: false}\n    material: {file: ec.der}\n  - label: mac\n    algorithm: HMACSHA256\n    attributes: {decrypt: false, sign: true, unwrap: false}\n    material: {file: hmac.b64}\n",
    );
    let (app, hsm) = spawn_app_with_state(|state| state).await;
    hsm.load_fixtures(manifest::load(&file).unwrap().keys)
        .await
        .unwrap();
    let mac = app.get("/_emulator/keys").await.body;
    let keys = mac["keys"].as_array().unwrap();
    assert_eq!(keys[0]["label"], "ec");
    assert_eq!(keys[0]["curveOid"], "1.2.840.10045.3.1.7");
    assert_eq!(keys[1]["keySize"], 256);
}

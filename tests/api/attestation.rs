//! Attestation a client can check end to end: the chain (test root CA → attestation key),
//! `xmlSignature` against the chain, and the `keyAttestation` zip bundle.

use crate::helpers::{seed_key_request, spawn_app};
use crate::openssl;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use serde_json::json;
use std::io::Read;
use tower::ServiceExt;

fn pem(der: &[u8]) -> String {
    String::from_utf8(openssl::run(&["x509", "-inform", "DER"], der)).expect("PEM")
}

/// `openssl verify -CAfile root leaf` succeeds.
fn verifies(root: &str, leaf: &str) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let (root_path, leaf_path) = (dir.path().join("root.pem"), dir.path().join("leaf.pem"));
    std::fs::write(&root_path, root).expect("write");
    std::fs::write(&leaf_path, leaf).expect("write");
    let output = openssl::output(
        &[
            "verify",
            "-CAfile",
            root_path.to_str().expect("utf-8"),
            leaf_path.to_str().expect("utf-8"),
        ],
        b"",
    );
    output.status.success()
}

#[tokio::test]
async fn the_attestation_chain_verifies_and_certifies_the_key_that_signs_key_info() {
    let app = spawn_app().await;
    let reply = app.get("/v1/attestation/certificateChain").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let chain: Vec<Vec<u8>> = reply.body["attestationCertificateChain"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| STANDARD.decode(c.as_str().expect("b64")).expect("b64"))
        .collect();
    assert_eq!(chain.len(), 2);
    let (leaf, root) = (pem(&chain[0]), pem(&chain[1]));
    assert!(verifies(&root, &root), "the root is a self-signed CA");
    assert!(
        verifies(&root, &leaf),
        "the attestation certificate chains to the root"
    );
    let text = String::from_utf8_lossy(&openssl::run(
        &["x509", "-noout", "-subject", "-issuer"],
        leaf.as_bytes(),
    ))
    .into_owned();
    assert!(
        text.contains("CN = attestation-key")
            && text.contains("CN = tsb-emulator Attestation Root CA"),
        "{text}"
    );

    // The certified key is the one that signs key info.
    let certified = openssl::run(&["x509", "-noout", "-pubkey"], leaf.as_bytes());
    let certified = openssl::run(&["pkey", "-pubin", "-outform", "DER"], &certified);
    assert_eq!(
        certified,
        openssl::fixture_public_key("attestation-rsa-2048")
    );
    let created = app.create_seed_key("attested", 2048).await;
    let signature = STANDARD
        .decode(created["xmlSignature"].as_str().expect("b64"))
        .expect("b64");
    assert!(openssl::verifies_sha256(
        &certified,
        &signature,
        created["xml"].as_str().expect("xml").as_bytes()
    ));
}

#[tokio::test]
async fn the_key_attestation_bundle_holds_everything_to_check_the_key() {
    let app = spawn_app().await;
    let mut request = seed_key_request("bundled", 2048);
    request["password"] = json!("pw");
    app.create_key(&request).await;

    let request = Request::post("/v1/key/keyAttestation")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"label": "bundled", "password": "pw"}).to_string(),
        ))
        .expect("request");
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"bundled_attestation.zip\""
    );
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();

    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip file");
    let mut files = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("entry");
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("read");
        files.insert(file.name().to_owned(), content);
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "PrimusHSM_Attestation.crt",
            "README_PrimusHSM_AuditAndAttestation_AN-E01.md",
            "bundled.pem",
            "bundled.sig",
            "bundled.xml"
        ]
    );

    let xml = &files["bundled.xml"];
    assert!(String::from_utf8_lossy(xml).contains("<label>bundled</label>"));
    let public = openssl::run(
        &["pkey", "-pubin", "-outform", "DER"],
        &files["bundled.pem"],
    );
    assert!(openssl::verifies_sha256(
        &public,
        &files["bundled.sig"],
        xml
    ));
    let chain = String::from_utf8(files["PrimusHSM_Attestation.crt"].clone()).expect("PEM");
    let blocks: Vec<&str> = chain
        .split_inclusive("-----END CERTIFICATE-----\n")
        .collect();
    assert_eq!(blocks.len(), 2);
    assert!(verifies(blocks[1], blocks[0]));
    let certified = openssl::run(&["x509", "-noout", "-pubkey"], blocks[0].as_bytes());
    assert_eq!(
        openssl::run(&["pkey", "-pubin", "-outform", "DER"], &certified),
        public
    );

    app.post(
        "/v1/key/keyAttestation",
        &json!({"label": "bundled", "password": "wrong"}),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        620,
        "res.error.key.password.mismatch",
    );
    app.post("/v1/key/keyAttestation", &json!({"label": "ghost"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, 650, "res.error.key.not.existent");
}

//! Certificates: self-signed (RSA and EC), the certificate a CSR attaches, EC CSRs, and
//! importing, reading and deleting a key's certificate. Every artefact is checked by openssl.

use crate::helpers::{fixtures, seed_csr_request, seed_key_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Writes `pem` to a temp dir and runs `openssl x509 -text` on it.
fn x509_text(pem: &str) -> String {
    String::from_utf8_lossy(&openssl::run(
        &["x509", "-noout", "-text", "-nameopt", "oneline"],
        pem.as_bytes(),
    ))
    .into_owned()
}

/// `openssl verify -CAfile ca [-untrusted chain] cert` succeeds.
fn openssl_verifies(ca: &str, untrusted: Option<&str>, certificate: &str) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let (ca, cert) = (write("ca.pem", ca), write("cert.pem", certificate));
    let mut args = vec!["verify".to_owned(), "-CAfile".to_owned(), ca];
    if let Some(chain) = untrusted {
        args.extend(["-untrusted".to_owned(), write("chain.pem", chain)]);
    }
    args.push(cert);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = openssl::output(&args, b"");
    output.status.success() && String::from_utf8_lossy(&output.stdout).contains(": OK")
}

fn today_midnight_text() -> String {
    // openssl prints e.g. "Nov 29 00:00:00 2026 GMT"; compare the time part and the year.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let year = tsb_emulator::domain::Timestamp(now).to_string()[..4].to_owned();
    format!("00:00:00 {year} GMT")
}

fn self_sign_request(label: &str, algorithm: &str) -> Value {
    json!({
        "signKeyName": label, "keyPassword": null, "validity": 3650,
        "signatureAlgorithm": algorithm, "commonName": "Demo Root CA",
        "certificateAuthority": true,
        "keyUsage": ["DIGITAL_SIGNATURE", "KEY_CERT_SIGN", "CRL_SIGN"],
        "extendedKeyUsage": ["ANY_EXTENDED_KEY_USAGE"]
    })
}

#[tokio::test]
async fn a_self_signed_rsa_ca_certificate_has_the_tsb_profile_and_openssl_trusts_it() {
    let app = spawn_app().await;
    app.create_seed_key("ca", 2048).await;
    let reply = app
        .post(
            "/v1/certificate/synchronous/selfsign",
            &self_sign_request("ca", "SHA256_WITH_RSA"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["label"], "ca");
    let pem = reply.body["certificate"].as_str().expect("PEM").to_owned();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    let text = x509_text(&pem);
    for expected in [
        "Version: 3 (0x2)",
        "Issuer: CN = Demo Root CA",
        "Subject: CN = Demo Root CA",
        "Signature Algorithm: sha256WithRSAEncryption",
        "CA:TRUE",
        "X509v3 Key Usage: critical",
        "Digital Signature, Certificate Sign, CRL Sign",
        "X509v3 Extended Key Usage: critical",
        "Any Extended Key Usage",
        "X509v3 Subject Key Identifier",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("Not Before") && l.contains(&today_midnight_text())),
        "{text}"
    );
    let end_year: u32 = today_midnight_text()[9..13].parse().expect("year");
    assert!(
        text.lines().any(|l| l.contains("Not After")
            && (l.contains(&(end_year + 9).to_string())
                || l.contains(&(end_year + 10).to_string()))),
        "{text}"
    );
    assert!(
        openssl_verifies(&pem, None, &pem),
        "a self-signed CA verifies against itself"
    );

    // The certificate is stored with the key.
    let stored = app.get("/v1/certificate/ca").await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    assert_eq!(stored.body["certificate"], pem.as_str());
    let der = openssl::run(&["x509", "-outform", "DER"], pem.as_bytes());
    assert_eq!(
        STANDARD
            .decode(stored.body["rawCertificate"].as_str().expect("b64"))
            .expect("b64"),
        der
    );
}

#[tokio::test]
async fn ec_keys_self_sign_and_make_csrs_with_ecdsa() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    for (label, curve, algorithm, openssl_name) in [
        (
            "p256",
            "1.2.840.10045.3.1.7",
            "SHA256_WITH_ECDSA",
            "ecdsa-with-SHA256",
        ),
        (
            "p384",
            "1.3.132.0.34",
            "SHA384_WITH_ECDSA",
            "ecdsa-with-SHA384",
        ),
        (
            "p521",
            "1.3.132.0.35",
            "SHA512_WITH_ECDSA",
            "ecdsa-with-SHA512",
        ),
    ] {
        app.create_key(&json!({"label": label, "algorithm": "EC", "curveOid": curve, "attributes": attributes})).await;
        let mut request = self_sign_request(label, algorithm);
        request
            .as_object_mut()
            .expect("object")
            .remove("commonName");
        request["standardCertificateAttributes"] =
            json!({"commonName": "ec.example", "organizationName": "Example AG", "country": "CH"});
        let reply = app
            .post("/v1/certificate/synchronous/selfsign", &request)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let pem = reply.body["certificate"].as_str().expect("PEM");
        let text = x509_text(pem);
        assert!(
            text.contains(&format!("Signature Algorithm: {openssl_name}")),
            "{text}"
        );
        assert!(
            text.contains("Subject: C = CH, O = Example AG, CN = ec.example"),
            "{text}"
        );
        assert!(openssl_verifies(pem, None, pem), "{label}");

        let mut csr = seed_csr_request(label);
        csr["signatureAlgorithm"] = json!(algorithm);
        let csr_pem = app.csr(&csr).await;
        let csr_text = openssl::verify_csr(&csr_pem);
        assert!(
            csr_text.contains(&format!("Signature Algorithm: {openssl_name}")),
            "{csr_text}"
        );
    }
    let mut wrong = seed_csr_request("p256");
    wrong["signatureAlgorithm"] = json!("SHA256_WITH_RSA");
    app.post("/v1/certificate/synchronous/request", &wrong)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            607,
            "res.error.algorithm.not.supported.by.key",
        );
    app.create_key(&json!({"label": "ed", "algorithm": "ED", "attributes": attributes}))
        .await;
    app.post(
        "/v1/certificate/synchronous/selfsign",
        &self_sign_request("ed", "SHA256_WITH_ECDSA"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

#[tokio::test]
async fn a_csr_attaches_a_self_signed_certificate_with_its_subject() {
    let app = spawn_app().await;
    app.create_seed_key("sub_certificate_key", 2048).await;
    app.get("/v1/certificate/sub_certificate_key")
        .await
        .assert_error(StatusCode::NOT_FOUND, 650, "res.error.key.not.existent");
    app.csr(&seed_csr_request("sub_certificate_key")).await;
    let stored = app.get("/v1/certificate/sub_certificate_key").await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    let pem = stored.body["certificate"].as_str().expect("PEM");
    let text = x509_text(pem);
    assert!(text.contains("Subject: C = CH, ST = Zurich, L = Zurich, O = Securosys SA, OU = Operations, CN = SUB-Securosys-001"), "{text}");
    // A leaf without keyCertSign is no trust anchor for `openssl verify`, so split it into
    // to-be-signed bytes and signature (x509-cert only parses) and let openssl check the
    // SHA256withRSA signature with the key's public key.
    use der::{Decode, Encode};
    let der = openssl::run(&["x509", "-outform", "DER"], pem.as_bytes());
    let certificate = x509_cert::Certificate::from_der(&der).expect("a certificate");
    let tbs = certificate.tbs_certificate().to_der().expect("encodes");
    let signature = certificate.signature().raw_bytes();
    let public = app.public_key("sub_certificate_key").await;
    assert!(openssl::verifies_sha256(&public, signature, &tbs));
    assert!(!openssl::verifies_sha256(&public, signature, &tbs[1..]));
    let certified = openssl::run(&["x509", "-noout", "-pubkey"], pem.as_bytes());
    let certified = openssl::run(&["pkey", "-pubin", "-outform", "DER"], &certified);
    assert_eq!(certified, app.public_key("sub_certificate_key").await);
}

#[tokio::test]
async fn certificates_are_imported_read_and_deleted_and_must_fit_the_key() {
    let app = spawn_app().await;
    app.create_seed_key("leaf", 2048).await; // the fixture rsa-2048-1
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("c.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=from openssl\n",
    )
    .expect("write");
    let make = |key: &str| {
        let key = fixtures().join(format!("keys/{key}.pem"));
        openssl::run(
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                key.to_str().expect("utf-8"),
                "-config",
                config.to_str().expect("utf-8"),
                "-days",
                "2",
                "-outform",
                "DER",
            ],
            b"",
        )
    };
    let ours = make("rsa-2048-1");
    // The Go client's body, trailing comma included.
    let body = format!(
        "{{\"label\": \"leaf\", \"certificate\": \"{}\",}}",
        STANDARD.encode(&ours)
    );
    let reply = app.post_raw("/v1/certificate/import/plain", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"label": "leaf", "certificate": STANDARD.encode(&ours)})
    );
    let stored = app.get("/v1/certificate/leaf").await;
    assert_eq!(
        STANDARD
            .decode(stored.body["rawCertificate"].as_str().expect("b64"))
            .expect("b64"),
        ours
    );
    assert!(
        x509_text(stored.body["certificate"].as_str().expect("PEM")).contains("CN = from openssl")
    );

    let import =
        |label: &str, certificate: String| json!({"label": label, "certificate": certificate});
    app.post(
        "/v1/certificate/import/plain",
        &import("leaf", STANDARD.encode(make("rsa-2048-2"))),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        402,
        "res.error.invalid.certificate",
    );
    app.post(
        "/v1/certificate/import/plain",
        &import("leaf", STANDARD.encode(b"not a certificate")),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        626,
        "res.error.certificate.invalid.encoding",
    );
    app.post(
        "/v1/certificate/import/plain",
        &import("leaf", "%%%".to_owned()),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        626,
        "res.error.certificate.invalid.encoding",
    );
    app.post(
        "/v1/certificate/import/plain",
        &import("ghost", STANDARD.encode(&ours)),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, 650, "res.error.key.not.existent");
    // A refused import leaves the stored certificate as it was.
    let still = app.get("/v1/certificate/leaf").await;
    assert_eq!(still.body["rawCertificate"], stored.body["rawCertificate"]);

    assert_eq!(
        app.delete("/v1/certificate/leaf").await.status,
        StatusCode::OK
    );
    app.get("/v1/certificate/leaf").await.assert_error(
        StatusCode::NOT_FOUND,
        650,
        "res.error.key.not.existent",
    );
    app.delete("/v1/certificate/leaf").await.assert_error(
        StatusCode::NOT_FOUND,
        650,
        "res.error.key.not.existent",
    );
    // The key itself is still there.
    assert_eq!(app.labels().await, ["leaf"]);
}

#[tokio::test]
async fn bad_self_sign_requests_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    app.create_seed_key("ca", 2048).await;
    let with = |field: &str, value: Value| {
        let mut request = self_sign_request("ca", "SHA256_WITH_RSA");
        request[field] = value;
        request
    };
    let cases = [
        (
            with("validity", json!(0)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("validity", json!(-5)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("validity", json!(null)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("validity", json!(4_000_000_000u64)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("validity", json!(36_501)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("commonName", json!("")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("keyUsage", json!(["SIGN_ALL"])),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("extendedKeyUsage", json!(["SERVER_AUTH", "x"])),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("signatureAlgorithm", json!("SHA1_WITH_RSA")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("signatureAlgorithm", json!("SHA384_WITH_ECDSA")),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            with("signKeyName", json!("ghost")),
            404,
            650,
            "res.error.key.not.existent",
        ),
    ];
    for (request, status, code, reason) in cases {
        let reply = app
            .post("/v1/certificate/synchronous/selfsign", &request)
            .await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    app.get("/v1/certificate/ca").await.assert_error(
        StatusCode::NOT_FOUND,
        650,
        "res.error.key.not.existent",
    );
    let mut no_sign = seed_key_request("no-sign", 2048);
    no_sign["attributes"]["sign"] = json!(false);
    no_sign["attributes"]["decrypt"] = json!(true);
    app.create_key(&no_sign).await;
    app.post(
        "/v1/certificate/synchronous/selfsign",
        &self_sign_request("no-sign", "SHA256_WITH_RSA"),
    )
    .await
    .assert_error(StatusCode::INTERNAL_SERVER_ERROR, 701, "res.error.in.hsm");
}

fn issue_request(
    ca: &str,
    algorithm: &str,
    csr: &str,
    common_name: &str,
    authority: bool,
) -> Value {
    json!({
        "signKeyName": ca, "keyPassword": null, "signatureAlgorithm": algorithm,
        "commonName": common_name, "certificateAuthority": authority,
        "certificateSigningRequest": csr,
        "keyUsage": if authority { json!(["KEY_CERT_SIGN", "CRL_SIGN"]) } else { json!(["DIGITAL_SIGNATURE"]) },
        "extendedKeyUsage": if authority { json!([]) } else { json!(["SERVER_AUTH"]) }
    })
}

#[tokio::test]
async fn a_three_level_chain_made_in_the_emulator_passes_openssl_verify() {
    let app = spawn_app().await;
    // Root: RSA, self-signed CA.
    app.create_seed_key("root", 2048).await;
    let root = app
        .post(
            "/v1/certificate/synchronous/selfsign",
            &self_sign_request("root", "SHA256_WITH_RSA"),
        )
        .await;
    let root_pem = root.body["certificate"].as_str().expect("PEM").to_owned();

    // Intermediate: an EC key, its CSR made by the emulator, issued by the root as a CA.
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    app.create_key(&json!({"label": "intermediate", "algorithm": "EC", "curveOid": "1.3.132.0.34", "attributes": attributes})).await;
    let mut csr = seed_csr_request("intermediate");
    csr["signatureAlgorithm"] = json!("SHA384_WITH_ECDSA");
    let intermediate_csr = app.csr(&csr).await;
    let reply = app
        .post(
            "/v1/certificate/synchronous/sign",
            &issue_request(
                "root",
                "SHA256_WITH_RSA",
                &intermediate_csr,
                "Demo Intermediate CA",
                true,
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["label"], "root", "the answer names the CA key");
    let intermediate_pem = reply.body["certificate"].as_str().expect("PEM").to_owned();
    let text = x509_text(&intermediate_pem);
    assert!(
        text.contains("Issuer: CN = Demo Root CA")
            && text.contains("Subject: CN = Demo Intermediate CA"),
        "{text}"
    );
    assert!(
        text.contains("X509v3 Authority Key Identifier") && text.contains("CA:TRUE"),
        "{text}"
    );
    // The intermediate's certificate goes onto its key, so it can issue.
    let der = openssl::run(&["x509", "-outform", "DER"], intermediate_pem.as_bytes());
    let reply = app
        .post(
            "/v1/certificate/import/plain",
            &json!({"label": "intermediate", "certificate": STANDARD.encode(der)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Leaf: a CSR made by openssl for a key the emulator never saw.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("c.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=leaf.example\nO=Client\n",
    )
    .expect("write");
    let key = fixtures().join("keys/rsa-2048-3.pem");
    let leaf_csr = String::from_utf8(openssl::run(
        &[
            "req",
            "-new",
            "-key",
            key.to_str().expect("utf-8"),
            "-config",
            config.to_str().expect("utf-8"),
        ],
        b"",
    ))
    .expect("PEM");
    let mut request = issue_request("intermediate", "SHA384_WITH_ECDSA", &leaf_csr, "", false);
    request
        .as_object_mut()
        .expect("object")
        .remove("commonName");
    request["validity"] = json!(90);
    let reply = app.post("/v1/certificate/synchronous/sign", &request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let leaf_pem = reply.body["certificate"].as_str().expect("PEM").to_owned();
    let text = x509_text(&leaf_pem);
    assert!(
        text.contains("Subject: CN = leaf.example, O = Client"),
        "without a commonName the CSR's subject is kept:\n{text}"
    );
    assert!(
        text.contains("Issuer: CN = Demo Intermediate CA") && text.contains("ecdsa-with-SHA384"),
        "{text}"
    );

    assert!(openssl_verifies(
        &root_pem,
        Some(&intermediate_pem),
        &leaf_pem
    ));
    assert!(openssl_verifies(&root_pem, None, &intermediate_pem));
    assert!(
        !openssl_verifies(&root_pem, None, &leaf_pem),
        "without the intermediate the chain breaks"
    );
}

#[tokio::test]
async fn every_usage_value_appears_in_an_issued_certificate() {
    let app = spawn_app().await;
    app.create_seed_key("ca", 2048).await;
    app.post(
        "/v1/certificate/synchronous/selfsign",
        &self_sign_request("ca", "SHA256_WITH_RSA"),
    )
    .await;
    app.create_seed_key("subject", 2048).await;
    let csr = app.csr(&seed_csr_request("subject")).await;
    let mut request = issue_request("ca", "SHA512_WITH_RSA", &csr, "all.example", false);
    request["keyUsage"] = json!([
        "DIGITAL_SIGNATURE",
        "CONTENT_COMMITMENT",
        "KEY_ENCIPHERMENT",
        "DATA_ENCIPHERMENT",
        "KEY_AGREEMENT",
        "KEY_CERT_SIGN",
        "CRL_SIGN",
        "ENCIPHER_ONLY",
        "DECIPHER_ONLY"
    ]);
    request["extendedKeyUsage"] = json!([
        "ANY_EXTENDED_KEY_USAGE",
        "SERVER_AUTH",
        "CLIENT_AUTH",
        "CODE_SIGNING",
        "EMAIL_PROTECTION",
        "TIME_STAMPING",
        "OCSP_SIGNING"
    ]);
    let reply = app.post("/v1/certificate/synchronous/sign", &request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let text = x509_text(reply.body["certificate"].as_str().expect("PEM"));
    for expected in [
        "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment, Key Agreement, Certificate Sign, CRL Sign, Encipher Only, Decipher Only",
        "Any Extended Key Usage, TLS Web Server Authentication, TLS Web Client Authentication, Code Signing, E-mail Protection, Time Stamping, OCSP Signing",
        "Subject: CN = all.example",
        "sha512WithRSAEncryption",
    ] {
        assert!(text.contains(expected), "missing {expected:?}:\n{text}");
    }
}

#[tokio::test]
async fn bad_issue_requests_are_refused_in_the_tsb_shape() {
    let app = spawn_app().await;
    app.create_seed_key("ca", 2048).await;
    app.create_seed_key("no-cert", 2048).await;
    app.post(
        "/v1/certificate/synchronous/selfsign",
        &self_sign_request("ca", "SHA256_WITH_RSA"),
    )
    .await;
    app.create_seed_key("subject", 2048).await;
    let csr = app.csr(&seed_csr_request("subject")).await;
    // Flip one bit of the CSR's signature: still parses, no longer verifies.
    let mut der = openssl::csr_der(&csr);
    let last = der.len() - 1;
    der[last] ^= 1;
    let broken = STANDARD.encode(&der);
    let cases = [
        (
            issue_request("ca", "SHA256_WITH_RSA", "not a csr", "x", false),
            400,
            628,
            "res.error.csr.invalid.format",
        ),
        (
            issue_request(
                "ca",
                "SHA256_WITH_RSA",
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                "x",
                false,
            ),
            400,
            628,
            "res.error.csr.invalid.format",
        ),
        (
            issue_request("ca", "SHA256_WITH_RSA", &broken, "x", false),
            400,
            411,
            "res.error.invalid.certificate.request",
        ),
        (
            issue_request("ca", "SHA256_WITH_RSA", "", "x", false),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            issue_request("no-cert", "SHA256_WITH_RSA", &csr, "x", false),
            400,
            402,
            "res.error.invalid.certificate",
        ),
        (
            issue_request("ca", "SHA256_WITH_ECDSA", &csr, "x", false),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            issue_request("ghost", "SHA256_WITH_RSA", &csr, "x", false),
            404,
            650,
            "res.error.key.not.existent",
        ),
    ];
    for (request, status, code, reason) in cases {
        let reply = app.post("/v1/certificate/synchronous/sign", &request).await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    for validity in [json!(0), json!(-1), json!(-365)] {
        let mut request = issue_request("ca", "SHA256_WITH_RSA", &csr, "x", false);
        request["validity"] = validity;
        app.post("/v1/certificate/synchronous/sign", &request)
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                600,
                "res.error.input.validation.failed",
            );
    }
    let mut request = issue_request("ca", "SHA256_WITH_RSA", &csr, "x", false);
    request["keyUsage"] = json!(["EVERYTHING"]);
    app.post("/v1/certificate/synchronous/sign", &request)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    // The base64 DER form of a good CSR is accepted too.
    let request = issue_request(
        "ca",
        "SHA256_WITH_RSA",
        &STANDARD.encode(openssl::csr_der(&csr)),
        "x",
        false,
    );
    assert_eq!(
        app.post("/v1/certificate/synchronous/sign", &request)
            .await
            .status,
        StatusCode::OK
    );
}

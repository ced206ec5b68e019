//! `/v1/certificate/synchronous/request`: CSRs checked by openssl against the real TSB's.

use crate::helpers::{fixtures, seed_csr_request, spawn_app};
use crate::openssl;
use axum::http::StatusCode;
use serde_json::json;

/// The openssl config that reproduces the seed page's CSR.
const SEED_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
string_mask = default
req_extensions = ext
[dn]
C = CH
ST = Zurich
L = Zurich
O = Securosys SA
OU = Operations
CN = SUB-Securosys-001
[ext]
extendedKeyUsage = critical, anyExtendedKeyUsage
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
";

/// Strips what differs between two CSRs of different keys, leaving the structure.
fn structure(der: &[u8]) -> Vec<String> {
    openssl::asn1parse(der)
        .lines()
        .filter(|line| !line.contains("BIT STRING") && !line.contains("[HEX DUMP]:0414"))
        .map(|line| {
            let line = line.split_once(':').map_or(line, |(_, rest)| rest);
            // Drop the header/length columns: key sizes differ.
            line.split_whitespace()
                .filter(|word| {
                    !word.starts_with("hl=")
                        && !word.starts_with("l=")
                        && word.parse::<u32>().is_err()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[tokio::test]
async fn the_seed_csr_is_byte_identical_to_the_pinned_known_answer() {
    // fixtures/golden/seed-csr-rsa-2048-1.der was made by `openssl req -new` with
    // SEED_CONFIG and fixtures/keys/rsa-2048-1.pem; PKCS#1 v1.5 signatures are deterministic.
    let app = spawn_app().await;
    app.create_seed_key("sub_certificate_key", 2048).await;
    let pem = app.csr(&seed_csr_request("sub_certificate_key")).await;
    let golden =
        std::fs::read(fixtures().join("golden/seed-csr-rsa-2048-1.der")).expect("golden file");
    assert_eq!(openssl::csr_der(&pem), golden);

    // And openssl, run now, still makes exactly that CSR.
    let dir = tempfile::tempdir().expect("temp dir");
    let key = fixtures().join("keys/rsa-2048-1.pem");
    assert_eq!(
        openssl::make_csr(dir.path(), &key, SEED_CONFIG, "-sha256"),
        golden
    );
}

#[tokio::test]
async fn the_seed_csr_has_the_real_tsbs_structure_pem_armour_and_verifies() {
    let app = spawn_app().await;
    app.create_seed_key("sub_certificate_key", 4096).await;
    let pem = app.csr(&seed_csr_request("sub_certificate_key")).await;

    assert!(pem.starts_with("-----BEGIN NEW CERTIFICATE REQUEST-----\n"));
    assert!(pem.ends_with("\n-----END NEW CERTIFICATE REQUEST-----\n"));
    assert!(
        pem.lines()
            .all(|line| line.len() <= 64 && !line.contains('\r'))
    );

    let text = openssl::verify_csr(&pem);
    assert!(text.contains("Subject: C = CH, ST = Zurich, L = Zurich, O = Securosys SA, OU = Operations, CN = SUB-Securosys-001"), "{text}");
    assert!(text.contains("Public-Key: (4096 bit)"));

    // A copy of shared/seed/real-tsb-csr.pem, made by a real TSB.
    let real = std::fs::read_to_string(fixtures().join("golden/real-tsb-csr.pem"))
        .expect("the real TSB CSR");
    assert_eq!(
        structure(&openssl::csr_der(&pem)),
        structure(&openssl::csr_der(&real))
    );
}

#[tokio::test]
async fn every_usage_and_every_subject_attribute_matches_openssl_byte_for_byte() {
    let app = spawn_app().await;
    app.create_seed_key("everything", 2048).await;
    let request = json!({
        "signKeyName": "everything",
        "signatureAlgorithm": "SHA512_WITH_RSA",
        "standardCertificateAttributes": {
            "commonName": "svc.example", "country": "CH", "stateOrProvinceName": "Zurich",
            "locality": "Zurich", "organizationName": "Example AG",
            "organizationIdentifier": "CHE-464.234.583 MWST", "organizationUnitName": "Ops",
            "email": "ops@example.com", "title": "Dr", "surname": "Muster", "givenName": "Max",
            "initials": "MM", "pseudonym": "maxi", "generationQualifier": "Jr"
        },
        "keyUsage": ["DIGITAL_SIGNATURE", "CONTENT_COMMITMENT", "KEY_ENCIPHERMENT",
            "DATA_ENCIPHERMENT", "KEY_AGREEMENT", "KEY_CERT_SIGN", "CRL_SIGN", "ENCIPHER_ONLY",
            "DECIPHER_ONLY"],
        "extendedKeyUsage": ["ANY_EXTENDED_KEY_USAGE", "SERVER_AUTH", "CLIENT_AUTH",
            "CODE_SIGNING", "EMAIL_PROTECTION", "TIME_STAMPING", "OCSP_SIGNING"]
    });
    let pem = app.csr(&request).await;
    let config = "\
[req]
distinguished_name = dn
prompt = no
string_mask = default
req_extensions = ext
[dn]
C = CH
ST = Zurich
L = Zurich
O = Example AG
organizationIdentifier = CHE-464.234.583 MWST
OU = Ops
CN = svc.example
emailAddress = ops@example.com
title = Dr
SN = Muster
GN = Max
initials = MM
pseudonym = maxi
generationQualifier = Jr
[ext]
extendedKeyUsage = critical, anyExtendedKeyUsage, serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly
subjectKeyIdentifier = hash
";
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = openssl::make_csr(
        dir.path(),
        &fixtures().join("keys/rsa-2048-1.pem"),
        config,
        "-sha512",
    );
    assert_eq!(
        openssl::csr_der(&pem),
        expected,
        "ours:\n{}\nopenssl:\n{}",
        openssl::asn1parse(&openssl::csr_der(&pem)),
        openssl::asn1parse(&expected)
    );
}

#[tokio::test]
async fn each_usage_value_alone_matches_openssl() {
    let app = spawn_app().await;
    app.create_seed_key("single", 2048).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = fixtures().join("keys/rsa-2048-1.pem");
    let key_usages = [
        ("DIGITAL_SIGNATURE", "digitalSignature"),
        ("CONTENT_COMMITMENT", "nonRepudiation"),
        ("KEY_ENCIPHERMENT", "keyEncipherment"),
        ("DATA_ENCIPHERMENT", "dataEncipherment"),
        ("KEY_AGREEMENT", "keyAgreement"),
        ("KEY_CERT_SIGN", "keyCertSign"),
        ("CRL_SIGN", "cRLSign"),
        ("ENCIPHER_ONLY", "encipherOnly"),
        ("DECIPHER_ONLY", "decipherOnly"),
    ];
    let extended = [
        ("ANY_EXTENDED_KEY_USAGE", "anyExtendedKeyUsage"),
        ("SERVER_AUTH", "serverAuth"),
        ("CLIENT_AUTH", "clientAuth"),
        ("CODE_SIGNING", "codeSigning"),
        ("EMAIL_PROTECTION", "emailProtection"),
        ("TIME_STAMPING", "timeStamping"),
        ("OCSP_SIGNING", "OCSPSigning"),
    ];
    let pairs = key_usages
        .iter()
        .map(|ku| (*ku, extended[0]))
        .chain(extended.iter().map(|eku| (key_usages[0], *eku)));
    for ((ku, ku_openssl), (eku, eku_openssl)) in pairs {
        let mut request = seed_csr_request("single");
        request["keyUsage"] = json!([ku]);
        request["extendedKeyUsage"] = json!([eku]);
        let pem = app.csr(&request).await;
        let config = SEED_CONFIG
            .replace("anyExtendedKeyUsage", eku_openssl)
            .replace("digitalSignature", ku_openssl);
        let expected = openssl::make_csr(dir.path(), &key, &config, "-sha256");
        assert_eq!(openssl::csr_der(&pem), expected, "{ku} / {eku}");
    }
}

#[tokio::test]
async fn each_rsa_signature_algorithm_signs_with_its_digest() {
    let app = spawn_app().await;
    app.create_seed_key("algorithms", 2048).await;
    for (algorithm, openssl_name) in [
        ("SHA224_WITH_RSA", "sha224WithRSAEncryption"),
        ("SHA256_WITH_RSA", "sha256WithRSAEncryption"),
        ("SHA384_WITH_RSA", "sha384WithRSAEncryption"),
        ("SHA512_WITH_RSA", "sha512WithRSAEncryption"),
    ] {
        let mut request = seed_csr_request("algorithms");
        request["signatureAlgorithm"] = json!(algorithm);
        let text = openssl::verify_csr(&app.csr(&request).await);
        assert!(
            text.contains(&format!("Signature Algorithm: {openssl_name}")),
            "{algorithm}: {text}"
        );
    }
}

#[tokio::test]
async fn values_outside_printable_string_become_utf8_and_email_is_ia5() {
    let app = spawn_app().await;
    app.create_seed_key("unicode", 2048).await;
    let mut request = seed_csr_request("unicode");
    request["standardCertificateAttributes"]["locality"] = json!("Zürich");
    request["standardCertificateAttributes"]["organizationName"] = json!("Müller & Söhne");
    request["standardCertificateAttributes"]["email"] = json!("pki@example.com");
    let pem = app.csr(&request).await;
    openssl::verify_csr(&pem);
    let dump = openssl::asn1parse(&openssl::csr_der(&pem));
    let after = |oid: &str| {
        let mut lines = dump.lines().skip_while(|line| !line.contains(oid));
        lines.nth(1).unwrap_or_default().to_owned()
    };
    assert!(after(":localityName").contains("UTF8STRING"), "{dump}");
    assert!(after(":organizationName").contains("UTF8STRING"), "{dump}");
    assert!(after(":emailAddress").contains("IA5STRING"), "{dump}");
    assert!(after(":countryName").contains("PRINTABLESTRING"), "{dump}");
    assert!(after(":commonName").contains("PRINTABLESTRING"), "{dump}");
    let text = String::from_utf8_lossy(&openssl::run(
        &["req", "-noout", "-subject", "-nameopt", "utf8"],
        pem.as_bytes(),
    ))
    .into_owned();
    assert!(
        text.contains("L=Zürich") && text.contains("O=Müller & Söhne"),
        "{text}"
    );
}

#[tokio::test]
async fn comma_joined_usage_lists_from_the_go_client_mean_the_same() {
    let app = spawn_app().await;
    app.create_seed_key("go", 2048).await;
    let mut proper = seed_csr_request("go");
    proper["keyUsage"] = json!(["DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"]);
    proper["extendedKeyUsage"] = json!(["SERVER_AUTH", "CLIENT_AUTH"]);
    let mut joined = proper.clone();
    joined["keyUsage"] = json!(["DIGITAL_SIGNATURE,KEY_ENCIPHERMENT"]);
    joined["extendedKeyUsage"] = json!(["SERVER_AUTH, CLIENT_AUTH", ""]);
    assert_eq!(app.csr(&proper).await, app.csr(&joined).await);

    // Go's empty slice arrives as [""]: no extension at all.
    let mut empty = seed_csr_request("go");
    empty["keyUsage"] = json!([""]);
    empty["extendedKeyUsage"] = json!(null);
    let text = openssl::verify_csr(&app.csr(&empty).await);
    assert!(
        !text.contains("Key Usage") && text.contains("Subject Key Identifier"),
        "{text}"
    );
}

#[tokio::test]
async fn the_subject_key_identifier_uses_the_real_tsbs_method() {
    // The real TSB's CSR: its SKI must equal SHA-1 of its own public key bits, the method
    // we use. openssl computes both values.
    let real = std::fs::read_to_string(fixtures().join("golden/real-tsb-csr.pem"))
        .expect("copy of the seed CSR");
    let text = openssl::verify_csr(&real);
    let ski_line = text
        .lines()
        .skip_while(|line| !line.contains("Subject Key Identifier"))
        .nth(1)
        .expect("SKI present")
        .trim()
        .replace(':', "")
        .to_lowercase();
    let spki = openssl::run(&["req", "-pubkey", "-noout"], real.as_bytes());
    let der = openssl::run(&["pkey", "-pubin", "-outform", "DER"], &spki);
    // subjectPublicKey BIT STRING of an RSA-2048 SPKI starts at offset 24 (after 00 unused bits).
    let dump = openssl::asn1parse(&der);
    assert!(dump.contains("BIT STRING"));
    let bits = &der[24..];
    let digest = openssl::run(&["dgst", "-sha1", "-r"], bits);
    let hex = String::from_utf8_lossy(&digest)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(hex, ski_line);
}

#[tokio::test]
async fn the_download_variant_returns_the_same_csr_as_a_file() {
    let app = spawn_app().await;
    app.create_seed_key("sub_certificate_key", 2048).await;
    let json_pem = app.csr(&seed_csr_request("sub_certificate_key")).await;
    let reply = app
        .post(
            "/v1/certificate/synchronous/request/download",
            &seed_csr_request("sub_certificate_key"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.as_str(), Some(json_pem.as_str()));
    assert_eq!(reply.headers["content-type"], "application/x-pem-file");
    assert_eq!(
        reply.headers["content-disposition"],
        "attachment; filename=\"sub_certificate_key.csr\""
    );
}

#[tokio::test]
async fn csr_requests_are_refused_in_the_tsb_shape_when_they_cannot_be_served() {
    let app = spawn_app().await;
    app.create_seed_key("rsa", 2048).await;
    let mut no_sign = crate::helpers::seed_key_request("no-sign", 2048);
    no_sign["attributes"]["sign"] = json!(false);
    no_sign["attributes"]["decrypt"] = json!(true);
    app.create_key(&no_sign).await;
    let mut locked = crate::helpers::seed_key_request("locked", 2048);
    locked["password"] = json!("pw");
    app.create_key(&locked).await;

    let with = |label: &str, field: &str, value: serde_json::Value| {
        let mut request = seed_csr_request(label);
        if field.contains('.') {
            let (outer, inner) = field.split_once('.').expect("dotted");
            request[outer][inner] = value;
        } else {
            request[field] = value;
        }
        request
    };
    let cases = [
        (
            with("rsa", "signatureAlgorithm", json!("SHA256_WITH_ECDSA")),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            with("rsa", "signatureAlgorithm", json!("MD5_WITH_RSA")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "signatureAlgorithm", json!(null)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "keyUsage", json!(["SIGN_EVERYTHING"])),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "extendedKeyUsage", json!(["SERVER_AUTH", "NOPE"])),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "standardCertificateAttributes.commonName", json!("")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "standardCertificateAttributes.country", json!("CHE")),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with(
                "rsa",
                "standardCertificateAttributes.email",
                json!("pkï@example.com"),
            ),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("rsa", "standardCertificateAttributes", json!(null)),
            400,
            600,
            "res.error.input.validation.failed",
        ),
        (
            with("ghost", "keyPassword", json!(null)),
            404,
            650,
            "res.error.key.not.existent",
        ),
        (
            with("no-sign", "keyPassword", json!(null)),
            500,
            701,
            "res.error.in.hsm",
        ),
        (
            with("locked", "keyPassword", json!("wrong")),
            400,
            620,
            "res.error.key.password.mismatch",
        ),
        (
            with("a/b", "keyPassword", json!(null)),
            400,
            610,
            "res.error.invalid.key.name",
        ),
    ];
    for (request, status, code, reason) in cases {
        let reply = app
            .post("/v1/certificate/synchronous/request", &request)
            .await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
    // The password-protected key works with its password.
    app.csr(&with("locked", "keyPassword", json!(["p", "w"])))
        .await;
}

//! EC and Ed25519 keys: creation on every curve, every ECDSA algorithm and EdDSA checked by
//! openssl (Keccak against published digests, ETH against the web3.js vector), imports.

use crate::helpers::{TestApp, sign_request, spawn_app, verify_request};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const MESSAGE: &[u8] = b"elliptic payload";

/// (curve OID, openssl name).
const CURVES: [(&str, &str); 6] = [
    ("1.2.840.10045.3.1.7", "prime256v1"),
    ("1.3.132.0.34", "secp384r1"),
    ("1.3.132.0.35", "secp521r1"),
    ("1.3.132.0.10", "secp256k1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
];

fn ec_request(label: &str, curve_oid: &str) -> Value {
    json!({
        "label": label, "algorithm": "EC", "curveOid": curve_oid,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true,
                        "extractable": true, "sensitive": false}
    })
}

fn digest(name: &str, data: &[u8]) -> Vec<u8> {
    openssl::run(&["dgst", &format!("-{name}"), "-binary"], data)
}

/// openssl verifies an ECDSA DER signature over a digest it is given.
fn openssl_accepts_digest(public: &[u8], signature: &[u8], digest: &[u8]) -> bool {
    openssl::verifies_with(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "{pub}", "-in", "{data}", "-sigfile", "{sig}",
        ],
        public,
        signature,
        digest,
    )
}

#[tokio::test]
async fn ec_keys_on_every_supported_curve_report_their_curve() {
    let app = spawn_app().await;
    for (index, (oid, openssl_name)) in CURVES.iter().enumerate() {
        let label = format!("ec-{index}");
        let body = app.create_key(&ec_request(&label, oid)).await;
        let info = &body["json"];
        assert_eq!(info["algorithm"], "EC");
        assert_eq!(info["algorithmOid"], "1.2.840.10045.2.1");
        assert_eq!(info["curveOid"], *oid);
        assert_eq!(info["keySize"], Value::Null);
        assert!(
            body["xml"]
                .as_str()
                .expect("xml")
                .contains(&format!("<curve_oid>{oid}</curve_oid>"))
        );
        let text = openssl::run(
            &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
            &app.public_key(&label).await,
        );
        assert!(
            String::from_utf8_lossy(&text).contains(&format!("ASN1 OID: {openssl_name}")),
            "{openssl_name}"
        );
    }
}

#[tokio::test]
async fn unsupported_or_unknown_curves_are_refused_by_name() {
    let app = spawn_app().await;
    for (oid, name) in [
        ("1.3.36.3.3.2.8.1.1.13", "brainpool512r1"),
        ("1.3.132.0.33", "secp224r1"),
        ("1.2.250.1.223.101.256.1", "frp256v1"),
    ] {
        let message = app
            .post("/v1/key", &ec_request("curve", oid))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                600,
                "res.error.input.validation.failed",
            );
        assert!(
            message.contains(name) && message.contains("not supported"),
            "{message}"
        );
    }
    let message = app
        .post("/v1/key", &ec_request("curve", "1.2.3.4"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            600,
            "res.error.input.validation.failed",
        );
    assert!(message.contains("curveOid"), "{message}");
    let mut missing = ec_request("curve", "x");
    missing.as_object_mut().expect("object").remove("curveOid");
    app.post("/v1/key", &missing).await.assert_error(
        StatusCode::BAD_REQUEST,
        600,
        "res.error.input.validation.failed",
    );
    assert!(app.labels().await.is_empty());
}

#[tokio::test]
async fn every_ecdsa_algorithm_on_every_curve_verifies_with_openssl() {
    let app = spawn_app().await;
    let hashed = [
        ("SHA1_WITH_ECDSA", "sha1"),
        ("SHA224_WITH_ECDSA", "sha224"),
        ("SHA256_WITH_ECDSA", "sha256"),
        ("SHA384_WITH_ECDSA", "sha384"),
        ("SHA512_WITH_ECDSA", "sha512"),
        ("SHA3224_WITH_ECDSA", "sha3-224"),
        ("SHA3256_WITH_ECDSA", "sha3-256"),
        ("SHA3384_WITH_ECDSA", "sha3-384"),
        ("SHA3512_WITH_ECDSA", "sha3-512"),
        ("SHA256_WITH_ECDSA_DETERMINISTIC", "sha256"),
    ];
    for (index, (oid, _)) in CURVES.iter().enumerate() {
        let label = format!("ec-{index}");
        app.create_key(&ec_request(&label, oid)).await;
        let public = app.public_key(&label).await;
        for (algorithm, openssl_digest) in hashed {
            let signature = app
                .sign(&sign_request(&label, algorithm, MESSAGE, "DER"))
                .await;
            let flag = format!("-{openssl_digest}");
            assert!(
                openssl::verifies_with(
                    &[
                        "dgst",
                        &flag,
                        "-verify",
                        "{pub}",
                        "-signature",
                        "{sig}",
                        "{data}"
                    ],
                    &public,
                    &signature,
                    MESSAGE
                ),
                "{algorithm} on {oid}"
            );
            assert!(
                app.verify(&verify_request(&label, algorithm, MESSAGE, &signature))
                    .await
            );
            assert!(
                !app.verify(&verify_request(&label, algorithm, b"other", &signature))
                    .await
            );
        }
        // Double SHA-256 and NONE: openssl checks against digests it computed itself.
        let double = digest("sha256", &digest("sha256", MESSAGE));
        let signature = app
            .sign(&sign_request(
                &label,
                "DOUBLE_SHA256_WITH_ECDSA",
                MESSAGE,
                "DER",
            ))
            .await;
        assert!(
            openssl_accepts_digest(&public, &signature, &double),
            "double on {oid}"
        );
        for size in ["sha1", "sha256", "sha512"] {
            let prehash = digest(size, MESSAGE);
            let signature = app
                .sign(&sign_request(&label, "NONE_WITH_ECDSA", &prehash, "DER"))
                .await;
            assert!(
                openssl_accepts_digest(&public, &signature, &prehash),
                "NONE {size} on {oid}"
            );
            assert!(
                app.verify(&verify_request(
                    &label,
                    "NONE_WITH_ECDSA",
                    &prehash,
                    &signature
                ))
                .await
            );
        }
        // RFC 6979: the same signature twice; RAW is the DER's r and s, fixed width.
        let der = app
            .sign(&sign_request(
                &label,
                "SHA256_WITH_ECDSA_DETERMINISTIC",
                MESSAGE,
                "DER",
            ))
            .await;
        assert_eq!(
            der,
            app.sign(&sign_request(
                &label,
                "SHA256_WITH_ECDSA_DETERMINISTIC",
                MESSAGE,
                "DER"
            ))
            .await
        );
        let raw = app
            .sign(&sign_request(
                &label,
                "SHA256_WITH_ECDSA_DETERMINISTIC",
                MESSAGE,
                "RAW",
            ))
            .await;
        let integers: Vec<String> = openssl::asn1parse(&der)
            .lines()
            .filter_map(|line| line.split("INTEGER").nth(1))
            .map(|value| value.trim().trim_start_matches(':').to_lowercase())
            .collect();
        let half = raw.len() / 2;
        let hex_trimmed = |bytes: &[u8]| {
            let text = hex::encode(bytes);
            let text = text.trim_start_matches('0').to_owned();
            if text.len() % 2 == 1 {
                format!("0{text}")
            } else {
                text
            }
        };
        assert_eq!(
            integers,
            [hex_trimmed(&raw[..half]), hex_trimmed(&raw[half..])],
            "RAW on {oid}"
        );
        assert!(
            app.verify(&verify_request(&label, "SHA256_WITH_ECDSA", MESSAGE, &raw))
                .await,
            "RAW verifies"
        );
    }
}

#[tokio::test]
async fn keccak_signatures_match_the_published_keccak_digests() {
    // Keccak-224/256/384/512 of the empty message, as published with the Keccak reference
    // implementation (openssl 3.0 has no Keccak).
    let empty = [
        (
            "KECCAK224_WITH_ECDSA",
            "f71837502ba8e10837bdd8d365adb85591895602fc552b48b7390abd",
        ),
        (
            "KECCAK256_WITH_ECDSA",
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        ),
        (
            "KECCAK384_WITH_ECDSA",
            "2c23146a63a29acf99e73b88f8c24eaa7dc60aa771780ccc006afbfa8fe2479b2dd2b21362337441ac12b515911957ff",
        ),
        (
            "KECCAK512_WITH_ECDSA",
            "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e",
        ),
    ];
    let app = spawn_app().await;
    for (label, oid) in [("k1", "1.3.132.0.10"), ("p384", "1.3.132.0.34")] {
        app.create_key(&ec_request(label, oid)).await;
        let public = app.public_key(label).await;
        for (algorithm, expected) in empty {
            let signature = app.sign(&sign_request(label, algorithm, b"", "DER")).await;
            let digest = hex::decode(expected).expect("hex");
            assert!(
                openssl_accepts_digest(&public, &signature, &digest),
                "{algorithm} on {oid}"
            );
        }
    }
}

/// The web3.js documentation's `accounts.sign('Some data', 0x4c08…)` vector.
const WEB3_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const WEB3_HASH: &str = "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655";
const WEB3_SIGNATURE: &str = "b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";

/// The web3 key as SEC1 DER, and its public key as openssl derives it.
fn web3_key() -> (Vec<u8>, Vec<u8>) {
    let sec1 = hex::decode(format!("302e0201010420{WEB3_KEY}a00706052b8104000a")).expect("hex");
    let public = openssl::run(
        &["ec", "-inform", "DER", "-pubout", "-outform", "DER"],
        &sec1,
    );
    (sec1, public)
}

async fn import(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/v1/key/import/plain", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn ethereum_signatures_match_web3() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    let (sec1, public) = web3_key();
    import(
        &app,
        json!({"label": "web3-pub", "algorithm": "EC",
        "publicKey": STANDARD.encode(&public), "attributes": attributes}),
    )
    .await;
    let message = b"\x19Ethereum Signed Message:\n9Some data";
    let signature = hex::decode(WEB3_SIGNATURE).expect("hex");
    assert!(
        app.verify(&verify_request(
            "web3-pub",
            "KECCAK256_WITH_ECDSA",
            message,
            &signature
        ))
        .await
    );
    assert!(
        app.verify(&verify_request(
            "web3-pub",
            "KECCAK256_WITH_ECDSA",
            message,
            &signature[..64]
        ))
        .await
    );
    let hash = hex::decode(WEB3_HASH).expect("hex");
    assert!(
        app.verify(&verify_request(
            "web3-pub",
            "NONE_WITH_ECDSA",
            &hash,
            &signature[..64]
        ))
        .await
    );
    assert!(
        !app.verify(&verify_request(
            "web3-pub",
            "KECCAK256_WITH_ECDSA",
            b"Some data",
            &signature
        ))
        .await
    );

    // The same private key (SEC1 DER) imported: its ETH signatures verify under web3's key.
    import(
        &app,
        json!({"label": "web3", "algorithm": "EC", "privateKey": STANDARD.encode(sec1),
        "publicKey": STANDARD.encode(&public), "attributes": attributes}),
    )
    .await;
    let ours = app
        .sign(&sign_request(
            "web3",
            "KECCAK256_WITH_ECDSA",
            message,
            "ETH",
        ))
        .await;
    assert_eq!(ours.len(), 65);
    assert!(ours[64] == 27 || ours[64] == 28, "v = {}", ours[64]);
    assert!(
        app.verify(&verify_request(
            "web3-pub",
            "KECCAK256_WITH_ECDSA",
            message,
            &ours
        ))
        .await
    );
    assert!(openssl_accepts_digest(
        &public,
        &app.sign(&sign_request(
            "web3",
            "KECCAK256_WITH_ECDSA",
            message,
            "DER"
        ))
        .await,
        &hash
    ));
}

#[tokio::test]
async fn ed25519_keys_sign_pure_eddsa_that_openssl_verifies() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    for (label, curve) in [("ed", json!("1.3.101.112")), ("ed-no-curve", Value::Null)] {
        let body = app.create_key(&json!({"label": label, "algorithm": "ED", "curveOid": curve, "attributes": attributes})).await;
        assert_eq!(body["json"]["algorithm"], "ED");
        assert_eq!(body["json"]["algorithmOid"], "1.3.101.112");
        assert_eq!(body["json"]["curveOid"], Value::Null);
        assert_eq!(app.public_key(label).await.len(), 44);
    }
    let public = app.public_key("ed").await;
    let text = openssl::run(
        &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
        &public,
    );
    assert!(String::from_utf8_lossy(&text).contains("ED25519 Public-Key"));
    let signature = app.sign(&sign_request("ed", "EDDSA", MESSAGE, "DER")).await;
    assert_eq!(signature.len(), 64);
    let rawin = [
        "pkeyutl", "-verify", "-pubin", "-inkey", "{pub}", "-rawin", "-in", "{data}", "-sigfile",
        "{sig}",
    ];
    assert!(openssl::verifies_with(&rawin, &public, &signature, MESSAGE));
    assert!(!openssl::verifies_with(
        &rawin, &public, &signature, b"other"
    ));
    assert!(
        app.verify(&verify_request("ed", "EDDSA", MESSAGE, &signature))
            .await
    );
    assert!(
        !app.verify(&verify_request("ed", "EDDSA", b"other", &signature))
            .await
    );
    assert!(
        !app.verify(&verify_request("ed", "EDDSA", MESSAGE, &signature[..63]))
            .await
    );

    app.post("/v1/key", &json!({"label": "x", "algorithm": "ED", "curveOid": "1.3.132.0.10", "attributes": attributes}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, 600, "res.error.input.validation.failed");
}

#[tokio::test]
async fn algorithms_and_encodings_that_do_not_fit_the_key_are_refused() {
    let app = spawn_app().await;
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    app.create_key(&ec_request("p256", "1.2.840.10045.3.1.7"))
        .await;
    app.create_key(&json!({"label": "ed", "algorithm": "ED", "attributes": attributes}))
        .await;
    let cases = [
        (
            sign_request("p256", "EDDSA", MESSAGE, "DER"),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            sign_request("p256", "SHA256_WITH_RSA", MESSAGE, "DER"),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            sign_request("p256", "SHA256_WITH_ECDSA", MESSAGE, "ETH"),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            sign_request("p256", "NONE_WITH_EC_SCHNORR_BIP0340", MESSAGE, "DER"),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            sign_request("p256", "NONE_WITH_ECDSA", &[1u8; 65], "DER"),
            400,
            612,
            "res.error.invalid.payload",
        ),
        (
            sign_request("p256", "NONE_WITH_ECDSA", b"", "DER"),
            400,
            612,
            "res.error.invalid.payload",
        ),
        (
            sign_request("ed", "SHA256_WITH_ECDSA", MESSAGE, "DER"),
            400,
            607,
            "res.error.algorithm.not.supported.by.key",
        ),
        (
            sign_request("ed", "EDDSA", MESSAGE, "ETH"),
            400,
            635,
            "res.error.encoding.exception",
        ),
    ];
    for (request, status, code, reason) in cases {
        let reply = app.post("/v1/synchronousSign", &request).await;
        reply.assert_error(StatusCode::from_u16(status).expect("status"), code, reason);
    }
}

#[tokio::test]
async fn openssl_made_ec_and_ed25519_keys_import_export_and_sign() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false, "extractable": true, "sensitive": false});
    for (label, algorithm, genpkey, dgst) in [
        (
            "bp384",
            "EC",
            vec![
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:brainpoolP384r1",
            ],
            Some("-sha384"),
        ),
        (
            "p521",
            "EC",
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
            Some("-sha512"),
        ),
        ("ed25519", "ED", vec!["-algorithm", "ED25519"], None),
    ] {
        let key_path = dir.path().join(format!("{label}.pem"));
        let key = key_path.to_str().expect("utf-8");
        let mut args = vec!["genpkey"];
        args.extend(genpkey);
        args.extend(["-out", key]);
        openssl::run(&args, b"");
        let pkcs8 = openssl::run(
            &["pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER"],
            b"",
        );
        let public = openssl::run(&["pkey", "-in", key, "-pubout", "-outform", "DER"], b"");
        import(
            &app,
            json!({"label": label, "algorithm": algorithm, "privateKey": STANDARD.encode(&pkcs8),
            "publicKey": STANDARD.encode(&public), "attributes": attributes}),
        )
        .await;
        assert_eq!(app.public_key(label).await, public);

        let signature = match dgst {
            Some(flag) => {
                let algorithm = if flag == "-sha384" {
                    "SHA384_WITH_ECDSA"
                } else {
                    "SHA512_WITH_ECDSA"
                };
                let signature = app
                    .sign(&sign_request(label, algorithm, MESSAGE, "DER"))
                    .await;
                assert!(
                    openssl::verifies_with(
                        &[
                            "dgst",
                            flag,
                            "-verify",
                            "{pub}",
                            "-signature",
                            "{sig}",
                            "{data}"
                        ],
                        &public,
                        &signature,
                        MESSAGE
                    ),
                    "{label}"
                );
                signature
            }
            None => {
                let signature = app
                    .sign(&sign_request(label, "EDDSA", MESSAGE, "DER"))
                    .await;
                let data = dir.path().join("data");
                std::fs::write(&data, MESSAGE).expect("write");
                // Ed25519 is deterministic: openssl signs the same bytes.
                let theirs = openssl::run(
                    &[
                        "pkeyutl",
                        "-sign",
                        "-inkey",
                        key,
                        "-rawin",
                        "-in",
                        data.to_str().expect("utf-8"),
                    ],
                    b"",
                );
                assert_eq!(signature, theirs);
                signature
            }
        };
        assert!(!signature.is_empty());
        let exported = app
            .post("/v1/key/export/plain", &json!({"label": label}))
            .await;
        assert_eq!(exported.status, StatusCode::OK);
        let private = STANDARD
            .decode(exported.body["privateKey"].as_str().expect("b64"))
            .expect("b64");
        assert_eq!(
            openssl::run(
                &["pkey", "-inform", "DER", "-pubout", "-outform", "DER"],
                &private
            ),
            public,
            "{label}"
        );
    }
}

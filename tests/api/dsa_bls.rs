//! DSA and BLS keys through the API: DSA signatures checked by openssl, BLS signatures
//! against the Ethereum BLS test vectors.

use crate::helpers::{sign_request, spawn_app, verify_request};
use crate::openssl;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const MESSAGE: &[u8] = b"digital signature algorithm";

fn key_request(label: &str, algorithm: &str, key_size: Option<u32>) -> Value {
    let mut request = json!({"label": label, "algorithm": algorithm,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}});
    if let Some(size) = key_size {
        request["keySize"] = json!(size);
    }
    request
}

#[tokio::test]
async fn dsa_keys_of_each_size_sign_every_dsa_algorithm_as_openssl_verifies() {
    let app = spawn_app().await;
    for (label, size, bits) in [
        ("dsa-1024", Some(1024), 1024),
        ("dsa-default", None, 2048),
        ("dsa-3072", Some(3072), 3072),
    ] {
        let body = app.create_key(&key_request(label, "DSA", size)).await;
        assert_eq!(body["json"]["algorithm"], "DSA");
        assert_eq!(body["json"]["algorithmOid"], "1.2.840.10040.4.1");
        assert_eq!(body["json"]["keySize"], bits);
        let public = app.public_key(label).await;
        let text = String::from_utf8_lossy(&openssl::run(
            &["pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
            &public,
        ))
        .into_owned();
        assert!(
            text.contains(&format!("DSA-Parameters: ({bits} bit)"))
                || text.contains(&format!("({bits} bit)")),
            "{text}"
        );
    }
    app.post("/v1/key", &key_request("big", "DSA", Some(4096)))
        .await
        .assert_error(StatusCode::BAD_REQUEST, 603, "res.error.input.keysize");

    let public = app.public_key("dsa-default").await;
    for (algorithm, digest) in [
        ("SHA1_WITH_DSA", "sha1"),
        ("SHA224_WITH_DSA", "sha224"),
        ("SHA256_WITH_DSA", "sha256"),
        ("SHA384_WITH_DSA", "sha384"),
        ("SHA512_WITH_DSA", "sha512"),
    ] {
        let signature = app
            .sign(&sign_request("dsa-default", algorithm, MESSAGE, "DER"))
            .await;
        let flag = format!("-{digest}");
        let args = [
            "dgst",
            flag.as_str(),
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{data}",
        ];
        assert!(
            openssl::verifies_with(&args, &public, &signature, MESSAGE),
            "{algorithm}"
        );
        assert!(
            !openssl::verifies_with(&args, &public, &signature, b"other"),
            "{algorithm}"
        );
        assert!(
            app.verify(&verify_request(
                "dsa-default",
                algorithm,
                MESSAGE,
                &signature
            ))
            .await
        );
        assert!(
            !app.verify(&verify_request(
                "dsa-default",
                algorithm,
                b"other",
                &signature
            ))
            .await
        );
    }
    let digest = openssl::run(&["dgst", "-sha256", "-binary"], MESSAGE);
    let signature = app
        .sign(&sign_request(
            "dsa-default",
            "NONE_WITH_DSA",
            &digest,
            "DER",
        ))
        .await;
    assert!(openssl::verifies_with(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "{pub}", "-in", "{data}", "-sigfile", "{sig}"
        ],
        &public,
        &signature,
        &digest
    ));
    let raw = app
        .sign(&sign_request(
            "dsa-default",
            "SHA256_WITH_DSA",
            MESSAGE,
            "RAW",
        ))
        .await;
    assert_eq!(raw.len(), 64, "r || s, 32 bytes each for N = 256");
    assert!(
        app.verify(&verify_request(
            "dsa-default",
            "SHA256_WITH_DSA",
            MESSAGE,
            &raw
        ))
        .await
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("dsa-default", "SHA256_WITH_DSA", MESSAGE, "ETH"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
    app.post(
        "/v1/synchronousSign",
        &sign_request("dsa-default", "SHA256_WITH_ECDSA", MESSAGE, "DER"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

#[tokio::test]
async fn an_openssl_dsa_key_imports_and_signs_verifiably() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("dsa.pem");
    let key = key.to_str().expect("utf-8");
    let params = dir.path().join("params.pem");
    let params = params.to_str().expect("utf-8");
    openssl::run(
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DSA",
            "-pkeyopt",
            "dsa_paramgen_bits:1024",
            "-pkeyopt",
            "dsa_paramgen_q_bits:160",
            "-out",
            params,
        ],
        b"",
    );
    openssl::run(&["genpkey", "-paramfile", params, "-out", key], b"");
    let pkcs8 = openssl::run(
        &["pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER"],
        b"",
    );
    let public = openssl::run(&["pkey", "-in", key, "-pubout", "-outform", "DER"], b"");
    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "imported", "algorithm": "DSA",
            "privateKey": STANDARD.encode(&pkcs8), "publicKey": STANDARD.encode(&public),
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["json"]["keySize"], 1024);
    let signature = app
        .sign(&sign_request("imported", "SHA1_WITH_DSA", MESSAGE, "DER"))
        .await;
    assert!(openssl::verifies_with(
        &[
            "dgst",
            "-sha1",
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{data}"
        ],
        &public,
        &signature,
        MESSAGE
    ));
}

/// Ethereum BLS test vectors (ethereum/bls12-381-tests v0.1.2, `sign` cases c82df61aa3ee60fb
/// and d0e28d7e76eb6e9c): one secret key, its public key, two messages and signatures.
const BLS_SECRET: &str = "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3";
const BLS_PUBLIC: &str = "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a";
const BLS_CASES: [(&str, &str); 2] = [
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55",
    ),
    (
        "5656565656565656565656565656565656565656565656565656565656565656",
        "882730e5d03f6b42c3abc26d3372625034e1d871b65a8a6b900a56dae22da98abbe1b68f85e49fe7652a55ec3d0591c20767677e33e5cbb1207315c41a9ac03be39c2e7668edc043d6cb1d9fd93033caa8a1c5b0e84bedaeb6c64972503a43eb",
    ),
];

#[tokio::test]
async fn bls_keys_sign_the_ethereum_test_vectors() {
    let app = spawn_app().await;
    let body = app.create_key(&key_request("fresh", "BLS", None)).await;
    assert_eq!(body["json"]["algorithm"], "BLS");
    assert_eq!(body["json"]["algorithmOid"], "1.3.6.1.4.1.44668.5.3.1.1");
    assert_eq!(body["json"]["keySize"], Value::Null);
    let fresh = app
        .sign(&sign_request("fresh", "BLS", MESSAGE, "DER"))
        .await;
    assert_eq!(fresh.len(), 96);
    assert!(
        app.verify(&verify_request("fresh", "BLS", MESSAGE, &fresh))
            .await
    );

    // The vectors' key, in the documented encodings (PKCS#8 / SPKI with the TSB's BLS OID).
    let pkcs8 = hex::decode(format!(
        "3035020100300e060c2b0601040182dc7c050301010420{BLS_SECRET}"
    ))
    .expect("hex");
    let spki = hex::decode(format!(
        "3043300e060c2b0601040182dc7c05030101033100{BLS_PUBLIC}"
    ))
    .expect("hex");
    let reply = app
        .post(
            "/v1/key/import/plain",
            &json!({"label": "eth2", "algorithm": "BLS",
            "privateKey": STANDARD.encode(&pkcs8), "publicKey": STANDARD.encode(&spki),
            "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for (message, expected) in BLS_CASES {
        let message = hex::decode(message).expect("hex");
        let signature = app
            .sign(&sign_request("eth2", "BLS", &message, "DER"))
            .await;
        assert_eq!(hex::encode(&signature), expected);
        assert!(
            app.verify(&verify_request("eth2", "BLS", &message, &signature))
                .await
        );
        assert!(
            !app.verify(&verify_request("fresh", "BLS", &message, &signature))
                .await
        );
    }
    // BLS signatures are deterministic and have one encoding: `RAW` gives the same bytes.
    let der = app
        .post(
            "/v1/synchronousSign",
            &sign_request("eth2", "BLS", MESSAGE, "DER"),
        )
        .await;
    let raw = app
        .post(
            "/v1/synchronousSign",
            &sign_request("eth2", "BLS", MESSAGE, "RAW"),
        )
        .await;
    assert_eq!(raw.status, StatusCode::OK, "{}", raw.body);
    assert_eq!(raw.body["signature"], der.body["signature"]);
    app.post(
        "/v1/synchronousSign",
        &sign_request("eth2", "BLS", MESSAGE, "ETH"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, 635, "res.error.encoding.exception");
    app.post(
        "/v1/synchronousSign",
        &sign_request("eth2", "EDDSA", MESSAGE, "DER"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

//! Blockchain keys (issue 21): addresses (reference 6.13), derivation paths in key names (6.14),
//! BIP-340 Schnorr (7.7) and Ethereum signatures, checked with code paths independent of the
//! emulator's (k256 recovery and x-only verification, SHA-256/RIPEMD-160 done here). The
//! documentation's pages replayed as printed are in `docs` and `concepts`, published vectors in
//! `vectors`.

mod concepts;
mod docs;
mod vectors;

use crate::helpers::spawn_app;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k256::elliptic_curve::pkcs8::DecodePublicKey;
use k256::elliptic_curve::sec1::ToSec1Point;
use serde_json::{Value, json};
use sha2::Digest;

/// A policy without approvals (an "empty" SKA policy, `tsb/Tutorials/Blockchain/sign.md`).
fn empty_policy() -> Value {
    json!({"ruleUse": null, "ruleBlock": null, "ruleUnblock": null, "ruleModify": null,
           "keyStatus": {"blocked": false}})
}

fn secp256k1_key(label: &str, format: Option<&str>, derive: bool) -> Value {
    json!({
        "label": label, "algorithm": "EC", "curveOid": "1.3.132.0.10",
        "addressFormat": format.map(|format| json!({"format": format})),
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": derive,
                       "bip32": derive, "slip10": false, "destroyable": true},
        "policy": empty_policy()
    })
}

fn public_key(info: &Value) -> k256::PublicKey {
    let der = STANDARD
        .decode(info["json"]["publicKey"].as_str().expect("publicKey"))
        .expect("base64");
    k256::PublicKey::from_public_key_der(&der).expect("secp256k1 SPKI")
}

#[tokio::test]
async fn a_btc_key_reports_the_hash160_of_its_compressed_key_as_address() {
    let app = spawn_app().await;
    let info = app
        .create_key(&secp256k1_key("btc", Some("BTC"), false))
        .await;
    let compressed = public_key(&info).as_affine().to_sec1_point(true);
    let hash160 = ripemd::Ripemd160::digest(sha2::Sha256::digest(compressed.as_bytes()));
    assert_eq!(
        info["json"]["addressTruncated"],
        json!({"address": hex::encode_upper(hash160), "format": "BTC"})
    );
    let reply = app
        .post(
            "/v1/key/address",
            &json!({"label": "btc", "password": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"address": STANDARD.encode(hash160)}));
    let reply = app.get("/v1/key/btc/address").await;
    assert_eq!(reply.body, json!({"address": STANDARD.encode(hash160)}));
}

#[tokio::test]
async fn an_address_needs_a_policy_and_an_address_format() {
    let app = spawn_app().await;
    let mut request = secp256k1_key("plain", Some("ETH"), false);
    request["policy"] = Value::Null;
    app.post("/v1/key", &request).await.assert_error(
        StatusCode::BAD_REQUEST,
        630,
        "res.error.invalid.address.on.non.ska.key",
    );
    assert!(app.labels().await.iter().all(|label| label != "plain"));
    app.create_key(&secp256k1_key("no-format", None, false))
        .await;
    app.post("/v1/key/address", &json!({"label": "no-format"}))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            630,
            "res.error.invalid.address.on.non.ska.key",
        );
    let mut request = secp256k1_key("bad-format", None, false);
    request["addressFormat"] = json!({"format": "DOGE"});
    assert_eq!(
        app.post("/v1/key", &request).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn an_eth_signature_recovers_to_the_address_in_key_info() {
    let app = spawn_app().await;
    let info = app
        .create_key(&secp256k1_key("eth", Some("ETH"), false))
        .await;
    let address = info["json"]["addressTruncated"]["address"]
        .as_str()
        .expect("address");
    assert_eq!(address.len(), 40);
    assert_eq!(address, address.to_uppercase());
    let transaction_hash = sha3::Keccak256::digest(b"an unsigned transaction");
    let body = json!({"signRequest": {
        "payload": STANDARD.encode(transaction_hash), "signKeyName": "eth",
        "signatureAlgorithm": "KECCAK256_WITH_ECDSA", "signatureType": "ETH"}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    assert_eq!(signature.len(), 65);
    let recovery = k256::ecdsa::RecoveryId::from_byte(signature[64] - 27).expect("v is 27 or 28");
    let sig = k256::ecdsa::Signature::from_slice(&signature[..64]).expect("r || s");
    let digest = sha3::Keccak256::digest(transaction_hash);
    let recovered =
        k256::ecdsa::VerifyingKey::recover_from_prehash(&digest, &sig, recovery).expect("recovers");
    let point = recovered.as_affine().to_sec1_point(false);
    let recovered_address = &sha3::Keccak256::digest(&point.as_bytes()[1..])[12..];
    assert_eq!(hex::encode_upper(recovered_address), address);
}

#[tokio::test]
async fn a_bip340_signature_verifies_with_the_x_only_key_and_through_verify() {
    let app = spawn_app().await;
    let info = app.create_key(&secp256k1_key("taproot", None, false)).await;
    let sighash = [0x5au8; 32];
    let body = json!({"signRequest": {
        "payload": STANDARD.encode(sighash), "signKeyName": "taproot",
        "signatureAlgorithm": "NONE_WITH_EC_SCHNORR_BIP0340",
        "auxiliaryRandomData": STANDARD.encode([0u8; 32])}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    assert_eq!(signature.len(), 64);
    // Same aux_rand, same signature (BIP-340 is deterministic given aux_rand).
    let again = app.post("/v1/synchronousSign", &body).await;
    assert_eq!(again.body["signature"], reply.body["signature"]);
    let compressed = public_key(&info).as_affine().to_sec1_point(true);
    let x_only = k256::schnorr::VerifyingKey::from_slice(&compressed.as_bytes()[1..]).expect("x");
    let sig = k256::schnorr::Signature::try_from(&signature[..]).expect("64 bytes");
    assert!(x_only.verify_raw(&sighash, &sig).is_ok());
    let verify = crate::helpers::verify_request(
        "taproot",
        "NONE_WITH_EC_SCHNORR_BIP0340",
        &sighash,
        &signature,
    );
    let reply = app.post("/v1/verify", &verify).await;
    assert_eq!(reply.body["signatureValid"], true, "{}", reply.body);
    // Both tweak fields at once are refused; a P-256 key cannot sign BIP-340.
    let mut both = body.clone();
    both["signRequest"]["taprootTweakData"] = json!(STANDARD.encode([1u8; 32]));
    both["signRequest"]["merkleRootData"] = json!(STANDARD.encode([2u8; 32]));
    assert_eq!(
        app.post("/v1/synchronousSign", &both).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut p256 = secp256k1_key("p256", None, false);
    p256["curveOid"] = json!("1.2.840.10045.3.1.7");
    app.create_key(&p256).await;
    let mut wrong = body.clone();
    wrong["signRequest"]["signKeyName"] = json!("p256");
    app.post("/v1/synchronousSign", &wrong).await.assert_error(
        StatusCode::BAD_REQUEST,
        607,
        "res.error.algorithm.not.supported.by.key",
    );
}

#[tokio::test]
async fn a_derivation_path_in_the_key_name_signs_with_the_temporary_child() {
    let app = spawn_app().await;
    let master = app
        .create_key(&secp256k1_key("master", Some("BTC"), true))
        .await;
    let derived = &master["json"]["derivedAttributes"];
    assert_eq!(derived["derivationType"], "SLIP-10");
    assert_eq!(derived["derivationValue"].as_str().expect("hex").len(), 64);
    let xml = master["xml"].as_str().expect("xml");
    assert!(xml.contains(&format!(
        "<derivation_value type=\"SLIP-10\">{}</derivation_value>",
        derived["derivationValue"].as_str().expect("hex")
    )));
    assert!(xml.contains(&format!(
        "<address_truncated format=\"BTC\">{}</address_truncated>",
        master["json"]["addressTruncated"]["address"].as_str().expect("address")
    )));
    let child_name = "master/86'/1'/0'/0/5";
    let child = app
        .post("/v1/key/attributes", &json!({"label": child_name}))
        .await;
    assert_eq!(child.status, StatusCode::OK, "{}", child.body);
    assert_ne!(child.body["json"]["publicKey"], master["json"]["publicKey"]);
    assert_ne!(child.body["json"]["derivedAttributes"], *derived);
    assert_ne!(
        child.body["json"]["addressTruncated"],
        master["json"]["addressTruncated"]
    );
    let address = app
        .post("/v1/key/address", &json!({"label": child_name}))
        .await;
    let expected = hex::decode(
        child.body["json"]["addressTruncated"]["address"]
            .as_str()
            .expect("address"),
    )
    .expect("hex");
    assert_eq!(address.body["address"], STANDARD.encode(expected));
    // A tap-script leaf signature with the derived key, as the Taproot integration makes it.
    let sighash = [7u8; 32];
    let body = json!({"signRequest": {"payload": STANDARD.encode(sighash),
        "signKeyName": child_name, "signatureAlgorithm": "NONE_WITH_EC_SCHNORR_BIP0340"}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    let compressed = public_key(&child.body).as_affine().to_sec1_point(true);
    let x_only = k256::schnorr::VerifyingKey::from_slice(&compressed.as_bytes()[1..]).expect("x");
    let sig = k256::schnorr::Signature::try_from(&signature[..]).expect("64 bytes");
    assert!(
        x_only.verify_raw(&sighash, &sig).is_ok(),
        "signed by the child"
    );
    let verify = crate::helpers::verify_request(
        child_name,
        "NONE_WITH_EC_SCHNORR_BIP0340",
        &sighash,
        &signature,
    );
    assert_eq!(
        app.post("/v1/verify", &verify).await.body["signatureValid"],
        true
    );
    let master_verify = crate::helpers::verify_request(
        "master",
        "NONE_WITH_EC_SCHNORR_BIP0340",
        &sighash,
        &signature,
    );
    assert_eq!(
        app.post("/v1/verify", &master_verify).await.body["signatureValid"],
        false
    );
}

#[tokio::test]
async fn paths_are_refused_where_the_key_cannot_derive_and_at_creation() {
    let app = spawn_app().await;
    app.create_key(&secp256k1_key("flat", None, false)).await;
    let body = json!({"signRequest": {"payload": STANDARD.encode([1u8; 32]),
        "signKeyName": "flat/0", "signatureAlgorithm": "NONE_WITH_EC_SCHNORR_BIP0340"}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let bad_path = json!({"label": "flat/x'"});
    assert_eq!(
        app.post("/v1/key/attributes", &bad_path).await.status,
        StatusCode::BAD_REQUEST
    );
    let reply = app
        .post("/v1/key", &secp256k1_key("a/0", None, false))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

/// An `ADA/SLIP-10` Ed25519 key (as `tsb/Tutorials/Blockchain/slip10.md` creates it, with an
/// empty policy here so that no approval is needed) signs with the child along the page's
/// hardened path, and refuses a normal index.
#[tokio::test]
async fn an_ed25519_slip10_child_signs_along_a_hardened_path() {
    let app = spawn_app().await;
    let create = json!({
        "label": "TESTKEY2024-08-14_20-02-48.72168016257020",
        "algorithm": "ED",
        "curveOid": "1.3.101.112",
        "attributes": {
            "decrypt": true, "sign": true, "unwrap": true, "derive": true, "bip32": true,
            "slip10": true, "destroyable": true
        },
        "policy": empty_policy()
    });
    let info = app.create_key(&create).await;
    assert_eq!(
        info["json"]["derivedAttributes"]["derivationType"],
        "ADA/SLIP-10"
    );
    let sign = json!({
        "signRequest": {
            "payload": "U29tZVBheWxvYWQ=",
            "payloadType": "UNSPECIFIED",
            "signKeyName": "TESTKEY2024-08-14_20-02-48.72168016257020/44'/0'/0'/0'",
            "keyPassword": null,
            "metaData": "U29tZU1ldGFEYXRh",
            "metaDataSignature": "TWV0YURhdGFTaWduYXR1cmU=",
            "signatureAlgorithm": "EDDSA",
            "signatureType": null
        },
        "requestSignature": null
    });
    let reply = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    let child = app
        .post(
            "/v1/key/attributes",
            &json!({"label": "TESTKEY2024-08-14_20-02-48.72168016257020/44'/0'/0'/0'"}),
        )
        .await;
    let spki = STANDARD
        .decode(child.body["json"]["publicKey"].as_str().expect("publicKey"))
        .expect("b64");
    let key = ed25519_dalek::VerifyingKey::from_public_key_der(&spki).expect("Ed25519 SPKI");
    let sig = ed25519_dalek::Signature::from_slice(&signature).expect("64 bytes");
    assert!(key.verify_strict(b"SomePayload", &sig).is_ok());
    // SLIP-10 on Ed25519 has no normal indices.
    let mut normal = sign.clone();
    normal["signRequest"]["signKeyName"] = json!("TESTKEY2024-08-14_20-02-48.72168016257020/44'/0");
    let reply = app.post("/v1/synchronousSign", &normal).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

fn seeded(label: &str, curve_oid: &str, seed: &str) -> Value {
    json!({
        "label": label, "algorithm": if curve_oid == "1.3.101.112" { "ED" } else { "EC" },
        "seed": STANDARD.encode(hex::decode(seed).unwrap()), "curveOid": curve_oid,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true,
                       "bip32": false, "slip10": true, "destroyable": true},
        "policy": empty_policy()
    })
}

/// The compressed SEC1 point (EC) or `00 || A` (Ed25519) of a key info, as SLIP-10 prints it.
fn slip10_public(info: &Value) -> String {
    let der = STANDARD
        .decode(info["json"]["publicKey"].as_str().expect("publicKey"))
        .expect("b64");
    if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_der(&der) {
        return format!("00{}", hex::encode(key.as_bytes()));
    }
    if let Ok(key) = k256::PublicKey::from_public_key_der(&der) {
        return hex::encode(key.as_affine().to_sec1_point(true).as_bytes());
    }
    let key = p256::PublicKey::from_public_key_der(&der).expect("P-256");
    hex::encode(key.as_affine().to_sec1_point(true).as_bytes())
}

#[tokio::test]
async fn an_imported_seed_gives_the_slip10_vector_master_and_children() {
    let app = spawn_app().await;
    let seed = "000102030405060708090a0b0c0d0e0f";
    for (label, oid, chain_code, public, path, child_public) in [
        (
            "k1",
            "1.3.132.0.10",
            "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
            "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2",
            "0'/1",
            "03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c",
        ),
        (
            "p256",
            "1.2.840.10045.3.1.7",
            "beeb672fe4621673f722f38529c07392fecaa61015c80c34f29ce8b41b3cb6ea",
            "0266874dc6ade47b3ecd096745ca09bcd29638dd52c2c12117b11ed3e458cfa9e8",
            "0'/1",
            "03526c63f8d0b4bbbf9c80df553fe66742df4676b241dabefdef67733e070f6844",
        ),
        (
            "ed",
            "1.3.101.112",
            "90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb",
            "00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed",
            "0'/1'",
            "001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187",
        ),
    ] {
        let reply = app.post("/v1/importedKey", &seeded(label, oid, seed)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(slip10_public(&reply.body), public, "{label}");
        assert_eq!(
            reply.body["json"]["derivedAttributes"]["derivationValue"],
            chain_code.to_uppercase()
        );
        let name = format!("{label}/{path}");
        let child = app
            .post("/v1/key/attributes", &json!({"label": name}))
            .await;
        assert_eq!(child.status, StatusCode::OK, "{}", child.body);
        assert_eq!(slip10_public(&child.body), child_public, "{name}");
        // Persisted: the child is stored as master/<path> with the same key.
        let body = json!({"masterKeyLabel": label, "masterKeyPassword": null,
                          "derivationPath": path});
        let stored = app.post("/v1/derivedKey", &body).await;
        assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
        assert_eq!(slip10_public(&stored.body), child_public);
        assert!(app.labels().await.contains(&name));
        let again = app.post("/v1/derivedKey", &body).await;
        again.assert_error(
            StatusCode::BAD_REQUEST,
            608,
            "res.error.key.already.existing",
        );
    }
    let short = seeded("short", "1.3.132.0.10", "00010203");
    let reply = app.post("/v1/importedKey", &short).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(!app.labels().await.contains(&"short".to_owned()));
}

/// Runs `scripts/bip340-verify.py` with coincurve (libsecp256k1), installing it into
/// `target/bip340-venv` from PyPI when missing; panics (fails) if the check fails.
fn libsecp256k1(args: &[&str]) -> String {
    use std::process::Command;
    let root = env!("CARGO_MANIFEST_DIR");
    let venv = format!("{root}/target/bip340-venv");
    let python = format!("{venv}/bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import coincurve"])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let made = Command::new("python3").args(["-m", "venv", &venv]).status();
        assert!(made.is_ok_and(|s| s.success()), "python3 -m venv failed");
        let pip = Command::new(format!("{venv}/bin/pip"))
            .args(["install", "--quiet", "coincurve==21.0.0"])
            .status();
        assert!(
            pip.is_ok_and(|s| s.success()),
            "pip install coincurve failed"
        );
    }
    let output = Command::new(&python)
        .arg(format!("{root}/scripts/bip340-verify.py"))
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "libsecp256k1 refused {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn libsecp256k1_accepts_our_bip340_and_eth_signatures() {
    let app = spawn_app().await;
    let info = app
        .create_key(&secp256k1_key("master", Some("ETH"), true))
        .await;
    // A BIP-340 signature by a derived child, checked against the child's x-only key.
    let child_name = "master/86'/1'/0'/0/0";
    let child = app
        .post("/v1/key/attributes", &json!({"label": child_name}))
        .await;
    let message = [0x11u8; 32];
    let body = json!({"signRequest": {"payload": STANDARD.encode(message),
        "signKeyName": child_name, "signatureAlgorithm": "NONE_WITH_EC_SCHNORR_BIP0340"}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    let compressed = public_key(&child.body).as_affine().to_sec1_point(true);
    libsecp256k1(&[
        "schnorr",
        &hex::encode(&compressed.as_bytes()[1..]),
        &hex::encode(message),
        &hex::encode(&signature),
    ]);
    // An Ethereum signature: libsecp256k1 recovers the master's key from r || s || v.
    let hash = sha3::Keccak256::digest(b"tx");
    let body = json!({"signRequest": {"payload": STANDARD.encode(hash), "signKeyName": "master",
        "signatureAlgorithm": "KECCAK256_WITH_ECDSA", "signatureType": "ETH"}});
    let reply = app.post("/v1/synchronousSign", &body).await;
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("sig"))
        .expect("b64");
    let digest = sha3::Keccak256::digest(hash);
    let recovered = libsecp256k1(&["recover", &hex::encode(digest), &hex::encode(&signature)]);
    let uncompressed = public_key(&info).as_affine().to_sec1_point(false);
    assert_eq!(recovered, hex::encode(uncompressed.as_bytes()));
    let address = &sha3::Keccak256::digest(&hex::decode(&recovered).unwrap()[1..])[12..];
    assert_eq!(
        info["json"]["addressTruncated"]["address"],
        hex::encode_upper(address)
    );
}

/// An ED key with `bip32` alone is of derivation type `ADA` (Cardano BIP32-Ed25519, reference
/// 6.3); tsb-emulator reports the type and chain code but derives no child of it (400/614,
/// docs/decisions.md "Derivation"), for key info, address and signing alike.
#[tokio::test]
async fn an_ada_key_reports_its_type_and_refuses_to_derive() {
    let app = spawn_app().await;
    let info = app
        .create_key(&json!({
            "label": "cardano", "algorithm": "ED", "curveOid": "1.3.101.112",
            "addressFormat": null,
            "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true,
                           "bip32": true, "slip10": false},
            "policy": empty_policy()
        }))
        .await;
    let derived = &info["json"]["derivedAttributes"];
    assert_eq!(derived["derivationType"], "ADA");
    assert_eq!(derived["derivationValue"].as_str().expect("hex").len(), 64);
    let name = "cardano/1852'/1815'/0'/0/0";
    for reply in [
        app.post("/v1/key/attributes", &json!({"label": name}))
            .await,
        app.post(
            "/v1/synchronousSign",
            &json!({"signRequest": {"payload": STANDARD.encode(b"tx body hash"),
                    "signKeyName": name, "signatureAlgorithm": "EDDSA"}}),
        )
        .await,
    ] {
        reply.assert_error(
            StatusCode::BAD_REQUEST,
            614,
            "res.error.operation.forbidden.for.key",
        );
    }
    let body = json!({"masterKeyLabel": "cardano", "derivationPath": "1852'/1815'/0'"});
    assert_eq!(
        app.post("/v1/derivedKey", &body).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.labels()
            .await
            .iter()
            .filter(|l| l.starts_with("cardano"))
            .count(),
        1
    );
}

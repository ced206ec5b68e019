//! The documentation's blockchain tutorials replayed as printed (securosys-com/dev-securosys-docs,
//! `tsb/Tutorials/Blockchain/` and `tsb/Tutorials/Import/seeding.md`; the concept pages are in
//! `concepts`), one test per page, the page path above it: every request body goes in unchanged
//! and the answer has the shape the page shows; addresses and signatures are then checked here, with
//! SHA-256/RIPEMD-160/Keccak and k256 recovery or verification, not with the emulator's code.
//!
//! Requests that need SKA approvals are left out (the approval workflow is not emulated yet):
//! `slip10.md`'s `/v1/sign`, `/v1/modify`, task and approval requests.

use super::public_key;
use crate::helpers::{TestApp, spawn_app};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k256::elliptic_curve::pkcs8::DecodePublicKey;
use k256::elliptic_curve::sec1::ToSec1Point;
use serde_json::{Value, json};
use sha2::Digest;

pub(super) fn hash160(data: &[u8]) -> Vec<u8> {
    ripemd::Ripemd160::digest(sha2::Sha256::digest(data)).to_vec()
}

/// `POST /v1/key/attributes` of `label` (which may carry a path), asserting 200.
pub(super) async fn attributes(app: &TestApp, label: &str) -> Value {
    let reply = app
        .post(
            "/v1/key/attributes",
            &json!({"label": label, "password": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// `POST /v1/key/address` of `label`: the decoded address base of the documented
/// `{"address": "<base64>"}` (that field alone).
pub(super) async fn address(app: &TestApp, body: &Value) -> Vec<u8> {
    let reply = app.post("/v1/key/address", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let object = reply.body.as_object().expect("object");
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["address"],
        "{}",
        reply.body
    );
    STANDARD
        .decode(reply.body["address"].as_str().expect("base64"))
        .expect("base64")
}

/// tsb/Tutorials/Blockchain/CreateBitcoinMasterKey.md: the master key with five approvers, the
/// printed part of the response, and the BTC address base of the temporary child the page
/// names (`TSB_TUTORIAL_3-BITCOIN/44'/0'/0'/0`).
#[tokio::test]
async fn create_bitcoin_master_key_page() {
    let app = spawn_app().await;
    let officer =
        |name: &str, value: &str| json!({"type": "public_key", "name": name, "value": value});
    let body = json!({
        "label": "TSB_TUTORIAL_3-BITCOIN",
        "algorithm": "EC",
        "curveOid": "1.3.132.0.10",
        "addressFormat": {
            "format": "BTC"
        },
        "attributes": {
            "decrypt": false,
            "sign": true,
            "unwrap": false,
            "destroyable": true,
            "modifiable": true,
            "derive": true,
            "bip32": true
        },
        "policy": {
            "ruleUse": {
                "tokens": [
                    {
                        "name": "Token1",
                        "timelock": 0,
                        "timeout": 3600,
                        "groups": [
                            {
                                "name": "FinanceOfficers",
                                "quorum": 2,
                                "approvals": [
                                    officer("FinanceOfficer1", "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEvYPsJeuck/SOotORgxN6Kih9EbfZGTrFht8gv0ASBRjoD3Jlh5w4+QQAZMeBLIy23rCxwYYouN6x5xiOZCH2/g=="),
                                    officer("FinanceOfficer2", "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEJsYPk79qiD2mc6obIhvVj76LU14z022M4aogxxUdrQSSNJrSsJqpiT+tnVF66q5h4B3NHaLc3nOm8yBY0jJZew=="),
                                    officer("FinanceOfficer3", "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEpoiulRerdrbKqmRMmR/udw9FqsrlsBVz4dptoESQdwvy+Xi0jOaoikRd7weYeRtZoRw9xAqiOME+P7XWnuh1Pg=="),
                                    officer("FinanceOfficer4", "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEpeeOY7L02jwxJi+z40BMKjD2xf7md8wRQSna3JvfYYPUejRtxDX0tRQWmg9r0PEj6h4aenNAoo+2pXiKRdsInA=="),
                                    officer("FinanceOfficer5", "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEBIV/KkJzFD0zJuPEl1UkEO/qh7fQ+MsXm1jvuOaXyg3LlZSQC1l1OQJM804x1At8oXZnr/0U2SHiOtyfpBD1xQ==")
                                ]
                            }
                        ]
                    }
                ]
            },
            "keyStatus": {
                "blocked": false
            }
        }
    });
    let info = app.create_key(&body).await;
    // The page prints label, algorithm and curveOid of the answer (and echoes the request's
    // addressFormat, which the key-info DTO reports as addressTruncated).
    assert_eq!(info["json"]["label"], "TSB_TUTORIAL_3-BITCOIN");
    assert_eq!(info["json"]["algorithm"], "EC");
    assert_eq!(info["json"]["curveOid"], "1.3.132.0.10");
    assert_eq!(info["json"]["addressTruncated"]["format"], "BTC");
    assert_eq!(
        info["json"]["derivedAttributes"]["derivationType"],
        "SLIP-10"
    );
    assert_eq!(
        info["json"]["policy"]["ruleUse"]["tokens"][0]["groups"][0]["approvals"][4]["name"],
        "FinanceOfficer5"
    );
    let child_name = "TSB_TUTORIAL_3-BITCOIN/44'/0'/0'/0";
    let child = attributes(&app, child_name).await;
    let compressed = public_key(&child).as_affine().to_sec1_point(true);
    let expected = hash160(compressed.as_bytes());
    assert_eq!(
        child["json"]["addressTruncated"],
        json!({"address": hex::encode_upper(&expected), "format": "BTC"})
    );
    assert_eq!(address(&app, &json!({"label": child_name})).await, expected);
    assert_ne!(child["json"]["publicKey"], info["json"]["publicKey"]);
}

/// tsb/Tutorials/Blockchain/sign.md: the Ethereum key with an empty policy, its address in the
/// three places the page shows (create answer, attributes, address), and the printed signature
/// request, whose `r || s || v` recovers to that address.
#[tokio::test]
async fn ethereum_signature_page() {
    let app = spawn_app().await;
    let body = json!({
        "label": "ether_Transaction_signing_key",
        "algorithm": "EC",
        "curveOid": "1.3.132.0.10",
        "addressFormat": {
            "format": "ETH"
        },
        "attributes": {
            "decrypt": false,
            "sign": true,
            "unwrap": false,
            "destroyable": false,
            "modifiable": true,
            "derive": true,
            "bip32": true
        },
        "policy": {
            "keyStatus": {
                "blocked": false
            }
        }
    });
    let created = app.create_key(&body).await;
    let truncated = created["json"]["addressTruncated"].clone();
    let hex_address = truncated["address"].as_str().expect("address");
    assert_eq!(truncated["format"], "ETH");
    assert_eq!(hex_address.len(), 40);
    assert_eq!(hex_address, hex_address.to_uppercase());
    let info = attributes(&app, "ether_Transaction_signing_key").await;
    assert_eq!(info["json"]["addressTruncated"], truncated);
    let base = address(
        &app,
        &json!({"label": "ether_Transaction_signing_key", "password": null}),
    )
    .await;
    assert_eq!(hex::encode_upper(&base), hex_address);
    let point = public_key(&created).as_affine().to_sec1_point(false);
    assert_eq!(
        &sha3::Keccak256::digest(&point.as_bytes()[1..])[12..],
        &base[..]
    );
    // The page's request (it links the signature endpoint; the empty policy needs no approval,
    // so the synchronous one answers).
    let sign = json!({
      "signRequest": {
        "payload": "YXNk",
        "payloadType": "UNSPECIFIED",
        "signKeyName": "ether_Transaction_signing_key",
        "signatureType": "ETH",
        "signatureAlgorithm": "KECCAK256_WITH_ECDSA"
      }
    });
    let reply = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("signature"))
        .expect("base64");
    assert_eq!(signature.len(), 65);
    let recovery = k256::ecdsa::RecoveryId::from_byte(signature[64] - 27).expect("v is 27 or 28");
    let rs = k256::ecdsa::Signature::from_slice(&signature[..64]).expect("r || s");
    let digest = sha3::Keccak256::digest(b"asd");
    let signer =
        k256::ecdsa::VerifyingKey::recover_from_prehash(&digest, &rs, recovery).expect("recovers");
    let point = signer.as_affine().to_sec1_point(false);
    assert_eq!(
        hex::encode_upper(&sha3::Keccak256::digest(&point.as_bytes()[1..])[12..]),
        hex_address
    );
}

/// tsb/Tutorials/Blockchain/slip10.md, its key creation (the page's signing, modify and
/// approval requests need SKA approvals): the ED key with all four rules, reported as
/// `ADA/SLIP-10` with the XML element the page's task shows, and its temporary child along the
/// page's hardened path.
#[tokio::test]
async fn slip10_tutorial_page_key_creation() {
    let app = spawn_app().await;
    let approver = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEkfktKPbQR0EHSzTOEma9SlWRxenH5qv1uTAUphH4lq2G0WdYSVYeLAFFFWZCrAiksxxke5iFnW2+rA/fc619RqOoKrXpK/BGxEdhvkw1rYpZODe1BNEo9oqyS0+lFa+";
    let rule = json!({
        "tokens": [
            {
                "name": "Token1",
                "timelock": 0,
                "timeout": 600,
                "groups": [
                    {
                        "name": "Group1",
                        "quorum": 1,
                        "approvals": [
                            {
                                "type": "public_key",
                                "name": "ApproverKey1",
                                "value": approver
                            }
                        ]
                    }
                ]
            }
        ]
    });
    let body = json!({
        "label": "TESTKEY2024-08-14_20-02-48.72168016257020",
        "password": null,
        "id": null,
        "algorithm": "ED",
        "algorithmOid": null,
        "curveOid": "1.3.101.112",
        "keySize": null,
        "addressFormat": null,
        "attributes": {
            "encrypt": null,
            "decrypt": true,
            "verify": null,
            "sign": true,
            "wrap": null,
            "unwrap": true,
            "derive": true,
            "bip32": true,
            "slip10": true,
            "extractable": false,
            "modifiable": true,
            "destroyable": true,
            "sensitive": null,
            "copyable": false
        },
        "policy": {
            "ruleUse": rule,
            "ruleBlock": rule,
            "ruleUnblock": rule,
            "ruleModify": rule,
            "keyStatus": {
                "blocked": false
            }
        }
    });
    let info = app.create_key(&body).await;
    let derived = &info["json"]["derivedAttributes"];
    assert_eq!(derived["derivationType"], "ADA/SLIP-10");
    let value = derived["derivationValue"].as_str().expect("hex");
    assert_eq!(value.len(), 64);
    assert_eq!(value, value.to_uppercase());
    let xml = info["xml"].as_str().expect("xml");
    assert!(
        xml.contains(&format!(
            "<derivation_value type=\"ADA/SLIP-10\">{value}</derivation_value>"
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<algorithm_oid>1.3.101.112</algorithm_oid>"),
        "{xml}"
    );
    assert_eq!(info["json"]["curveOid"], Value::Null);
    assert_eq!(info["json"]["addressTruncated"], Value::Null);
    assert_eq!(info["json"]["policy"]["ruleModify"], rule);
    // The page signs with this name; its key is the SLIP-10 child.
    let child = attributes(
        &app,
        "TESTKEY2024-08-14_20-02-48.72168016257020/44'/0'/0'/0'",
    )
    .await;
    assert_eq!(
        child["json"]["derivedAttributes"]["derivationType"],
        "ADA/SLIP-10"
    );
    assert_ne!(child["json"]["derivedAttributes"]["derivationValue"], value);
    assert_ne!(child["json"]["publicKey"], info["json"]["publicKey"]);
    let spki = STANDARD
        .decode(child["json"]["publicKey"].as_str().expect("publicKey"))
        .expect("base64");
    ed25519_dalek::VerifyingKey::from_public_key_der(&spki).expect("an Ed25519 key");
}

/// tsb/Tutorials/Import/seeding.md: the seed import as printed (`<keyname>` and all). The
/// master is the BIP32 master of the seed (computed here: HMAC-SHA512 keyed `Bitcoin seed`),
/// its chain code the `derivationValue`, its BTC address base the HASH160 of that key.
#[tokio::test]
async fn seeding_page() {
    let app = spawn_app().await;
    let body = json!({
        "label": "<keyname>",
        "addressFormat": {
            "format": "BTC"
        },
        "curveOid": "1.3.132.0.10",
        "seed": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "attributes": {
            "encrypt": false,
            "decrypt": false,
            "verify": true,
            "sign": true,
            "wrap": false,
            "unwrap": false,
            "derive": true,
            "bip32": true,
            "extractable": false,
            "modifiable": true,
            "destroyable": true,
            "sensitive": true,
            "copyable": false
        },
        "policy": {
            "ruleUse": null,
            "ruleBlock": null,
            "ruleUnblock": null,
            "ruleModify": null,
            "keyStatus": {
                "blocked": false
            }
        }
    });
    let reply = app.post("/v1/importedKey", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let info = reply.body;
    assert_eq!(info["json"]["label"], "<keyname>");
    assert_eq!(info["json"]["algorithm"], "EC");
    assert_eq!(info["json"]["curveOid"], "1.3.132.0.10");
    assert_eq!(info["json"]["attributes"]["derive"], true);
    assert_eq!(info["json"]["attributes"]["sensitive"], true);
    let seed: Vec<u8> = (0u8..32).collect();
    let mut mac = <hmac::Hmac<sha2::Sha512> as hmac::KeyInit>::new_from_slice(b"Bitcoin seed")
        .expect("any key length");
    hmac::Mac::update(&mut mac, &seed);
    let i = hmac::Mac::finalize(mac).into_bytes();
    let master = k256::SecretKey::from_slice(&i[..32]).expect("a valid master scalar");
    let compressed = master.public_key().as_affine().to_sec1_point(true);
    assert_eq!(
        public_key(&info).as_affine().to_sec1_point(true),
        compressed
    );
    assert_eq!(
        info["json"]["derivedAttributes"],
        json!({"derivationType": "SLIP-10", "derivationValue": hex::encode_upper(&i[32..])})
    );
    assert_eq!(
        info["json"]["addressTruncated"],
        json!({"address": hex::encode_upper(hash160(compressed.as_bytes())), "format": "BTC"})
    );
}

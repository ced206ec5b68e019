//! The documentation's concept pages about addresses and derivation replayed as printed
//! (securosys-com/dev-securosys-docs, `tsb/Concepts/key/`, one test per page, the page path
//! above it), checked as in [`super::docs`].

use super::docs::{address, attributes, hash160};
use super::public_key;
use crate::helpers::spawn_app;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k256::elliptic_curve::sec1::ToSec1Point;
use serde_json::{Value, json};

/// tsb/Concepts/key/AddressFormat.md: `{"label": "Bitcoin"}` answers the 20-byte address base
/// in base64, the HASH160 of the key's compressed point.
#[tokio::test]
async fn address_format_page() {
    let app = spawn_app().await;
    let info = app
        .create_key(&json!({
            "label": "Bitcoin", "algorithm": "EC", "curveOid": "1.3.132.0.10",
            "addressFormat": {"format": "BTC"},
            "attributes": {"decrypt": false, "sign": true, "unwrap": false},
            "policy": {"keyStatus": {"blocked": false}}
        }))
        .await;
    let base = address(
        &app,
        &json!(
            {
                "label": "Bitcoin"
            }
        ),
    )
    .await;
    assert_eq!(base.len(), 20);
    let compressed = public_key(&info).as_affine().to_sec1_point(true);
    assert_eq!(base, hash160(compressed.as_bytes()));
}

/// The ECDSA verifying key of a key info's secp256k1 key.
fn ecdsa_key(info: &Value) -> k256::ecdsa::VerifyingKey {
    k256::ecdsa::VerifyingKey::from(public_key(info))
}

/// tsb/Concepts/key/Derivation/slip-0010.md: the printed EC create body (password as a char
/// array) answers `derivedAttributes` of type `SLIP-10`; with the password left out, as the
/// page allows, the printed sign request on `ec_slip_10/44'/0'/0'/0'` signs with the child and
/// the printed verify request (with that signature) answers `{"signatureValid": true}`.
#[tokio::test]
async fn slip0010_derivation_types_page() {
    let app = spawn_app().await;
    let create = |label: &str, with_password: bool| {
        let mut body = json!({
            "label": label,
            "password": [ "R","E","P","L","A","C","E" ],
            "algorithm": "EC",
            "curveOid": "1.3.132.0.10",
            "attributes": {
                "encrypt": true,
                "decrypt": true,
                "verify": true,
                "sign": true,
                "wrap": true,
                "unwrap": true,
                "derive": true,
                "bip32": false,
                "slip10": true,
                "extractable": false,
                "modifiable": true,
                "destroyable": true,
                "sensitive": true,
                "copyable": false
            }
        });
        if !with_password {
            body.as_object_mut().expect("object").remove("password");
        }
        body
    };
    for (label, with_password) in [("<keyname>", true), ("ec_slip_10", false)] {
        let info = app.create_key(&create(label, with_password)).await;
        let derived = &info["json"]["derivedAttributes"];
        assert_eq!(derived["derivationType"], "SLIP-10");
        assert_eq!(derived["derivationValue"].as_str().expect("hex").len(), 64);
    }
    let sign = json!({
        "signRequest": {
            "payload": "U2lnblBheWxvYWREZW1v",
            "payloadType": "UNSPECIFIED",
            "signKeyName": "ec_slip_10/44'/0'/0'/0'",
            "keyPassword": null,
            "metaData": "U29tZU1ldGFEYXRh",
            "metaDataSignature": "TWV0YURhdGFTaWduYXR1cmU=",
            "signatureAlgorithm": "SHA256_WITH_ECDSA",
            "signatureType": null
        },
        "requestSignature": null
    });
    let reply = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply
            .body
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["signature"]
    );
    let signature = reply.body["signature"].as_str().expect("base64").to_owned();
    let der = STANDARD.decode(&signature).expect("base64");
    let child = attributes(&app, "ec_slip_10/44'/0'/0'/0'").await;
    let master = attributes(&app, "ec_slip_10").await;
    let signature_value = k256::ecdsa::Signature::from_der(&der).expect("DER ECDSA");
    use k256::ecdsa::signature::Verifier;
    assert!(
        ecdsa_key(&child)
            .verify(b"SignPayloadDemo", &signature_value)
            .is_ok()
    );
    assert!(
        ecdsa_key(&master)
            .verify(b"SignPayloadDemo", &signature_value)
            .is_err()
    );
    let verify = json!({
      "verifySignatureRequest": {
        "signKeyName": "ec_slip_10/44'/0'/0'/0'",
        "signatureAlgorithm": "SHA256_WITH_ECDSA",
        "payload": "U2lnblBheWxvYWREZW1v",
        "signature": signature
      }
    });
    let reply = app.post("/v1/verify", &verify).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"signatureValid": true}));
    // The password-protected key signs along the same path with its password.
    let mut with_password = sign.clone();
    with_password["signRequest"]["signKeyName"] = json!("<keyname>/44'/0'/0'/0'");
    with_password["signRequest"]["keyPassword"] = json!(["R", "E", "P", "L", "A", "C", "E"]);
    let reply = app.post("/v1/synchronousSign", &with_password).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// tsb/Concepts/key/Derivation/KeyDerivation.md: the printed temporary-derivation request
/// (`PerformanceTestDerive/44'/60'/0'`, `NONE_WITH_ECDSA` over the 9-byte payload) signs with
/// the child.
#[tokio::test]
async fn key_derivation_page() {
    let app = spawn_app().await;
    app.create_key(&json!({
        "label": "PerformanceTestDerive", "algorithm": "EC", "curveOid": "1.3.132.0.10",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true,
                       "bip32": true, "slip10": true}
    }))
    .await;
    let sign = json!({
      "signRequest": {
        "payload": "c2VjdXJvc3lz",
        "payloadType": "UNSPECIFIED",
        "signKeyName": "PerformanceTestDerive/44'/60'/0'",
        "signKeyObject": null,
        "keyPassword": null,
        "metaData": null,
        "metaDataSignature": null,
        "signatureAlgorithm": "NONE_WITH_ECDSA"
      }
    });
    let reply = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let der = STANDARD
        .decode(reply.body["signature"].as_str().expect("signature"))
        .expect("base64");
    let child = attributes(&app, "PerformanceTestDerive/44'/60'/0'").await;
    let verify = crate::helpers::verify_request(
        "PerformanceTestDerive/44'/60'/0'",
        "NONE_WITH_ECDSA",
        b"securosys",
        &der,
    );
    let reply = app.post("/v1/verify", &verify).await;
    assert_eq!(reply.body["signatureValid"], true, "{}", reply.body);
    let master = crate::helpers::verify_request(
        "PerformanceTestDerive",
        "NONE_WITH_ECDSA",
        b"securosys",
        &der,
    );
    assert_eq!(
        app.post("/v1/verify", &master).await.body["signatureValid"],
        false
    );
    // Independently: ECDSA over the payload taken as the (short) digest, with the child's key.
    assert!(verify_short_digest(&public_key(&child), b"securosys", &der));
    assert!(!verify_short_digest(
        &public_key(&child),
        b"securosyz",
        &der
    ));
}

/// ECDSA verification written out (SEC 1, 4.1.4) for a digest shorter than the curve order,
/// which RustCrypto's `verify_prehash` refuses: `e` is the digest's integer value.
fn verify_short_digest(key: &k256::PublicKey, digest: &[u8], der: &[u8]) -> bool {
    use k256::elliptic_curve::ff::PrimeField;
    use k256::elliptic_curve::ops::Reduce;
    use k256::elliptic_curve::point::AffineCoordinates;
    let signature = k256::ecdsa::Signature::from_der(der).expect("DER ECDSA");
    let (r, s) = (*signature.r(), *signature.s());
    let mut padded = [0u8; 32];
    padded[32 - digest.len()..].copy_from_slice(digest);
    let e = Option::<k256::Scalar>::from(k256::Scalar::from_repr(padded.into())).expect("below n");
    let w = Option::<k256::Scalar>::from(s.invert()).expect("s is not zero");
    let point =
        (k256::ProjectivePoint::GENERATOR * (e * w) + key.to_projective() * (r * w)).to_affine();
    <k256::Scalar as Reduce<k256::FieldBytes>>::reduce(&point.x()) == r
}

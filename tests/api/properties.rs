//! Property tests (proptest, modest case counts): the request parsers never answer a server
//! error whatever the strings, labels parse only when safe, and crypto round trips hold for
//! any key, payload and cipher.

use crate::helpers::{TestApp, spawn_app};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::OnceLock;
use tsb_emulator::crypto::cipher::{self, SymmetricCipher};
use tsb_emulator::domain::Label;

/// One runtime and one app for every case (building an app per case would dominate).
fn runtime_and_app() -> &'static (tokio::runtime::Runtime, TestApp) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, TestApp)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let app = runtime.block_on(async {
            let app = spawn_app().await;
            app.create_key(
                &json!({"label": "ec", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                "attributes": {"decrypt": false, "sign": true, "unwrap": false}}),
            )
            .await;
            app.create_key(&json!({"label": "aes", "algorithm": "AES", "keySize": 256,
                "attributes": {"decrypt": true, "sign": false, "unwrap": false, "encrypt": true}}))
                .await;
            app
        });
        (runtime, app)
    })
}

fn post(path: &str, body: &Value) -> crate::helpers::Reply {
    let (runtime, app) = runtime_and_app();
    runtime.block_on(app.post(path, body))
}

/// Strings with the characters that break parsers: controls, bidi overrides, NUL, slashes,
/// dots, percent escapes, quotes, non-ASCII, and base64/hex alphabets.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\x00-\\x1f/\\\\.%2FA-Za-z0-9+=\"' \u{202e}\u{2066}\u{200f}é漢]{0,40}",
        "[A-Za-z0-9+/]{0,64}={0,2}",
        "[0-9a-fA-F]{0,64}",
        Just(String::new()),
        Just("x".repeat(256)),
        Just("..".to_owned()),
    ]
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        nasty_string().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        proptest::collection::vec(nasty_string().prop_map(Value::from), 0..3).prop_map(Value::from),
    ]
}

fn assert_tsb_answer(path: &str, body: &Value, reply: &crate::helpers::Reply) {
    let documented_701 = reply.status.as_u16() == 500 && reply.body["errorCode"] == 701;
    assert!(
        !reply.status.is_server_error() || documented_701,
        "{path} {body}: {} {}",
        reply.status,
        reply.body
    );
    if !reply.status.is_success() {
        assert!(reply.body["errorCode"].is_u64(), "{path}: {}", reply.body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_label_parses_only_if_it_is_short_printable_and_pathless(raw in nasty_string()) {
        let forbidden = |c: char| c.is_control() || "/\\\u{200e}\u{200f}".contains(c)
            || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
        let acceptable = !raw.is_empty() && raw.len() <= 255 && raw != "." && raw != ".."
            && !raw.chars().any(forbidden);
        match Label::parse(&raw) {
            Ok(label) => {
                prop_assert!(acceptable, "accepted {:?}", raw);
                prop_assert_eq!(label.as_str(), raw.as_str());
            }
            Err(_) => prop_assert!(!acceptable, "refused {:?}", raw),
        }
    }

    #[test]
    fn any_label_or_password_gets_a_tsb_answer(label in nasty_string(), password in field_value()) {
        for (path, body) in [
            ("/v1/key/attributes", json!({"label": label, "password": password})),
            ("/v1/key", json!({"label": label, "password": password, "algorithm": "AES", "keySize": 128,
                "attributes": {"decrypt": true, "sign": false, "unwrap": false}})),
        ] {
            let reply = post(path, &body);
            assert_tsb_answer(path, &body, &reply);
            // A password of the wrong JSON type fails deserialisation first (600).
            if Label::parse(&label).is_err() && (password.is_string() || password.is_null()) {
                prop_assert_eq!(reply.status.as_u16(), 400);
                prop_assert_eq!(&reply.body["errorCode"], 610);
            }
        }
    }

    #[test]
    fn every_enum_and_base64_field_of_sign_and_encrypt_gets_a_tsb_answer(
        values in proptest::collection::vec(field_value(), 6),
        which in 0usize..6,
    ) {
        let mut sign = json!({"signKeyName": "ec", "payload": "AAAA",
            "signatureAlgorithm": "SHA256_WITH_ECDSA", "signatureType": "DER", "payloadType": "UNSPECIFIED"});
        let mut encrypt = json!({"encryptKeyName": "aes", "payload": "AAAA", "cipherAlgorithm": "AES_GCM",
            "additionalAuthenticationData": null, "tagLength": 128});
        let mut decrypt = json!({"decryptKeyName": "aes", "encryptedPayload": "AAAAAAAAAAAAAAAAAAAAAA==",
            "cipherAlgorithm": "AES_GCM", "initializationVector": "AAAAAAAAAAAAAAAA", "tagLength": 128});
        let sign_fields = ["payload", "signatureAlgorithm", "signatureType", "payloadType", "signKeyName", "keyPassword"];
        let encrypt_fields = ["payload", "cipherAlgorithm", "additionalAuthenticationData", "tagLength", "encryptKeyName", "keyPassword"];
        let decrypt_fields = ["encryptedPayload", "cipherAlgorithm", "initializationVector", "tagLength", "additionalAuthenticationData", "decryptKeyName"];
        for (i, value) in values.iter().enumerate().take(which + 1) {
            sign[sign_fields[i]] = value.clone();
            encrypt[encrypt_fields[i]] = value.clone();
            decrypt[decrypt_fields[i]] = value.clone();
        }
        for (path, body) in [
            ("/v1/synchronousSign", json!({"signRequest": sign})),
            ("/v1/encrypt", json!({"encryptRequest": encrypt})),
            ("/v1/synchronousDecrypt", json!({"decryptRequest": decrypt})),
        ] {
            assert_tsb_answer(path, &body, &post(path, &body));
        }
    }

    #[test]
    fn a_signature_verifies_for_its_payload_only(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let sign = json!({"signRequest": {"signKeyName": "ec", "payload": STANDARD.encode(&payload),
            "signatureAlgorithm": "SHA256_WITH_ECDSA"}});
        let reply = post("/v1/synchronousSign", &sign);
        prop_assert_eq!(reply.status.as_u16(), 200);
        let signature = reply.body["signature"].clone();
        let verify = |data: &[u8]| post("/v1/verify", &json!({"verifySignatureRequest": {
            "signKeyName": "ec", "signatureAlgorithm": "SHA256_WITH_ECDSA",
            "payload": STANDARD.encode(data), "signature": signature}})).body["signatureValid"].clone();
        prop_assert_eq!(verify(&payload), json!(true));
        let mut other = payload.clone();
        other.push(1);
        prop_assert_eq!(verify(&other), json!(false));
    }

    #[test]
    fn symmetric_encryption_round_trips_for_every_cipher(
        index in 0usize..SymmetricCipher::ALL.len(),
        key_choice in any::<prop::sample::Index>(),
        key_bytes in proptest::collection::vec(any::<u8>(), 32),
        blocks in 0usize..6,
        filler in any::<u8>(),
        aad in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
    ) {
        let cipher = SymmetricCipher::ALL[index];
        let key = &key_bytes[..*key_choice.get(cipher.key_sizes())];
        // Whole blocks suit every mode, padded or not.
        let plaintext = vec![filler; blocks * 16];
        let aead = matches!(cipher, SymmetricCipher::AesGcm | SymmetricCipher::ChaCha20Aead);
        let aad = if aead { aad } else { None };
        let sealed = cipher::encrypt(cipher, key, &plaintext, aad.as_deref(), 0, &mut rand::rng())
            .expect("encrypts");
        let opened = cipher::decrypt(cipher, key, &sealed.output, sealed.iv.as_deref(), aad.as_deref(), 0)
            .expect("decrypts");
        prop_assert_eq!(&opened, &plaintext);
        if aead {
            let mut tampered = sealed.output.clone();
            tampered[0] ^= 1;
            prop_assert!(cipher::decrypt(cipher, key, &tampered, sealed.iv.as_deref(), aad.as_deref(), 0).is_err());
        }
    }

    #[test]
    fn aes_key_wrap_round_trips_and_detects_tampering(
        kek_len in prop::sample::select(vec![16usize, 24, 32]),
        kek in proptest::collection::vec(any::<u8>(), 32),
        secret in proptest::collection::vec(any::<u8>(), 1..80),
        pad in any::<bool>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let kek = &kek[..kek_len];
        let mut secret = secret;
        if !pad {
            secret.resize((secret.len().div_ceil(8) * 8).max(16), 7);
        }
        let wrapped = cipher::aes_wrap(kek, &secret, pad).expect("wraps");
        prop_assert_eq!(cipher::aes_unwrap(kek, &wrapped, pad).expect("unwraps"), secret);
        let mut tampered = wrapped.clone();
        let at = flip.index(tampered.len());
        tampered[at] ^= 0x80;
        prop_assert!(cipher::aes_unwrap(kek, &tampered, pad).is_err());
    }
}

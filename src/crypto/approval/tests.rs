//! Known answers from the documentation's real TSB traces, and approver signatures made by
//! python `cryptography` (fixtures/approvers/, scripts/approver-fixtures.py).

use super::tlv::{read_block, tag};
use super::*;
use crate::crypto::ec;
use crate::domain::{Curve, ModifyPolicy, Operation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use std::collections::HashMap;

const DOCS: &str = include_str!("../../../fixtures/approvers/docs-vectors.txt");
const SIGNATURES: &str = include_str!("../../../fixtures/approvers/signatures.txt");

fn docs() -> HashMap<&'static str, &'static str> {
    DOCS.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split_once(' '))
        .collect()
}

fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text.trim()).expect("base64")
}

fn doc(name: &str) -> Vec<u8> {
    b64(docs()[name])
}

fn spki(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/approvers/{name}.spki.b64",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    b64(&text)
}

fn integrity(rng: &mut StdRng) -> (crate::domain::SecretBytes, Vec<u8>) {
    ec::generate(Curve::P256, rng).expect("key")
}

#[test]
fn the_step_by_step_pages_token_parses() {
    let token = parse_approval_token(&doc("sign-token")).expect("parses");
    assert_eq!(token.operation, Operation::Use);
    assert_eq!(token.key_name, "TSB_TUTORIAL_1-RSA");
    assert_eq!(
        token.payload,
        ApprovalPayload::Use(b"ApproveSignTaskPayload".to_vec())
    );
    let timestamp = token.timestamp.expect("a timestamp");
    // 2020-06-24T08:54:47Z, the request object's executionTime on the same page.
    assert_eq!(timestamp.created, 1_592_988_887);
    assert_eq!(timestamp.integrity_key, "timestamp-key");
    assert_eq!(timestamp.raw.len(), 64);
    assert_eq!(timestamp.signature.len(), 70);
}

#[test]
fn the_slip10_traces_tokens_parse_and_their_level4_fields_are_the_timestamp() {
    let docs = docs();
    let token = parse_approval_token(&doc("derived-sign-token")).expect("parses");
    assert_eq!(
        token.key_name,
        "TESTKEY2024-08-14_20-02-48.72168016257020/44'/0'/0'/0'"
    );
    assert_eq!(token.payload, ApprovalPayload::Use(b"Halloasd".to_vec()));
    let timestamp = token.timestamp.expect("a timestamp");
    assert_eq!(
        STANDARD.encode(&timestamp.raw),
        docs["derived-sign-timestamp"]
    );
    assert_eq!(
        STANDARD.encode(&timestamp.signature),
        docs["derived-sign-timestamp-signature"]
    );
    assert_eq!(timestamp.integrity_key, "test-timestamp-key");

    let modify = parse_approval_token(&doc("modify-token")).expect("parses");
    assert_eq!(modify.operation, Operation::Modify);
    assert_eq!(
        modify.payload,
        ApprovalPayload::Modify(doc("modify-payload"))
    );
}

/// The modify request of the SLIP-10 trace, as sent.
fn docs_modify_policy() -> ModifyPolicy {
    let docs = docs();
    let rule = |timelock: u32, timeout: u32, key: &str| {
        json!({"tokens": [{"name": "Token1", "timelock": timelock, "timeout": timeout,
            "groups": [{"name": "Group1", "quorum": 1, "approvals": [
                {"type": "public_key", "name": "ApproverKey1", "value": docs[key]}]}]}]})
    };
    ModifyPolicy::parse(&json!({
        "ruleUse": rule(0, 600, "secp256k1-approver"),
        "ruleBlock": rule(180, 180, "p384-approver"),
        "ruleUnblock": rule(180, 180, "p384-approver"),
        "ruleModify": rule(180, 180, "p384-approver"),
    }))
    .expect("valid")
}

#[test]
fn the_policy_blob_reproduces_the_slip10_modify_payload_byte_for_byte() {
    let policy = docs_modify_policy();
    assert_eq!(
        encode_policy(&policy).expect("encodes"),
        doc("modify-payload")
    );
    assert_eq!(
        decode_policy(&doc("modify-payload")).expect("decodes"),
        policy
    );
}

#[test]
fn policy_blobs_round_trip_never_fulfillable_and_absent_rules() {
    let policy = ModifyPolicy::parse(&json!({
        "ruleUse": {"tokens": [{"timelock": 60, "timeout": 0, "groups": null}]},
        "ruleModify": {"tokens": null},
        "ruleBlock": {"tokens": [{"name": "t", "timelock": 0, "timeout": 0, "groups": [
            {"quorum": 1, "approvals": [
                {"type": "onboarded_approver_certificate", "name": "officer"},
                {"type": "public_key", "name": "k", "value": STANDARD.encode(spki("ed25519"))}]}]}]},
    }))
    .expect("valid");
    let blob = encode_policy(&policy).expect("encodes");
    let kinds: Vec<u16> = read_block(&blob)
        .expect("block")
        .iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, [tag::RULE_USE, tag::RULE_BLOCK, tag::RULE_MODIFY]);
    assert_eq!(decode_policy(&blob).expect("decodes"), policy);
    assert!(decode_policy(&blob[..blob.len() - 4]).is_err());
}

#[test]
fn our_tokens_have_the_tsb_layout_and_our_integrity_signature() {
    let mut rng = StdRng::seed_from_u64(7);
    let (pkcs8, public) = integrity(&mut rng);
    let key = IntegrityKey {
        pkcs8: pkcs8.expose(),
        label: "timestamp-key",
    };
    let payload = ApprovalPayload::Use(b"ApproveSignTaskPayload".to_vec());
    let ours = build_approval_token(
        Operation::Use,
        "TSB_TUTORIAL_1-RSA",
        &payload,
        1_592_988_887,
        &key,
        &mut rng,
    )
    .expect("builds");
    // Everything up to the integrity signature is the documentation's token, byte for byte.
    let theirs = doc("sign-token");
    let signature_at = 4 + 8 + 24 + 4 + 64;
    assert_eq!(ours[4..signature_at], theirs[4..signature_at]);
    let token = parse_approval_token(&ours).expect("parses");
    assert_eq!(token.payload, payload);
    assert!(verify_integrity(&token, &public).expect("verifies"));
    let (_, stranger) = integrity(&mut rng);
    assert!(!verify_integrity(&token, &stranger).expect("verifies"));
    // The 0x1056 wrapper names ecdsa-with-SHA256 with NULL parameters, as the TSB's does.
    let ours_header = &token.timestamp.expect("timestamp").signature_with_algorithm[..16];
    let theirs_token = parse_approval_token(&theirs).expect("parses");
    assert_eq!(
        ours_header[2..16],
        theirs_token
            .timestamp
            .expect("timestamp")
            .signature_with_algorithm[2..16]
    );
}

#[test]
fn tokens_differ_per_build_and_repeat_with_the_same_seed() {
    let build = |seed: u64| {
        let mut rng = StdRng::seed_from_u64(seed);
        let (pkcs8, _) = integrity(&mut StdRng::seed_from_u64(1));
        let key = IntegrityKey {
            pkcs8: pkcs8.expose(),
            label: "timestamp-key",
        };
        let payload = ApprovalPayload::Modify(encode_policy(&docs_modify_policy()).expect("blob"));
        let first = build_approval_token(Operation::Modify, "k", &payload, 10, &key, &mut rng)
            .expect("builds");
        let second = build_approval_token(Operation::Modify, "k", &payload, 10, &key, &mut rng)
            .expect("builds");
        (first, second)
    };
    let (a, b) = build(3);
    assert_ne!(a, b, "two tasks of one request get distinct blobs");
    assert_eq!(build(3), (a, b), "a seeded generator repeats them");
}

#[test]
fn malformed_tokens_are_refused() {
    let good = doc("sign-token");
    for bad in [
        good[..good.len() - 8].to_vec(),
        [&[0u8, 0, 0, 0][..], &good[4..]].concat(),
        vec![],
        vec![4, 0, 0, 0, 0x3b, 0, 4, 0],
    ] {
        assert!(matches!(
            parse_approval_token(&bad),
            Err(ApprovalError::Malformed(_))
        ));
    }
    // A trailing payload that differs from the timestamp's copy.
    let mut tampered = good.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 1;
    assert!(parse_approval_token(&tampered).is_err());
}

#[test]
fn the_documentations_approver_signatures_verify() {
    let docs = docs();
    let certificate_spki =
        crate::crypto::x509::public_key_of(&doc("sign-approver-certificate")).expect("spki");
    verify_approver(
        &certificate_spki,
        "SHA-256",
        &doc("sign-token"),
        &doc("sign-approval-signature"),
    )
    .expect("RSA approval");
    let timestamp_spki =
        crate::crypto::x509::public_key_of(&doc("timestamp-rsa-certificate")).expect("spki");
    verify_approver(
        &timestamp_spki,
        "SHA-256",
        docs["timestamp-rsa"].as_bytes(),
        &doc("timestamp-rsa-signature"),
    )
    .expect("RSA timestamp");
    verify_approver(
        &doc("p384-approver"),
        "SHA-256",
        &doc("modify-token"),
        &doc("modify-approval-signature"),
    )
    .expect("P-384 approval");
    verify_approver(
        &doc("p384-approver"),
        "SHA-256",
        docs["timestamp-p384"].as_bytes(),
        &doc("timestamp-p384-signature"),
    )
    .expect("P-384 timestamp");
    verify_approver(
        &doc("secp256k1-approver"),
        "SHA-256",
        docs["timestamp-secp256k1"].as_bytes(),
        &doc("timestamp-secp256k1-signature"),
    )
    .expect("secp256k1 timestamp");
    // The wrong message fails.
    assert!(matches!(
        verify_approver(
            &doc("p384-approver"),
            "SHA-256",
            docs["timestamp-secp256k1"].as_bytes(),
            &doc("timestamp-p384-signature"),
        ),
        Err(ApprovalError::BadSignature)
    ));
}

struct Fixture {
    key: &'static str,
    digest: &'static str,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn fixtures() -> Vec<Fixture> {
    SIGNATURES
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            Fixture {
                key: parts[0],
                digest: parts[1],
                message: b64(parts[2]),
                signature: b64(parts[3]),
            }
        })
        .collect()
}

/// The first fixture of each key and digest kind (the full set is checked once, below: DSA
/// and RSA verification are slow in debug builds).
fn one_per_key() -> Vec<Fixture> {
    let mut seen = std::collections::HashSet::new();
    fixtures()
        .into_iter()
        .filter(|f| seen.insert((f.key, f.digest.starts_with("SHA3"))))
        .collect()
}

#[test]
fn signatures_made_by_python_cryptography_verify_for_every_key_type_and_digest() {
    let fixtures = fixtures();
    assert_eq!(fixtures.len(), 36);
    for f in &fixtures {
        verify_approver(&spki(f.key), f.digest, &f.message, &f.signature)
            .unwrap_or_else(|e| panic!("{} {}: {e}", f.key, f.digest));
    }
    let digests: std::collections::HashSet<&str> = fixtures.iter().map(|f| f.digest).collect();
    assert_eq!(digests.len(), 9, "every digest name is exercised");
}

#[test]
fn a_changed_message_another_key_or_another_digest_fails() {
    for f in one_per_key() {
        let mut message = f.message.clone();
        message[0] ^= 1;
        assert!(
            matches!(
                verify_approver(&spki(f.key), f.digest, &message, &f.signature),
                Err(ApprovalError::BadSignature)
            ),
            "{} {} changed message",
            f.key,
            f.digest
        );
        let other = if f.key == "ec-p256" {
            "ec-p384"
        } else {
            "ec-p256"
        };
        let digest = if f.key == "ed25519" {
            "SHA-256"
        } else {
            f.digest
        };
        assert!(
            verify_approver(&spki(other), digest, &f.message, &f.signature).is_err(),
            "{} {} other key",
            f.key,
            f.digest
        );
        if f.digest != "EdDSA" {
            let wrong = if f.digest == "SHA-512" {
                "SHA-384"
            } else {
                "SHA-512"
            };
            assert!(
                matches!(
                    verify_approver(&spki(f.key), wrong, &f.message, &f.signature),
                    Err(ApprovalError::BadSignature)
                ),
                "{} {} claimed as {wrong}",
                f.key,
                f.digest
            );
        }
    }
}

#[test]
fn unknown_digests_unsupported_keys_and_misused_eddsa_are_distinct_errors() {
    let f = &fixtures()[0];
    assert!(matches!(
        verify_approver(&spki(f.key), "MD5", &f.message, &f.signature),
        Err(ApprovalError::UnsupportedDigest(_))
    ));
    assert!(matches!(
        verify_approver(&spki("ed448"), "EdDSA", &f.message, &f.signature),
        Err(ApprovalError::UnsupportedKeyType(_))
    ));
    assert!(matches!(
        verify_approver(&spki("rsa-2048"), "EdDSA", &f.message, &f.signature),
        Err(ApprovalError::UnsupportedDigest(_))
    ));
    assert!(matches!(
        verify_approver(b"not a key", "SHA-256", &f.message, &f.signature),
        Err(ApprovalError::InvalidKey(_))
    ));
    assert_eq!(
        ApprovalDigest::from_name("sha256").expect("name").name(),
        "SHA-256"
    );
    assert_eq!(
        ApprovalDigest::from_name("eddsa").expect("name"),
        ApprovalDigest::EdDsa
    );
}

#[test]
fn signed_approvals_round_trip_and_verify() {
    for f in one_per_key() {
        let entry = SignedApproval {
            token: f.message.clone(),
            digest: ApprovalDigest::from_name(f.digest).expect("digest"),
            signature: f.signature.clone(),
            approver: ApproverIdentity::PublicKey(spki(f.key)),
        };
        let bytes = entry.encode().expect("encodes");
        let read = SignedApproval::decode(&bytes).expect("decodes");
        assert_eq!(read, entry, "{} {}", f.key, f.digest);
        assert_eq!(read.verify().expect("verifies"), spki(f.key));
    }
}

#[test]
fn a_certificate_approvers_signed_approval_verifies_with_the_certificates_key() {
    let entry = SignedApproval {
        token: doc("sign-token"),
        digest: ApprovalDigest::from_name("SHA-256").expect("digest"),
        signature: doc("sign-approval-signature"),
        approver: ApproverIdentity::Certificate(doc("sign-approver-certificate")),
    };
    let read = SignedApproval::decode(&entry.encode().expect("encodes")).expect("decodes");
    let approver = read.verify().expect("verifies");
    assert_eq!(
        approver,
        crate::crypto::x509::public_key_of(&doc("sign-approver-certificate")).expect("spki")
    );
    assert_eq!(
        read.parsed_token().expect("token").key_name,
        "TSB_TUTORIAL_1-RSA"
    );
    let mut forged = read.clone();
    forged.token[8] ^= 1;
    assert!(matches!(forged.verify(), Err(ApprovalError::BadSignature)));
    assert!(SignedApproval::decode(&doc("sign-token")).is_err());
}

#[test]
fn timestamps_follow_the_validator_pattern() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
    assert_eq!(
        parse_timestamp("2023-10-30T17:30:24+00:00"),
        Ok(1_698_687_024)
    );
    assert_eq!(
        parse_timestamp("2024-08-14T20:03:02+02:00"),
        Ok(1_723_658_582)
    );
    assert_eq!(
        parse_timestamp("2025-03-01T09:00:00.123Z"),
        Ok(1_740_819_600)
    );
    assert_eq!(
        parse_timestamp("2000-02-29T23:59:59-01:30"),
        Ok(951_868_799 + 5_400)
    );
    assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Ok(-1));
    for bad in [
        "2023-10-30 17:30:24Z",
        "2023-10-30T17:30:24",
        "2023-10-30T17:30Z",
        "2023-10-30T17:30:24.Z",
        "2023-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2023-10-30T24:00:00Z",
        "2023-10-30T17:30:24+0000",
        "2023-10-30T17:30:24+00:00 ",
        "２023-10-30T17:30:24Z",
    ] {
        assert!(
            matches!(parse_timestamp(bad), Err(TimestampError::Malformed(_))),
            "{bad}"
        );
    }
}

#[test]
fn timestamps_outside_the_window_are_off() {
    let now = 1_698_687_024;
    let text = "2023-10-30T17:30:24+00:00";
    assert_eq!(check_timestamp(text, now, 0, 0), Ok(1_698_687_024));
    assert_eq!(check_timestamp(text, now + 600, 600, 0), Ok(1_698_687_024));
    assert!(matches!(
        check_timestamp(text, now + 601, 600, 0),
        Err(TimestampError::Off(_))
    ));
    assert!(matches!(
        check_timestamp(text, now - 1, 600, 0),
        Err(TimestampError::Off(_))
    ));
    assert_eq!(check_timestamp(text, now - 5, 600, 5), Ok(1_698_687_024));
}

#[test]
fn openssl_verifies_our_integrity_signature() {
    let mut rng = StdRng::seed_from_u64(11);
    let (pkcs8, public) = integrity(&mut rng);
    let key = IntegrityKey {
        pkcs8: pkcs8.expose(),
        label: "timestamp-key",
    };
    let payload = ApprovalPayload::Use(b"cross-checked".to_vec());
    let token =
        build_approval_token(Operation::Use, "k", &payload, 1, &key, &mut rng).expect("builds");
    let timestamp = parse_approval_token(&token)
        .expect("parses")
        .timestamp
        .expect("timestamp");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path();
    let write = |name: &str, bytes: &[u8]| std::fs::write(path.join(name), bytes).expect(name);
    write("timestamp.bin", &timestamp.raw);
    write("signature.der", &timestamp.signature);
    write(
        "integrity.pem",
        crate::crypto::pem::encode("PUBLIC KEY", &public).as_bytes(),
    );
    crate::crypto::test_support::openssl(
        path,
        "dgst -sha256 -verify integrity.pem -signature signature.der timestamp.bin",
    );
    // And the whole 0x1056 value is the DER structure OpenSSL reads as such.
    write("wrapped.der", &timestamp.signature_with_algorithm);
    crate::crypto::test_support::openssl(path, "asn1parse -inform DER -in wrapped.der");
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = parse_approval_token(&bytes);
        let _ = decode_policy(&bytes);
        let _ = SignedApproval::decode(&bytes);
        let _ = crate::domain::approver_key_type(&bytes);
        // With a consistent header too, so the record walk is reached.
        let mut block = (bytes.len() as u32).to_le_bytes().to_vec();
        block.extend_from_slice(&bytes);
        let _ = parse_approval_token(&block);
        let _ = decode_policy(&block);
        let _ = SignedApproval::decode(&block);
    }

    #[test]
    fn arbitrary_text_never_panics_the_timestamp_parser(text in "\\PC{0,40}") {
        let _ = check_timestamp(&text, 1_700_000_000, 600, 0);
    }

    #[test]
    fn formatted_instants_parse_back(seconds in 0u64..4_102_444_800) {
        let text = crate::domain::Timestamp(seconds).to_string();
        proptest::prop_assert_eq!(parse_timestamp(&text), Ok(seconds as i64));
    }
}

// ---- signedApprovals of synchronous calls ----

/// The PKCS#8 DER of a fixture approver's private key.
fn private(name: &str) -> Vec<u8> {
    let pem = std::fs::read(format!(
        "{}/fixtures/approvers/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    crate::crypto::pem::decode_all(&pem).expect("pem").remove(0)
}

/// A signed approval of `token` by the fixture approver `name` (P-256 with SHA-256, or
/// Ed25519).
fn approve(token: &[u8], name: &str) -> Vec<u8> {
    let (digest, signature) = if name == "ed25519" {
        (
            ApprovalDigest::EdDsa,
            crate::crypto::ed25519::sign(&private(name), token).expect("signs"),
        )
    } else {
        let signature = ec::sign(
            Curve::P256,
            &private(name),
            token,
            crate::domain::Hashing::Hash(crate::domain::HashAlgorithm::Sha256),
            true,
            crate::domain::SignatureFormat::Der,
            &mut StdRng::seed_from_u64(0),
        )
        .expect("signs");
        (
            ApprovalDigest::from_name("SHA-256").expect("digest"),
            signature,
        )
    };
    SignedApproval {
        token: token.to_vec(),
        digest,
        signature,
        approver: ApproverIdentity::PublicKey(spki(name)),
    }
    .encode()
    .expect("encodes")
}

#[test]
fn signed_approvals_prove_their_approvers_for_the_right_operation_only() {
    let mut rng = StdRng::seed_from_u64(5);
    let (pkcs8, integrity_spki) = integrity(&mut rng);
    let key = IntegrityKey {
        pkcs8: pkcs8.expose(),
        label: "timestamp-key",
    };
    let payload = ApprovalPayload::Use(b"to be signed".to_vec());
    let token = build_approval_token(Operation::Use, "key-1", &payload, 1_000, &key, &mut rng)
        .expect("builds");
    let expected = Expected {
        operation: Operation::Use,
        key_name: "key-1",
        payload: &payload,
    };
    let entries = vec![
        approve(&token, "ec-p256"),
        approve(&token, "ed25519"),
        approve(&token, "ec-p256"),
    ];
    let proven = prove_signed_approvals(&entries, &expected, &integrity_spki).expect("proves");
    assert_eq!(proven.approved, vec![spki("ec-p256"), spki("ed25519")]);
    assert_eq!(proven.created, Some(1_000));
    let rule = crate::domain::Policy::parse(&json!({"ruleUse": {"tokens": [{"timelock": 0,
        "timeout": 600, "groups": [{"quorum": 2, "approvals": [
            {"type": "public_key", "value": STANDARD.encode(spki("ec-p256"))},
            {"type": "public_key", "value": STANDARD.encode(spki("ed25519"))}]}]}]},
        "keyStatus": {"blocked": false}}))
    .expect("policy")
    .rule_use
    .expect("rule");
    let created = proven.created.unwrap_or(1_500);
    assert_eq!(
        rule.evaluate(&proven.approved, &[], created, 1_500),
        crate::domain::Evaluation::Fulfilled
    );
    assert_eq!(
        rule.evaluate(&proven.approved[..1], &[], created, 1_500),
        crate::domain::Evaluation::Pending
    );
    assert_eq!(
        prove_signed_approvals(&[], &expected, &integrity_spki).expect("empty"),
        ProvenApprovals::default()
    );

    for (operation, key_name, other_payload) in [
        (Operation::Block, "key-1", payload.clone()),
        (Operation::Use, "key-2", payload.clone()),
        (
            Operation::Use,
            "key-1",
            ApprovalPayload::Use(b"something else".to_vec()),
        ),
    ] {
        let elsewhere = Expected {
            operation,
            key_name,
            payload: &other_payload,
        };
        assert!(matches!(
            prove_signed_approvals(&entries, &elsewhere, &integrity_spki),
            Err(ApprovalError::Mismatch(_))
        ));
    }
    // A token whose HSM timestamp another key signed (a client-made creation time).
    let (forger, _) = integrity(&mut rng);
    let forged_key = IntegrityKey {
        pkcs8: forger.expose(),
        label: "timestamp-key",
    };
    let forged = build_approval_token(Operation::Use, "key-1", &payload, 0, &forged_key, &mut rng)
        .expect("builds");
    assert!(matches!(
        prove_signed_approvals(&[approve(&forged, "ec-p256")], &expected, &integrity_spki),
        Err(ApprovalError::BadSignature)
    ));
    // A signature over another token.
    let mut swapped = SignedApproval::decode(&entries[0]).expect("decodes");
    swapped.token = forged;
    assert!(matches!(
        prove_signed_approvals(
            &[swapped.encode().expect("encodes")],
            &expected,
            &integrity_spki
        ),
        Err(ApprovalError::BadSignature)
    ));
}

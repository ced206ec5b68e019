//! Approval tokens, the policy blob and the TLV layout.

use super::super::tlv::{read_block, tag};
use super::super::*;
use super::{doc, docs, integrity, spki};
use crate::domain::{ModifyPolicy, Operation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

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
}

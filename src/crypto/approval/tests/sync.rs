//! The signedApprovals check of synchronous calls.

use super::super::*;
use super::{integrity, spki};
use crate::crypto::ec;
use crate::domain::{Curve, Operation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

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

//! Approver signatures and signed approvals.

use super::super::*;
use super::{SIGNATURES, b64, doc, docs, spki};

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

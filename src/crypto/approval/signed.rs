//! `signedApprovals` entries (reference 13.6): an approval token with its approver's signature
//! and key, for the synchronous calls on SKA keys.
//!
//! The reference names the three parts but not their record types; no official client sends
//! these, so this is the emulator's own encoding, in the HSM's record layout:
//!
//! ```text
//! signed approval = u32 length, then
//!   0x1053 the approval token (the approvalToBeSigned bytes, header included)
//!   0x1056 the approver's signature: DER SEQUENCE { AlgorithmIdentifier (the digest with the
//!          key type, e.g. sha256WithRSAEncryption, ecdsa-with-SHA256, id-dsa-with-sha256,
//!          id-Ed25519; NULL parameters except for Ed25519), BIT STRING (the signature bytes
//!          as the approver made them) }
//!   0x1052 the approver's DER SubjectPublicKeyInfo   | or
//!   0x1055 the approver's DER X.509 certificate
//! ```
//!
//! 0x1056 and 0x1052 are the codes the HSM uses for DER signatures and approver keys
//! elsewhere; 0x1053 and 0x1055 are unused in every sample we decoded. Each entry of
//! `signedApprovals` is the base64 of one such block.

use super::tlv::{Writer, read_block, tag};
use super::token::SignatureWithAlgorithm;
use super::verify::{
    ApprovalDigest, digest_of_signature_oid, key_type, signature_algorithm_oid, verify_with,
};
use super::{ApprovalError, ApprovalToken, parse_approval_token};
use crate::domain::ApproverKeyType;
use der::asn1::BitString;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

/// How the approver of a signed approval is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproverIdentity {
    /// A DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
    /// A DER X.509 certificate (its public key approves).
    Certificate(Vec<u8>),
}

impl ApproverIdentity {
    /// The approver's DER SubjectPublicKeyInfo (from the certificate for a certificate).
    pub fn spki(&self) -> Result<Vec<u8>, ApprovalError> {
        match self {
            Self::PublicKey(spki) => Ok(spki.clone()),
            Self::Certificate(certificate) => crate::crypto::x509::public_key_of(certificate)
                .map_err(|e| ApprovalError::InvalidKey(e.to_string())),
        }
    }
}

/// One entry of `signedApprovals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedApproval {
    /// The approval token as signed (an `approvalToBeSigned`).
    pub token: Vec<u8>,
    /// The digest the approver signed with.
    pub digest: ApprovalDigest,
    /// The approver's signature over `token`.
    pub signature: Vec<u8>,
    /// Who signed.
    pub approver: ApproverIdentity,
}

impl SignedApproval {
    /// Encodes the entry (the bytes to base64 into `signedApprovals`): what an approver makes
    /// from a task's `approvalToBeSigned`, its signature and its key. The AlgorithmIdentifier
    /// comes from the approver key's type and `digest`.
    pub fn encode(&self) -> Result<Vec<u8>, ApprovalError> {
        let kind = key_type(&self.approver.spki()?)?;
        let parameters = match kind {
            ApproverKeyType::Ed25519 => None,
            _ => Some(der::Any::from(der::AnyRef::from(der::asn1::Null))),
        };
        let signature = SignatureWithAlgorithm {
            algorithm: AlgorithmIdentifierOwned {
                oid: signature_algorithm_oid(kind, self.digest),
                parameters,
            },
            signature: BitString::from_bytes(&self.signature)?,
        }
        .to_der()?;
        let (identity_tag, identity) = match &self.approver {
            ApproverIdentity::PublicKey(spki) => (tag::APPROVER_KEY, spki),
            ApproverIdentity::Certificate(certificate) => (tag::APPROVER_CERTIFICATE, certificate),
        };
        let mut entry = Writer::default();
        entry
            .record(tag::APPROVAL_TOKEN, &self.token)?
            .record(tag::DER_SIGNATURE, &signature)?
            .record(identity_tag, identity)?;
        entry.finish()
    }

    /// Decodes an entry (the base64-decoded bytes of one `signedApprovals` element). The
    /// signature is not checked here: see [`SignedApproval::verify`].
    pub fn decode(bytes: &[u8]) -> Result<SignedApproval, ApprovalError> {
        let records = read_block(bytes)?;
        let [token, signature, identity] = records.as_slice() else {
            return Err(ApprovalError::Malformed(format!(
                "a signed approval has 3 records, not {}",
                records.len()
            )));
        };
        if token.kind != tag::APPROVAL_TOKEN || signature.kind != tag::DER_SIGNATURE {
            return Err(ApprovalError::Malformed(
                "a signed approval is token (0x1053), signature (0x1056), key (0x1052 or 0x1055)"
                    .to_owned(),
            ));
        }
        let approver = match identity.kind {
            tag::APPROVER_KEY => ApproverIdentity::PublicKey(identity.value.to_vec()),
            tag::APPROVER_CERTIFICATE => ApproverIdentity::Certificate(identity.value.to_vec()),
            other => {
                return Err(ApprovalError::Malformed(format!(
                    "record {other:#06x} where the approver's key belongs"
                )));
            }
        };
        let wrapped = SignatureWithAlgorithm::from_der(signature.value)?;
        let digest = digest_of_signature_oid(wrapped.algorithm.oid).ok_or_else(|| {
            ApprovalError::UnsupportedDigest(format!(
                "The signature algorithm {} is not supported.",
                wrapped.algorithm.oid
            ))
        })?;
        let signature = wrapped
            .signature
            .as_bytes()
            .ok_or_else(|| ApprovalError::Malformed("a signature of partial bytes".to_owned()))?;
        Ok(SignedApproval {
            token: token.value.to_vec(),
            digest,
            signature: signature.to_vec(),
            approver,
        })
    }

    /// Checks the approver's signature over the token with the approver's key; returns the
    /// approver's DER SubjectPublicKeyInfo (to match against the policy's approvers).
    pub fn verify(&self) -> Result<Vec<u8>, ApprovalError> {
        let spki = self.approver.spki()?;
        verify_with(&spki, self.digest, &self.token, &self.signature)?;
        Ok(spki)
    }

    /// The parsed approval token (to check its operation, key name and payload).
    pub fn parsed_token(&self) -> Result<ApprovalToken, ApprovalError> {
        parse_approval_token(&self.token)
    }
}

//! SKA approvals (reference 13): the `approvalToBeSigned` token the emulator issues and reads,
//! the policy's HSM encoding inside modify tokens, approver signature checks, the timestamp an
//! approver proves possession with, and the `signedApprovals` entries of synchronous calls.
//!
//! Pure and synchronous like the rest of `crypto`: randomness (the integrity signature's
//! nonce) and the clock (`now`) are passed in; nothing is stored here.

mod approve;
mod policy_blob;
mod signed;
mod sync;
#[cfg(test)]
mod tests;
mod timestamp;
pub mod tlv;
mod token;
mod verify;

pub use approve::sign_as_approver;
pub use policy_blob::{decode_policy, encode_policy};
pub use signed::{ApproverIdentity, SignedApproval};
pub use sync::{Expected, ProvenApprovals, prove_signed_approvals};
pub use timestamp::{TimestampError, check_timestamp, parse_timestamp};
pub use token::{
    ApprovalPayload, ApprovalToken, HsmTimestamp, IntegrityKey, build_approval_token,
    operation_code, operation_of, parse_approval_token, verify_integrity,
};
pub use verify::{
    ApprovalDigest, digest_of_signature_oid, key_type, signature_algorithm_oid, verify_approver,
    verify_with,
};

use super::CryptoError;

/// What can go wrong with an approval. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// A digest name outside `SHA-224` ... `SHA3-512` and `EdDSA` (or `EdDSA` with a key that
    /// is not Ed25519, or a signature AlgorithmIdentifier we do not know): 400/600.
    #[error("{0}")]
    UnsupportedDigest(String),
    /// An approver key of a type the HSM does not take: 400/601
    /// `res.error.unsupported.approver.key.type`.
    #[error("{0}")]
    UnsupportedKeyType(String),
    /// Bytes that are not the approver key (or certificate) they claim to be: 400/600.
    #[error("{0}")]
    InvalidKey(String),
    /// The signature does not verify with the approver's key: 403
    /// `res.error.input.invalid.signature` (HTTP 400).
    #[error("The signature is not valid.")]
    BadSignature,
    /// A signed approval whose token is for another operation, key or payload (the HSM
    /// refuses such approvals: 500/701 with the "insufficient approvals" message).
    #[error("The provided approvals are insufficient: {0}.")]
    Mismatch(String),
    /// A token, policy blob or signed approval that does not follow its layout: 400/600.
    #[error("Malformed approval data: {0}.")]
    Malformed(String),
    /// Signing the HSM timestamp failed (a bad integrity key): a 500.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<der::Error> for ApprovalError {
    fn from(error: der::Error) -> Self {
        Self::Malformed(format!("DER: {error}"))
    }
}

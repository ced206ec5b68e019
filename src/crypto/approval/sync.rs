//! Checking the `signedApprovals` of a synchronous call on an SKA key (reference 5.1, 13.6):
//! which approvers really approved this very operation, to feed [`crate::domain::Rule::evaluate`].

use super::{
    ApprovalError, ApprovalPayload, SignedApproval, parse_approval_token, verify_integrity,
};
use crate::domain::Operation;

/// What the approvals must be for.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The operation being done.
    pub operation: Operation,
    /// The key name exactly as given in the request (derivation path included).
    pub key_name: &'a str,
    /// The payload the tokens must carry (the bytes to sign or decrypt, or the new policy's
    /// blob for modify).
    pub payload: &'a ApprovalPayload,
}

/// The approvers a list of signed approvals proves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProvenApprovals {
    /// The DER SubjectPublicKeyInfos of the approvers whose signatures verified, each once,
    /// in the order given.
    pub approved: Vec<Vec<u8>>,
    /// The earliest request creation named by the tokens' HSM timestamps (the instant the
    /// rule's timelocks and timeouts count from); `None` when no token has a timestamp
    /// (JCE-style tokens for policies without timelock or timeout).
    pub created: Option<u64>,
}

/// Decodes and checks every entry of `signedApprovals` (already base64-decoded): the
/// approver's signature over its token; the token's operation, key name and payload against
/// `expected`; and, when the token has an HSM timestamp, its signature by the emulator's
/// integrity key `integrity_spki` (so a client can not shift the creation time a timelock
/// counts from). The first entry that fails decides the error ([`ApprovalError::Mismatch`] for
/// a token about something else, [`ApprovalError::BadSignature`] for a signature or timestamp
/// that does not verify, the decoding errors otherwise). An empty list proves nobody, which
/// fulfils exactly the rules that need no approval.
pub fn prove_signed_approvals(
    entries: &[Vec<u8>],
    expected: &Expected<'_>,
    integrity_spki: &[u8],
) -> Result<ProvenApprovals, ApprovalError> {
    let mut proven = ProvenApprovals::default();
    for (i, entry) in entries.iter().enumerate() {
        let signed = SignedApproval::decode(entry)?;
        let approver = signed.verify()?;
        let token = parse_approval_token(&signed.token)?;
        let mismatch = |what: &str| ApprovalError::Mismatch(format!("signed approval {i}: {what}"));
        if token.operation != expected.operation {
            return Err(mismatch("the token is for another operation"));
        }
        if token.key_name != expected.key_name {
            return Err(mismatch("the token is for another key"));
        }
        if &token.payload != expected.payload {
            return Err(mismatch("the token is for another payload"));
        }
        if let Some(timestamp) = &token.timestamp {
            if !verify_integrity(&token, integrity_spki)? {
                return Err(ApprovalError::BadSignature);
            }
            proven.created = Some(
                proven
                    .created
                    .map_or(timestamp.created, |c| c.min(timestamp.created)),
            );
        }
        if !proven.approved.contains(&approver) {
            proven.approved.push(approver);
        }
    }
    Ok(proven)
}

//! The policy in "HSM encoding": the payload of a modify approval token (record 0x1058) and
//! the `payload` of a modify task (reference 13.2).
//!
//! Read off the documentation's SLIP-10 trace (`tsb/Tutorials/Blockchain/slip10.md`, the
//! `/v1/modify` task), whose payload this encoder reproduces byte for byte (unit test):
//!
//! ```text
//! policy  = u32 length, then one record per rule that is not null:
//!           0x104E ruleUse | 0x104F ruleBlock | 0x1050 ruleUnblock | 0x1051 ruleModify
//! rule    = u32 length, then 0x0059 u32 token count, then per token:
//!           0x1002 name, 0x0055 timelock (minutes), 0x0055 timeout (minutes),
//!           0x005A u32 group count, then per group:
//!             0x1002 name, 0x005B u32 quorum, 0x0003 u32 approver count, then per approver:
//!               0x1002 name, 0x1052 DER SubjectPublicKeyInfo
//! ```
//!
//! The sample has one token, one group and one approver per rule, so the three counts all read
//! 1; that they are counts (and not, say, an approver-type code) is our reading. Choices where
//! the sample is silent: a null rule is left out; a never-fulfillable rule (`tokens: null`) is
//! a rule record with no records inside; a missing name is an empty 0x1002 (as the JCE's
//! tokens carry an empty key name); a certificate approver is encoded with the certificate's
//! SPKI (the HSM verifies keys); an onboarded approver (no key in the policy) with an empty
//! 0x1052.

use super::ApprovalError;
use super::tlv::{Record, Writer, read_block, tag};
use crate::domain::{Approval, ApprovalKind, Group, ModifyPolicy, Rule, Token};

const RULE_TAGS: [u16; 4] = [
    tag::RULE_USE,
    tag::RULE_BLOCK,
    tag::RULE_UNBLOCK,
    tag::RULE_MODIFY,
];

/// Encodes the four rules (use, block, unblock, modify) as the HSM's policy blob.
pub fn encode_policy(policy: &ModifyPolicy) -> Result<Vec<u8>, ApprovalError> {
    let mut blob = Writer::default();
    for (kind, rule) in RULE_TAGS.into_iter().zip(policy.rules()) {
        if let Some(rule) = rule {
            blob.record(kind, &encode_rule(rule)?)?;
        }
    }
    blob.finish()
}

fn encode_rule(rule: &Rule) -> Result<Vec<u8>, ApprovalError> {
    let mut out = Writer::default();
    if let Some(tokens) = &rule.tokens {
        out.u32(tag::TOKEN_COUNT, count(tokens.len())?)?;
        for token in tokens {
            out.record(tag::NAME, token.name.as_deref().unwrap_or("").as_bytes())?
                .u32(tag::MINUTES, token.timelock / 60)?
                .u32(tag::MINUTES, token.timeout / 60)?
                .u32(tag::GROUP_COUNT, count(token.groups.len())?)?;
            for group in &token.groups {
                out.record(tag::NAME, group.name.as_deref().unwrap_or("").as_bytes())?
                    .u32(tag::QUORUM, group.quorum)?
                    .u32(tag::APPROVER_COUNT, count(group.approvals.len())?)?;
                for approval in &group.approvals {
                    let key = approval.spki().unwrap_or_default();
                    out.record(tag::NAME, approval.name.as_deref().unwrap_or("").as_bytes())?
                        .record(tag::APPROVER_KEY, &key)?;
                }
            }
        }
    }
    out.finish()
}

fn count(n: usize) -> Result<u32, ApprovalError> {
    u32::try_from(n).map_err(|_| ApprovalError::Malformed("too many policy entries".to_owned()))
}

/// Decodes a policy blob back into rules: approvers with a key become `public_key` approvers
/// (the blob does not say whether a certificate named them), approvers with an empty key
/// onboarded ones; empty names become `None`; minutes become seconds.
pub fn decode_policy(blob: &[u8]) -> Result<ModifyPolicy, ApprovalError> {
    let mut policy = ModifyPolicy::default();
    for record in read_block(blob)? {
        let slot = match record.kind {
            tag::RULE_USE => &mut policy.rule_use,
            tag::RULE_BLOCK => &mut policy.rule_block,
            tag::RULE_UNBLOCK => &mut policy.rule_unblock,
            tag::RULE_MODIFY => &mut policy.rule_modify,
            other => {
                return Err(ApprovalError::Malformed(format!(
                    "record {other:#06x} is not a rule"
                )));
            }
        };
        *slot = Some(decode_rule(record.value)?);
    }
    Ok(policy)
}

fn decode_rule(block: &[u8]) -> Result<Rule, ApprovalError> {
    let records = read_block(block)?;
    if records.is_empty() {
        return Ok(Rule { tokens: None });
    }
    let mut cursor = Cursor(records.into_iter());
    let mut tokens = Vec::new();
    for _ in 0..cursor.next(tag::TOKEN_COUNT)?.u32()? {
        let name = cursor.name()?;
        let timelock = cursor.next(tag::MINUTES)?.u32()?.saturating_mul(60);
        let timeout = cursor.next(tag::MINUTES)?.u32()?.saturating_mul(60);
        let mut groups = Vec::new();
        for _ in 0..cursor.next(tag::GROUP_COUNT)?.u32()? {
            let name = cursor.name()?;
            let quorum = cursor.next(tag::QUORUM)?.u32()?;
            let mut approvals = Vec::new();
            for _ in 0..cursor.next(tag::APPROVER_COUNT)?.u32()? {
                let name = cursor.name()?;
                let key = cursor.next(tag::APPROVER_KEY)?.value;
                approvals.push(if key.is_empty() {
                    Approval {
                        kind: ApprovalKind::Onboarded,
                        name,
                        value: None,
                    }
                } else {
                    Approval {
                        kind: ApprovalKind::PublicKey,
                        name,
                        value: Some(key.to_vec()),
                    }
                });
            }
            groups.push(Group {
                name,
                quorum,
                approvals,
            });
        }
        tokens.push(Token {
            name,
            timelock,
            timeout,
            groups,
        });
    }
    if let Some(extra) = cursor.0.next() {
        return Err(ApprovalError::Malformed(format!(
            "record {:#06x} after the last token",
            extra.kind
        )));
    }
    Ok(Rule {
        tokens: Some(tokens),
    })
}

/// Reads records in the order the layout prescribes.
struct Cursor<'a>(std::vec::IntoIter<Record<'a>>);

impl<'a> Cursor<'a> {
    fn next(&mut self, kind: u16) -> Result<Record<'a>, ApprovalError> {
        match self.0.next() {
            Some(record) if record.kind == kind => Ok(record),
            Some(record) => Err(ApprovalError::Malformed(format!(
                "record {:#06x} where {kind:#06x} belongs",
                record.kind
            ))),
            None => Err(ApprovalError::Malformed(format!(
                "the rule ends where {kind:#06x} belongs"
            ))),
        }
    }

    fn name(&mut self) -> Result<Option<String>, ApprovalError> {
        let text = self.next(tag::NAME)?.text()?;
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }
}

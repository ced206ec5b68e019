//! The typed SKA policy (reference 6.4): rules, tokens, groups, approvals and the key status;
//! parsed once from a create/import/modify body, rendered back to key-info JSON and to the
//! attestation XML, and evaluated against the approvals a request has collected.
//!
//! Pure vocabulary: no HTTP, no storage, no signature checks. Approver keys are read with the
//! DER crates (`spki`, `x509-cert`) only to know their type and their SubjectPublicKeyInfo;
//! verifying what an approver signed is `crypto::approval`'s job.
//!
//! The serde form of these types is the TSB's own JSON form (camelCase names, `type` for the
//! approval kind, base64 values, nulls emitted, fields in TSB order), so serialising a
//! [`Policy`] gives the key-info `policy` object byte for byte, and it doubles as the stable
//! storage form. Deserialising it trusts its input (it is for reading stored records); bodies
//! from clients go through [`Policy::parse`] and [`ModifyPolicy::parse`].

mod evaluate;
mod keys;
mod parse;
mod render;
pub(crate) use render::escape as xml_escape;
#[cfg(test)]
mod tests;

pub use evaluate::Evaluation;
pub use keys::{ApproverKeyType, approver_key_type};

use serde::{Deserialize, Serialize};

/// A key's SKA policy: the four rules and the key status (`policy` in `POST /v1/key`).
///
/// A rule that is `None` needs no approval; a policy whose four rules are `None` is the
/// "empty policy" (an SKA key that executes at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Governs sign, decrypt, unwrap and the certificate operations.
    #[serde(default)]
    pub rule_use: Option<Rule>,
    /// Governs block.
    #[serde(default)]
    pub rule_block: Option<Rule>,
    /// Governs unblock.
    #[serde(default)]
    pub rule_unblock: Option<Rule>,
    /// Governs modify.
    #[serde(default)]
    pub rule_modify: Option<Rule>,
    /// Whether the key is blocked.
    pub key_status: KeyStatus,
}

/// The four rules of a modify request (`ModifyPolicyDto`): a [`Policy`] without `keyStatus`,
/// which modify never changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyPolicy {
    /// The new `ruleUse`.
    #[serde(default)]
    pub rule_use: Option<Rule>,
    /// The new `ruleBlock`.
    #[serde(default)]
    pub rule_block: Option<Rule>,
    /// The new `ruleUnblock`.
    #[serde(default)]
    pub rule_unblock: Option<Rule>,
    /// The new `ruleModify`.
    #[serde(default)]
    pub rule_modify: Option<Rule>,
}

/// `keyStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyStatus {
    /// A blocked key refuses every use until it is unblocked.
    pub blocked: bool,
}

/// One rule: tokens, OR-ed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `None` (`"tokens": null`) is a rule that can never be fulfilled (allowed since TSB
    /// 2.0.1, e.g. to freeze a policy with a never-fulfillable `ruleModify`); an empty list is
    /// never fulfilled either (an OR of nothing).
    pub tokens: Option<Vec<Token>>,
}

/// One way to fulfil a rule: every group's quorum, after the timelock, before the timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Free label.
    pub name: Option<String>,
    /// Seconds after the request's creation before which it can not execute (a multiple of
    /// 60; 0 = at once).
    pub timelock: u32,
    /// Seconds after the request's creation after which it expires (a multiple of 60;
    /// 0 = never).
    pub timeout: u32,
    /// Groups, AND-ed. Empty (`null` or `[]` on the wire): the token is always fulfilled.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub groups: Vec<Group>,
}

/// A set of approvers of which `quorum` must approve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Free label.
    pub name: Option<String>,
    /// How many distinct approvers of `approvals` must approve (1 to `approvals.len()`).
    pub quorum: u32,
    /// The approvers (never empty once parsed).
    pub approvals: Vec<Approval>,
}

/// One approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// How the approver is named.
    #[serde(rename = "type")]
    pub kind: ApprovalKind,
    /// A label (`public_key`), the certificate's CN when none was given (`certificate`), or
    /// the onboarded approver's name (`onboarded_approver_certificate`).
    pub name: Option<String>,
    /// DER SubjectPublicKeyInfo (`public_key`) or DER certificate (`certificate`); `None` for
    /// onboarded approvers. Base64 on the wire.
    #[serde(default, with = "base64_bytes")]
    pub value: Option<Vec<u8>>,
}

/// The approval `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalKind {
    /// `public_key`: `value` is a DER SubjectPublicKeyInfo.
    #[serde(rename = "public_key")]
    PublicKey,
    /// `certificate`: `value` is a DER X.509 certificate; its public key approves.
    #[serde(rename = "certificate")]
    Certificate,
    /// `onboarded_approver_certificate` (TSB 2.0.1): an approver onboarded through the
    /// approver-management API, named by `name`, no `value`.
    #[serde(rename = "onboarded_approver_certificate")]
    Onboarded,
}

impl ApprovalKind {
    /// The wire name (`public_key`, `certificate`, `onboarded_approver_certificate`).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::PublicKey => "public_key",
            Self::Certificate => "certificate",
            Self::Onboarded => "onboarded_approver_certificate",
        }
    }
}

/// A key operation as the policy sees it: which rule governs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Sign, decrypt, unwrap, CSR, self-sign, sign certificate: `ruleUse`.
    Use,
    /// Block: `ruleBlock`.
    Block,
    /// Unblock: `ruleUnblock`.
    Unblock,
    /// Modify: `ruleModify`.
    Modify,
}

/// Why a policy body was refused. Each message is the complete TSB-style text (it names the
/// field, e.g. `Field 'policy.ruleUse.tokens[0].timelock': seconds must represent full
/// minutes.`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Bean-validation failure: 400 with 600 `res.error.input.validation.failed`.
    #[error("{0}")]
    Invalid(String),
    /// An approver key of a type the HSM does not take: 400 with 601
    /// `res.error.unsupported.approver.key.type`.
    #[error("{0}")]
    UnsupportedApproverKeyType(String),
}

impl Policy {
    /// A policy with no rules and the given status (the "empty policy").
    pub fn empty(blocked: bool) -> Self {
        Self {
            rule_use: None,
            rule_block: None,
            rule_unblock: None,
            rule_modify: None,
            key_status: KeyStatus { blocked },
        }
    }

    /// The rule governing `op`; `None` means no approval is needed.
    pub fn rule_for(&self, op: Operation) -> Option<&Rule> {
        match op {
            Operation::Use => self.rule_use.as_ref(),
            Operation::Block => self.rule_block.as_ref(),
            Operation::Unblock => self.rule_unblock.as_ref(),
            Operation::Modify => self.rule_modify.as_ref(),
        }
    }

    /// Whether all four rules are `None` (every operation executes without approval).
    pub fn is_empty(&self) -> bool {
        self.rules().iter().all(Option::is_none)
    }

    /// The four rules in TSB order (use, block, unblock, modify).
    pub fn rules(&self) -> [Option<&Rule>; 4] {
        [
            self.rule_use.as_ref(),
            self.rule_block.as_ref(),
            self.rule_unblock.as_ref(),
            self.rule_modify.as_ref(),
        ]
    }

    /// This policy after a modify: the four rules replaced (an omitted rule becomes `None`),
    /// the key status kept (reference 10).
    pub fn modified(&self, new: ModifyPolicy) -> Policy {
        Policy {
            rule_use: new.rule_use,
            rule_block: new.rule_block,
            rule_unblock: new.rule_unblock,
            rule_modify: new.rule_modify,
            key_status: self.key_status,
        }
    }

    /// The key-info `policy` object as a JSON value. Serialising the [`Policy`] itself keeps
    /// the TSB field order (`ruleUse`, `ruleBlock`, `ruleUnblock`, `ruleModify`, `keyStatus`);
    /// a `serde_json::Value` map sorts its keys in this build, so use this for comparisons and
    /// embed the `Policy` in response DTOs.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl ModifyPolicy {
    /// The four rules in TSB order (use, block, unblock, modify).
    pub fn rules(&self) -> [Option<&Rule>; 4] {
        [
            self.rule_use.as_ref(),
            self.rule_block.as_ref(),
            self.rule_unblock.as_ref(),
            self.rule_modify.as_ref(),
        ]
    }
}

impl Approval {
    /// The approver's identity: its DER SubjectPublicKeyInfo (for a certificate approver the
    /// one the certificate certifies); `None` for onboarded approvers (named, no key in the
    /// policy) and for a value that does not decode (never the case after [`Policy::parse`]).
    /// Approvers are the same approver exactly when these bytes are equal.
    pub fn spki(&self) -> Option<Vec<u8>> {
        let value = self.value.as_deref()?;
        match self.kind {
            ApprovalKind::PublicKey => Some(value.to_vec()),
            ApprovalKind::Certificate => keys::certificate_spki(value).ok(),
            ApprovalKind::Onboarded => None,
        }
    }
}

/// Reads `null` as an empty list.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Standard base64 for optional bytes (`null` when absent).
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => s.serialize_some(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| STANDARD.decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

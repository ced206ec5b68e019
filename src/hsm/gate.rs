//! The one key-use gate: every operation on a stored key asks [`Inner::use_key`] (or, inside a
//! compare-and-swap, [`Inner::admit`]) first. It checks, in this order, that the key exists,
//! that the password unlocks it, that the key suits the requested algorithm (the caller's
//! `fits`), that the key is not blocked, that its SKA rule is fulfilled by the approvals the
//! caller proved, and that its use attributes allow the operation,
//! and hands back the record (the temporary child for a derivation path). No other place
//! checks a key's password or attributes.

use super::{HsmError, Inner};
use crate::crypto::password;
use crate::domain::{
    DerivationPath, Evaluation, KeyAlgorithm, KeyAttributes, Label, Operation, Password, Policy,
};
use crate::keystore::KeyRecord;

/// What a caller is about to do with a key; the gate's table of attribute checks reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyUse {
    /// Sign a payload (synchronous or asynchronous), HMAC included.
    Sign,
    /// Verify a signature or an HMAC.
    Verify,
    /// Encrypt with a secret key or an RSA public key.
    Encrypt,
    /// Decrypt.
    Decrypt,
    /// Wrap another key (the wrapping key).
    Wrap,
    /// Be wrapped by another key (the key to be wrapped).
    BeWrapped,
    /// Unwrap a blob into a new key (the unwrapping key).
    Unwrap,
    /// Make a CSR, a self-signed certificate or issue a certificate from a CSR.
    Certify,
    /// Export in plain form.
    Export,
    /// Read the key's information, address or certificate, or attach a certificate.
    Read,
    /// Store a derived child (`POST /v1/derivedKey`).
    Derive,
    /// Replace the key's password.
    ChangePassword,
    /// Delete the key.
    Delete,
    /// Block the key (SKA).
    Block,
    /// Unblock the key (SKA).
    Unblock,
    /// Replace the key's SKA rules.
    Modify,
}

impl KeyUse {
    /// Whether a blocked key refuses this use: the operations an SKA key's `ruleUse` governs.
    fn refused_when_blocked(self) -> bool {
        matches!(
            self,
            Self::Sign | Self::Decrypt | Self::Unwrap | Self::Certify
        )
    }

    /// The SKA rule that governs this use, if any.
    pub(super) fn governed_by(self) -> Option<Operation> {
        match self {
            Self::Sign | Self::Decrypt | Self::Unwrap | Self::Certify => Some(Operation::Use),
            Self::Block => Some(Operation::Block),
            Self::Unblock => Some(Operation::Unblock),
            Self::Modify => Some(Operation::Modify),
            _ => None,
        }
    }
}

/// The approvals a request carries (SKA): the approvers (DER SPKIs) whose approvals were
/// proved, and the instant the rule's timelocks and timeouts count from (the request's
/// creation; `None`: now, as for a synchronous call).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approvals {
    /// DER SPKIs of the approvers that approved.
    pub approvers: Vec<Vec<u8>>,
    /// When the request was made, seconds since the Unix epoch.
    pub since: Option<u64>,
}

/// No approvals, counted from now.
static NONE: Approvals = Approvals {
    approvers: Vec::new(),
    since: None,
};

/// The key a request names: its label, a derivation path (reference 6.14) and the password
/// the request carries.
#[derive(Clone, Copy)]
pub(super) struct KeyRef<'a> {
    pub label: &'a Label,
    pub path: Option<&'a DerivationPath>,
    pub password: Option<&'a Password>,
    /// DER SPKIs of the approvers whose approvals the caller proved (none by default).
    pub approvals: &'a Approvals,
}

impl<'a> KeyRef<'a> {
    /// A stored key by label, without a derivation path.
    pub fn new(label: &'a Label, password: Option<&'a Password>) -> Self {
        Self {
            label,
            path: None,
            password,
            approvals: &NONE,
        }
    }

    /// With a derivation path.
    pub fn derived(
        label: &'a Label,
        path: Option<&'a DerivationPath>,
        password: Option<&'a Password>,
    ) -> Self {
        Self {
            label,
            path,
            password,
            approvals: &NONE,
        }
    }

    /// With the approvers a synchronous call's `signedApprovals` proved.
    pub fn approved_by(self, approvals: &'a Approvals) -> Self {
        Self { approvals, ..self }
    }
}

impl Inner {
    /// The record of the key `key` names if `purpose` is allowed on it: the one gate.
    pub(super) fn use_key(&self, key: KeyRef<'_>, purpose: KeyUse) -> Result<KeyRecord, HsmError> {
        self.use_key_fitting(key, purpose, |_| Ok(()))
    }

    /// As [`Inner::use_key`], with `fits` (whether the key suits the requested algorithm or
    /// method) asked after the password and before the state and attributes: the HSM's order,
    /// so a wrong algorithm is 607 even on a key whose attributes also refuse.
    pub(super) fn use_key_fitting(
        &self,
        key: KeyRef<'_>,
        purpose: KeyUse,
        fits: impl FnOnce(&KeyRecord) -> Result<(), HsmError>,
    ) -> Result<KeyRecord, HsmError> {
        let (record, label) = match key.path {
            None => (self.load(key.label)?, key.label.clone()),
            Some(path) => {
                let persisted = Label::derived(key.label, path);
                // A child stored by `POST /v1/derivedKey` is used as it is (release notes
                // 1.16.1); otherwise the master's temporary child, once the master unlocks.
                match self.store.get(&persisted)? {
                    Some(stored) => (stored, persisted),
                    None => {
                        let master = self.load(key.label)?;
                        self.unlock(&master, key.label, key.password, purpose)?;
                        let child = self.temporary_child(master, key.label, path)?;
                        fits(&child)?;
                        self.allowed(&child, key.label, purpose, key.approvals)?;
                        return Ok(child);
                    }
                }
            }
        };
        self.unlock(&record, &label, key.password, purpose)?;
        fits(&record)?;
        self.allowed(&record, &label, purpose, key.approvals)?;
        Ok(record)
    }

    fn load(&self, label: &Label) -> Result<KeyRecord, HsmError> {
        self.store
            .get(label)?
            .ok_or_else(|| HsmError::KeyNotFound(label.clone()))
    }

    fn unlock(
        &self,
        record: &KeyRecord,
        label: &Label,
        password: Option<&Password>,
        purpose: KeyUse,
    ) -> Result<(), HsmError> {
        let unlocked = match purpose {
            // Strict even by default: a password change on a key without one names none.
            KeyUse::ChangePassword => password::matches(record.password.as_ref(), password),
            _ => self.password_fits(record, password),
        };
        if unlocked {
            Ok(())
        } else {
            Err(HsmError::PasswordMismatch(label.clone()))
        }
    }

    /// As [`Inner::admit`], with the approvals `key` carries.
    pub(super) fn admit_with(
        &self,
        record: &KeyRecord,
        key: KeyRef<'_>,
        purpose: KeyUse,
    ) -> Result<(), HsmError> {
        self.unlock(record, key.label, key.password, purpose)?;
        self.allowed(record, key.label, purpose, key.approvals)
    }

    /// The gate's checks on a record already read (`label` as the request named it).
    pub(super) fn admit(
        &self,
        record: &KeyRecord,
        label: &Label,
        password: Option<&Password>,
        purpose: KeyUse,
    ) -> Result<(), HsmError> {
        self.unlock(record, label, password, purpose)?;
        self.allowed(record, label, purpose, &NONE)
    }

    /// Whether the key's state (blocked), its SKA rule for `purpose` given the `approvals`
    /// proved, and its use attributes allow `purpose`. Synchronous calls run only when the rule
    /// is fulfilled now; without approvals that is exactly an empty rule.
    fn allowed(
        &self,
        record: &KeyRecord,
        label: &Label,
        purpose: KeyUse,
        approvals: &Approvals,
    ) -> Result<(), HsmError> {
        if purpose.refused_when_blocked() && record.is_blocked() {
            return Err(HsmError::HsmRefused(
                "The key operation failed as the key is blocked.".to_owned(),
            ));
        }
        if let (Some(policy), Some(operation)) = (&record.policy, purpose.governed_by()) {
            let now = self.clock.now().0;
            let since = approvals.since.unwrap_or(now);
            let keys = self.approver_keys(Some(policy))?;
            if policy.evaluate_with(
                &|approval| keys.identity(approval),
                operation,
                &approvals.approvers,
                &[],
                since,
                now,
            ) != Evaluation::Fulfilled
            {
                return Err(HsmError::HsmRefused(format!(
                    "The key operation on '{label}' needs approvals: the provided approvals are insufficient."
                )));
            }
        }
        attributes_allow(record, label, purpose)
    }

    /// Whether `given` unlocks `record`. A key with a password takes only the right one. A
    /// key without one ignores a given password, as clients that send one password for every
    /// key expect; `--strict-key-protection` refuses it instead.
    fn password_fits(&self, record: &KeyRecord, given: Option<&Password>) -> bool {
        match (&record.password, given) {
            (None, Some(_)) => !self.strict_key_protection,
            (stored, given) => password::matches(stored.as_ref(), given),
        }
    }
}

/// Whether a new key of `algorithm` with `attributes` may carry `policy`: only asymmetric
/// keys carry one, and never extractable ones (the TSB's `PolicyDto` rules, reference 6.4).
pub(super) fn policy_fits(
    policy: Option<&Policy>,
    algorithm: KeyAlgorithm,
    attributes: &KeyAttributes,
) -> Result<(), HsmError> {
    if policy.is_none() {
        return Ok(());
    }
    if algorithm.is_symmetric() {
        return Err(HsmError::InvalidInput(format!(
            "Only asymmetric keys can have a policy, not {algorithm} keys."
        )));
    }
    if attributes.extractable {
        return Err(HsmError::AttributesForbid(
            "A key with a policy can not be extractable.".to_owned(),
        ));
    }
    Ok(())
}

/// The use attributes each operation needs, with the HSM's messages.
fn attributes_allow(record: &KeyRecord, label: &Label, purpose: KeyUse) -> Result<(), HsmError> {
    let attributes = &record.attributes;
    let refusal = match purpose {
        KeyUse::Sign | KeyUse::Certify if !attributes.sign => HsmError::HsmRefused(format!(
            "Error creating signature: the sign attribute of key '{label}' is set to false."
        )),
        // Only an explicit `encrypt: false` refuses: the TSB documentation's Encrypt &
        // Decrypt tutorial encrypts with an AES key created without `encrypt`.
        KeyUse::Encrypt if attributes.encrypt == Some(false) => HsmError::AttributesForbid(
            "Key can not be used to encrypt the request as the encrypt attribute of the key is set to false."
                .to_owned(),
        ),
        KeyUse::Decrypt if !attributes.decrypt => HsmError::HsmRefused(
            "Error decrypting payload: the decrypt attribute of the key is set to false."
                .to_owned(),
        ),
        KeyUse::Wrap if attributes.wrap != Some(true) => HsmError::AttributesForbid(format!(
            "Key '{label}' can not wrap as its wrap attribute is not set to true."
        )),
        KeyUse::BeWrapped if !attributes.extractable => HsmError::AttributesForbid(format!(
            "Key '{label}' can not be wrapped as it is not extractable."
        )),
        KeyUse::Unwrap if !attributes.unwrap => HsmError::HsmRefused(
            "Error unwrapping key: the unwrap attribute of the key is set to false.".to_owned(),
        ),
        KeyUse::Export
            if !attributes.extractable || attributes.sensitive || record.policy.is_some() =>
        {
            HsmError::AttributesForbid(format!(
                "The key '{label}' can not be exported: only extractable, non-sensitive keys without a policy can."
            ))
        }
        KeyUse::ChangePassword if !attributes.modifiable => HsmError::OperationForbidden(format!(
            "The password of key '{label}' can not be changed as its modifiable attribute is set to false."
        )),
        KeyUse::Delete if !attributes.destroyable => HsmError::OperationForbidden(format!(
            "The key '{label}' can not be deleted as its destroyable attribute is set to false."
        )),
        _ => return Ok(()),
    };
    Err(refusal)
}

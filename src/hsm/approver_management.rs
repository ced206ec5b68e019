//! Approver management (reference 14): approvers whose RSA key and self-signed certificate the
//! device makes, handed out once per one-time code as a PKCS#12 under AES-GCM; the backup key
//! that governs the forgot-password restore; and the resolution of policies' onboarded
//! approvers (`onboarded_approver_certificate`, by name) to their keys.

use super::{Hsm, HsmError, Inner, Submission};
use crate::crypto::onboarding::{
    ApproverCredentials, NONCE_LEN, approver_certificate_for_key, approver_pkcs12,
    onboarding_payload, one_time_code,
};
use crate::crypto::{password, rsa};
use crate::domain::{
    Approval, ApprovalKind, KeyAlgorithm, KeyAttributes, Label, Password, Policy, RsaBits,
};
use crate::keystore::{
    ApproverOrigin, ApproverRecord, KeyOrigin, KeyRecord, KeyStoreError, RequestKind,
};
use std::collections::HashMap;

/// The label of the backup key (`hsm.backupKeyName` in the TSB's configuration, with the
/// documentation's value): an RSA key with an empty policy, made on first use. Its `ruleUse`
/// governs the forgot-password restore (`restoreFromBackup/forgotPassword`).
pub const BACKUP_KEY_LABEL: &str = "approver-mgmt-backup-key-rsa-wrapping";

/// `POST /v1/approverManagement/create`. `Debug` leaves out the backup password.
pub struct CreateApprover {
    /// `approverName`.
    pub name: String,
    /// `keySize` (the algorithm is RSA, the only one the TSB offers).
    pub bits: RsaBits,
    /// `backupPassword`: protects the PKCS#12 (container and key).
    pub backup_password: Password,
    /// `validity` of the self-signed certificate, in days.
    pub validity_days: u32,
}

impl std::fmt::Debug for CreateApprover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateApprover")
            .field("name", &self.name)
            .field("bits", &self.bits)
            .field("validity_days", &self.validity_days)
            .finish_non_exhaustive()
    }
}

/// What `/v1/approver/onboard` answers: the PKCS#12 sealed under the transport password.
#[derive(Debug)]
pub struct Onboarding {
    /// `encryptedPayload`: ciphertext with the 128-bit GCM tag appended.
    pub encrypted_payload: Vec<u8>,
    /// `initializationVector`: the 12-byte GCM nonce.
    pub initialization_vector: [u8; NONCE_LEN],
}

/// `GET /v1/approverManagement/onboarding/status`: approvers with their certificates (DER).
#[derive(Debug, Default)]
pub struct OnboardingStatus {
    /// Approvers that have onboarded (and fixture approvers).
    pub onboarded: Vec<(String, Vec<u8>)>,
    /// Approvers created but not yet onboarded.
    pub pending: Vec<(String, Vec<u8>)>,
}

/// The keys policies' onboarded approvers resolve to, by approver name: only approvers that
/// have onboarded (or are fixture approvers) count.
#[derive(Debug, Default)]
pub(super) struct ApproverKeys(HashMap<String, Vec<u8>>);

impl ApproverKeys {
    /// The approver's identity (DER SPKI): its key for a `public_key` or `certificate`
    /// approval, the named approver's key for an onboarded one.
    pub(super) fn identity(&self, approval: &Approval) -> Option<Vec<u8>> {
        match approval.kind {
            ApprovalKind::Onboarded => approval
                .name
                .as_deref()
                .and_then(|name| self.0.get(name).cloned()),
            _ => approval.spki(),
        }
    }
}

impl Inner {
    /// The approver keys `policy` may need: read from the store only when the policy names an
    /// onboarded approver.
    pub(super) fn approver_keys(&self, policy: Option<&Policy>) -> Result<ApproverKeys, HsmError> {
        let names_onboarded = policy.is_some_and(|policy| {
            policy.rules().into_iter().flatten().any(|rule| {
                rule.approvers()
                    .iter()
                    .any(|approval| approval.kind == ApprovalKind::Onboarded)
            })
        });
        if !names_onboarded {
            return Ok(ApproverKeys::default());
        }
        Ok(ApproverKeys(
            self.store
                .approvers()?
                .into_iter()
                .filter(ApproverRecord::is_onboarded)
                .map(|approver| (approver.name, approver.spki))
                .collect(),
        ))
    }

    /// The backup key, made (RSA-2048, empty policy) when it does not exist yet.
    fn backup_key(&self) -> Result<Label, HsmError> {
        let label = Label::parse(BACKUP_KEY_LABEL)
            .map_err(|e| HsmError::Internal(format!("backup key label: {e}")))?;
        if self.store.get(&label)?.is_some() {
            return Ok(label);
        }
        let key = super::rsa_key(
            self.rsa_supply.as_deref(),
            RsaBits::B2048,
            &mut self.entropy.rng(),
        )?;
        let record = KeyRecord {
            label: BACKUP_KEY_LABEL.to_owned(),
            algorithm: KeyAlgorithm::Rsa,
            key_size: Some(2048),
            curve: None,
            private_key: Some(rsa::encode_private(&key)?),
            public_key: Some(rsa::public_spki_der(&key)?),
            attributes: KeyAttributes {
                decrypt: true,
                sign: false,
                unwrap: true,
                encrypt: None,
                verify: None,
                wrap: Some(true),
                derive: false,
                bip32: false,
                slip10: false,
                extractable: false,
                modifiable: true,
                destroyable: false,
                sensitive: true,
                copyable: false,
            },
            policy: Some(Policy::empty(false)),
            password: None,
            created_at: self.clock.now().0,
            origin: KeyOrigin::Generated,
            certificate: None,
            next_signature_index: None,
            address_format: None,
            chain_code: None,
        };
        match self.store.insert_new(&record) {
            // Made by a concurrent call: the same key for both.
            Ok(()) | Err(KeyStoreError::AlreadyExists) => {}
            Err(other) => return Err(other.into()),
        }
        tracing::info!(
            label = BACKUP_KEY_LABEL,
            "approver-management backup key created"
        );
        Ok(label)
    }

    /// A fresh one-time code for a managed approver named `name` (the old one stops working),
    /// applying `change` to the record too; answers the code.
    fn new_code(
        &self,
        name: &str,
        change: impl Fn(&mut ApproverRecord),
    ) -> Result<String, HsmError> {
        let code = one_time_code(&mut self.entropy.rng());
        let hashed = hash_code(self, &code)?;
        self.store.approver_modify(name, |current| match current {
            Some(record) if record.pkcs12.is_some() => {
                let mut next = record.clone();
                next.one_time_code = Some(hashed.clone());
                change(&mut next);
                Ok(Some(next))
            }
            _ => Err(HsmError::ApproverNotFound(name.to_owned())),
        })??;
        Ok(code)
    }
}

fn hash_code(inner: &Inner, code: &str) -> Result<crate::domain::PasswordHash, HsmError> {
    let code = Password::new(code.to_owned())
        .ok_or_else(|| HsmError::Internal("empty one-time code".to_owned()))?;
    Ok(password::hash(&code, &mut inner.entropy.rng()))
}

fn utf8(password: &Password) -> Result<&str, HsmError> {
    std::str::from_utf8(password.expose())
        .map_err(|_| HsmError::InvalidInput("A password must be text.".to_owned()))
}

impl Hsm {
    /// Creates an approver: an RSA key pair from the device, a self-signed certificate, the
    /// PKCS#12 backup under the backup password, and a one-time code (answered). A taken name
    /// is 400/632 and stores nothing.
    pub async fn create_approver(&self, request: CreateApprover) -> Result<String, HsmError> {
        self.blocking(move |inner| {
            let name = request.name.as_str();
            if inner.store.approver_get(name)?.is_some() {
                return Err(HsmError::ApproverAlreadyExists(request.name));
            }
            inner.backup_key()?;
            let mut rng = inner.entropy.rng();
            let key = super::rsa_key(inner.rsa_supply.as_deref(), request.bits, &mut rng)?;
            let now = inner.clock.now().0;
            let credentials =
                approver_certificate_for_key(name, &key, now, request.validity_days, &mut rng)?;
            let pkcs12 = approver_pkcs12(
                name,
                &credentials,
                utf8(&request.backup_password)?,
                &mut rng,
            )?;
            let code = one_time_code(&mut rng);
            let record = ApproverRecord {
                name: name.to_owned(),
                origin: ApproverOrigin::Managed,
                spki: rsa::public_spki_der(&key)?,
                certificate: Some(credentials.certificate_der.clone()),
                private_key: Some(credentials.private_key_pkcs8),
                created_at: now,
                decision: None,
                one_time_code: Some(hash_code(inner, &code)?),
                onboarded: false,
                pkcs12: Some(pkcs12),
                pending_pkcs12: None,
            };
            inner
                .store
                .approver_modify(name, |current| match current {
                    None => Ok(Some(record.clone())),
                    Some(_) => Err(HsmError::ApproverAlreadyExists(name.to_owned())),
                })??;
            tracing::info!(approver = %name, "approver created");
            Ok(code)
        })
        .await
    }

    /// Onboards an approver (`/v1/approver/onboard`): spends its one-time code (wrong or used:
    /// 400/412) and answers its PKCS#12 sealed under the transport password (16 or 32 bytes,
    /// else 400/600, checked first so a bad password spends no code).
    pub async fn onboard_approver(
        &self,
        name: String,
        code: Password,
        transport_password: Password,
    ) -> Result<Onboarding, HsmError> {
        self.blocking(move |inner| {
            let transport = utf8(&transport_password)?;
            if !matches!(transport.len(), 16 | 32) {
                return Err(HsmError::InvalidInput(
                    "The transportPassword must be 16 or 32 bytes long.".to_owned(),
                ));
            }
            let onboarded = inner
                .store
                .approver_modify(&name, |current| {
                    let Some(record) = current else {
                        return Err(HsmError::ApproverNotFound(name.clone()));
                    };
                    if record.pkcs12.is_none()
                        || !password::matches(record.one_time_code.as_ref(), Some(&code))
                    {
                        return Err(HsmError::InvalidOneTimeCode(name.clone()));
                    }
                    Ok(Some(ApproverRecord {
                        one_time_code: None,
                        onboarded: true,
                        ..record.clone()
                    }))
                })??
                .ok_or_else(|| HsmError::ApproverNotFound(name.clone()))?;
            let pkcs12 = onboarded
                .pkcs12
                .as_deref()
                .ok_or_else(|| HsmError::InvalidOneTimeCode(name.clone()))?;
            let (encrypted_payload, initialization_vector) =
                onboarding_payload(pkcs12, transport, &mut inner.entropy.rng())?;
            tracing::info!(approver = %name, "approver onboarded");
            Ok(Onboarding {
                encrypted_payload,
                initialization_vector,
            })
        })
        .await
    }

    /// A new one-time code for an approver (`renewOneTimeCode`); unknown: 400/413.
    pub async fn renew_one_time_code(&self, name: String) -> Result<String, HsmError> {
        self.blocking(move |inner| inner.new_code(&name, |_| ()))
            .await
    }

    /// Restores an approver whose backup password is known (`restoreFromBackup`): a new
    /// one-time code that hands out the same PKCS#12 again.
    pub async fn restore_approver(&self, name: String) -> Result<String, HsmError> {
        self.blocking(move |inner| inner.new_code(&name, |_| ()))
            .await
    }

    /// Restores an approver whose backup password is lost (`forgotPassword`): the PKCS#12 is
    /// rebuilt under `new_password` and waits; an unwrap request on the backup key is submitted
    /// (its id answered). Once the backup key's `ruleUse` is fulfilled (at once while its policy
    /// is empty) the new PKCS#12 replaces the old and the request's `result` is a new one-time
    /// code. The envelope stored with the request holds the approver name only.
    pub async fn forgot_backup_password(
        &self,
        name: String,
        new_password: Password,
        envelope: serde_json::Value,
    ) -> Result<String, HsmError> {
        let (label, name) = self
            .blocking(move |inner| {
                let label = inner.backup_key()?;
                let Some(record) = inner.store.approver_get(&name)? else {
                    return Err(HsmError::ApproverNotFound(name));
                };
                let (Some(private_key), Some(certificate), Some(_)) =
                    (&record.private_key, &record.certificate, &record.pkcs12)
                else {
                    return Err(HsmError::ApproverNotFound(name));
                };
                let credentials = ApproverCredentials {
                    private_key_pkcs8: private_key.clone(),
                    certificate_der: certificate.clone(),
                };
                let pkcs12 = approver_pkcs12(
                    &name,
                    &credentials,
                    utf8(&new_password)?,
                    &mut inner.entropy.rng(),
                )?;
                inner
                    .store
                    .approver_modify(&name, |current| match current {
                        Some(record) => Ok(Some(ApproverRecord {
                            pending_pkcs12: Some(pkcs12.clone()),
                            ..record.clone()
                        })),
                        None => Err(HsmError::ApproverNotFound(name.clone())),
                    })??;
                Ok((label, name))
            })
            .await?;
        let submission = Submission {
            kind: RequestKind::ApproverRestore,
            label,
            path: None,
            password: None,
            envelope,
            payload: name.as_bytes().to_vec(),
            payload_type: None,
            rules: None,
            meta_data: (None, None),
        };
        self.submit(submission, || self.finish_approver_restore(name.clone()))
            .await
    }

    /// Runs an approved forgot-password request for approver `name`: the waiting PKCS#12
    /// becomes its backup and a new one-time code is the request's result.
    pub async fn finish_approver_restore(&self, name: String) -> Result<Option<String>, HsmError> {
        self.blocking(move |inner| {
            inner
                .new_code(&name, |record| {
                    if let Some(pkcs12) = record.pending_pkcs12.take() {
                        record.pkcs12 = Some(pkcs12);
                    }
                })
                .map(Some)
        })
        .await
    }

    /// Every approver with a certificate: onboarded, or pending (created, not onboarded).
    pub async fn onboarding_status(&self) -> Result<OnboardingStatus, HsmError> {
        self.blocking(|inner| {
            let mut status = OnboardingStatus::default();
            for approver in inner.store.approvers()? {
                let Some(certificate) = approver.certificate.clone() else {
                    continue;
                };
                let entry = (approver.name.clone(), certificate);
                if approver.is_onboarded() {
                    status.onboarded.push(entry);
                } else {
                    status.pending.push(entry);
                }
            }
            Ok(status)
        })
        .await
    }

    /// Deletes an approver and its backup; unknown: 400/413. Policies naming it no longer
    /// resolve (its open tasks stay, and its approvals still verify by key).
    pub async fn delete_approver(&self, name: String) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            if !inner.store.approver_remove(&name)? {
                return Err(HsmError::ApproverNotFound(name));
            }
            tracing::info!(approver = %name, "approver deleted");
            Ok(())
        })
        .await
    }
}

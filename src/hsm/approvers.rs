//! Approvers the emulator holds a private key for (fixture approvers and those added through
//! the control API), and the SKA workflow scripted as them (issue 19): approving a task signs
//! its `approvalToBeSigned` with the approver's key and goes through [`Hsm::approve`], the
//! path of `POST /v1/approval`; rejecting goes through the path of the task rejection without
//! the timestamp proof; a request can be expired at once; and an approver can be given an
//! automatic decision that applies once a task of it is old enough on the emulator's clock.

use super::requests::Next;
use super::{Hsm, HsmError, Inner};
use crate::crypto::approval::sign_as_approver;
use crate::crypto::onboarding::approver_certificate_for_key;
use crate::crypto::rsa;
use crate::domain::{KeyAlgorithm, KeySpec, SecretBytes, approver_key_type};
use crate::keystore::{ApproverOrigin, ApproverRecord, AutoDecision, RequestRecord, RequestStatus};

/// How long the certificate of an onboarded fixture approver is valid, in days.
pub const APPROVER_CERTIFICATE_DAYS: u32 = 3650;

/// Where a new approver's key comes from.
#[derive(Debug, Clone)]
pub enum ApproverKey {
    /// Generate it: `KeySpec::Rsa`, `KeySpec::Ec` or `KeySpec::Ed25519`.
    Generate(KeySpec),
    /// A committed private key of `algorithm` (PKCS#8, PKCS#1 or SEC1 DER).
    Private {
        /// `RSA`, `EC` or `ED`.
        algorithm: KeyAlgorithm,
        /// The DER private key.
        der: SecretBytes,
    },
}

/// An approver to create. `Debug` shows no key material (`SecretBytes` is redacted).
#[derive(Debug, Clone)]
pub struct NewApprover {
    /// Its unique name.
    pub name: String,
    /// Its key.
    pub key: ApproverKey,
    /// Give it a self-signed certificate as the TSB's approver management does (RSA keys
    /// only), so policies can name it as an onboarded approver.
    pub onboarded: bool,
    /// Its automatic decision, if any.
    pub decision: Option<AutoDecision>,
}

/// An automatic decision that is due: approve or reject `task_id` as `approver`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDecision {
    /// The task.
    pub task_id: String,
    /// The approver's name.
    pub approver: String,
    /// `true` approves, `false` rejects.
    pub approve: bool,
}

/// Checks an approver name: 1 to 128 characters, no `/` and no control characters (it is a
/// path segment of the control API).
pub fn check_approver_name(name: &str) -> Result<(), HsmError> {
    let fits = !name.is_empty()
        && name.chars().count() <= 128
        && !name.chars().any(|c| c == '/' || c.is_control());
    if fits {
        Ok(())
    } else {
        Err(HsmError::InvalidInput(format!(
            "The approver name '{}' must have 1 to 128 characters and no '/' or control characters.",
            name.escape_default()
        )))
    }
}

impl Inner {
    /// The stored record for `new` (key generated or normalized, certificate made).
    fn approver_record(
        &self,
        new: NewApprover,
        origin: ApproverOrigin,
    ) -> Result<ApproverRecord, HsmError> {
        check_approver_name(&new.name)?;
        let (private_key, spki) = match new.key {
            ApproverKey::Generate(spec @ (KeySpec::Rsa(_) | KeySpec::Ec(_) | KeySpec::Ed25519)) => {
                let (private, public) = super::keys::generate(self, spec)?;
                let public = public.ok_or_else(|| {
                    HsmError::Internal("a generated approver key has no public key".to_owned())
                })?;
                (private, public)
            }
            ApproverKey::Generate(other) => {
                return Err(HsmError::UnsupportedApprover(format!(
                    "An approver key is RSA, EC or Ed25519, not {other:?}."
                )));
            }
            ApproverKey::Private { algorithm, der } => match algorithm {
                KeyAlgorithm::Rsa | KeyAlgorithm::Ec | KeyAlgorithm::Ed => {
                    super::transfer::decode_private(algorithm, der.expose()).map_err(|e| {
                        HsmError::InvalidKeyEncoding(format!(
                            "The approver key is not a {algorithm} private key: {e}"
                        ))
                    })?
                }
                other => {
                    return Err(HsmError::UnsupportedApprover(format!(
                        "An approver key is RSA, EC or ED, not {}.",
                        other.tsb_name()
                    )));
                }
            },
        };
        approver_key_type(&spki).map_err(|e| HsmError::UnsupportedApprover(e.to_string()))?;
        let now = self.clock.now().0;
        let (certificate, origin) = if new.onboarded {
            let key = rsa::decode_private(private_key.expose()).map_err(|_| {
                HsmError::InvalidInput(
                    "An onboarded approver has an RSA key, as the TSB's approver management makes them."
                        .to_owned(),
                )
            })?;
            let credentials = approver_certificate_for_key(
                &new.name,
                &key,
                now,
                APPROVER_CERTIFICATE_DAYS,
                &mut self.entropy.rng(),
            )?;
            (Some(credentials.certificate_der), origin)
        } else {
            (None, origin)
        };
        Ok(ApproverRecord {
            name: new.name,
            origin,
            spki,
            certificate,
            private_key: Some(private_key),
            created_at: now,
            decision: new.decision,
            one_time_code: None,
            onboarded: false,
            pkcs12: None,
            pending_pkcs12: None,
        })
    }

    fn approver_named(&self, name: &str) -> Result<ApproverRecord, HsmError> {
        self.store
            .approver_get(name)?
            .ok_or_else(|| HsmError::ApproverNotFound(name.to_owned()))
    }
}

impl Hsm {
    /// Every stored approver, in name order.
    pub async fn approvers(&self) -> Result<Vec<ApproverRecord>, HsmError> {
        self.blocking(|inner| Ok(inner.store.approvers()?)).await
    }

    /// Creates an approver at run time (kept across restarts, gone after a reset); a name in
    /// use is 400/632, as for approver management.
    pub async fn add_approver(&self, new: NewApprover) -> Result<ApproverRecord, HsmError> {
        self.blocking(move |inner| {
            if inner.store.approver_get(&new.name)?.is_some() {
                return Err(HsmError::ApproverAlreadyExists(new.name));
            }
            let record = inner.approver_record(new, ApproverOrigin::Fixture)?;
            inner.store.approver_put(&record)?;
            tracing::info!(approver = %record.name, "approver added");
            Ok(record)
        })
        .await
    }

    /// Creates the fixture approvers whose names are free and keeps the stored ones (as
    /// fixture keys are kept); remembers them as what a reset puts back. Answers the records
    /// in the given order, or the name of the refused approver and why.
    pub async fn load_fixture_approvers(
        &self,
        approvers: Vec<NewApprover>,
    ) -> Result<Vec<ApproverRecord>, (String, HsmError)> {
        let records = self
            .blocking(move |inner| {
                let mut records = Vec::with_capacity(approvers.len());
                for new in approvers {
                    let name = new.name.clone();
                    let made = (|| {
                        if let Some(record) = inner.store.approver_get(&name)? {
                            return Ok(record);
                        }
                        let record = inner.approver_record(new, ApproverOrigin::Fixture)?;
                        inner.store.approver_put(&record)?;
                        Ok::<_, HsmError>(record)
                    })();
                    match made {
                        Ok(record) => records.push(record),
                        Err(error) => return Ok(Err((name, error))),
                    }
                }
                Ok(Ok(records))
            })
            .await
            .map_err(|e| (String::new(), e))??;
        *self.fixture_approvers() = records.clone();
        Ok(records)
    }

    /// Sets (or with `None` clears) an approver's automatic decision.
    pub async fn set_decision(
        &self,
        name: String,
        decision: Option<AutoDecision>,
    ) -> Result<ApproverRecord, HsmError> {
        self.blocking(move |inner| {
            let record = ApproverRecord {
                decision,
                ..inner.approver_named(&name)?
            };
            inner.store.approver_put(&record)?;
            tracing::info!(approver = %name, decision = ?decision, "auto-decision set");
            Ok(record)
        })
        .await
    }

    /// Every open (pending or approved) request, settled on the clock, oldest first.
    pub async fn open_requests(&self) -> Result<Vec<RequestRecord>, HsmError> {
        let mut requests = self.requests(None).await?;
        requests.retain(|request| request.status.is_open());
        Ok(requests)
    }

    /// Approves task `task_id` as the stored approver `name`: signs the task's
    /// `approvalToBeSigned` with its private key (SHA-256 for RSA and EC, EdDSA for Ed25519)
    /// and records it through [`Hsm::approve`], as `POST /v1/approval` does. A task of
    /// another approver is 400/403, as there.
    pub async fn approve_as(&self, task_id: String, name: String) -> Result<Next, HsmError> {
        let id = task_id.clone();
        let (spki, token, signature, digest) = self
            .blocking(move |inner| {
                let approver = inner.approver_named(&name)?;
                let (_, task) = inner.find_task(&task_id)?;
                let private = approver.private_key.as_ref().ok_or_else(|| {
                    HsmError::InvalidInput(format!(
                        "The emulator does not hold the private key of approver '{name}'."
                    ))
                })?;
                let (signature, digest) = sign_as_approver(
                    private.expose(),
                    &approver.spki,
                    &task.token,
                    &mut inner.entropy.rng(),
                )
                .map_err(|e| HsmError::UnsupportedApprover(e.to_string()))?;
                Ok((approver.spki, task.token, signature, digest.name()))
            })
            .await?;
        self.approve(id, spki, token, signature, digest.to_owned())
            .await
    }

    /// Rejects task `task_id` as the stored approver `name`, as the task rejection does
    /// (without its timestamp proof): the approver joins `rejectedBy`; the request is
    /// `REJECTED` once no token can be fulfilled.
    pub async fn reject_as(
        &self,
        task_id: String,
        name: String,
    ) -> Result<RequestRecord, HsmError> {
        self.blocking(move |inner| {
            let approver = inner.approver_named(&name)?;
            inner.reject_task(&task_id, Some(&approver.spki))
        })
        .await
    }

    /// Makes open request `id` `EXPIRED` now (its tasks go); a finished one stays as it is.
    pub async fn expire_request(&self, id: String) -> Result<RequestRecord, HsmError> {
        self.blocking(move |inner| {
            let request = inner.stored_request(&id)?;
            if !request.status.is_open() {
                return Ok(request);
            }
            let expired = RequestRecord {
                status: RequestStatus::Expired,
                not_yet_approved_by: Vec::new(),
                tasks: Vec::new(),
                envelope: serde_json::Value::Null,
                ..request
            };
            inner.store.request_put(&expired)?;
            tracing::info!(id = %id, "request expired by the control API");
            Ok(expired)
        })
        .await
    }

    /// The automatic decisions due now: each task of an open request whose approver has a
    /// decision and that is at least `after_ms` old on the clock (milliseconds since the
    /// task was made). Nothing to do, and no blocking hop, when no approver has a decision.
    pub async fn due_decisions(&self) -> Result<Vec<DueDecision>, HsmError> {
        let deciders: Vec<(Vec<u8>, String, AutoDecision)> = self
            .inner
            .store
            .approvers()?
            .into_iter()
            .filter_map(|a| Some((a.spki, a.name, a.decision?)))
            .collect();
        if deciders.is_empty() {
            return Ok(Vec::new());
        }
        self.blocking(move |inner| {
            let now = inner.clock.now_ms();
            let mut due = Vec::new();
            for request in inner.store.requests()? {
                if !request.status.is_open() {
                    continue;
                }
                let request = inner.settle(request)?;
                for task in &request.tasks {
                    let Some((_, name, decision)) =
                        deciders.iter().find(|(spki, _, _)| *spki == task.approver)
                    else {
                        continue;
                    };
                    let (after, approve) = match *decision {
                        AutoDecision::Approve { after_ms } => (after_ms, true),
                        AutoDecision::Reject { after_ms } => (after_ms, false),
                    };
                    let made = task.created_at_ms.max(task.created_at.saturating_mul(1000));
                    if now >= made.saturating_add(after) {
                        due.push(DueDecision {
                            task_id: task.id.clone(),
                            approver: name.clone(),
                            approve,
                        });
                    }
                }
            }
            Ok(due)
        })
        .await
    }

    /// Applies one due decision; an approval may leave a request to run (`Next::Execute`).
    pub async fn apply_decision(&self, due: DueDecision) -> Result<Option<Next>, HsmError> {
        if due.approve {
            self.approve_as(due.task_id, due.approver).await.map(Some)
        } else {
            self.reject_as(due.task_id, due.approver)
                .await
                .map(|_| None)
        }
    }

    pub(super) fn fixture_approvers(&self) -> std::sync::MutexGuard<'_, Vec<ApproverRecord>> {
        // A poisoned lock only means a panic elsewhere while swapping a Vec; the data is whole.
        self.inner
            .fixture_approvers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

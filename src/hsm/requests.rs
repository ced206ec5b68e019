//! SKA requests (reference 5, 10 and 13): what the asynchronous endpoints submit, decided on
//! the device's clock. A request whose governing rule needs no approval runs during the submit
//! call and is `EXECUTED` at the first poll (TSB 2.0.1); one that needs approvals is stored
//! `PENDING`, listing its approvers in `notYetApprovedBy`, until it expires by its tokens'
//! timeouts or is cancelled. Block, unblock and modify, the synchronous SKA key lifecycle
//! calls, live here too.

use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError, Inner};
use crate::crypto::approval::{
    ApprovalError, ApprovalPayload, Expected, IntegrityKey, TimestampError, build_approval_token,
    check_timestamp, encode_policy, parse_approval_token, prove_signed_approvals, verify_approver,
};
use crate::domain::{DerivationPath, Evaluation, Label, ModifyPolicy, Password, Policy};
use crate::keystore::{KeyRecord, RequestKind, RequestRecord, RequestStatus, TaskRecord};
use rand::Rng;
use std::future::Future;

/// An asynchronous call as submitted: what it is and the key it names. `Debug` shows neither
/// the password nor the envelope.
pub struct Submission {
    /// The submit endpoint.
    pub kind: RequestKind,
    /// The key's label.
    pub label: Label,
    /// A derivation path in the key name (reference 6.14).
    pub path: Option<DerivationPath>,
    /// The key password the request carries.
    pub password: Option<Password>,
    /// The envelope as submitted, run again once the request is approved.
    pub envelope: serde_json::Value,
    /// The bytes the request operates on (what approvers see as `payload`).
    pub payload: Vec<u8>,
    /// Its `payloadType`, if any.
    pub payload_type: Option<String>,
    /// A modify request's new rules (their blob is the approvers' payload).
    pub rules: Option<ModifyPolicy>,
    /// `metaData` and `metaDataSignature` as submitted.
    pub meta_data: (Option<String>, Option<String>),
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("kind", &self.kind)
            .field("label", &self.label)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// An approver's identity and proof, as the task endpoints take it (reference 13.2): the
/// approver's DER SPKI and its signature over the `timestamp` string.
#[derive(Debug, Clone)]
pub struct ApproverProof {
    /// The approver's DER SPKI (from `approverPublicKey`, or from `approverCertificate`).
    pub approver: Vec<u8>,
    /// `timestamp` exactly as sent.
    pub timestamp: String,
    /// `timestampSignature`, decoded.
    pub signature: Vec<u8>,
    /// `timestampDigestAlgorithm`.
    pub digest: String,
}

/// What a request needs next, after an approval.
#[derive(Debug)]
pub enum Next {
    /// Run it now with these approvals (its rule is fulfilled).
    Execute(RequestRecord),
    /// Nothing to do yet.
    Wait(RequestRecord),
}

/// How far in the past an approver's timestamp may be (`maxTimestampDiffApprovalClient`).
pub const MAX_TIMESTAMP_AGE: u64 = 600;
/// How far in the future (`maxFutureTimestampDiffApprovalClient`, a little room for clocks).
pub const MAX_TIMESTAMP_AHEAD: u64 = 60;

/// The gate's use for a request kind.
fn use_of(kind: RequestKind) -> KeyUse {
    match kind {
        RequestKind::Sign => KeyUse::Sign,
        RequestKind::Decrypt => KeyUse::Decrypt,
        RequestKind::Unwrap | RequestKind::ApproverRestore => KeyUse::Unwrap,
        RequestKind::Block => KeyUse::Block,
        RequestKind::Unblock => KeyUse::Unblock,
        RequestKind::Modify => KeyUse::Modify,
        RequestKind::CertificateRequest | RequestKind::SelfSign | RequestKind::SignCertificate => {
            KeyUse::Certify
        }
    }
}

/// Where `record`'s rule for `kind` stands for a request with these facts (onboarded
/// approvers resolved to their keys).
fn evaluate(
    inner: &Inner,
    record: &KeyRecord,
    kind: RequestKind,
    request: &RequestRecord,
    now: u64,
) -> Result<Evaluation, HsmError> {
    Ok(match (&record.policy, use_of(kind).governed_by()) {
        (Some(policy), Some(operation)) => {
            let keys = inner.approver_keys(Some(policy))?;
            policy.evaluate_with(
                &|approval| keys.identity(approval),
                operation,
                &request.approved_by,
                &request.rejected_by,
                request.created_at,
                now,
            )
        }
        _ => Evaluation::Fulfilled,
    })
}

/// Every approver the rule governing `kind` names (by SPKI, each once; onboarded approvers
/// that resolve to a key).
fn approvers(
    inner: &Inner,
    policy: Option<&Policy>,
    kind: RequestKind,
) -> Result<Vec<Vec<u8>>, HsmError> {
    let rule = policy
        .zip(use_of(kind).governed_by())
        .and_then(|(p, op)| p.rule_for(op));
    let keys = inner.approver_keys(policy)?;
    let identity = |approval: &crate::domain::Approval| keys.identity(approval);
    let mut spkis: Vec<Vec<u8>> = Vec::new();
    for approval in rule
        .map(|rule| rule.approvers_with(&identity))
        .unwrap_or_default()
    {
        if let Some(spki) = identity(approval)
            && !spkis.contains(&spki)
        {
            spkis.push(spki);
        }
    }
    Ok(spkis)
}

impl Hsm {
    /// Submits an asynchronous call: checks the key and its password, then runs `execute`
    /// (the synchronous operation, giving the request's `result`) at once when the governing
    /// rule needs no approval, or stores the request `PENDING`. Answers the request id. A
    /// refusal of `execute` is answered as the synchronous call's error and stores nothing.
    pub async fn submit<F, Fut>(
        &self,
        submission: Submission,
        execute: F,
    ) -> Result<String, HsmError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>, HsmError>>,
    {
        let kind = submission.kind;
        let (request, evaluation) = self
            .blocking(move |inner| {
                let key = KeyRef::derived(
                    &submission.label,
                    submission.path.as_ref(),
                    submission.password.as_ref(),
                );
                let record = inner.use_key(key, KeyUse::Read)?;
                let now = inner.clock.now().0;
                let request = RequestRecord {
                    id: new_id(inner),
                    kind,
                    key_name: match &submission.path {
                        Some(path) => format!("{}/{path}", submission.label),
                        None => submission.label.to_string(),
                    },
                    created_at: now,
                    status: RequestStatus::Pending,
                    execution_time: None,
                    approved_by: Vec::new(),
                    not_yet_approved_by: approvers(inner, record.policy.as_ref(), kind)?,
                    rejected_by: Vec::new(),
                    result: None,
                    envelope: submission.envelope,
                    payload: submission.payload,
                    payload_type: submission.payload_type,
                    meta_data: submission.meta_data.0,
                    meta_data_signature: submission.meta_data.1,
                    tasks: Vec::new(),
                };
                let evaluation = evaluate(inner, &record, kind, &request, now)?;
                let request = match evaluation {
                    Evaluation::Fulfilled => request,
                    _ => inner.with_tasks(request, submission.rules.as_ref())?,
                };
                Ok((request, evaluation))
            })
            .await?;
        let request = match evaluation {
            Evaluation::Fulfilled => {
                let result = execute().await?;
                RequestRecord {
                    status: RequestStatus::Executed,
                    execution_time: Some(self.inner.clock.now().0),
                    not_yet_approved_by: Vec::new(),
                    result,
                    envelope: serde_json::Value::Null,
                    ..request
                }
            }
            Evaluation::WaitingForTimelock { .. } => RequestRecord {
                status: RequestStatus::Approved,
                ..request
            },
            _ => request,
        };
        self.blocking(move |inner| {
            inner.store.request_put(&request)?;
            tracing::info!(id = %request.id, kind = ?request.kind, status = ?request.status, "request submitted");
            Ok(request.id)
        })
        .await
    }

    /// The request with `id` as it stands now: an open request whose tokens have all timed
    /// out on the device's clock is `EXPIRED` from then on.
    pub async fn request(&self, id: String) -> Result<RequestRecord, HsmError> {
        self.blocking(move |inner| inner.stored_request(&id)).await
    }

    /// Every request, settled as [`Hsm::request`] does, optionally only those in `status`.
    pub async fn requests(
        &self,
        status: Option<RequestStatus>,
    ) -> Result<Vec<RequestRecord>, HsmError> {
        self.blocking(move |inner| {
            let mut out = Vec::new();
            for request in inner.store.requests()? {
                let request = inner.settle(request)?;
                if status.is_none_or(|wanted| wanted == request.status) {
                    out.push(request);
                }
            }
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            Ok(out)
        })
        .await
    }

    /// Cancels a request (`DELETE /v1/request/{id}`): an open one becomes `CANCELLED`; a
    /// finished one stays as it is.
    pub async fn cancel_request(&self, id: String) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let request = inner.stored_request(&id)?;
            if request.status.is_open() {
                inner.store.request_put(&RequestRecord {
                    status: RequestStatus::Cancelled,
                    not_yet_approved_by: Vec::new(),
                    tasks: Vec::new(),
                    envelope: serde_json::Value::Null,
                    ..request
                })?;
                tracing::info!(id = %id, "request cancelled");
            }
            Ok(())
        })
        .await
    }

    /// Blocks a key (`synchronousBlock`, reference 10): its use operations are refused until
    /// it is unblocked. Idempotent.
    pub async fn block_key(
        &self,
        label: Label,
        password: Option<Password>,
        approvals: super::Approvals,
    ) -> Result<(), HsmError> {
        self.change_policy(label, password, approvals, KeyUse::Block, |policy| Policy {
            key_status: crate::domain::KeyStatus { blocked: true },
            ..policy.clone()
        })
        .await
    }

    /// Unblocks a key (`synchronousUnblock`). Idempotent.
    pub async fn unblock_key(
        &self,
        label: Label,
        password: Option<Password>,
        approvals: super::Approvals,
    ) -> Result<(), HsmError> {
        self.change_policy(label, password, approvals, KeyUse::Unblock, |policy| {
            Policy {
                key_status: crate::domain::KeyStatus { blocked: false },
                ..policy.clone()
            }
        })
        .await
    }

    /// Replaces a key's four rules (`synchronousModify`); `keyStatus` stays.
    pub async fn modify_policy(
        &self,
        label: Label,
        password: Option<Password>,
        approvals: super::Approvals,
        rules: ModifyPolicy,
    ) -> Result<(), HsmError> {
        self.change_policy(label, password, approvals, KeyUse::Modify, move |policy| {
            policy.modified(rules.clone())
        })
        .await
    }

    async fn change_policy(
        &self,
        label: Label,
        password: Option<Password>,
        approvals: super::Approvals,
        purpose: KeyUse,
        change: impl Fn(&Policy) -> Policy + Send + 'static,
    ) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let outcome = inner.store.modify(&label, |current| {
                let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
                let key = KeyRef::new(&label, password.as_ref()).approved_by(&approvals);
                inner.admit_with(record, key, purpose)?;
                let policy = record.policy.as_ref().ok_or_else(|| {
                    HsmError::Unsupported(format!(
                        "The key '{label}' has no policy: blocking, unblocking and modifying are for SKA keys only."
                    ))
                })?;
                Ok(Some(KeyRecord {
                    policy: Some(change(policy)),
                    ..record.clone()
                }))
            })?;
            outcome.map(|_| tracing::info!(label = %label, change = ?purpose, "key policy changed"))
        })
        .await
    }
}

impl Hsm {
    /// The tasks `proof`'s approver may see (all approvers' with `proof` `None`, for the
    /// control API), of the request kinds `kinds` (all with `None`), optionally one task or
    /// one request's; marks them fetched. Verifies the timestamp proof first: outside the
    /// window 400/404, a bad signature 400/403.
    pub async fn tasks(
        &self,
        proof: Option<ApproverProof>,
        kinds: Option<&'static [RequestKind]>,
        task_id: Option<String>,
        request_id: Option<String>,
    ) -> Result<Vec<(TaskRecord, RequestRecord)>, HsmError> {
        self.blocking(move |inner| {
            let now = inner.clock.now().0;
            if let Some(proof) = &proof {
                check_timestamp(
                    &proof.timestamp,
                    now,
                    MAX_TIMESTAMP_AGE,
                    MAX_TIMESTAMP_AHEAD,
                )
                .map_err(|e| match e {
                    TimestampError::Off(message) => HsmError::TimestampOff(message),
                    other => HsmError::InvalidInput(other.to_string()),
                })?;
                verify_approver(
                    &proof.approver,
                    &proof.digest,
                    proof.timestamp.as_bytes(),
                    &proof.signature,
                )
                .map_err(approval_error)?;
            }
            let mut out = Vec::new();
            for request in inner.store.requests()? {
                let mut request = inner.settle(request)?;
                if !request.status.is_open() || kinds.is_some_and(|k| !k.contains(&request.kind)) {
                    continue;
                }
                if task_id.is_none() && request_id.as_ref().is_some_and(|id| *id != request.id) {
                    continue;
                }
                let chosen: Vec<usize> = (0..request.tasks.len())
                    .filter(|&i| {
                        let task = &request.tasks[i];
                        proof.as_ref().is_none_or(|p| p.approver == task.approver)
                            && task_id.as_ref().is_none_or(|id| *id == task.id)
                    })
                    .collect();
                for &i in &chosen {
                    out.push((request.tasks[i].clone(), request.clone()));
                    request.tasks[i].last_fetched = now;
                }
                if !chosen.is_empty() {
                    inner.store.request_put(&request)?;
                }
            }
            Ok(out)
        })
        .await
    }

    /// Records an approval (reference 13.3): `signature` by `approver` over `token` (the
    /// task's `approvalToBeSigned`, or one the approver built for the same operation, key and
    /// payload) with `digest`. Unknown task 404/652; a bad signature 400/403.
    pub async fn approve(
        &self,
        task_id: String,
        approver: Vec<u8>,
        token: Vec<u8>,
        signature: Vec<u8>,
        digest: String,
    ) -> Result<Next, HsmError> {
        self.blocking(move |inner| {
            let (request, task) = inner.find_task(&task_id)?;
            if task.approver != approver {
                return Err(HsmError::InvalidSignature(
                    "The task belongs to another approver.".to_owned(),
                ));
            }
            if token != task.token {
                let given = parse_approval_token(&token).map_err(approval_error)?;
                let ours = parse_approval_token(&task.token).map_err(approval_error)?;
                if (given.operation, &given.key_name, &given.payload)
                    != (ours.operation, &ours.key_name, &ours.payload)
                {
                    return Err(HsmError::InvalidSignature(
                        "The approval is for another operation, key or payload.".to_owned(),
                    ));
                }
            }
            verify_approver(&approver, &digest, &token, &signature).map_err(approval_error)?;
            let mut request = request;
            request.tasks.retain(|t| t.id != task_id);
            if !request.approved_by.contains(&approver) {
                request.approved_by.push(approver.clone());
            }
            request.not_yet_approved_by.retain(|spki| *spki != approver);
            inner.store.request_put(&request)?;
            tracing::info!(id = %request.id, task = %task_id, "approval recorded");
            inner.next(request)
        })
        .await
    }

    /// Rejects (deletes) a task (reference 13.4): its approver joins `rejectedBy`; the request
    /// is `REJECTED` once no token can be fulfilled.
    pub async fn reject(&self, task_id: String, proof: ApproverProof) -> Result<(), HsmError> {
        let tasks = self
            .tasks(Some(proof.clone()), None, Some(task_id.clone()), None)
            .await?;
        if tasks.is_empty() {
            return Err(HsmError::TaskNotFound(task_id));
        }
        self.blocking(move |inner| inner.reject_task(&task_id, None).map(drop))
            .await
    }

    /// The next step of request `id` (an `APPROVED` request whose timelock has passed runs).
    pub async fn next_step(&self, id: String) -> Result<Next, HsmError> {
        self.blocking(move |inner| {
            let request = inner.stored_request(&id)?;
            if request.status.is_open() {
                inner.next(request)
            } else {
                Ok(Next::Wait(request))
            }
        })
        .await
    }

    /// Records how an approved request ran: `EXECUTED` with its result, or `FAILED`.
    pub async fn complete(
        &self,
        request: RequestRecord,
        outcome: Result<Option<String>, HsmError>,
    ) -> Result<RequestRecord, HsmError> {
        self.blocking(move |inner| {
            let (status, result) = match outcome {
                Ok(result) => (RequestStatus::Executed, result),
                Err(error) => {
                    tracing::info!(id = %request.id, error = %error, "approved request failed");
                    (RequestStatus::Failed, None)
                }
            };
            let done = RequestRecord {
                status,
                result,
                execution_time: Some(inner.clock.now().0),
                not_yet_approved_by: Vec::new(),
                tasks: Vec::new(),
                envelope: serde_json::Value::Null,
                ..request
            };
            inner.store.request_put(&done)?;
            Ok(done)
        })
        .await
    }

    /// The DER SPKI of the integrity key that signs approval tokens' HSM timestamps.
    pub fn integrity_public_key(&self) -> &[u8] {
        &self.inner.integrity.1
    }
}

impl Inner {
    /// The request with `id`, settled ([`Inner::settle`]); 404/651 when there is none.
    pub(super) fn stored_request(&self, id: &str) -> Result<RequestRecord, HsmError> {
        let request = self
            .store
            .request_get(id)?
            .ok_or_else(|| HsmError::RequestNotFound(id.to_owned()))?;
        self.settle(request)
    }

    /// One task per approver of the rule governing `request`, each with its
    /// `approvalToBeSigned` signed by the integrity key.
    fn with_tasks(
        &self,
        mut request: RequestRecord,
        rules: Option<&ModifyPolicy>,
    ) -> Result<RequestRecord, HsmError> {
        let Some(operation) = use_of(request.kind).governed_by() else {
            return Ok(request);
        };
        let payload = match rules {
            Some(rules) => ApprovalPayload::Modify(encode_policy(rules).map_err(approval_error)?),
            None => ApprovalPayload::Use(request.payload.clone()),
        };
        let integrity = IntegrityKey {
            pkcs8: self.integrity.0.expose(),
            label: "timestamp-key",
        };
        for approver in request.not_yet_approved_by.clone() {
            let token = build_approval_token(
                operation,
                &request.key_name,
                &payload,
                request.created_at,
                &integrity,
                &mut self.entropy.rng(),
            )
            .map_err(approval_error)?;
            request.tasks.push(TaskRecord {
                id: new_id(self),
                approver,
                token,
                created_at: request.created_at,
                created_at_ms: self.clock.now_ms().max(request.created_at * 1000),
                last_fetched: request.created_at,
            });
        }
        Ok(request)
    }

    pub(super) fn find_task(&self, task_id: &str) -> Result<(RequestRecord, TaskRecord), HsmError> {
        for request in self.store.requests()? {
            let request = self.settle(request)?;
            if let Some(task) = request.tasks.iter().find(|t| t.id == task_id).cloned() {
                return Ok((request, task));
            }
        }
        Err(HsmError::TaskNotFound(task_id.to_owned()))
    }

    /// Rejects task `task_id` (of `approver`, when given: another's task is 400/403): its
    /// approver joins `rejectedBy` and the request is settled.
    pub(super) fn reject_task(
        &self,
        task_id: &str,
        approver: Option<&[u8]>,
    ) -> Result<RequestRecord, HsmError> {
        let (mut request, task) = self.find_task(task_id)?;
        if approver.is_some_and(|spki| spki != task.approver) {
            return Err(HsmError::InvalidSignature(
                "The task belongs to another approver.".to_owned(),
            ));
        }
        request.tasks.retain(|t| t.id != task_id);
        if !request.rejected_by.contains(&task.approver) {
            request.rejected_by.push(task.approver.clone());
        }
        request
            .not_yet_approved_by
            .retain(|spki| *spki != task.approver);
        self.store.request_put(&request)?;
        tracing::info!(id = %request.id, task = %task_id, "task rejected");
        self.settle(request)
    }

    /// What an open request needs next, with its status stored.
    fn next(&self, request: RequestRecord) -> Result<Next, HsmError> {
        let now = self.clock.now().0;
        let label = request
            .key_name
            .split('/')
            .next()
            .and_then(|label| Label::parse(label).ok());
        let record = match label {
            Some(label) => self.store.get(&label)?,
            None => None,
        };
        let Some(record) = record else {
            return Ok(Next::Wait(self.settle(request)?));
        };
        match evaluate(self, &record, request.kind, &request, now)? {
            Evaluation::Fulfilled => Ok(Next::Execute(request)),
            Evaluation::WaitingForTimelock { .. } => {
                let approved = RequestRecord {
                    status: RequestStatus::Approved,
                    ..request
                };
                self.store.request_put(&approved)?;
                Ok(Next::Wait(approved))
            }
            _ => Ok(Next::Wait(self.settle(request)?)),
        }
    }

    /// `request` with the state the clock and its key give it now; a change is stored.
    pub(super) fn settle(&self, request: RequestRecord) -> Result<RequestRecord, HsmError> {
        if !request.status.is_open() {
            return Ok(request);
        }
        let now = self.clock.now().0;
        let label = request
            .key_name
            .split('/')
            .next()
            .and_then(|label| Label::parse(label).ok());
        let key = match label {
            Some(label) => self.store.get(&label)?,
            None => None,
        };
        let status = match key {
            // The key is gone: its requests are cancelled (reference 5.3).
            None => RequestStatus::Cancelled,
            Some(record) => match evaluate(self, &record, request.kind, &request, now)? {
                Evaluation::Expired => RequestStatus::Expired,
                Evaluation::Rejected => RequestStatus::Rejected,
                _ => request.status,
            },
        };
        if status == request.status {
            return Ok(request);
        }
        let settled = RequestRecord {
            status,
            not_yet_approved_by: Vec::new(),
            tasks: Vec::new(),
            envelope: serde_json::Value::Null,
            ..request
        };
        self.store.request_put(&settled)?;
        Ok(settled)
    }

    /// Marks the open requests on `label` cancelled (the key was deleted).
    pub(super) fn cancel_requests_of(&self, label: &Label) -> Result<(), HsmError> {
        for request in self.store.requests()? {
            let of_key = request.key_name == label.as_str()
                || request
                    .key_name
                    .strip_prefix(label.as_str())
                    .is_some_and(|rest| rest.starts_with('/'));
            if of_key && request.status.is_open() {
                self.store.request_put(&RequestRecord {
                    status: RequestStatus::Cancelled,
                    not_yet_approved_by: Vec::new(),
                    tasks: Vec::new(),
                    envelope: serde_json::Value::Null,
                    ..request
                })?;
            }
        }
        Ok(())
    }
}

/// A UUID v4 string from the device's randomness (repeatable with `--deterministic`).
fn new_id(inner: &Inner) -> String {
    let mut bytes = [0u8; 16];
    inner.entropy.rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An approval that does not check out: a signature that does not verify is 400/403, a
/// blob or key that can not be read 400/600, an approver key type the HSM does not take
/// 400/601.
fn approval_error(error: ApprovalError) -> HsmError {
    match error {
        ApprovalError::BadSignature | ApprovalError::Mismatch(_) => {
            HsmError::InvalidSignature(error.to_string())
        }
        ApprovalError::UnsupportedKeyType(_) => HsmError::UnsupportedApprover(error.to_string()),
        ApprovalError::Crypto(_) => HsmError::Internal(error.to_string()),
        _ => HsmError::InvalidInput(error.to_string()),
    }
}

/// The HSM timestamp of a task's token, as level 4 of a task shows it: the 0x1054 value, its
/// DER ECDSA signature and that signature wrapped with its algorithm identifier.
pub fn token_timestamp(token: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let timestamp = parse_approval_token(token).ok()?.timestamp?;
    Some((
        timestamp.raw,
        timestamp.signature,
        timestamp.signature_with_algorithm,
    ))
}

impl Hsm {
    /// The approvers a synchronous call's `signedApprovals` (base64-decoded) prove for `kind` on
    /// `key_name` with `payload` (a modify call's approvers sign its new `rules`): each entry's
    /// signature, operation, key name and payload are checked, and its HSM timestamp against
    /// the integrity key (reference 13.6). A bad entry is 400/403; an empty list proves nobody.
    pub fn prove_approvals(
        &self,
        entries: &[Vec<u8>],
        kind: RequestKind,
        key_name: &str,
        payload: &[u8],
        rules: Option<&ModifyPolicy>,
    ) -> Result<super::Approvals, HsmError> {
        if entries.is_empty() {
            return Ok(super::Approvals::default());
        }
        let Some(operation) = use_of(kind).governed_by() else {
            return Ok(super::Approvals::default());
        };
        let payload = match rules {
            Some(rules) => ApprovalPayload::Modify(encode_policy(rules).map_err(approval_error)?),
            None => ApprovalPayload::Use(payload.to_vec()),
        };
        let expected = Expected {
            operation,
            key_name,
            payload: &payload,
        };
        let proven = prove_signed_approvals(entries, &expected, &self.inner.integrity.1)
            .map_err(approval_error)?;
        Ok(super::Approvals {
            approvers: proven.approved,
            since: proven.created,
        })
    }
}

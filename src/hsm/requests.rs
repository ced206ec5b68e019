//! SKA requests (reference 5, 10 and 13): what the asynchronous endpoints submit, decided on
//! the device's clock. A request whose governing rule needs no approval runs during the submit
//! call and is `EXECUTED` at the first poll (TSB 2.0.1); one that needs approvals is stored
//! `PENDING`, listing its approvers in `notYetApprovedBy`, until it expires by its tokens'
//! timeouts or is cancelled. Block, unblock and modify, the synchronous SKA key lifecycle
//! calls, live here too.

use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError, Inner};
use crate::domain::{DerivationPath, Evaluation, Label, ModifyPolicy, Password, Policy};
use crate::keystore::{KeyRecord, RequestKind, RequestRecord, RequestStatus};
use rand::Rng;
use std::future::Future;

/// An asynchronous call as submitted: what it is and the key it names.
#[derive(Debug)]
pub struct Submission {
    /// The submit endpoint.
    pub kind: RequestKind,
    /// The key's label.
    pub label: Label,
    /// A derivation path in the key name (reference 6.14).
    pub path: Option<DerivationPath>,
    /// The key password the request carries.
    pub password: Option<Password>,
}

/// The gate's use for a request kind.
fn use_of(kind: RequestKind) -> KeyUse {
    match kind {
        RequestKind::Sign => KeyUse::Sign,
        RequestKind::Decrypt => KeyUse::Decrypt,
        RequestKind::Unwrap => KeyUse::Unwrap,
        RequestKind::Block => KeyUse::Block,
        RequestKind::Unblock => KeyUse::Unblock,
        RequestKind::Modify => KeyUse::Modify,
        RequestKind::CertificateRequest | RequestKind::SelfSign | RequestKind::SignCertificate => {
            KeyUse::Certify
        }
    }
}

/// Where `record`'s rule for `kind` stands for a request with these facts.
fn evaluate(
    record: &KeyRecord,
    kind: RequestKind,
    request: &RequestRecord,
    now: u64,
) -> Evaluation {
    match (&record.policy, use_of(kind).governed_by()) {
        (Some(policy), Some(operation)) => policy.evaluate(
            operation,
            &request.approved_by,
            &request.rejected_by,
            request.created_at,
            now,
        ),
        _ => Evaluation::Fulfilled,
    }
}

/// Every approver the rule governing `kind` names (by SPKI, each once).
fn approvers(policy: Option<&Policy>, kind: RequestKind) -> Vec<Vec<u8>> {
    let rule = policy
        .zip(use_of(kind).governed_by())
        .and_then(|(p, op)| p.rule_for(op));
    let mut spkis: Vec<Vec<u8>> = Vec::new();
    for approval in rule.map(|rule| rule.approvers()).unwrap_or_default() {
        if let Some(spki) = approval.spki()
            && !spkis.contains(&spki)
        {
            spkis.push(spki);
        }
    }
    spkis
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
                    not_yet_approved_by: approvers(record.policy.as_ref(), kind),
                    rejected_by: Vec::new(),
                    result: None,
                };
                let evaluation = evaluate(&record, kind, &request, now);
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
        self.blocking(move |inner| {
            let request = inner
                .store
                .request_get(&id)?
                .ok_or_else(|| HsmError::RequestNotFound(id.clone()))?;
            inner.settle(request)
        })
        .await
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
            let request = inner
                .store
                .request_get(&id)?
                .ok_or_else(|| HsmError::RequestNotFound(id.clone()))?;
            let request = inner.settle(request)?;
            if request.status.is_open() {
                inner.store.request_put(&RequestRecord {
                    status: RequestStatus::Cancelled,
                    not_yet_approved_by: Vec::new(),
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
        approvals: Vec<Vec<u8>>,
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
        approvals: Vec<Vec<u8>>,
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
        approvals: Vec<Vec<u8>>,
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
        approvals: Vec<Vec<u8>>,
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

impl Inner {
    /// `request` with the state the clock and its key give it now; a change is stored.
    fn settle(&self, request: RequestRecord) -> Result<RequestRecord, HsmError> {
        if !request.status.is_open() {
            return Ok(request);
        }
        let now = self.clock.now().0;
        let key = request
            .key_name
            .split('/')
            .next()
            .and_then(|label| Label::parse(label).ok())
            .and_then(|label| self.store.get(&label).ok().flatten());
        let status = match key {
            // The key is gone: its requests are cancelled (reference 5.3).
            None => RequestStatus::Cancelled,
            Some(record) => match evaluate(&record, request.kind, &request, now) {
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

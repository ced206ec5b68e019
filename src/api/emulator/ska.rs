//! The SKA workflow scripted from tests (issue 19), part of the control API: the approvers
//! the emulator holds keys for, the open requests with their tasks, approving and rejecting a
//! task as an approver (a real approval: the emulator signs the task's `approvalToBeSigned`
//! and records it through the path of `POST /v1/approval`), expiring a request, and
//! automatic decisions per approver.

use crate::api::SharedState;
use crate::api::error::ApiError;
use crate::api::json::TsbJson;
use crate::api::ska::{auto_decide, drive};
use crate::crypto::pem;
use crate::domain::{Curve, KeySpec, RsaBits, Timestamp};
use crate::hsm::{ApproverKey, NewApprover};
use crate::keystore::{ApproverOrigin, ApproverRecord, AutoDecision, RequestRecord};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// An automatic decision as the control API and fixture manifests write it:
/// `{"decision": "approve" | "reject", "afterMs": N}` (`afterMs` defaults to 0).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionDto {
    /// `approve` or `reject`.
    pub decision: DecisionKind,
    /// Milliseconds of the emulator's clock after a task is made before the decision applies.
    #[serde(default)]
    pub after_ms: u64,
}

/// What an automatic decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DecisionKind {
    /// Approve the task.
    Approve,
    /// Reject the task.
    Reject,
}

impl From<DecisionDto> for AutoDecision {
    fn from(dto: DecisionDto) -> Self {
        match dto.decision {
            DecisionKind::Approve => AutoDecision::Approve {
                after_ms: dto.after_ms,
            },
            DecisionKind::Reject => AutoDecision::Reject {
                after_ms: dto.after_ms,
            },
        }
    }
}

impl From<AutoDecision> for DecisionDto {
    fn from(decision: AutoDecision) -> Self {
        match decision {
            AutoDecision::Approve { after_ms } => Self {
                decision: DecisionKind::Approve,
                after_ms,
            },
            AutoDecision::Reject { after_ms } => Self {
                decision: DecisionKind::Reject,
                after_ms,
            },
        }
    }
}

/// The key of an approver to generate: `algorithm` `RSA` (`keySize`, default 2048), `EC`
/// (`curveOid`, default P-256) or `ED` (Ed25519). Shared with fixture manifests.
pub fn approver_key_spec(
    algorithm: &str,
    key_size: Option<u32>,
    curve_oid: Option<&str>,
) -> Result<KeySpec, String> {
    match algorithm.to_ascii_uppercase().as_str() {
        "RSA" => {
            if curve_oid.is_some() {
                return Err("'curveOid' is for EC approvers".to_owned());
            }
            let bits = key_size.unwrap_or(2048);
            RsaBits::from_bits(bits)
                .map(KeySpec::Rsa)
                .ok_or_else(|| format!("'keySize' {bits} is not an RSA key size (1024 to 8192)"))
        }
        "EC" => {
            if key_size.is_some() {
                return Err("'keySize' is for RSA approvers".to_owned());
            }
            let oid = curve_oid.unwrap_or("1.2.840.10045.3.1.7");
            Curve::from_oid(oid)
                .map(KeySpec::Ec)
                .ok_or_else(|| format!("'curveOid' {oid} is not a supported curve"))
        }
        "ED" | "ED25519" => {
            if key_size.is_some() || curve_oid.is_some() {
                return Err(
                    "an ED (Ed25519) approver takes neither 'keySize' nor 'curveOid'".to_owned(),
                );
            }
            Ok(KeySpec::Ed25519)
        }
        other => Err(format!(
            "'algorithm' {other} is not an approver key type (RSA, EC, ED)"
        )),
    }
}

/// An approver as the control API shows it: never its private key.
fn approver_view(record: &ApproverRecord) -> Value {
    let key_type = crate::domain::approver_key_type(&record.spki)
        .map(|kind| match kind {
            crate::domain::ApproverKeyType::Rsa => "RSA".to_owned(),
            crate::domain::ApproverKeyType::Ec(curve) => format!("EC {}", curve.name()),
            crate::domain::ApproverKeyType::Ed25519 => "ED25519".to_owned(),
            crate::domain::ApproverKeyType::Dsa => "DSA".to_owned(),
        })
        .unwrap_or_default();
    json!({
        "name": record.name,
        "origin": match record.origin {
            ApproverOrigin::Fixture => "emulator",
            ApproverOrigin::Managed => "approverManagement",
        },
        "keyType": key_type,
        "publicKey": STANDARD.encode(&record.spki),
        "publicKeyPem": pem::encode(pem::PUBLIC_KEY_LABEL, &record.spki),
        "certificate": record.certificate.as_ref().map(|der| pem::encode(pem::CERTIFICATE_LABEL, der)),
        "hasPrivateKey": record.private_key.is_some(),
        "createdAt": Timestamp(record.created_at).to_string(),
        "decision": record.decision.map(DecisionDto::from),
    })
}

/// A request with its tasks, approvers named where the emulator knows them.
fn request_view(request: &RequestRecord, approvers: &[ApproverRecord]) -> Value {
    let name_of = |spki: &[u8]| {
        approvers
            .iter()
            .find(|a| a.spki == spki)
            .map(|a| a.name.clone())
    };
    let names = |list: &[Vec<u8>]| {
        list.iter()
            .map(|spki| json!({"name": name_of(spki), "publicKey": STANDARD.encode(spki)}))
            .collect::<Vec<_>>()
    };
    json!({
        "id": request.id,
        "kind": request.kind,
        "keyName": request.key_name,
        "status": request.status,
        "createdAt": Timestamp(request.created_at).to_string(),
        "executionTime": request.execution_time.map(|at| Timestamp(at).to_string()),
        "approvedBy": names(&request.approved_by),
        "notYetApprovedBy": names(&request.not_yet_approved_by),
        "rejectedBy": names(&request.rejected_by),
        "result": request.result,
        "tasks": request.tasks.iter().map(|task| json!({
            "id": task.id,
            "approver": name_of(&task.approver),
            "approverPublicKey": STANDARD.encode(&task.approver),
            "approvalToBeSigned": STANDARD.encode(&task.token),
            "createdAt": Timestamp(task.created_at).to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// The approvers the emulator holds (fixture, added at run time, onboarded).
#[utoipa::path(get, path = "/_emulator/approvers", tag = "emulator", operation_id = "listApprovers",
    responses((status = 200, description = "`{approvers: [...]}`: name, origin, keyType, publicKey (base64 SPKI and PEM), certificate, decision; never the private key")))]
pub(crate) async fn approvers(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let approvers = state.hsm.approvers().await?;
    Ok(Json(
        json!({ "approvers": approvers.iter().map(approver_view).collect::<Vec<_>>() }),
    ))
}

/// `POST /_emulator/approvers`: a generated approver.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewApproverDto {
    name: String,
    /// `RSA`, `EC` or `ED`.
    algorithm: String,
    key_size: Option<u32>,
    curve_oid: Option<String>,
    #[serde(default)]
    onboarded: bool,
    decision: Option<DecisionDto>,
}

/// Adds an approver with a freshly generated key (kept across restarts, removed by a reset).
#[utoipa::path(post, path = "/_emulator/approvers", tag = "emulator", operation_id = "addApprover",
    request_body = NewApproverDto,
    responses((status = 201, description = "The approver, as listed")))]
pub(crate) async fn add_approver(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<NewApproverDto>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let spec = approver_key_spec(&dto.algorithm, dto.key_size, dto.curve_oid.as_deref())
        .map_err(ApiError::invalid)?;
    let record = state
        .hsm
        .add_approver(NewApprover {
            name: dto.name,
            key: ApproverKey::Generate(spec),
            onboarded: dto.onboarded,
            decision: dto.decision.map(Into::into),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(approver_view(&record))))
}

/// Sets an approver's automatic decision: its tasks are approved (or rejected) once they are
/// `afterMs` old on the emulator's clock, when requests or tasks are next read (and at once
/// at submit for `afterMs` 0).
#[utoipa::path(put, path = "/_emulator/approvers/{name}/decision", tag = "emulator", operation_id = "setApproverDecision",
    params(("name" = String, Path, description = "The approver's name.")),
    request_body = DecisionDto,
    responses((status = 200, description = "The approver, as listed")))]
pub(crate) async fn set_decision(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    TsbJson(dto): TsbJson<DecisionDto>,
) -> Result<Json<Value>, ApiError> {
    let record = state.hsm.set_decision(name, Some(dto.into())).await?;
    auto_decide(&state).await?;
    Ok(Json(approver_view(&record)))
}

/// Clears an approver's automatic decision.
#[utoipa::path(delete, path = "/_emulator/approvers/{name}/decision", tag = "emulator", operation_id = "clearApproverDecision",
    params(("name" = String, Path, description = "The approver's name.")),
    responses((status = 200, description = "The approver, as listed")))]
pub(crate) async fn clear_decision(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let record = state.hsm.set_decision(name, None).await?;
    Ok(Json(approver_view(&record)))
}

/// The open (pending or approved) requests with their tasks, oldest first.
#[utoipa::path(get, path = "/_emulator/requests", tag = "emulator", operation_id = "listOpenRequests",
    responses((status = 200, description = "`{requests: [...]}`: id, kind, keyName, status, approvers by name where known, tasks (id, approver)")))]
pub(crate) async fn requests(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    auto_decide(&state).await?;
    let requests = state.hsm.open_requests().await?;
    let approvers = state.hsm.approvers().await?;
    Ok(Json(json!({
        "requests": requests.iter().map(|r| request_view(r, &approvers)).collect::<Vec<_>>(),
    })))
}

/// `{"approver": name}`; without it, the stored approver whose key the task names.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ActAsDto {
    approver: Option<String>,
}

/// The approver `dto` names, or the stored one the task belongs to.
async fn acting(state: &SharedState, task_id: &str, dto: ActAsDto) -> Result<String, ApiError> {
    if let Some(name) = dto.approver {
        return Ok(name);
    }
    let approvers = state.hsm.approvers().await?;
    let requests = state.hsm.open_requests().await?;
    let task = requests
        .iter()
        .flat_map(|r| r.tasks.iter())
        .find(|t| t.id == task_id)
        .ok_or_else(|| crate::hsm::HsmError::TaskNotFound(task_id.to_owned()))?;
    approvers
        .iter()
        .find(|a| a.spki == task.approver && a.private_key.is_some())
        .map(|a| a.name.clone())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The emulator holds no approver for task '{task_id}'; name one with 'approver'."
            ))
        })
}

/// Approves a task as an approver: the emulator signs the task's `approvalToBeSigned` with
/// the approver's key (SHA-256 for RSA and EC, EdDSA for Ed25519) and records the approval as
/// `POST /v1/approval` does; a request it fulfils runs. Answers the request.
#[utoipa::path(post, path = "/_emulator/tasks/{id}/approve", tag = "emulator", operation_id = "approveTaskAs",
    params(("id" = String, Path, description = "The task id.")),
    request_body = ActAsDto,
    responses((status = 200, description = "The task's request after the approval")))]
pub(crate) async fn approve_task(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    TsbJson(dto): TsbJson<ActAsDto>,
) -> Result<Json<Value>, ApiError> {
    let name = acting(&state, &id, dto).await?;
    let next = state.hsm.approve_as(id, name).await?;
    let request = drive(&state, next).await?;
    let approvers = state.hsm.approvers().await?;
    Ok(Json(request_view(&request, &approvers)))
}

/// Rejects a task as an approver, as the task rejection does (without its timestamp proof).
/// Answers the request.
#[utoipa::path(post, path = "/_emulator/tasks/{id}/reject", tag = "emulator", operation_id = "rejectTaskAs",
    params(("id" = String, Path, description = "The task id.")),
    request_body = ActAsDto,
    responses((status = 200, description = "The task's request after the rejection")))]
pub(crate) async fn reject_task(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    TsbJson(dto): TsbJson<ActAsDto>,
) -> Result<Json<Value>, ApiError> {
    let name = acting(&state, &id, dto).await?;
    let request = state.hsm.reject_as(id, name).await?;
    let approvers = state.hsm.approvers().await?;
    Ok(Json(request_view(&request, &approvers)))
}

/// Makes an open request `EXPIRED` now (a finished one is answered as it is).
#[utoipa::path(post, path = "/_emulator/requests/{id}/expire", tag = "emulator", operation_id = "expireRequest",
    params(("id" = String, Path, description = "The request id.")),
    request_body = super::NoBody,
    responses((status = 200, description = "The request")))]
pub(crate) async fn expire_request(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let request = state.hsm.expire_request(id).await?;
    let approvers = state.hsm.approvers().await?;
    Ok(Json(request_view(&request, &approvers)))
}

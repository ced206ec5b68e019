//! The SKA workflow's HTTP side (reference 5, 10): the request object, cancelling and listing
//! requests, and block, unblock and modify, synchronous and asynchronous.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::domain::{ModifyPolicy, Password, Timestamp};
use crate::hsm::{HsmError, Next, Submission};
use crate::keystore::{RequestKind, RequestRecord, RequestStatus};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// `GET /v1/request/{id}`: exactly these seven fields, in this order (reference 5.3).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct RequestStatusDto {
    id: String,
    status: String,
    execution_time: Option<String>,
    approved_by: Vec<String>,
    not_yet_approved_by: Vec<String>,
    rejected_by: Vec<String>,
    result: Option<String>,
}

impl From<RequestRecord> for RequestStatusDto {
    fn from(request: RequestRecord) -> Self {
        let spkis = |list: Vec<Vec<u8>>| list.iter().map(|der| STANDARD.encode(der)).collect();
        let status = serde_json::to_value(request.status)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            id: request.id,
            status,
            execution_time: request.execution_time.map(|at| Timestamp(at).to_string()),
            approved_by: spkis(request.approved_by),
            not_yet_approved_by: spkis(request.not_yet_approved_by),
            rejected_by: spkis(request.rejected_by),
            result: request.result,
        }
    }
}

/// The state and result of an asynchronous request.
#[utoipa::path(
    get,
    path = "/v1/request/{id}",
    tag = "Requests",
    operation_id = "readRequest",
    params(("id" = String, Path, description = "The request id.")),
    responses((status = 200, description = "The request.", body = RequestStatusDto))
)]
pub(super) async fn read(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Json<RequestStatusDto>, ApiError> {
    auto_decide(&state).await?;
    // An approved request whose timelock has passed runs now.
    let next = state.hsm.next_step(id).await?;
    Ok(Json(drive(&state, next).await?.into()))
}

/// Cancels a request: `CANCELLED` if it was still open. 200 with no body (reference 5.3).
#[utoipa::path(
    delete,
    path = "/v1/request/{id}",
    tag = "Requests",
    operation_id = "cancelRequest",
    params(("id" = String, Path, description = "The request id.")),
    responses((status = 200, description = "Cancelled (or already finished)."))
)]
pub(super) async fn cancel(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.hsm.cancel_request(id).await?;
    Ok(StatusCode::OK)
}

/// `{"status": "PENDING"}` or `{}` (every request); the emulator's choice (reference 5.3).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct FilterDto {
    status: Option<String>,
}

/// Requests, optionally those in one status, oldest first (an emulator choice: the TSB's body
/// and answer are undocumented).
#[utoipa::path(
    post,
    path = "/v1/filteredRequests",
    tag = "Requests",
    operation_id = "filteredRequests",
    request_body = FilterDto,
    responses((status = 200, description = "The requests.", body = [RequestStatusDto]))
)]
pub(super) async fn filtered(
    State(state): State<SharedState>,
    TsbJson(filter): TsbJson<FilterDto>,
) -> Result<Json<Vec<RequestStatusDto>>, ApiError> {
    let status = match filter.status {
        None => None,
        Some(text) => Some(
            serde_json::from_value::<RequestStatus>(serde_json::Value::String(text.clone()))
                .map_err(|_| {
                    ApiError::invalid(format!(
                        "Field 'status' must be one of PENDING, APPROVED, EXECUTED, FAILED, EXPIRED, REJECTED, CANCELLED, not '{text}'."
                    ))
                })?,
        ),
    };
    auto_decide(&state).await?;
    let requests = state.hsm.requests(status).await?;
    Ok(Json(requests.into_iter().map(Into::into).collect()))
}

/// The body of block, unblock and modify (reference 10), under the envelope's one field.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct LifecycleDto {
    block_key_name: Option<String>,
    unblock_key_name: Option<String>,
    modify_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    #[schema(value_type = Option<Object>)]
    policy: Option<serde_json::Value>,
    /// Base64 signed approvals (reference 13.6).
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

/// `{"blockRequest"|"unblockRequest"|"modifyRequest": {...}, "requestSignature": ...}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct LifecycleEnvelope {
    block_request: Option<LifecycleDto>,
    unblock_request: Option<LifecycleDto>,
    modify_request: Option<LifecycleDto>,
}

/// One lifecycle call, parsed.
#[derive(Clone)]
struct Lifecycle {
    kind: RequestKind,
    label: crate::domain::Label,
    password: Option<Password>,
    rules: Option<ModifyPolicy>,
    signed_approvals: Vec<Vec<u8>>,
}

fn lifecycle(envelope: LifecycleEnvelope, kind: RequestKind) -> Result<Lifecycle, ApiError> {
    let (field, dto, name_field) = match kind {
        RequestKind::Block => ("blockRequest", envelope.block_request, "blockKeyName"),
        RequestKind::Unblock => ("unblockRequest", envelope.unblock_request, "unblockKeyName"),
        _ => ("modifyRequest", envelope.modify_request, "modifyKeyName"),
    };
    let dto = dto.ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be null.")))?;
    let name = match kind {
        RequestKind::Block => dto.block_key_name,
        RequestKind::Unblock => dto.unblock_key_name,
        _ => dto.modify_key_name,
    };
    let signed_approvals = wire::signed_approvals(dto.signed_approvals)?;
    let rules = match kind {
        RequestKind::Modify => Some(
            ModifyPolicy::parse(&dto.policy.ok_or_else(|| {
                ApiError::invalid("Field 'modifyRequest.policy' must not be null.")
            })?)
            .map_err(wire::policy_error)?,
        ),
        _ => None,
    };
    Ok(Lifecycle {
        kind,
        label: wire::label(name_field, name)?,
        password: dto.key_password,
        rules,
        signed_approvals,
    })
}

async fn run(
    state: &SharedState,
    call: Lifecycle,
    approvals: crate::hsm::Approvals,
) -> Result<(), HsmError> {
    match (call.kind, call.rules) {
        (RequestKind::Block, _) => {
            state
                .hsm
                .block_key(call.label, call.password, approvals)
                .await
        }
        (RequestKind::Unblock, _) => {
            state
                .hsm
                .unblock_key(call.label, call.password, approvals)
                .await
        }
        (_, rules) => {
            let rules = rules.unwrap_or_default();
            state
                .hsm
                .modify_policy(call.label, call.password, approvals, rules)
                .await
        }
    }
}

/// Runs an approved request from its stored envelope, with its approvals.
async fn execute(state: &SharedState, request: &RequestRecord) -> Result<Option<String>, HsmError> {
    let parse = |error: ApiError| HsmError::InvalidInput(error.message().to_owned());
    let approvals = crate::hsm::Approvals {
        approvers: request.approved_by.clone(),
        since: Some(request.created_at),
    };
    match request.kind {
        RequestKind::Sign => {
            let sign =
                super::sign::async_sign_request(&request.envelope, approvals).map_err(parse)?;
            Ok(Some(STANDARD.encode(state.hsm.sign(sign).await?)))
        }
        RequestKind::Decrypt => {
            let decrypt = super::cipher::async_decrypt_request(&request.envelope, approvals)
                .map_err(parse)?;
            Ok(Some(STANDARD.encode(state.hsm.decrypt(decrypt).await?)))
        }
        RequestKind::Unwrap => {
            let unwrap =
                super::wrap::async_unwrap_request(&request.envelope, approvals).map_err(parse)?;
            state.hsm.unwrap(unwrap).await.map(|_| None)
        }
        RequestKind::Block | RequestKind::Unblock | RequestKind::Modify => {
            let envelope: LifecycleEnvelope =
                super::json::parse(request.envelope.to_string().as_bytes()).map_err(parse)?;
            let call = lifecycle(envelope, request.kind).map_err(parse)?;
            run(state, call, approvals).await.map(|()| None)
        }
        RequestKind::CertificateRequest | RequestKind::SelfSign | RequestKind::SignCertificate => {
            super::certificate_requests::CertificateCall::parse(
                request.kind,
                &request.envelope,
                approvals,
            )
            .map_err(parse)?
            .run(&state.hsm)
            .await
        }
        RequestKind::ApproverRestore => {
            let name = request.envelope["unwrapKeyRequest"]["approverName"]
                .as_str()
                .unwrap_or_default();
            state.hsm.finish_approver_restore(name.to_owned()).await
        }
    }
}

/// The approvals a synchronous call's `signedApprovals` prove for `kind` on `key_name` with
/// `payload` (reference 13.6; a malformed entry is 400, a bad signature 400/403).
pub(super) fn proved(
    state: &SharedState,
    signed_approvals: Option<Vec<String>>,
    kind: RequestKind,
    key_name: &str,
    payload: &[u8],
) -> Result<crate::hsm::Approvals, ApiError> {
    let entries = wire::signed_approvals(signed_approvals)?;
    Ok(state
        .hsm
        .prove_approvals(&entries, kind, key_name, payload, None)?)
}

/// Applies the scripted approvers' automatic decisions that are due (control API,
/// `hsm::approvers`), running each request an approval fulfils. Called wherever requests or
/// tasks are read and after each submit; with no decision set it reads the approver list
/// and returns.
pub(super) async fn auto_decide(state: &SharedState) -> Result<(), HsmError> {
    for due in state.hsm.due_decisions().await? {
        match state.hsm.apply_decision(due).await {
            Ok(Some(next)) => {
                drive(state, next).await?;
            }
            // Decided meanwhile by another call (or the request settled): nothing to do.
            Ok(None) | Err(HsmError::TaskNotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Submits an asynchronous call (`Hsm::submit`, which runs it at once when its rule needs no
/// approval), then applies the scripted approvers' decisions that are due, so an approver set to
/// approve at once has decided before the client's first poll. The submit has happened by then,
/// so a failure of the decisions is logged and left for the next poll to retry.
pub(super) async fn submit<F, Fut>(
    state: &SharedState,
    submission: Submission,
    execute: F,
) -> Result<String, HsmError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, HsmError>>,
{
    let id = state.hsm.submit(submission, execute).await?;
    if let Err(error) = auto_decide(state).await {
        tracing::warn!(error = %error, "auto-decisions after a submit failed");
    }
    Ok(id)
}

/// Takes a request one step on: an approved request runs and its outcome is stored.
pub(super) async fn drive(state: &SharedState, next: Next) -> Result<RequestRecord, HsmError> {
    match next {
        Next::Wait(request) => Ok(request),
        Next::Execute(request) => {
            let outcome = execute(state, &request).await;
            state.hsm.complete(request, outcome).await
        }
    }
}

async fn synchronous(
    state: SharedState,
    envelope: LifecycleEnvelope,
    kind: RequestKind,
) -> Result<StatusCode, ApiError> {
    let call = lifecycle(envelope, kind)?;
    let approvals = state.hsm.prove_approvals(
        &call.signed_approvals,
        kind,
        call.label.as_str(),
        &[],
        call.rules.as_ref(),
    )?;
    run(&state, call, approvals).await?;
    Ok(StatusCode::OK)
}

async fn asynchronous(
    state: SharedState,
    raw: serde_json::Value,
    kind: RequestKind,
    id_field: &'static str,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let envelope: LifecycleEnvelope = super::json::parse(raw.to_string().as_bytes())?;
    let call = lifecycle(envelope, kind)?;
    let field = match kind {
        RequestKind::Block => "blockRequest",
        RequestKind::Unblock => "unblockRequest",
        _ => "modifyRequest",
    };
    let dto = raw.get(field).cloned().unwrap_or_default();
    let submission = Submission {
        kind,
        label: call.label.clone(),
        path: None,
        password: call.password.clone(),
        envelope: raw.clone(),
        payload: Vec::new(),
        payload_type: None,
        rules: call.rules.clone(),
        meta_data: wire::meta_data(&dto),
    };
    let id = submit(&state, submission, || async {
        run(&state, call, Default::default()).await.map(|()| None)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ id_field: id })),
    ))
}

/// Blocks an SKA key now (its `ruleBlock` must need no approval): 200, no body.
#[utoipa::path(post, path = "/v1/synchronousBlock", tag = "SKA", operation_id = "synchronousBlock", request_body = LifecycleEnvelope,
    responses((status = 200, description = "Blocked.")))]
pub(super) async fn block(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<LifecycleEnvelope>,
) -> Result<StatusCode, ApiError> {
    synchronous(state, envelope, RequestKind::Block).await
}

/// Unblocks an SKA key now: 200, no body.
#[utoipa::path(post, path = "/v1/synchronousUnblock", tag = "SKA", operation_id = "synchronousUnblock", request_body = LifecycleEnvelope,
    responses((status = 200, description = "Unblocked.")))]
pub(super) async fn unblock(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<LifecycleEnvelope>,
) -> Result<StatusCode, ApiError> {
    synchronous(state, envelope, RequestKind::Unblock).await
}

/// Replaces an SKA key's four rules now (`keyStatus` stays): 200, no body.
#[utoipa::path(post, path = "/v1/synchronousModify", tag = "SKA", operation_id = "synchronousModify", request_body = LifecycleEnvelope,
    responses((status = 200, description = "Modified.")))]
pub(super) async fn modify(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<LifecycleEnvelope>,
) -> Result<StatusCode, ApiError> {
    synchronous(state, envelope, RequestKind::Modify).await
}

/// Submits a block request: 201 `{"blockKeyRequestId"}`.
#[utoipa::path(post, path = "/v1/block", tag = "SKA", operation_id = "blockRequest", request_body = LifecycleEnvelope,
    responses((status = 201, description = "`{blockKeyRequestId}`")))]
pub(super) async fn block_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    asynchronous(state, raw, RequestKind::Block, "blockKeyRequestId").await
}

/// Submits an unblock request: 201 `{"unblockKeyRequestId"}`.
#[utoipa::path(post, path = "/v1/unblock", tag = "SKA", operation_id = "unblockRequest", request_body = LifecycleEnvelope,
    responses((status = 201, description = "`{unblockKeyRequestId}`")))]
pub(super) async fn unblock_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    asynchronous(state, raw, RequestKind::Unblock, "unblockKeyRequestId").await
}

/// Submits a modify request: 201 `{"modifyKeyRequestId"}`.
#[utoipa::path(post, path = "/v1/modify", tag = "SKA", operation_id = "modifyRequest", request_body = LifecycleEnvelope,
    responses((status = 201, description = "`{modifyKeyRequestId}`")))]
pub(super) async fn modify_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    asynchronous(state, raw, RequestKind::Modify, "modifyKeyRequestId").await
}

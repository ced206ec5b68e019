//! The approver side of SKA (reference 13): fetching tasks with timestamp authentication,
//! approving, and rejecting (deleting) a task.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::ska::{RequestStatusDto, drive};
use crate::domain::{Approval, ApprovalKind};
use crate::hsm::ApproverProof;
use crate::keystore::{RequestKind, RequestRecord, TaskRecord};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Paging of a task list (`PagingDto`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct PagingDto {
    page_number: Option<i64>,
    page_size: Option<i64>,
    sort_order: Option<String>,
}

/// `FilteredTasksRequestDto` (reference 13.2), also the authentication of `/v1/task`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct TaskFilterDto {
    timestamp: Option<String>,
    timestamp_signature: Option<String>,
    timestamp_digest_algorithm: Option<String>,
    approver_public_key: Option<String>,
    approver_certificate: Option<String>,
    timestamp_signing_certificate: Option<String>,
    id: Option<String>,
    request_id: Option<String>,
    detail_level: Option<String>,
    paging: Option<PagingDto>,
}

/// The approver a request names: its SPKI, from `approverPublicKey` or `approverCertificate`.
fn approver(public_key: Option<&str>, certificate: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let decode = |field: &str, text: &str| {
        STANDARD
            .decode(text)
            .map_err(|_| ApiError::invalid(format!("Field '{field}' must be base64.")))
    };
    match (public_key, certificate) {
        (Some(key), _) if !key.is_empty() => decode("approverPublicKey", key),
        (_, Some(cert)) if !cert.is_empty() => {
            let der = decode("approverCertificate", cert)?;
            Approval {
                kind: ApprovalKind::Certificate,
                name: None,
                value: Some(der),
            }
            .spki()
            .ok_or_else(|| ApiError::invalid("Field 'approverCertificate' is not a certificate."))
        }
        _ => Err(ApiError::invalid(
            "One of 'approverPublicKey' and 'approverCertificate' must be given.",
        )),
    }
}

fn proof(dto: &TaskFilterDto) -> Result<ApproverProof, ApiError> {
    if dto.timestamp_signing_certificate.is_some()
        && dto.approver_public_key.is_none()
        && dto.approver_certificate.is_none()
    {
        return Err(ApiError::new(
            super::error::ErrorCode::UnsupportedOperation,
            "No timestamp signer is configured in tsb-emulator; authenticate as an approver.",
        ));
    }
    let required = |field: &str, value: &Option<String>| {
        value
            .clone()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be empty.")))
    };
    let signature = required("timestampSignature", &dto.timestamp_signature)?;
    Ok(ApproverProof {
        approver: approver(
            dto.approver_public_key.as_deref(),
            dto.approver_certificate.as_deref(),
        )?,
        timestamp: required("timestamp", &dto.timestamp)?,
        signature: STANDARD
            .decode(&signature)
            .map_err(|_| ApiError::invalid("Field 'timestampSignature' must be base64."))?,
        digest: required("timestampDigestAlgorithm", &dto.timestamp_digest_algorithm)?,
    })
}

/// A JSON object whose fields keep the order they were added in.
struct Ordered(Vec<(&'static str, Value)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The envelope field a request kind's stored body lives under, and the level-3 field.
fn envelope_fields(kind: RequestKind) -> (&'static str, &'static str) {
    match kind {
        RequestKind::Sign => ("signRequest", "signedSignRequest"),
        RequestKind::Decrypt => ("decryptRequest", "signedDecryptRequest"),
        RequestKind::Unwrap | RequestKind::ApproverRestore => {
            ("unwrapKeyRequest", "signedUnwrapKeyRequest")
        }
        RequestKind::Block => ("blockRequest", "signedBlockKeyRequest"),
        RequestKind::Unblock => ("unblockRequest", "signedUnblockKeyRequest"),
        RequestKind::Modify => ("modifyRequest", "signedModifyKeyRequest"),
        RequestKind::CertificateRequest => {
            ("certificateRequest", "signedCertificateRequestRequest")
        }
        RequestKind::SignCertificate => ("signCertificateRequest", "signedSignCertificateRequest"),
        RequestKind::SelfSign => (
            "selfSignCertificateRequest",
            "signedSelfSignCertificateRequestDto",
        ),
    }
}

/// One task at `level` (1 to 6): `detailLevel`, then the fields of every level up to it.
fn task_json(level: u8, task: &TaskRecord, request: &RequestRecord) -> Ordered {
    let b64 = |bytes: &[u8]| Value::String(STANDARD.encode(bytes));
    let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
    let mut fields = vec![
        ("detailLevel", Value::String(format!("level{level}"))),
        ("id", Value::String(task.id.clone())),
        ("approvalToBeSigned", b64(&task.token)),
        ("approverPublicKey", b64(&task.approver)),
    ];
    if level >= 2 {
        let modify = request.kind == RequestKind::Modify;
        fields.push(("metaData", text(&request.meta_data)));
        fields.push(("metaDataSignature", text(&request.meta_data_signature)));
        fields.push((
            "payload",
            if modify {
                Value::Null
            } else {
                b64(&request.payload)
            },
        ));
        fields.push(("payloadType", text(&request.payload_type)));
    }
    if level >= 3 {
        // The stored envelope without the key password, which approvers never see.
        let mut envelope = request.envelope.clone();
        let (inner, signed) = envelope_fields(request.kind);
        if let Some(body) = envelope.get_mut(inner).and_then(Value::as_object_mut) {
            body.remove("keyPassword");
        }
        fields.push(("requestBase64", b64(envelope.to_string().as_bytes())));
        for name in [
            "signedSignRequest",
            "signedModifyKeyRequest",
            "signedBlockKeyRequest",
            "signedUnblockKeyRequest",
            "signedDecryptRequest",
            "signedUnwrapKeyRequest",
            "signedCertificateRequestRequest",
            "signedSignCertificateRequest",
            "signedSelfSignCertificateRequestDto",
        ] {
            let value = if name == signed {
                envelope.clone()
            } else {
                Value::Null
            };
            fields.push((name, value));
        }
    }
    if level >= 4 {
        let (raw, signature, wrapped) = match crate::hsm::token_timestamp(&task.token) {
            Some((raw, signature, wrapped)) => (b64(&raw), b64(&signature), b64(&wrapped)),
            None => (Value::Null, Value::Null, Value::Null),
        };
        fields.push(("timestamp", raw));
        fields.push(("timestampSignature", signature));
        fields.push((
            "timestampSignatureAlgorithm",
            Value::String("SHA256_WITH_ECDSA".to_owned()),
        ));
        fields.push(("timestampSignatureWithAlgorithm", wrapped));
    }
    if level >= 5 {
        fields.push(("keyAttributes", Value::Null));
        fields.push(("keyAttributesSignature", Value::Null));
    }
    if level >= 6 {
        let status =
            serde_json::to_value(RequestStatusDto::from(request.clone())).unwrap_or(Value::Null);
        fields.push(("requestStatus", status));
    }
    Ordered(fields)
}

/// `{"tasks": [...]}`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct TasksResponse {
    #[schema(value_type = Vec<Object>)]
    tasks: Vec<Ordered>,
}

async fn filtered(
    state: SharedState,
    dto: TaskFilterDto,
    kinds: Option<&'static [RequestKind]>,
) -> Result<Json<TasksResponse>, ApiError> {
    let level = match dto.detail_level.as_deref().unwrap_or("level1") {
        "level1" => 1,
        "level2" => 2,
        "level3" => 3,
        "level4" => 4,
        "level5" => 5,
        "level6" => 6,
        other => {
            return Err(ApiError::invalid(format!(
                "Field 'detailLevel' must be level1 to level6, not '{other}'."
            )));
        }
    };
    let order = match &dto.paging {
        None => "CREATION_DATE_ASC".to_owned(),
        Some(paging) => {
            if paging.page_number.unwrap_or(0) < 0 || paging.page_size.unwrap_or(0) < 1 {
                return Err(ApiError::invalid(
                    "Field 'paging': pageNumber must be 0 or more and pageSize 1 or more.",
                ));
            }
            paging
                .sort_order
                .clone()
                .ok_or_else(|| ApiError::invalid("Field 'paging.sortOrder' must not be null."))?
        }
    };
    super::ska::auto_decide(&state)
        .await
        .map_err(ApiError::from)?;
    let mut tasks = state
        .hsm
        .tasks(
            Some(proof(&dto)?),
            kinds,
            dto.id.clone(),
            dto.request_id.clone(),
        )
        .await?;
    match order.as_str() {
        "CREATION_DATE_ASC" => tasks.sort_by_key(|(task, _)| task.created_at),
        "CREATION_DATE_DESC" => tasks.sort_by_key(|(task, _)| std::cmp::Reverse(task.created_at)),
        "LAST_FETCHED_DATE_ASC" => tasks.sort_by_key(|(task, _)| task.last_fetched),
        "LAST_FETCHED_DATE_DESC" => {
            tasks.sort_by_key(|(task, _)| std::cmp::Reverse(task.last_fetched))
        }
        other => {
            return Err(ApiError::invalid(format!(
                "Field 'paging.sortOrder' must be CREATION_DATE_ASC, CREATION_DATE_DESC, LAST_FETCHED_DATE_ASC or LAST_FETCHED_DATE_DESC, not '{other}'."
            )));
        }
    }
    if let Some(paging) = &dto.paging {
        let size = usize::try_from(paging.page_size.unwrap_or(1)).unwrap_or(usize::MAX);
        let skip = usize::try_from(paging.page_number.unwrap_or(0))
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        tasks = tasks.into_iter().skip(skip).take(size).collect();
    }
    Ok(Json(TasksResponse {
        tasks: tasks
            .iter()
            .map(|(task, request)| task_json(level, task, request))
            .collect(),
    }))
}

macro_rules! task_endpoint {
    ($name:ident, $path:literal, $kinds:expr, $what:literal) => {
        #[doc = concat!("The approver's ", $what, " tasks (reference 13.2).")]
        #[utoipa::path(post, path = $path, tag = "Approvals", request_body = TaskFilterDto,
            operation_id = stringify!($name),
            responses((status = 200, description = "`{tasks: [...]}`", body = TasksResponse)))]
        pub(super) async fn $name(
            State(state): State<SharedState>,
            TsbJson(dto): TsbJson<TaskFilterDto>,
        ) -> Result<Json<TasksResponse>, ApiError> {
            filtered(state, dto, $kinds).await
        }
    };
}

task_endpoint!(
    sign_tasks,
    "/v1/filteredSignApprovalTask",
    Some(&[
        RequestKind::Sign,
        RequestKind::CertificateRequest,
        RequestKind::SelfSign,
        RequestKind::SignCertificate
    ]),
    "sign and certificate"
);
task_endpoint!(
    decrypt_tasks,
    "/v1/filteredDecryptApprovalTask",
    Some(&[RequestKind::Decrypt]),
    "decrypt"
);
task_endpoint!(
    unwrap_tasks,
    "/v1/filteredUnwrapKeyApprovalTask",
    Some(&[RequestKind::Unwrap, RequestKind::ApproverRestore]),
    "unwrap"
);
task_endpoint!(
    block_tasks,
    "/v1/filteredBlockKeyApprovalTask",
    Some(&[RequestKind::Block]),
    "block"
);
task_endpoint!(
    unblock_tasks,
    "/v1/filteredUnblockKeyApprovalTask",
    Some(&[RequestKind::Unblock]),
    "unblock"
);
task_endpoint!(
    modify_tasks,
    "/v1/filteredModifyKeyApprovalTask",
    Some(&[RequestKind::Modify]),
    "modify"
);
task_endpoint!(all_tasks, "/v1/filteredAllApprovalTask", None, "");

/// `SendApprovalDto` (reference 13.3).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApprovalDto {
    id: Option<String>,
    approval_to_be_signed: Option<String>,
    signature: Option<String>,
    approval_digest_algorithm: Option<String>,
    approver_public_key: Option<String>,
    approver_certificate: Option<String>,
}

/// Approves a task: the signature over the decoded `approvalToBeSigned` must verify with the
/// approver's key; once the rule is fulfilled the request runs. 200, no body.
#[utoipa::path(post, path = "/v1/approval", tag = "Approvals", request_body = ApprovalDto,
    operation_id = "sendApproval",
    responses((status = 200, description = "Approved.")))]
pub(super) async fn approve(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ApprovalDto>,
) -> Result<StatusCode, ApiError> {
    let text = |field: &str, value: Option<String>| {
        value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be empty.")))
    };
    let bytes = |field: &str, value: Option<String>| {
        STANDARD
            .decode(text(field, value)?)
            .map_err(|_| ApiError::invalid(format!("Field '{field}' must be base64.")))
    };
    let approver = approver(
        dto.approver_public_key.as_deref(),
        dto.approver_certificate.as_deref(),
    )?;
    let next = state
        .hsm
        .approve(
            text("id", dto.id)?,
            approver,
            bytes("approvalToBeSigned", dto.approval_to_be_signed)?,
            bytes("signature", dto.signature)?,
            text("approvalDigestAlgorithm", dto.approval_digest_algorithm)?,
        )
        .await?;
    drive(&state, next).await?;
    Ok(StatusCode::OK)
}

/// Rejects (deletes) a task (reference 13.4): `PATCH` or `DELETE /v1/task` with the task id
/// and the approver's timestamp authentication. 200, no body.
#[utoipa::path(delete, path = "/v1/task", tag = "Approvals", request_body = TaskFilterDto,
    operation_id = "rejectTask",
    responses((status = 200, description = "Rejected.")))]
pub(super) async fn reject(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<TaskFilterDto>,
) -> Result<StatusCode, ApiError> {
    let id = dto
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::invalid("Field 'id' must not be empty."))?;
    state.hsm.reject(id, proof(&dto)?).await?;
    Ok(StatusCode::OK)
}

/// The same as `DELETE /v1/task` (the 1.14.2 release notes name `PATCH /task`).
#[utoipa::path(patch, path = "/v1/task", tag = "Approvals", request_body = TaskFilterDto,
    operation_id = "rejectTaskPatch",
    responses((status = 200, description = "Rejected.")))]
pub(super) async fn reject_patch(
    state: State<SharedState>,
    body: TsbJson<TaskFilterDto>,
) -> Result<StatusCode, ApiError> {
    reject(state, body).await
}

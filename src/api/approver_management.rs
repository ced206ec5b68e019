//! Approver management's HTTP side (reference 14): create (POST, and PUT as the
//! documentation's curl sends it), onboard, renew and restore one-time codes, the
//! forgot-password restore (an asynchronous request), onboarding status and delete.

use super::SharedState;
use super::error::{ApiError, ErrorCode};
use super::json::TsbJson;
use crate::domain::{Password, RsaBits};
use crate::hsm::{BACKUP_KEY_LABEL, CreateApprover};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The certificate validity when `validity` is not given, in days (the documentation's 3650).
const DEFAULT_VALIDITY_DAYS: u32 = 3650;

/// `ApproverCreateDto`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateApproverDto {
    approver_name: Option<String>,
    algorithm: Option<String>,
    key_size: Option<u32>,
    /// A string or an array of one-character strings.
    #[schema(value_type = Option<String>)]
    backup_password: Option<Value>,
    validity: Option<i64>,
}

/// `{"oneTimeCode": "<6 digits>"}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct OneTimeCodeResponse {
    one_time_code: String,
}

/// The approver name a request gives: absent 400/600, blank 400/633.
fn approver_name(value: Option<String>) -> Result<String, ApiError> {
    match value {
        None => Err(ApiError::invalid("Field 'approverName' must not be null.")),
        Some(name) if name.trim().is_empty() => Err(ApiError::new(
            ErrorCode::NoValueForApproverMgmt,
            "Field 'approverName' must not be empty.",
        )),
        Some(name) => Ok(name),
    }
}

/// A `char[]` secret (`"text"` or `["t","e","x","t"]`): absent 400/600, empty 400/633.
fn secret(field: &str, value: Option<Value>) -> Result<Password, ApiError> {
    let text = match value {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(format!(
                "Field '{field}' must not be null."
            )));
        }
        Some(Value::String(text)) => zeroize::Zeroizing::new(text),
        Some(Value::Array(items)) => {
            let mut text = zeroize::Zeroizing::new(String::new());
            for item in items {
                match item {
                    Value::String(piece) => text.push_str(&piece),
                    _ => {
                        return Err(ApiError::invalid(format!(
                            "Field '{field}' must be a string or an array of one-character strings."
                        )));
                    }
                }
            }
            text
        }
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "Field '{field}' must be a string or an array of one-character strings."
            )));
        }
    };
    Password::new(text.to_string()).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NoValueForApproverMgmt,
            format!("Field '{field}' must not be empty."),
        )
    })
}

fn create_request(dto: CreateApproverDto) -> Result<CreateApprover, ApiError> {
    let name = approver_name(dto.approver_name)?;
    match dto.algorithm.as_deref() {
        None => return Err(ApiError::invalid("Field 'algorithm' must not be null.")),
        Some("RSA") => {}
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Value '{other}' is not valid for field 'algorithm' (RSA)."
            )));
        }
    }
    let bits = match dto.key_size {
        None => return Err(ApiError::invalid("Field 'keySize' must not be null.")),
        Some(size @ (2048 | 3072 | 4096)) => RsaBits::from_bits(size)
            .ok_or_else(|| ApiError::new(ErrorCode::InputKeySize, "Unsupported key size."))?,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InputKeySize,
                format!("The key size {other} is not supported for approvers (2048, 3072, 4096)."),
            ));
        }
    };
    let validity_days = match dto.validity {
        None => DEFAULT_VALIDITY_DAYS,
        Some(days) => u32::try_from(days)
            .ok()
            .filter(|days| (1..=36_500).contains(days))
            .ok_or_else(|| {
                ApiError::invalid("Field 'validity' must be a number of days from 1 to 36500.")
            })?,
    };
    Ok(CreateApprover {
        name,
        bits,
        backup_password: secret("backupPassword", dto.backup_password)?,
        validity_days,
    })
}

async fn create(
    state: SharedState,
    dto: CreateApproverDto,
) -> Result<Json<OneTimeCodeResponse>, ApiError> {
    let request = create_request(dto)?;
    let code = state.hsm.create_approver(request).await?;
    Ok(Json(OneTimeCodeResponse {
        one_time_code: code,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/approverManagement/create",
    tag = "Approver Management",
    operation_id = "createApprover",
    request_body = CreateApproverDto,
    responses((status = 200, description = "The approver's one-time code.", body = OneTimeCodeResponse))
)]
pub(super) async fn create_post(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<CreateApproverDto>,
) -> Result<Json<OneTimeCodeResponse>, ApiError> {
    create(state, dto).await
}

#[utoipa::path(
    put,
    path = "/v1/approverManagement/create",
    tag = "Approver Management",
    operation_id = "createApproverPut",
    request_body = CreateApproverDto,
    responses((status = 200, description = "As POST (the documentation's curl sends PUT).", body = OneTimeCodeResponse))
)]
pub(super) async fn create_put(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<CreateApproverDto>,
) -> Result<Json<OneTimeCodeResponse>, ApiError> {
    create(state, dto).await
}

/// `ApproverOnboardDto`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct OnboardDto {
    approver_name: Option<String>,
    /// A string or an array of one-character strings.
    #[schema(value_type = Option<String>)]
    one_time_code: Option<Value>,
    /// 16 or 32 characters; a string or an array of one-character strings.
    #[schema(value_type = Option<String>)]
    transport_password: Option<Value>,
}

/// The approver's PKCS#12 under AES-GCM.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct OnboardResponse {
    encrypted_payload: String,
    initialization_vector: String,
}

#[utoipa::path(
    post,
    path = "/v1/approver/onboard",
    tag = "Approver Management",
    operation_id = "onboard",
    request_body = OnboardDto,
    responses((status = 200, description = "The sealed PKCS#12.", body = OnboardResponse))
)]
pub(super) async fn onboard(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<OnboardDto>,
) -> Result<Json<OnboardResponse>, ApiError> {
    let name = approver_name(dto.approver_name)?;
    let code = secret("oneTimeCode", dto.one_time_code)?;
    let transport = secret("transportPassword", dto.transport_password)?;
    let sealed = state.hsm.onboard_approver(name, code, transport).await?;
    Ok(Json(OnboardResponse {
        encrypted_payload: STANDARD.encode(sealed.encrypted_payload),
        initialization_vector: STANDARD.encode(sealed.initialization_vector),
    }))
}

/// A body naming one approver.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApproverNameDto {
    approver_name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/approverManagement/renewOneTimeCode",
    tag = "Approver Management",
    operation_id = "renewOTP",
    request_body = ApproverNameDto,
    responses((status = 200, description = "A new one-time code.", body = OneTimeCodeResponse))
)]
pub(super) async fn renew(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ApproverNameDto>,
) -> Result<Json<OneTimeCodeResponse>, ApiError> {
    let name = approver_name(dto.approver_name)?;
    let code = state.hsm.renew_one_time_code(name).await?;
    Ok(Json(OneTimeCodeResponse {
        one_time_code: code,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/approverManagement/restoreFromBackup",
    tag = "Approver Management",
    operation_id = "restoreFromBackup",
    request_body = ApproverNameDto,
    responses((status = 200, description = "A new one-time code for the same backup.", body = OneTimeCodeResponse))
)]
pub(super) async fn restore(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ApproverNameDto>,
) -> Result<Json<OneTimeCodeResponse>, ApiError> {
    let name = approver_name(dto.approver_name)?;
    let code = state.hsm.restore_approver(name).await?;
    Ok(Json(OneTimeCodeResponse {
        one_time_code: code,
    }))
}

/// `ApproverRestoreForgotPasswordDto`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ForgotPasswordDto {
    approver_name: Option<String>,
    /// A string or an array of one-character strings.
    #[schema(value_type = Option<String>)]
    new_backup_password: Option<Value>,
}

/// `{"unwrapRequestId": "<uuid>"}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct UnwrapRequestId {
    unwrap_request_id: String,
}

#[utoipa::path(
    post,
    path = "/v1/approverManagement/restoreFromBackup/forgotPassword",
    tag = "Approver Management",
    operation_id = "restoreFromBackupForgotPkcs12Password",
    request_body = ForgotPasswordDto,
    responses((status = 201, description = "The request; its result is the new one-time code.", body = UnwrapRequestId))
)]
pub(super) async fn forgot_password(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ForgotPasswordDto>,
) -> Result<(StatusCode, Json<UnwrapRequestId>), ApiError> {
    let name = approver_name(dto.approver_name)?;
    let password = secret("newBackupPassword", dto.new_backup_password)?;
    // What approvers see of the request (level 3): the approver and the backup key, never the
    // new password.
    let envelope = json!({
        "unwrapKeyRequest": {"approverName": name, "unwrapKeyName": BACKUP_KEY_LABEL},
        "requestSignature": null,
    });
    let id = state
        .hsm
        .forgot_backup_password(name, password, envelope)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UnwrapRequestId {
            unwrap_request_id: id,
        }),
    ))
}

/// One approver of the onboarding status.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct OnboardingEntry {
    approver_name: String,
    approver_certificate: String,
}

/// `{"onboarded": [...], "pending": [...]}`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OnboardingStatusResponse {
    onboarded: Vec<OnboardingEntry>,
    pending: Vec<OnboardingEntry>,
}

/// A certificate as the documentation's sample prints it: one base64 line between the PEM
/// armour lines, no final newline.
fn certificate_pem(der: &[u8]) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
        STANDARD.encode(der)
    )
}

#[utoipa::path(
    get,
    path = "/v1/approverManagement/onboarding/status",
    tag = "Approver Management",
    operation_id = "onboardingStatus",
    responses((status = 200, description = "Onboarded and pending approvers.", body = OnboardingStatusResponse))
)]
pub(super) async fn status(
    State(state): State<SharedState>,
) -> Result<Json<OnboardingStatusResponse>, ApiError> {
    let status = state.hsm.onboarding_status().await?;
    let entries = |list: Vec<(String, Vec<u8>)>| {
        list.into_iter()
            .map(|(name, der)| OnboardingEntry {
                approver_name: name,
                approver_certificate: certificate_pem(&der),
            })
            .collect()
    };
    Ok(Json(OnboardingStatusResponse {
        onboarded: entries(status.onboarded),
        pending: entries(status.pending),
    }))
}

#[utoipa::path(
    delete,
    path = "/v1/approverManagement/delete/{approverName}",
    tag = "Approver Management",
    operation_id = "deleteApprover",
    params(("approverName" = String, Path, description = "The approver's name.")),
    responses((status = 200, description = "The approver and its backup are deleted."))
)]
pub(super) async fn delete(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.hsm.delete_approver(name).await?;
    Ok(StatusCode::OK)
}

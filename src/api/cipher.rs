//! `/v1/encrypt`, `/v1/synchronousDecrypt` and `/v1/generateRandom/{length}` (reference 8, 12).

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::domain::Password;
use crate::hsm::{DecryptRequest, EncryptRequest};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// An optional base64 field (`null` and `""` are absent, as the Go client sends them).
fn optional_base64(field: &str, value: Option<String>) -> Result<Option<Vec<u8>>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| wire::base64_field(field, Some(&v)))
        .transpose()
}

/// `tagLength` in bits; absent is 0 (the provider default, 128 bits).
fn tag_bits(value: Option<i64>) -> u32 {
    // Out-of-range values become one the cipher refuses with 624.
    value.map_or(0, |bits| u32::try_from(bits).unwrap_or(u32::MAX))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct EncryptEnvelope {
    encrypt_request: Option<EncryptDto>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EncryptDto {
    payload: Option<String>,
    encrypt_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    cipher_algorithm: Option<String>,
    additional_authentication_data: Option<String>,
    tag_length: Option<i64>,
}

impl TryFrom<EncryptDto> for EncryptRequest {
    type Error = ApiError;

    fn try_from(dto: EncryptDto) -> Result<Self, ApiError> {
        Ok(Self {
            label: wire::label("encryptKeyName", dto.encrypt_key_name)?,
            password: dto.key_password,
            algorithm: wire::required_enum("cipherAlgorithm", dto.cipher_algorithm.as_deref())?,
            payload: wire::base64_field("payload", dto.payload.as_deref())?,
            aad: optional_base64(
                "additionalAuthenticationData",
                dto.additional_authentication_data,
            )?,
            tag_bits: tag_bits(dto.tag_length),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct EncryptResponse {
    encrypted_payload: String,
    encrypted_payload_without_message_authentication_code: Option<String>,
    initialization_vector: Option<String>,
    message_authentication_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/encrypt",
    tag = "Encryption",
    request_body = EncryptEnvelope,
    responses((status = 200, description = "The ciphertext (and IV, tag).", body = EncryptResponse))
)]
pub(super) async fn encrypt(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<EncryptEnvelope>,
) -> Result<Json<EncryptResponse>, ApiError> {
    let dto = envelope
        .encrypt_request
        .ok_or_else(|| ApiError::invalid("Field 'encryptRequest' must not be null."))?;
    let encrypted = state.hsm.encrypt(dto.try_into()?).await?;
    let b64 = |bytes: Option<Vec<u8>>| bytes.map(|b| STANDARD.encode(b));
    Ok(Json(EncryptResponse {
        encrypted_payload: STANDARD.encode(&encrypted.output),
        encrypted_payload_without_message_authentication_code: b64(encrypted.without_tag),
        initialization_vector: b64(encrypted.iv),
        message_authentication_code: b64(encrypted.tag),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct DecryptEnvelope {
    decrypt_request: Option<DecryptDto>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DecryptDto {
    encrypted_payload: Option<String>,
    decrypt_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    cipher_algorithm: Option<String>,
    initialization_vector: Option<String>,
    additional_authentication_data: Option<String>,
    tag_length: Option<i64>,
    /// Approvals for an SKA key (synchronous only, reference 13.6).
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

impl TryFrom<DecryptDto> for DecryptRequest {
    type Error = ApiError;

    fn try_from(dto: DecryptDto) -> Result<Self, ApiError> {
        Ok(Self {
            label: wire::label("decryptKeyName", dto.decrypt_key_name)?,
            password: dto.key_password,
            approvals: Default::default(),
            algorithm: wire::required_enum("cipherAlgorithm", dto.cipher_algorithm.as_deref())?,
            input: wire::base64_field("encryptedPayload", dto.encrypted_payload.as_deref())?,
            iv: optional_base64("initializationVector", dto.initialization_vector)?,
            aad: optional_base64(
                "additionalAuthenticationData",
                dto.additional_authentication_data,
            )?,
            tag_bits: tag_bits(dto.tag_length),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DecryptResponse {
    payload: String,
}

#[utoipa::path(
    post,
    path = "/v1/synchronousDecrypt",
    tag = "Encryption",
    request_body = DecryptEnvelope,
    responses((status = 200, description = "The plaintext.", body = DecryptResponse))
)]
pub(super) async fn decrypt(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<DecryptEnvelope>,
) -> Result<Json<DecryptResponse>, ApiError> {
    let mut dto = envelope
        .decrypt_request
        .ok_or_else(|| ApiError::invalid("Field 'decryptRequest' must not be null."))?;
    let signed = dto.signed_approvals.take();
    let key_name = dto.decrypt_key_name.clone().unwrap_or_default();
    let mut request: DecryptRequest = dto.try_into()?;
    request.approvals = super::ska::proved(
        &state,
        signed,
        crate::keystore::RequestKind::Decrypt,
        &key_name,
        &request.input,
    )?;
    let plaintext = state.hsm.decrypt(request).await?;
    Ok(Json(DecryptResponse {
        payload: STANDARD.encode(plaintext),
    }))
}

/// The answer to `POST /v1/decrypt` (reference 5.2).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct DecryptRequestId {
    decrypt_request_id: String,
}

/// The asynchronous decryption (reference 8.2): the same body as `synchronousDecrypt`; the
/// request's `result` is the base64 plaintext.
#[utoipa::path(
    post,
    path = "/v1/decrypt",
    tag = "Encryption",
    operation_id = "decryptRequest",
    request_body = DecryptEnvelope,
    responses((status = 201, description = "The request id.", body = DecryptRequestId))
)]
pub(super) async fn decrypt_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(axum::http::StatusCode, Json<DecryptRequestId>), ApiError> {
    let request = async_decrypt_request(&raw, Default::default())?;
    let submission = crate::hsm::Submission {
        kind: crate::keystore::RequestKind::Decrypt,
        label: request.label.clone(),
        path: None,
        password: request.password.clone(),
        envelope: raw.clone(),
        payload: request.input.clone(),
        payload_type: None,
        rules: None,
        meta_data: wire::meta_data(&raw["decryptRequest"]),
    };
    let hsm = state.hsm.clone();
    let id = super::ska::submit(&state, submission, || async move {
        Ok(Some(STANDARD.encode(hsm.decrypt(request).await?)))
    })
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(DecryptRequestId {
            decrypt_request_id: id,
        }),
    ))
}

/// The device request of a `POST /v1/decrypt` envelope, with the approvals it carries.
pub(super) fn async_decrypt_request(
    raw: &serde_json::Value,
    approvals: crate::hsm::Approvals,
) -> Result<DecryptRequest, ApiError> {
    let envelope: DecryptEnvelope = super::json::parse(raw.to_string().as_bytes())?;
    let dto = envelope
        .decrypt_request
        .ok_or_else(|| ApiError::invalid("Field 'decryptRequest' must not be null."))?;
    let request: DecryptRequest = dto.try_into()?;
    Ok(DecryptRequest {
        approvals,
        ..request
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RandomResponse {
    random: String,
}

#[utoipa::path(
    get,
    path = "/v1/generateRandom/{length}",
    tag = "Encryption",
    params(("length" = u32, Path, description = "Number of bytes.")),
    responses((status = 200, description = "Random bytes from the HSM.", body = RandomResponse))
)]
pub(super) async fn random(
    State(state): State<SharedState>,
    length: Result<Path<String>, PathRejection>,
) -> Result<Json<RandomResponse>, ApiError> {
    let Path(length) = length.map_err(|e| ApiError::invalid(format!("Invalid length: {e}")))?;
    let length: usize = length.parse().map_err(|_| {
        ApiError::invalid(format!("The length '{length}' is not a number of bytes."))
    })?;
    Ok(Json(RandomResponse {
        random: STANDARD.encode(state.hsm.random(length)?),
    }))
}

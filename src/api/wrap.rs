//! `/v1/wrap`, `/v1/synchronousUnwrap` and `/v1/unwrap` (reference 9).

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::keys::{KeyInfoResponse, algorithm};
use super::wire::{self, AttributesDto};
use crate::domain::{KeyAlgorithm, KeyAttributes, Password};
use crate::hsm::{UnwrapRequest, WrapRequest};
use crate::keystore::RequestKind;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct WrapEnvelope {
    wrap_key_request: Option<WrapDto>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct WrapDto {
    key_to_be_wrapped: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_to_be_wrapped_password: Option<Password>,
    wrap_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    wrap_key_password: Option<Password>,
    wrap_method: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct WrapResponse {
    wrapped_key: String,
}

#[utoipa::path(
    post,
    path = "/v1/wrap",
    tag = "Key wrapping",
    request_body = WrapEnvelope,
    responses((status = 200, description = "The wrapped key.", body = WrapResponse))
)]
pub(super) async fn wrap(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<WrapEnvelope>,
) -> Result<Json<WrapResponse>, ApiError> {
    let dto = envelope
        .wrap_key_request
        .ok_or_else(|| ApiError::invalid("Field 'wrapKeyRequest' must not be null."))?;
    let request = WrapRequest {
        key_to_be_wrapped: wire::label("keyToBeWrapped", dto.key_to_be_wrapped)?,
        key_to_be_wrapped_password: dto.key_to_be_wrapped_password,
        wrap_key: wire::label("wrapKeyName", dto.wrap_key_name)?,
        wrap_key_password: dto.wrap_key_password,
        method: wire::required_enum("wrapMethod", dto.wrap_method.as_deref())?,
    };
    let wrapped = state.hsm.wrap(request).await?;
    Ok(Json(WrapResponse {
        wrapped_key: STANDARD.encode(wrapped),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct UnwrapEnvelope {
    unwrap_key_request: Option<UnwrapDto>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UnwrapDto {
    wrapped_key: Option<String>,
    label: Option<String>,
    attributes: Option<AttributesDto>,
    unwrap_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    unwrap_key_password: Option<Password>,
    wrap_method: Option<String>,
    policy: Option<serde_json::Value>,
    /// Emulator extension: the algorithm of an unwrapped secret key (default AES).
    algorithm: Option<String>,
    /// Approvals for an SKA unwrapping key (synchronous only, reference 13.6).
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

impl TryFrom<UnwrapDto> for UnwrapRequest {
    type Error = ApiError;

    fn try_from(dto: UnwrapDto) -> Result<Self, ApiError> {
        let attributes = dto
            .attributes
            .ok_or_else(|| ApiError::invalid("Field 'attributes' must not be null."))?;
        let secret_algorithm = match dto.algorithm.as_deref() {
            None => KeyAlgorithm::Aes,
            Some(name) => algorithm(Some(name), None)?,
        };
        Ok(Self {
            wrapped: wire::base64_field("wrappedKey", dto.wrapped_key.as_deref())?,
            label: wire::label("label", dto.label)?,
            attributes: KeyAttributes::from_request(attributes.try_into()?),
            unwrap_key: wire::label("unwrapKeyName", dto.unwrap_key_name)?,
            unwrap_key_password: dto.unwrap_key_password,
            method: wire::required_enum("wrapMethod", dto.wrap_method.as_deref())?,
            secret_algorithm,
            policy: super::wire::policy(dto.policy)?,
            approvals: Default::default(),
        })
    }
}

/// 201 with the new key's key-info envelope.
#[utoipa::path(
    post,
    path = "/v1/synchronousUnwrap",
    tag = "Key wrapping",
    request_body = UnwrapEnvelope,
    responses((status = 201, description = "The unwrapped key is created; its key info.", body = KeyInfoResponse))
)]
pub(super) async fn unwrap(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<UnwrapEnvelope>,
) -> Result<(StatusCode, Json<KeyInfoResponse>), ApiError> {
    let mut dto = envelope
        .unwrap_key_request
        .ok_or_else(|| ApiError::invalid("Field 'unwrapKeyRequest' must not be null."))?;
    let signed = dto.signed_approvals.take();
    let mut request: UnwrapRequest = dto.try_into()?;
    request.approvals = super::ska::proved(
        &state,
        signed,
        RequestKind::Unwrap,
        request.unwrap_key.as_str(),
        &request.wrapped,
    )?;
    let info = state.hsm.unwrap(request).await?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

/// The answer to `POST /v1/unwrap` (reference 5.2).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct UnwrapRequestId {
    unwrap_request_id: String,
}

/// The asynchronous unwrap (reference 9.2): the same `unwrapKeyRequest` as
/// `synchronousUnwrap`, governed by the unwrapping key's `ruleUse`; the request's `result` is
/// `null` and the new key exists once it is `EXECUTED`.
#[utoipa::path(
    post,
    path = "/v1/unwrap",
    tag = "Key wrapping",
    operation_id = "unwrapRequest",
    request_body = UnwrapEnvelope,
    responses((status = 201, description = "The request id.", body = UnwrapRequestId))
)]
pub(super) async fn unwrap_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(StatusCode, Json<UnwrapRequestId>), ApiError> {
    let request = async_unwrap_request(&raw, Default::default())?;
    let submission = crate::hsm::Submission {
        kind: RequestKind::Unwrap,
        label: request.unwrap_key.clone(),
        path: None,
        password: request.unwrap_key_password.clone(),
        envelope: raw.clone(),
        payload: request.wrapped.clone(),
        payload_type: None,
        rules: None,
        meta_data: wire::meta_data(&raw["unwrapKeyRequest"]),
    };
    let hsm = state.hsm.clone();
    let id = super::ska::submit(&state, submission, || async move {
        hsm.unwrap(request).await.map(|_| None)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(UnwrapRequestId {
            unwrap_request_id: id,
        }),
    ))
}

/// The device request of a `POST /v1/unwrap` envelope, with the approvals it carries.
pub(super) fn async_unwrap_request(
    raw: &serde_json::Value,
    approvals: crate::hsm::Approvals,
) -> Result<UnwrapRequest, ApiError> {
    let envelope: UnwrapEnvelope = super::json::parse(raw.to_string().as_bytes())?;
    let dto = envelope
        .unwrap_key_request
        .ok_or_else(|| ApiError::invalid("Field 'unwrapKeyRequest' must not be null."))?;
    Ok(UnwrapRequest {
        approvals,
        ..dto.try_into()?
    })
}

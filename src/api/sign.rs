//! `/v1/synchronousSign`, `/v1/verify` and `/v1/synchronousHmac` (reference 7.1, 7.8, 7.9):
//! enveloped requests.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::crypto::blockchain::TaprootTweak;
use crate::domain::{Password, SignatureAlgorithm, SignatureFormat};
use crate::hsm::{SchnorrExtras, SignRequest, VerifyRequest};
use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// `{"signRequest": {...}, "requestSignature": ...}`; the request signature is accepted and
/// not checked (the TSB checks it only when whitelisting is configured).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignEnvelope {
    sign_request: Option<SignDto>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SignDto {
    payload: Option<String>,
    payload_type: Option<String>,
    sign_key_name: Option<String>,
    sign_key_object: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    signature_algorithm: Option<String>,
    signature_type: Option<String>,
    /// ML-DSA/SLH-DSA context (base64), reference 7.6.
    context: Option<String>,
    /// BIP-340 `aux_rand` (base64 of 32 bytes), reference 7.7.
    auxiliary_random_data: Option<String>,
    /// BIP-341 tweak `t` (base64 of 32 bytes), key-path spending.
    taproot_tweak_data: Option<String>,
    /// BIP-341 merkle root (base64), script-path spending.
    merkle_root_data: Option<String>,
    /// Base64 signed approvals for a key with a policy (reference 13.6).
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

/// The BIP-340 extras of reference 7.7; absent, null and `""` all mean "not given".
fn schnorr_extras(dto: &SignDto) -> Result<SchnorrExtras, ApiError> {
    let field = |name: &str, value: &Option<String>| match value.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => wire::base64_field(name, Some(text)).map(Some),
    };
    let thirty_two = |name: &str, bytes: Vec<u8>| {
        <[u8; 32]>::try_from(bytes)
            .map_err(|_| ApiError::invalid(format!("Field '{name}' must hold 32 bytes.")))
    };
    let aux_rand = field("auxiliaryRandomData", &dto.auxiliary_random_data)?
        .map(|bytes| thirty_two("auxiliaryRandomData", bytes))
        .transpose()?;
    let tweak = match (
        field("taprootTweakData", &dto.taproot_tweak_data)?,
        field("merkleRootData", &dto.merkle_root_data)?,
    ) {
        (None, None) => TaprootTweak::None,
        (Some(tweak), None) => TaprootTweak::Tweak(thirty_two("taprootTweakData", tweak)?),
        (None, Some(root)) => TaprootTweak::MerkleRoot(root),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "Only one of 'taprootTweakData' and 'merkleRootData' may be set.",
            ));
        }
    };
    Ok(SchnorrExtras { aux_rand, tweak })
}

impl TryFrom<SignDto> for SignRequest {
    type Error = ApiError;

    fn try_from(dto: SignDto) -> Result<Self, ApiError> {
        if dto.sign_key_object.is_some() && dto.sign_key_name.is_none() {
            return Err(ApiError::invalid(
                "External key objects ('signKeyObject') are not supported by tsb-emulator; use 'signKeyName'.",
            ));
        }
        let schnorr = schnorr_extras(&dto)?;
        let (label, path) = wire::key_name("signKeyName", dto.sign_key_name)?;
        Ok(Self {
            schnorr,
            label,
            path,
            password: dto.key_password,
            approvals: Default::default(),
            algorithm: wire::required_enum(
                "signatureAlgorithm",
                dto.signature_algorithm.as_deref(),
            )?,
            format: match dto.signature_type.as_deref() {
                None => SignatureFormat::Der,
                Some(value) => wire::required_enum("signatureType", Some(value))?,
            },
            payload: wire::payload(dto.payload.as_deref(), dto.payload_type.as_deref())?,
            context: context(dto.context.as_deref())?,
        })
    }
}

/// The optional base64 `context`: absent, null and `""` all mean the empty context.
fn context(value: Option<&str>) -> Result<Vec<u8>, ApiError> {
    match value {
        None | Some("") => Ok(Vec::new()),
        Some(text) => wire::base64_field("context", Some(text)),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SignResponse {
    signature: String,
}

#[utoipa::path(
    post,
    path = "/v1/synchronousSign",
    tag = "Signatures",
    request_body = SignEnvelope,
    responses((status = 200, description = "The signature.", body = SignResponse))
)]
pub(super) async fn sign(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<SignEnvelope>,
) -> Result<Json<SignResponse>, ApiError> {
    let mut dto = envelope
        .sign_request
        .ok_or_else(|| ApiError::invalid("Field 'signRequest' must not be null."))?;
    let signed = dto.signed_approvals.take();
    let key_name = dto.sign_key_name.clone().unwrap_or_default();
    let mut request: SignRequest = dto.try_into()?;
    request.approvals = super::ska::proved(
        &state,
        signed,
        crate::keystore::RequestKind::Sign,
        &key_name,
        &request.payload,
    )?;
    let signature = state.hsm.sign(request).await?;
    Ok(Json(SignResponse {
        signature: STANDARD.encode(signature),
    }))
}

/// The answer to `POST /v1/sign` (reference 5.2).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignRequestId {
    sign_request_id: String,
}

/// The asynchronous signature (reference 7.2): the same body as `synchronousSign`; runs at once
/// when the key's `ruleUse` needs no approval, and the request's `result` is the signature.
#[utoipa::path(
    post,
    path = "/v1/sign",
    tag = "Signatures",
    operation_id = "signRequest",
    request_body = SignEnvelope,
    responses((status = 201, description = "The request id.", body = SignRequestId))
)]
pub(super) async fn sign_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(axum::http::StatusCode, Json<SignRequestId>), ApiError> {
    let request = async_sign_request(&raw, Default::default())?;
    let dto = &raw["signRequest"];
    let submission = crate::hsm::Submission {
        kind: crate::keystore::RequestKind::Sign,
        label: request.label.clone(),
        path: request.path.clone(),
        password: request.password.clone(),
        envelope: raw.clone(),
        payload: request.payload.clone(),
        payload_type: dto["payloadType"].as_str().map(str::to_owned),
        rules: None,
        meta_data: wire::meta_data(dto),
    };
    let hsm = state.hsm.clone();
    let id = super::ska::submit(&state, submission, || async move {
        Ok(Some(STANDARD.encode(hsm.sign(request).await?)))
    })
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(SignRequestId {
            sign_request_id: id,
        }),
    ))
}

/// The device request of a `POST /v1/sign` envelope, with the approvals it carries.
pub(super) fn async_sign_request(
    raw: &serde_json::Value,
    approvals: crate::hsm::Approvals,
) -> Result<SignRequest, ApiError> {
    let envelope: SignEnvelope = super::json::parse(raw.to_string().as_bytes())?;
    let dto = envelope
        .sign_request
        .ok_or_else(|| ApiError::invalid("Field 'signRequest' must not be null."))?;
    let request: SignRequest = dto.try_into()?;
    Ok(SignRequest {
        approvals,
        ..request
    })
}

/// `{"verifySignatureRequest": {...}}` or, for HMAC keys, `{"verifyHmacRequest": {...}}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct VerifyEnvelope {
    verify_signature_request: Option<VerifyDto>,
    verify_hmac_request: Option<HmacDto>,
}

/// `hmacRequest` and `verifyHmacRequest` (reference 7.9); `signature` only in the latter.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct HmacDto {
    key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    payload: Option<String>,
    payload_type: Option<String>,
    signature: Option<String>,
}

impl HmacDto {
    fn sign_request(self) -> Result<SignRequest, ApiError> {
        Ok(SignRequest {
            label: wire::label("keyName", self.key_name)?,
            path: None,
            password: self.key_password,
            approvals: Default::default(),
            algorithm: SignatureAlgorithm::HmacSha256,
            format: SignatureFormat::Der,
            payload: wire::payload(self.payload.as_deref(), self.payload_type.as_deref())?,
            context: Vec::new(),
            schnorr: SchnorrExtras::default(),
        })
    }

    fn verify_request(self) -> Result<VerifyRequest, ApiError> {
        Ok(VerifyRequest {
            label: wire::label("keyName", self.key_name)?,
            path: None,
            password: self.key_password,
            algorithm: SignatureAlgorithm::HmacSha256,
            payload: wire::payload(self.payload.as_deref(), self.payload_type.as_deref())?,
            signature: wire::base64_field("signature", self.signature.as_deref())?,
            context: Vec::new(),
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct HmacEnvelope {
    hmac_request: Option<HmacDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct HmacResponse {
    keyed_hash: String,
}

#[utoipa::path(
    post,
    path = "/v1/synchronousHmac",
    tag = "Signatures",
    request_body = HmacEnvelope,
    responses((status = 200, description = "The HMAC.", body = HmacResponse))
)]
pub(super) async fn hmac(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<HmacEnvelope>,
) -> Result<Json<HmacResponse>, ApiError> {
    let dto = envelope
        .hmac_request
        .ok_or_else(|| ApiError::invalid("Field 'hmacRequest' must not be null."))?;
    let tag = state.hsm.sign(dto.sign_request()?).await?;
    Ok(Json(HmacResponse {
        keyed_hash: STANDARD.encode(tag),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct VerifyDto {
    sign_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    master_key_password: Option<Password>,
    signature_algorithm: Option<String>,
    payload: Option<String>,
    payload_type: Option<String>,
    signature: Option<String>,
    /// The ML-DSA/SLH-DSA context the signature was made with (an emulator extension: the
    /// TSB's verify DTO has no such field, reference 7.8).
    context: Option<String>,
}

impl TryFrom<VerifyDto> for VerifyRequest {
    type Error = ApiError;

    fn try_from(dto: VerifyDto) -> Result<Self, ApiError> {
        let (label, path) = wire::key_name("signKeyName", dto.sign_key_name)?;
        Ok(Self {
            label,
            path,
            password: dto.master_key_password,
            algorithm: wire::required_enum(
                "signatureAlgorithm",
                dto.signature_algorithm.as_deref(),
            )?,
            payload: wire::payload(dto.payload.as_deref(), dto.payload_type.as_deref())?,
            signature: wire::base64_field("signature", dto.signature.as_deref())?,
            context: context(dto.context.as_deref())?,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct VerifyResponse {
    signature_valid: bool,
}

#[utoipa::path(
    post,
    path = "/v1/verify",
    tag = "Signatures",
    request_body = VerifyEnvelope,
    responses((status = 200, description = "Whether the signature is valid.", body = VerifyResponse))
)]
pub(super) async fn verify(
    State(state): State<SharedState>,
    TsbJson(envelope): TsbJson<VerifyEnvelope>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let request = match (
        envelope.verify_signature_request,
        envelope.verify_hmac_request,
    ) {
        (Some(dto), _) => dto.try_into()?,
        (None, Some(hmac)) => hmac.verify_request()?,
        (None, None) => {
            return Err(ApiError::invalid(
                "Field 'verifySignatureRequest' (or 'verifyHmacRequest') must not be null.",
            ));
        }
    };
    let valid = state.hsm.verify(request).await?;
    Ok(Json(VerifyResponse {
        signature_valid: valid,
    }))
}

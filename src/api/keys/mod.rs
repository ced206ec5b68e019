//! `/v1/key` routes: create, list, describe and delete keys (reference 6.5 to 6.9).

use super::SharedState;
use super::error::{ApiError, ErrorCode};
use super::json::{KeyNamePath, TsbJson};
use super::wire::{self, AttributesDto};
use crate::domain::{
    AddressFormat, Curve, KeyAlgorithm, KeyAttributes, KeySpec, LmsHeight, Password, RsaBits,
};
use crate::hsm::CreateKey;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

mod info;
pub(in crate::api) use info::KeyInfoResponse;

/// `POST /v1/key` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateKeyDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
    algorithm: Option<String>,
    algorithm_oid: Option<String>,
    curve_oid: Option<String>,
    key_size: Option<u32>,
    attributes: Option<AttributesDto>,
    policy: Option<serde_json::Value>,
    address_format: Option<serde_json::Value>,
}

/// Algorithm names the TSB knows but this emulator does not create yet.
const NOT_YET_SUPPORTED: &[&str] = &["ISS"];

/// Curves of reference 6.2 that no RustCrypto crate serves.
const UNSUPPORTED_CURVES: &[(&str, &str)] = &[
    ("1.3.132.0.32", "secp224k1"),
    ("1.3.132.0.33", "secp224r1"),
    ("1.2.840.10045.3.1.1", "x962p239v1"),
    ("1.2.840.10045.3.1.2", "x962p239v2"),
    ("1.2.840.10045.3.1.3", "x962p239v3"),
    ("1.3.36.3.3.2.8.1.1.1", "brainpool224r1"),
    ("1.3.36.3.3.2.8.1.1.9", "brainpool320r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpool512r1"),
    ("1.2.250.1.223.101.256.1", "frp256v1"),
];

/// The key algorithm named by `algorithm` (case-insensitive) or, failing that, `algorithmOid`.
pub(super) fn algorithm(name: Option<&str>, oid: Option<&str>) -> Result<KeyAlgorithm, ApiError> {
    const SUPPORTED_NAMES: &str = "supported: RSA, EC, ED, DSA, BLS, AES, ChaCha20, Camellia, \
        TDEA, HMACSHA256, ML-DSA-44/65/87, SLH-DSA-SHA2-*/SLH-DSA-SHAKE-* (12 sets), \
        ML-KEM-512/768/1024, LMS, XMSS-SHA256_10_256, XMSS-SHAKE256_10_256";
    if let Some(name) = name {
        if let Some(found) = KeyAlgorithm::from_creation_name(name) {
            return Ok(found);
        }
        let known = NOT_YET_SUPPORTED
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name));
        return Err(ApiError::invalid(if known {
            format!(
                "The algorithm '{name}' is not supported by tsb-emulator yet ({SUPPORTED_NAMES})."
            )
        } else {
            format!("Value '{name}' is not valid for field algorithm.")
        }));
    }
    let oid = oid
        .ok_or_else(|| ApiError::invalid("Either 'algorithm' or 'algorithmOid' must be given."))?;
    KeyAlgorithm::ALL
        .into_iter()
        .find(|a| a.oid() == oid)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The algorithm OID '{oid}' is not supported by tsb-emulator ({SUPPORTED_NAMES})."
            ))
        })
}

/// The size of a new or imported secret key: `requested` (or the default) if allowed, 603
/// otherwise.
pub(super) fn secret_size(
    algorithm: KeyAlgorithm,
    requested: Option<u32>,
) -> Result<u32, ApiError> {
    let (allowed, default) = algorithm.secret_sizes().unwrap_or((&[], 0));
    let bits = match (algorithm, requested) {
        // Three-key TDEA is often sized by its 168 effective bits.
        (KeyAlgorithm::Tdea, Some(168)) => 192,
        (_, requested) => requested.unwrap_or(default),
    };
    if allowed.contains(&bits) {
        Ok(bits)
    } else {
        Err(ApiError::new(
            ErrorCode::InputKeySize,
            format!(
                "The key size {bits} is not supported for {algorithm} keys (supported: {allowed:?})."
            ),
        ))
    }
}

/// The named curve of an EC key request.
fn curve(oid: Option<&str>) -> Result<Curve, ApiError> {
    let oid =
        oid.ok_or_else(|| ApiError::invalid("Field 'curveOid' must not be null for EC keys."))?;
    if let Some(curve) = Curve::from_oid(oid) {
        return Ok(curve);
    }
    match UNSUPPORTED_CURVES.iter().find(|(known, _)| *known == oid) {
        Some((_, name)) => Err(ApiError::invalid(format!(
            "The curve {name} ({oid}) is not supported by tsb-emulator; supported curves: {}.",
            Curve::ALL
                .map(|c| format!("{} ({})", c.name(), c.oid()))
                .join(", ")
        ))),
        None => Err(ApiError::invalid(format!(
            "Value '{oid}' is not valid for field curveOid."
        ))),
    }
}

impl TryFrom<CreateKeyDto> for CreateKey {
    type Error = ApiError;

    fn try_from(dto: CreateKeyDto) -> Result<Self, ApiError> {
        let label = wire::label("label", dto.label.clone())?;
        let spec = match algorithm(dto.algorithm.as_deref(), dto.algorithm_oid.as_deref())? {
            KeyAlgorithm::Rsa => {
                let bits = match dto.key_size {
                    None => RsaBits::B4096,
                    Some(size) => RsaBits::from_bits(size).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InputKeySize,
                            format!("The key size {size} is not supported for RSA keys (supported: 1024, 2048, 3072, 4096, 8192)."),
                        )
                    })?,
                };
                KeySpec::Rsa(bits)
            }
            KeyAlgorithm::Ec => KeySpec::Ec(curve(dto.curve_oid.as_deref())?),
            KeyAlgorithm::Dsa => match dto.key_size.unwrap_or(2048) {
                bits @ (1024 | 2048 | 3072) => KeySpec::Dsa(bits),
                other => {
                    return Err(ApiError::new(
                        ErrorCode::InputKeySize,
                        format!(
                            "The key size {other} is not supported for DSA keys (supported: 1024, 2048, 3072)."
                        ),
                    ));
                }
            },
            KeyAlgorithm::Bls => KeySpec::Bls,
            KeyAlgorithm::MlDsa(params) => KeySpec::MlDsa(params),
            KeyAlgorithm::SlhDsa(params) => KeySpec::SlhDsa(params),
            KeyAlgorithm::MlKem(params) => KeySpec::MlKem(params),
            KeyAlgorithm::Xmss(params) => KeySpec::Xmss(params),
            // Emulator extension: `keySize` picks the LMS tree height (5, the TSB's
            // documented key, or 10).
            KeyAlgorithm::Lms => match dto.key_size {
                None | Some(5) => KeySpec::Lms(LmsHeight::H5),
                Some(10) => KeySpec::Lms(LmsHeight::H10),
                Some(other) => {
                    return Err(ApiError::new(
                        ErrorCode::InputKeySize,
                        format!(
                            "The key size {other} is not supported for LMS keys (the tree height: 5 or 10)."
                        ),
                    ));
                }
            },
            secret @ (KeyAlgorithm::Aes
            | KeyAlgorithm::ChaCha20
            | KeyAlgorithm::Camellia
            | KeyAlgorithm::Tdea
            | KeyAlgorithm::HmacSha256) => KeySpec::Secret {
                algorithm: secret,
                bits: secret_size(secret, dto.key_size)?,
            },
            KeyAlgorithm::Ed => match dto.curve_oid.as_deref() {
                None => KeySpec::Ed25519,
                Some(oid) if oid == KeyAlgorithm::Ed.oid() => KeySpec::Ed25519,
                Some(other) => {
                    return Err(ApiError::invalid(format!(
                        "ED keys are Ed25519 (curveOid 1.3.101.112), not '{other}'."
                    )));
                }
            },
        };
        let attributes = dto
            .attributes
            .ok_or_else(|| ApiError::invalid("Field 'attributes' must not be null."))?;
        let policy = super::wire::policy(dto.policy)?;
        let address_format = address_format(dto.address_format)?;
        if address_format.is_some() && policy.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidAddressOnNonSkaKey,
                "An addressFormat can only be given for a key with a policy.",
            ));
        }
        Ok(Self {
            label,
            password: dto.password,
            spec,
            attributes: KeyAttributes::from_request(attributes.try_into()?),
            policy,
            address_format,
        })
    }
}

/// `addressFormat`: null or `{"format": "BTC"}` with a format of reference 6.13.
pub(super) fn address_format(
    value: Option<serde_json::Value>,
) -> Result<Option<AddressFormat>, ApiError> {
    let Some(value) = value.filter(|value| !value.is_null()) else {
        return Ok(None);
    };
    let format = value.get("format").and_then(|format| format.as_str());
    let format = format
        .ok_or_else(|| ApiError::invalid("Field 'addressFormat.format' must not be null."))?;
    AddressFormat::from_name(format).map(Some).ok_or_else(|| {
        ApiError::invalid(format!(
            "Value '{format}' is not valid for field addressFormat.format (BTC, ETH, XLM, XRP, IOTA)."
        ))
    })
}

/// A `POST /v1/key` body as the device request, with the endpoint's own checks.
pub(super) fn create_request(body: &[u8]) -> Result<CreateKey, ApiError> {
    super::json::parse::<CreateKeyDto>(body)?.try_into()
}

#[utoipa::path(
    post,
    path = "/v1/key",
    tag = "Keys",
    request_body = CreateKeyDto,
    responses((status = 201, description = "The key is created; its key info.", body = KeyInfoResponse))
)]
pub(super) async fn create(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<CreateKeyDto>,
) -> Result<(StatusCode, Json<KeyInfoResponse>), ApiError> {
    let info = state.hsm.create_key(dto.try_into()?).await?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

#[utoipa::path(
    get,
    path = "/v1/key",
    tag = "Keys",
    responses((status = 200, description = "The labels of all keys.", body = Vec<String>))
)]
pub(super) async fn list(State(state): State<SharedState>) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(state.hsm.list_keys().await?))
}

/// Body of `POST /v1/key/attributes` and `POST /v1/key/deleteKey`.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct LabelPasswordDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
}

#[utoipa::path(
    post,
    path = "/v1/key/attributes",
    tag = "Keys",
    request_body = LabelPasswordDto,
    responses((status = 200, description = "The key info.", body = KeyInfoResponse))
)]
pub(super) async fn attributes(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<LabelPasswordDto>,
) -> Result<Json<KeyInfoResponse>, ApiError> {
    let (label, path) = wire::key_name("label", dto.label)?;
    let info = state
        .hsm
        .derived_key_info(label, path, dto.password)
        .await?;
    Ok(Json(info.into()))
}

/// `POST /v1/key/address` and `GET /v1/key/{keyName}/address` answer (reference 6.13).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AddressResponse {
    /// The 20-byte address base, base64.
    address: String,
}

#[utoipa::path(
    post,
    path = "/v1/key/address",
    tag = "Keys",
    request_body = LabelPasswordDto,
    responses((status = 200, description = "The key's address base.", body = AddressResponse))
)]
pub(super) async fn address(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<LabelPasswordDto>,
) -> Result<Json<AddressResponse>, ApiError> {
    let (label, path) = wire::key_name("label", dto.label)?;
    let address = state.hsm.key_address(label, path, dto.password).await?;
    Ok(Json(AddressResponse {
        address: STANDARD.encode(address),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/key/{keyName}/address",
    tag = "Keys",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The key's address base (deprecated variant).", body = AddressResponse))
)]
pub(super) async fn address_by_path(
    State(state): State<SharedState>,
    KeyNamePath(label): KeyNamePath,
) -> Result<Json<AddressResponse>, ApiError> {
    let address = state.hsm.key_address(label, None, None).await?;
    Ok(Json(AddressResponse {
        address: STANDARD.encode(address),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/key/{keyName}/attributes",
    tag = "Keys",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The key info.", body = KeyInfoResponse))
)]
pub(super) async fn attributes_by_path(
    State(state): State<SharedState>,
    KeyNamePath(label): KeyNamePath,
) -> Result<Json<KeyInfoResponse>, ApiError> {
    Ok(Json(state.hsm.key_info(label, None).await?.into()))
}

/// No source names `GET /v1/key/{keyName}`; it answers like `…/attributes`.
#[utoipa::path(
    get,
    path = "/v1/key/{keyName}",
    tag = "Keys",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The key info (alias of `/v1/key/{keyName}/attributes`).", body = KeyInfoResponse))
)]
pub(super) async fn attributes_by_alias(
    state: State<SharedState>,
    label: KeyNamePath,
) -> Result<Json<KeyInfoResponse>, ApiError> {
    attributes_by_path(state, label).await
}

#[utoipa::path(
    post,
    path = "/v1/key/deleteKey",
    tag = "Keys",
    request_body = LabelPasswordDto,
    responses((status = 200, description = "The key is deleted."))
)]
pub(super) async fn delete_by_body(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<LabelPasswordDto>,
) -> Result<StatusCode, ApiError> {
    let label = wire::label("label", dto.label)?;
    state.hsm.delete_key(label, dto.password).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/v1/key/{keyName}",
    tag = "Keys",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The key is deleted."))
)]
pub(super) async fn delete_by_path(
    State(state): State<SharedState>,
    KeyNamePath(label): KeyNamePath,
) -> Result<StatusCode, ApiError> {
    state.hsm.delete_key(label, None).await?;
    Ok(StatusCode::OK)
}

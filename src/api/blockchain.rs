//! `/v1/importedKey` and `/v1/derivedKey` (reference 6.14): blockchain master keys from a seed
//! and persisted child keys. Addresses and temporary derivation live with the key routes.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::keys::{KeyInfoResponse, address_format};
use super::wire::{self, AttributesDto};
use crate::domain::{Curve, DerivationPath, KeyAlgorithm, KeyAttributes, Password, SecretBytes};
use crate::hsm::{DeriveKey, ImportSeed};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// `POST /v1/importedKey` body (`ImportKeyDto`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ImportSeedDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
    /// Sent by some clients (`EC`); the curve decides.
    algorithm: Option<String>,
    seed: Option<String>,
    curve_oid: Option<String>,
    address_format: Option<serde_json::Value>,
    attributes: Option<AttributesDto>,
    policy: Option<serde_json::Value>,
}

impl TryFrom<ImportSeedDto> for ImportSeed {
    type Error = ApiError;

    fn try_from(dto: ImportSeedDto) -> Result<Self, ApiError> {
        let label = wire::label("label", dto.label)?;
        let seed = SecretBytes::new(wire::base64_field("seed", dto.seed.as_deref())?);
        let oid = dto
            .curve_oid
            .ok_or_else(|| ApiError::invalid("Field 'curveOid' must not be null."))?;
        let (algorithm, curve) = if oid == KeyAlgorithm::Ed.oid() {
            (KeyAlgorithm::Ed, None)
        } else {
            let curve = Curve::ALL
                .into_iter()
                .find(|curve| curve.oid() == oid)
                .ok_or_else(|| ApiError::invalid(format!("Unsupported curveOid '{oid}'.")))?;
            (KeyAlgorithm::Ec, Some(curve))
        };
        if let Some(name) = dto.algorithm.as_deref()
            && !name.eq_ignore_ascii_case(algorithm.name())
        {
            return Err(ApiError::invalid(format!(
                "The algorithm '{name}' does not fit the curveOid '{oid}'."
            )));
        }
        let attributes = dto
            .attributes
            .ok_or_else(|| ApiError::invalid("Field 'attributes' must not be null."))?;
        let policy = super::wire::policy(dto.policy)?;
        let address_format = address_format(dto.address_format)?;
        if address_format.is_some() && policy.is_none() {
            return Err(ApiError::new(
                super::error::ErrorCode::InvalidAddressOnNonSkaKey,
                "An addressFormat can only be given for a key with a policy.",
            ));
        }
        Ok(Self {
            label,
            password: dto.password,
            algorithm,
            curve,
            seed,
            attributes: KeyAttributes::from_request(attributes.try_into()?),
            policy,
            address_format,
        })
    }
}

#[utoipa::path(
    post,
    path = "/v1/importedKey",
    tag = "Keys",
    request_body = ImportSeedDto,
    responses((status = 201, description = "The master key is created from the seed (or, for a body with `privateKey`/`publicKey`/`secretKey` and no `seed`, the key is imported as by `/v1/key/import/plain`); its key info.", body = KeyInfoResponse))
)]
pub(super) async fn imported_key(
    State(state): State<SharedState>,
    TsbJson(body): TsbJson<serde_json::Value>,
) -> Result<(StatusCode, Json<KeyInfoResponse>), ApiError> {
    // The documentation's key-import tutorial sends plain key material (`privateKey`,
    // `publicKey`) here rather than a seed: such a body is a `POST /v1/key/import/plain`.
    let bytes = body.to_string();
    if body.get("seed").is_none_or(serde_json::Value::is_null) {
        let (outcome, info) = state
            .hsm
            .import_key(super::transfer::import_request(bytes.as_bytes())?)
            .await?;
        let status = match outcome {
            crate::hsm::Imported::Created => StatusCode::CREATED,
            crate::hsm::Imported::Replaced => StatusCode::OK,
        };
        return Ok((status, Json(info.into())));
    }
    let dto: ImportSeedDto = super::json::parse(bytes.as_bytes())?;
    let info = state.hsm.import_seed(dto.try_into()?).await?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

/// `POST /v1/derivedKey` body (`DeriveKeyDto`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeriveKeyDto {
    master_key_label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    master_key_password: Option<Password>,
    derivation_path: Option<String>,
    attributes: Option<AttributesDto>,
}

impl TryFrom<DeriveKeyDto> for DeriveKey {
    type Error = ApiError;

    fn try_from(dto: DeriveKeyDto) -> Result<Self, ApiError> {
        let path = dto
            .derivation_path
            .ok_or_else(|| ApiError::invalid("Field 'derivationPath' must not be null."))?;
        let path = DerivationPath::parse(path.trim_start_matches('/'))
            .ok_or_else(|| ApiError::invalid(format!("Invalid derivationPath '{path}'.")))?;
        Ok(Self {
            master: wire::label("masterKeyLabel", dto.master_key_label)?,
            password: dto.master_key_password,
            path,
            attributes: dto
                .attributes
                .map(|attributes| attributes.try_into().map(KeyAttributes::from_request))
                .transpose()?,
        })
    }
}

#[utoipa::path(
    post,
    path = "/v1/derivedKey",
    tag = "Keys",
    request_body = DeriveKeyDto,
    responses((status = 201, description = "The child key is stored as `master/<path>`; its key info.", body = KeyInfoResponse))
)]
pub(super) async fn derived_key(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<DeriveKeyDto>,
) -> Result<(StatusCode, Json<KeyInfoResponse>), ApiError> {
    let info = state.hsm.persist_derived(dto.try_into()?).await?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

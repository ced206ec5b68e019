//! `/v1/key/import/plain`, `/v1/key/export/plain` and `/v1/key/changePassword`
//! (reference 6.10 to 6.12).

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::keys::{KeyInfoResponse, algorithm};
use super::wire::{self, AttributesDto};
use crate::domain::{KeyAttributes, Password, SecretBytes};
use crate::hsm::{ImportKey, ImportMaterial, Imported};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// `KeyImportDto`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ImportDto {
    label: Option<String>,
    algorithm: Option<String>,
    private_key: Option<String>,
    public_key: Option<String>,
    secret_key: Option<String>,
    certificate: Option<String>,
    attributes: Option<AttributesDto>,
    policy: Option<serde_json::Value>,
    /// Reference 6.13: `{"format": "BTC"}`, only with a policy.
    address_format: Option<serde_json::Value>,
}

impl TryFrom<ImportDto> for ImportKey {
    type Error = ApiError;

    fn try_from(dto: ImportDto) -> Result<Self, ApiError> {
        let label = wire::label("label", dto.label)?;
        let algorithm = algorithm(dto.algorithm.as_deref(), None)?;
        if algorithm.is_post_quantum() {
            return Err(ApiError::invalid(format!(
                "Importing {algorithm} keys is not supported by tsb-emulator; create them with POST /v1/key."
            )));
        }
        let private_key = wire::key_material("privateKey", dto.private_key.as_deref())?;
        let public_key = wire::key_material("publicKey", dto.public_key.as_deref())?;
        let certificate = wire::key_material("certificate", dto.certificate.as_deref())?;
        let secret_key = wire::key_material("secretKey", dto.secret_key.as_deref())?;
        let attributes = dto
            .attributes
            .ok_or_else(|| ApiError::invalid("Field 'attributes' must not be null."))?;
        let attributes = KeyAttributes::from_request(attributes.try_into()?);
        let policy = super::wire::policy(dto.policy)?;
        let address_format = super::keys::address_format(dto.address_format)?;
        if address_format.is_some() && policy.is_none() {
            return Err(ApiError::new(
                super::error::ErrorCode::InvalidAddressOnNonSkaKey,
                "An addressFormat can only be given for a key with a policy.",
            ));
        }
        let material = if algorithm.is_symmetric() {
            secret_material(algorithm, secret_key, private_key, public_key, certificate)?
        } else if secret_key.is_some() {
            return Err(ApiError::invalid(
                "A 'secretKey' can only be imported for a symmetric key.",
            ));
        } else {
            asymmetric_material(private_key, public_key, certificate)?
        };
        Ok(Self {
            label,
            algorithm,
            material,
            attributes,
            policy,
            password: None,
            address_format,
        })
    }
}

/// A symmetric key comes as a `secretKey` and nothing else.
fn secret_material(
    algorithm: crate::domain::KeyAlgorithm,
    secret_key: Option<Vec<u8>>,
    private_key: Option<Vec<u8>>,
    public_key: Option<Vec<u8>>,
    certificate: Option<Vec<u8>>,
) -> Result<ImportMaterial, ApiError> {
    match (secret_key, private_key, public_key, certificate) {
        (Some(secret), None, None, None) => Ok(ImportMaterial::Secret(SecretBytes::new(secret))),
        _ => Err(ApiError::invalid(format!(
            "A {algorithm} key is imported with a 'secretKey' and nothing else."
        ))),
    }
}

/// The rules of reference 6.11 for asymmetric material.
fn asymmetric_material(
    private_key: Option<Vec<u8>>,
    public_key: Option<Vec<u8>>,
    certificate: Option<Vec<u8>>,
) -> Result<ImportMaterial, ApiError> {
    if public_key.is_some() && certificate.is_some() {
        return Err(ApiError::invalid(
            "Give either 'publicKey' or 'certificate', not both.",
        ));
    }
    match (private_key, public_key, certificate) {
        (Some(private_key), public_key, certificate)
            if public_key.is_some() || certificate.is_some() =>
        {
            Ok(ImportMaterial::Private {
                private_key: SecretBytes::new(private_key),
                public_key,
                certificate,
            })
        }
        (Some(_), None, None) => Err(ApiError::invalid(
            "A 'privateKey' must come with its 'publicKey' or 'certificate'.",
        )),
        (None, Some(public_key), None) => Ok(ImportMaterial::PublicKey(public_key)),
        (None, None, Some(certificate)) => Ok(ImportMaterial::Certificate(certificate)),
        _ => Err(ApiError::invalid(
            "Give a 'privateKey' (with 'publicKey' or 'certificate'), a 'publicKey' or a 'certificate'.",
        )),
    }
}

/// A `POST /v1/key/import/plain` body as the device request, with the endpoint's own checks.
pub(super) fn import_request(body: &[u8]) -> Result<ImportKey, ApiError> {
    super::json::parse::<ImportDto>(body)?.try_into()
}

#[utoipa::path(
    post,
    path = "/v1/key/import/plain",
    tag = "Keys",
    // The TSB's own operation id (the documentation links `#/Keys/importPlainKey`).
    operation_id = "importPlainKey",
    request_body = ImportDto,
    responses((status = 201, description = "The key is imported; its key info.", body = KeyInfoResponse), (status = 200, description = "A certificate replaced the key's one; its key info.", body = KeyInfoResponse))
)]
pub(super) async fn import(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ImportDto>,
) -> Result<(StatusCode, Json<KeyInfoResponse>), ApiError> {
    let (outcome, info) = state.hsm.import_key(dto.try_into()?).await?;
    let status = match outcome {
        Imported::Created => StatusCode::CREATED,
        Imported::Replaced => StatusCode::OK,
    };
    Ok((status, Json(info.into())))
}

/// Body of export: the key and its password.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct LabelPasswordDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExportResponse {
    private_key: Option<String>,
    public_key: Option<String>,
    secret_key: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/key/export/plain",
    tag = "Keys",
    request_body = LabelPasswordDto,
    responses((status = 200, description = "The key material.", body = ExportResponse))
)]
pub(super) async fn export(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<LabelPasswordDto>,
) -> Result<Json<ExportResponse>, ApiError> {
    let label = wire::label("label", dto.label)?;
    let exported = state.hsm.export_key(label, dto.password).await?;
    let secret = |bytes: Option<SecretBytes>| bytes.map(|b| STANDARD.encode(b.expose()));
    Ok(Json(ExportResponse {
        private_key: secret(exported.private_key),
        public_key: exported.public_key.map(|der| STANDARD.encode(der)),
        secret_key: secret(exported.secret_key),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChangePasswordDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    new_password: Option<Password>,
}

#[utoipa::path(
    post,
    path = "/v1/key/changePassword",
    tag = "Keys",
    request_body = ChangePasswordDto,
    responses((status = 200, description = "The password is changed."))
)]
pub(super) async fn change_password(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ChangePasswordDto>,
) -> Result<StatusCode, ApiError> {
    let label = wire::label("label", dto.label)?;
    state
        .hsm
        .change_password(label, dto.password, dto.new_password)
        .await?;
    Ok(StatusCode::OK)
}

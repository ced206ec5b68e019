//! `/v1/certificate/...` routes (reference 11): CSRs, self-signed certificates, and the
//! certificate stored with a key.

use super::SharedState;
use super::error::{ApiError, ErrorCode};
use super::json::{KeyNamePath, TsbJson};
use super::ska::proved;
use super::wire;
use crate::domain::{CertSignatureAlgorithm, Password, SubjectAttributes};
use crate::hsm::{CsrRequest, DEFAULT_VALIDITY_DAYS, IssueRequest, SelfSignRequest};
use crate::keystore::RequestKind;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// `standardCertificateAttributes` (`CertificateAttributesDto`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SubjectDto {
    common_name: Option<String>,
    country: Option<String>,
    state_or_province_name: Option<String>,
    locality: Option<String>,
    organization_name: Option<String>,
    organization_identifier: Option<String>,
    organization_unit_name: Option<String>,
    email: Option<String>,
    title: Option<String>,
    surname: Option<String>,
    given_name: Option<String>,
    initials: Option<String>,
    pseudonym: Option<String>,
    generation_qualifier: Option<String>,
}

/// Empty strings count as absent: clients fill unused fields with `""`.
fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl TryFrom<SubjectDto> for SubjectAttributes {
    type Error = ApiError;

    fn try_from(dto: SubjectDto) -> Result<Self, ApiError> {
        let common_name = present(dto.common_name).ok_or_else(|| {
            ApiError::invalid("Field 'standardCertificateAttributes.commonName' must not be empty.")
        })?;
        let country = present(dto.country);
        if let Some(country) = &country
            && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(ApiError::invalid(format!(
                "Field 'standardCertificateAttributes.country' must be a two-letter country code, not '{country}'."
            )));
        }
        Ok(Self {
            common_name,
            country,
            state_or_province_name: present(dto.state_or_province_name),
            locality: present(dto.locality),
            organization_name: present(dto.organization_name),
            organization_identifier: present(dto.organization_identifier),
            organization_unit_name: present(dto.organization_unit_name),
            email: present(dto.email),
            title: present(dto.title),
            surname: present(dto.surname),
            given_name: present(dto.given_name),
            initials: present(dto.initials),
            pseudonym: present(dto.pseudonym),
            generation_qualifier: present(dto.generation_qualifier),
        })
    }
}

/// A `signatureAlgorithm` of the certificate endpoints.
fn signature_algorithm(value: Option<String>) -> Result<CertSignatureAlgorithm, ApiError> {
    wire::required_enum("signatureAlgorithm", value.as_deref())
}

/// The longest validity accepted: 100 years (X.509 dates end in 9999).
const MAX_VALIDITY_DAYS: i64 = 36_500;

/// Validity in days: `default` when absent, 1 to [`MAX_VALIDITY_DAYS`] otherwise.
fn validity(value: Option<i64>, default: Option<u32>) -> Result<u32, ApiError> {
    match (value, default) {
        (None, Some(default)) => Ok(default),
        (Some(days @ 1..=MAX_VALIDITY_DAYS), _) => {
            Ok(days.unsigned_abs().try_into().unwrap_or(u32::MAX))
        }
        (Some(days), _) if days > MAX_VALIDITY_DAYS => Err(ApiError::invalid(format!(
            "Field 'validity' is too large: {days} days (at most {MAX_VALIDITY_DAYS})."
        ))),
        (days, _) => Err(ApiError::invalid(format!(
            "Field 'validity' must be a positive number of days, not {}.",
            days.map_or("null".to_owned(), |d| d.to_string())
        ))),
    }
}

/// The CSR request body (flat, reference 11.2).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsrDto {
    sign_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    signature_algorithm: Option<String>,
    /// Days of the self-signed certificate the TSB attaches to the key.
    validity: Option<i64>,
    standard_certificate_attributes: Option<SubjectDto>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    key_usage: Vec<String>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    extended_key_usage: Vec<String>,
    /// Approvals for an SKA key (reference 13.6), as on `synchronousSign`.
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

impl TryFrom<CsrDto> for CsrRequest {
    type Error = ApiError;

    fn try_from(dto: CsrDto) -> Result<Self, ApiError> {
        let label = wire::label("signKeyName", dto.sign_key_name)?;
        let algorithm = signature_algorithm(dto.signature_algorithm)?;
        let subject = dto.standard_certificate_attributes.ok_or_else(|| {
            ApiError::invalid("Field 'standardCertificateAttributes' must not be null.")
        })?;
        Ok(Self {
            label,
            password: dto.key_password,
            algorithm,
            subject: subject.try_into()?,
            key_usage: wire::parse_list("keyUsage", &dto.key_usage)?,
            extended_key_usage: wire::parse_list("extendedKeyUsage", &dto.extended_key_usage)?,
            // A primitive int in the TSB's DTO: 0 is what an absent value reads as.
            validity_days: validity(
                dto.validity.filter(|&days| days != 0),
                Some(DEFAULT_VALIDITY_DAYS),
            )?,
            approvals: Default::default(),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsrResponse {
    label: String,
    certificate_signing_request: String,
}

#[utoipa::path(
    post,
    path = "/v1/certificate/synchronous/request",
    tag = "Certificates",
    request_body = CsrDto,
    responses((status = 200, description = "A PKCS#10 CSR in PEM.", body = CsrResponse))
)]
pub(super) async fn request(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<CsrDto>,
) -> Result<Json<CsrResponse>, ApiError> {
    let request = csr_request(&state, dto)?;
    let label = request.label.as_str().to_owned();
    let pem = state.hsm.create_csr(request).await?;
    Ok(Json(CsrResponse {
        label,
        certificate_signing_request: pem,
    }))
}

/// The device request of a synchronous CSR call, with the approvals its `signedApprovals`
/// prove (a CSR's approvals cover no payload).
fn csr_request(state: &SharedState, mut dto: CsrDto) -> Result<CsrRequest, ApiError> {
    let signed = dto.signed_approvals.take();
    let mut request: CsrRequest = dto.try_into()?;
    request.approvals = proved(
        state,
        signed,
        RequestKind::CertificateRequest,
        request.label.as_str(),
        &[],
    )?;
    Ok(request)
}

/// The same CSR as a PEM file download (`<label>.csr`).
#[utoipa::path(
    post,
    path = "/v1/certificate/synchronous/request/download",
    tag = "Certificates",
    request_body = CsrDto,
    responses((status = 200, description = "The CSR as a file."))
)]
pub(super) async fn download(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<CsrDto>,
) -> Result<impl IntoResponse, ApiError> {
    let request = csr_request(&state, dto)?;
    let file_name = wire::file_name(request.label.as_str());
    let pem = state.hsm.create_csr(request).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}.csr\""),
            ),
        ],
        pem,
    ))
}

/// The self-sign body (reference 11.4): `commonName` at the top, or the
/// `standardCertificateAttributes` other official clients send.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SelfSignDto {
    sign_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    signature_algorithm: Option<String>,
    validity: Option<i64>,
    common_name: Option<String>,
    standard_certificate_attributes: Option<SubjectDto>,
    #[serde(default)]
    certificate_authority: Option<bool>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    key_usage: Vec<String>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    extended_key_usage: Vec<String>,
    /// Approvals for an SKA key (reference 13.6), as on `synchronousSign`.
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

impl TryFrom<SelfSignDto> for SelfSignRequest {
    type Error = ApiError;

    fn try_from(dto: SelfSignDto) -> Result<Self, ApiError> {
        let subject = match (
            dto.standard_certificate_attributes,
            present(dto.common_name),
        ) {
            (Some(subject), _) => SubjectAttributes::try_from(subject)?,
            (None, Some(common_name)) => SubjectAttributes {
                common_name,
                ..SubjectAttributes::default()
            },
            (None, None) => {
                return Err(ApiError::invalid(
                    "Field 'commonName' (or 'standardCertificateAttributes') must not be empty.",
                ));
            }
        };
        Ok(Self {
            label: wire::label("signKeyName", dto.sign_key_name)?,
            password: dto.key_password,
            algorithm: signature_algorithm(dto.signature_algorithm)?,
            subject,
            validity_days: validity(dto.validity, None)?,
            certificate_authority: dto.certificate_authority.unwrap_or(false),
            key_usage: wire::parse_list("keyUsage", &dto.key_usage)?,
            extended_key_usage: wire::parse_list("extendedKeyUsage", &dto.extended_key_usage)?,
            approvals: Default::default(),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CertificateResponse {
    label: String,
    certificate: String,
}

#[utoipa::path(
    post,
    path = "/v1/certificate/synchronous/selfsign",
    tag = "Certificates",
    request_body = SelfSignDto,
    responses((status = 200, description = "A self-signed certificate, stored on the key.", body = CertificateResponse))
)]
pub(super) async fn self_sign(
    State(state): State<SharedState>,
    TsbJson(mut dto): TsbJson<SelfSignDto>,
) -> Result<Json<CertificateResponse>, ApiError> {
    let signed = dto.signed_approvals.take();
    let mut request: SelfSignRequest = dto.try_into()?;
    request.approvals = proved(
        &state,
        signed,
        RequestKind::SelfSign,
        request.label.as_str(),
        &[],
    )?;
    let label = request.label.as_str().to_owned();
    let certificate = state.hsm.self_sign(request).await?;
    Ok(Json(CertificateResponse { label, certificate }))
}

/// The body of `/v1/certificate/synchronous/sign` (reference 11.5), with the optional
/// `validity` and `standardCertificateAttributes` some official clients send.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct IssueDto {
    sign_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    key_password: Option<Password>,
    signature_algorithm: Option<String>,
    common_name: Option<String>,
    standard_certificate_attributes: Option<SubjectDto>,
    certificate_authority: Option<bool>,
    certificate_signing_request: Option<String>,
    validity: Option<i64>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    key_usage: Vec<String>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    extended_key_usage: Vec<String>,
    /// Approvals for an SKA key (reference 13.6), as on `synchronousSign`.
    #[serde(default)]
    signed_approvals: Option<Vec<String>>,
}

impl TryFrom<IssueDto> for IssueRequest {
    type Error = ApiError;

    fn try_from(dto: IssueDto) -> Result<Self, ApiError> {
        let subject = match (
            dto.standard_certificate_attributes,
            present(dto.common_name),
        ) {
            (Some(subject), _) => Some(SubjectAttributes::try_from(subject)?),
            (None, Some(common_name)) => Some(SubjectAttributes {
                common_name,
                ..SubjectAttributes::default()
            }),
            (None, None) => None,
        };
        let csr = dto
            .certificate_signing_request
            .filter(|csr| !csr.trim().is_empty())
            .ok_or_else(|| {
                ApiError::invalid("Field 'certificateSigningRequest' must not be empty.")
            })?;
        Ok(Self {
            ca_label: wire::label("signKeyName", dto.sign_key_name)?,
            password: dto.key_password,
            algorithm: signature_algorithm(dto.signature_algorithm)?,
            csr: csr.into_bytes(),
            subject,
            certificate_authority: dto.certificate_authority.unwrap_or(false),
            validity_days: validity(dto.validity, Some(DEFAULT_VALIDITY_DAYS))?,
            key_usage: wire::parse_list("keyUsage", &dto.key_usage)?,
            extended_key_usage: wire::parse_list("extendedKeyUsage", &dto.extended_key_usage)?,
            approvals: Default::default(),
        })
    }
}

/// The answer names the CA key, not the certified one (reference 11.5).
#[utoipa::path(
    post,
    path = "/v1/certificate/synchronous/sign",
    tag = "Certificates",
    request_body = IssueDto,
    responses((status = 200, description = "A certificate issued from the CSR.", body = CertificateResponse))
)]
pub(super) async fn issue(
    State(state): State<SharedState>,
    TsbJson(mut dto): TsbJson<IssueDto>,
) -> Result<Json<CertificateResponse>, ApiError> {
    let signed = dto.signed_approvals.take();
    let mut request: IssueRequest = dto.try_into()?;
    request.approvals = proved(
        &state,
        signed,
        RequestKind::SignCertificate,
        request.ca_label.as_str(),
        &request.csr,
    )?;
    let label = request.ca_label.as_str().to_owned();
    let certificate = state.hsm.issue_certificate(request).await?;
    Ok(Json(CertificateResponse { label, certificate }))
}

/// `{"label", "certificate": "<base64 DER>"}` (reference 11.7).
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct ImportCertificateDto {
    label: Option<String>,
    certificate: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/certificate/import/plain",
    tag = "Certificates",
    // Unique in the document (code generators need that); the TSB's id is not known.
    operation_id = "importPlainCertificate",
    request_body = ImportCertificateDto,
    responses((status = 200, description = "The certificate is attached to the key.", body = CertificateResponse))
)]
pub(super) async fn import(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<ImportCertificateDto>,
) -> Result<Json<CertificateResponse>, ApiError> {
    let label = wire::label("label", dto.label)?;
    let certificate = wire::key_material("certificate", dto.certificate.as_deref())
        .map_err(|_| {
            ApiError::new(
                ErrorCode::CertificateInvalidEncoding,
                "The 'certificate' is not valid 'base64' encoded.",
            )
        })?
        .ok_or_else(|| ApiError::invalid("Field 'certificate' must not be null."))?;
    let encoded = STANDARD.encode(&certificate);
    state
        .hsm
        .import_certificate(label.clone(), certificate)
        .await?;
    Ok(Json(CertificateResponse {
        label: label.as_str().to_owned(),
        certificate: encoded,
    }))
}

/// `certificate` as PEM (like the generators answer) and `rawCertificate` as bare base64
/// DER (what the Keycloak client reads), reference 11.8.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredCertificateResponse {
    label: String,
    certificate: String,
    raw_certificate: String,
}

#[utoipa::path(
    get,
    path = "/v1/certificate/{keyName}",
    tag = "Certificates",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The key's certificate.", body = StoredCertificateResponse))
)]
pub(super) async fn read(
    State(state): State<SharedState>,
    KeyNamePath(label): KeyNamePath,
) -> Result<Json<StoredCertificateResponse>, ApiError> {
    let der = state.hsm.certificate(label.clone()).await?;
    Ok(Json(StoredCertificateResponse {
        label: label.as_str().to_owned(),
        certificate: state.hsm.certificate_pem(&der),
        raw_certificate: STANDARD.encode(&der),
    }))
}

#[utoipa::path(
    delete,
    path = "/v1/certificate/{keyName}",
    tag = "Certificates",
    params(("keyName" = String, Path, description = "The key's label.")),
    responses((status = 200, description = "The certificate is removed."))
)]
pub(super) async fn remove(
    State(state): State<SharedState>,
    KeyNamePath(label): KeyNamePath,
) -> Result<StatusCode, ApiError> {
    state.hsm.delete_certificate(label).await?;
    Ok(StatusCode::OK)
}

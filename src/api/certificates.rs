//! `/v1/certificate/synchronous/request` routes: CSRs (reference 11.2, 11.3).

use super::AppState;
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::domain::{Password, SubjectAttributes};
use crate::hsm::CsrRequest;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The certificate routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/certificate/synchronous/request", post(request))
        .route(
            "/v1/certificate/synchronous/request/download",
            post(download),
        )
}

/// `standardCertificateAttributes` (`CertificateAttributesDto`).
#[derive(Deserialize)]
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

/// The CSR request body (flat, reference 11.2).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CsrDto {
    sign_key_name: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    key_password: Option<Password>,
    signature_algorithm: Option<String>,
    /// Days; the TSB uses it for the self-signed certificate it attaches (not built yet).
    #[allow(dead_code)]
    validity: Option<i64>,
    standard_certificate_attributes: Option<SubjectDto>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    key_usage: Vec<String>,
    #[serde(default, deserialize_with = "wire::usage_list")]
    extended_key_usage: Vec<String>,
}

impl TryFrom<CsrDto> for CsrRequest {
    type Error = ApiError;

    fn try_from(dto: CsrDto) -> Result<Self, ApiError> {
        let label = wire::label("signKeyName", dto.sign_key_name)?;
        let algorithm = dto
            .signature_algorithm
            .ok_or_else(|| ApiError::invalid("Field 'signatureAlgorithm' must not be null."))?;
        let algorithm = algorithm.parse().map_err(|()| {
            ApiError::invalid(format!(
                "Value '{algorithm}' is not valid for field signatureAlgorithm."
            ))
        })?;
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
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CsrResponse {
    label: String,
    certificate_signing_request: String,
}

async fn request(
    State(state): State<AppState>,
    TsbJson(dto): TsbJson<CsrDto>,
) -> Result<Json<CsrResponse>, ApiError> {
    let request: CsrRequest = dto.try_into()?;
    let label = request.label.as_str().to_owned();
    let pem = state.hsm.create_csr(request).await?;
    Ok(Json(CsrResponse {
        label,
        certificate_signing_request: pem,
    }))
}

/// The same CSR as a PEM file download (`<label>.csr`).
async fn download(
    State(state): State<AppState>,
    TsbJson(dto): TsbJson<CsrDto>,
) -> Result<impl IntoResponse, ApiError> {
    let request: CsrRequest = dto.try_into()?;
    let file_name: String = request
        .label
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
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

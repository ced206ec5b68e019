//! The asynchronous certificate endpoints (reference 11.6): the synchronous bodies under an
//! envelope field, submitted as SKA requests whose results are the PEM CSR, `"true"` and the
//! PEM certificate.

use super::SharedState;
use super::certificates::{CsrDto, IssueDto, SelfSignDto};
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::domain::Password;
use crate::hsm::{CsrRequest, IssueRequest, SelfSignRequest};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

/// `{"signRequestId"}`: the answer of all three asynchronous certificate endpoints (5.2).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CertificateRequestId {
    sign_request_id: String,
}

/// `{"csrSignRequest": {...}}` (reference 11.6).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsrEnvelope {
    csr_sign_request: Option<CsrDto>,
}

/// `{"selfSignCertificateRequest": {...}}` (reference 11.6).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SelfSignEnvelope {
    self_sign_certificate_request: Option<SelfSignDto>,
}

/// `{"signCertificateRequest": {...}}` (reference 11.6).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct IssueEnvelope {
    sign_certificate_request: Option<IssueDto>,
}

/// The one field of an asynchronous certificate envelope, parsed as the synchronous body.
fn inner<T>(field: Option<T>, name: &str) -> Result<T, ApiError> {
    field.ok_or_else(|| ApiError::invalid(format!("Field '{name}' must not be null.")))
}

fn envelope<T: serde::de::DeserializeOwned>(raw: &serde_json::Value) -> Result<T, ApiError> {
    super::json::parse(raw.to_string().as_bytes())
}

async fn submit_certificate<F, Fut>(
    state: &SharedState,
    raw: &serde_json::Value,
    field: &str,
    kind: crate::keystore::RequestKind,
    (label, password): (crate::domain::Label, Option<Password>),
    execute: F,
) -> Result<(axum::http::StatusCode, Json<CertificateRequestId>), ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, crate::hsm::HsmError>>,
{
    let submission = crate::hsm::Submission {
        kind,
        label,
        path: None,
        password,
        envelope: raw.clone(),
        payload: Vec::new(),
        payload_type: None,
        rules: None,
        meta_data: wire::meta_data(&raw[field]),
    };
    let id = state.hsm.submit(submission, execute).await?;
    super::ska::after_submit(&state).await;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CertificateRequestId {
            sign_request_id: id,
        }),
    ))
}

/// A CSR through the SKA workflow (`csrSignRequest`); the request's `result` is the PEM CSR.
#[utoipa::path(post, path = "/v1/certificate/request", tag = "Certificates", operation_id = "certificateRequestAsync",
    request_body = CsrEnvelope,
    responses((status = 201, description = "`{signRequestId}`", body = CertificateRequestId)))]
pub(super) async fn request_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(axum::http::StatusCode, Json<CertificateRequestId>), ApiError> {
    let request: CsrRequest = inner(
        envelope::<CsrEnvelope>(&raw)?.csr_sign_request,
        "csrSignRequest",
    )?
    .try_into()?;
    let key = (request.label.clone(), request.password.clone());
    let hsm = state.hsm.clone();
    submit_certificate(
        &state,
        &raw,
        "csrSignRequest",
        crate::keystore::RequestKind::CertificateRequest,
        key,
        || async move { hsm.create_csr(request).await.map(Some) },
    )
    .await
}

/// A self-signed certificate through the SKA workflow (`selfSignCertificateRequest`); the
/// certificate is attached to the key and the request's `result` is `"true"`.
#[utoipa::path(post, path = "/v1/certificate/selfsign", tag = "Certificates", operation_id = "selfSignAsync",
    request_body = SelfSignEnvelope,
    responses((status = 201, description = "`{signRequestId}`", body = CertificateRequestId)))]
pub(super) async fn self_sign_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(axum::http::StatusCode, Json<CertificateRequestId>), ApiError> {
    let request: SelfSignRequest = inner(
        envelope::<SelfSignEnvelope>(&raw)?.self_sign_certificate_request,
        "selfSignCertificateRequest",
    )?
    .try_into()?;
    let key = (request.label.clone(), request.password.clone());
    let hsm = state.hsm.clone();
    submit_certificate(
        &state,
        &raw,
        "selfSignCertificateRequest",
        crate::keystore::RequestKind::SelfSign,
        key,
        || async move {
            hsm.self_sign(request)
                .await
                .map(|_| Some("true".to_owned()))
        },
    )
    .await
}

/// A certificate issued from a CSR through the SKA workflow (`signCertificateRequest`); the
/// request's `result` is the PEM certificate.
#[utoipa::path(post, path = "/v1/certificate/sign", tag = "Certificates", operation_id = "signCertificateAsync",
    request_body = IssueEnvelope,
    responses((status = 201, description = "`{signRequestId}`", body = CertificateRequestId)))]
pub(super) async fn issue_async(
    State(state): State<SharedState>,
    TsbJson(raw): TsbJson<serde_json::Value>,
) -> Result<(axum::http::StatusCode, Json<CertificateRequestId>), ApiError> {
    let request: IssueRequest = inner(
        envelope::<IssueEnvelope>(&raw)?.sign_certificate_request,
        "signCertificateRequest",
    )?
    .try_into()?;
    let key = (request.ca_label.clone(), request.password.clone());
    let hsm = state.hsm.clone();
    submit_certificate(
        &state,
        &raw,
        "signCertificateRequest",
        crate::keystore::RequestKind::SignCertificate,
        key,
        || async move { hsm.issue_certificate(request).await.map(Some) },
    )
    .await
}

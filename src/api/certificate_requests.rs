//! The asynchronous certificate endpoints (reference 11.6): the synchronous bodies under an
//! envelope field, submitted as SKA requests whose results are the PEM CSR, `"true"` and the
//! PEM certificate. An approved request runs from its stored envelope with its approvals.

use super::SharedState;
use super::certificates::{CsrDto, IssueDto, SelfSignDto};
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::hsm::{Approvals, CsrRequest, Hsm, HsmError, IssueRequest, SelfSignRequest};
use crate::keystore::RequestKind;
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

/// One asynchronous certificate call, parsed from its envelope.
pub(super) enum CertificateCall {
    Csr(CsrRequest),
    SelfSign(SelfSignRequest),
    Issue(IssueRequest),
}

/// The envelope field of each kind.
fn field_of(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::CertificateRequest => "csrSignRequest",
        RequestKind::SelfSign => "selfSignCertificateRequest",
        _ => "signCertificateRequest",
    }
}

/// The one field of an asynchronous certificate envelope, parsed as the synchronous body.
fn inner<T>(field: Option<T>, name: &str) -> Result<T, ApiError> {
    field.ok_or_else(|| ApiError::invalid(format!("Field '{name}' must not be null.")))
}

impl CertificateCall {
    /// Parses the envelope of a `kind` request (a certificate kind), with `approvals`.
    pub(super) fn parse(
        kind: RequestKind,
        raw: &serde_json::Value,
        approvals: Approvals,
    ) -> Result<Self, ApiError> {
        let bytes = raw.to_string();
        let name = field_of(kind);
        Ok(match kind {
            RequestKind::CertificateRequest => {
                let dto = super::json::parse::<CsrEnvelope>(bytes.as_bytes())?.csr_sign_request;
                Self::Csr(CsrRequest {
                    approvals,
                    ..inner(dto, name)?.try_into()?
                })
            }
            RequestKind::SelfSign => {
                let envelope = super::json::parse::<SelfSignEnvelope>(bytes.as_bytes())?;
                Self::SelfSign(SelfSignRequest {
                    approvals,
                    ..inner(envelope.self_sign_certificate_request, name)?.try_into()?
                })
            }
            _ => {
                let envelope = super::json::parse::<IssueEnvelope>(bytes.as_bytes())?;
                Self::Issue(IssueRequest {
                    approvals,
                    ..inner(envelope.sign_certificate_request, name)?.try_into()?
                })
            }
        })
    }

    /// The key the call uses, its password, and what its approvers see as `payload` (a
    /// certificate to issue: the CSR; the others: nothing).
    fn key(
        &self,
    ) -> (
        crate::domain::Label,
        Option<crate::domain::Password>,
        Vec<u8>,
    ) {
        match self {
            Self::Csr(r) => (r.label.clone(), r.password.clone(), Vec::new()),
            Self::SelfSign(r) => (r.label.clone(), r.password.clone(), Vec::new()),
            Self::Issue(r) => (r.ca_label.clone(), r.password.clone(), r.csr.clone()),
        }
    }

    /// Runs the call; its request `result` (reference 5.3).
    pub(super) async fn run(self, hsm: &Hsm) -> Result<Option<String>, HsmError> {
        match self {
            Self::Csr(request) => hsm.create_csr(request).await.map(Some),
            Self::SelfSign(request) => hsm
                .self_sign(request)
                .await
                .map(|_| Some("true".to_owned())),
            Self::Issue(request) => hsm.issue_certificate(request).await.map(Some),
        }
    }
}

async fn submit_certificate(
    state: &SharedState,
    raw: serde_json::Value,
    kind: RequestKind,
) -> Result<(axum::http::StatusCode, Json<CertificateRequestId>), ApiError> {
    let call = CertificateCall::parse(kind, &raw, Approvals::default())?;
    let (label, password, payload) = call.key();
    let submission = crate::hsm::Submission {
        kind,
        label,
        path: None,
        password,
        meta_data: wire::meta_data(&raw[field_of(kind)]),
        envelope: raw,
        payload,
        payload_type: None,
        rules: None,
    };
    let hsm = state.hsm.clone();
    let id = super::ska::submit(state, submission, || async move { call.run(&hsm).await }).await?;
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
    submit_certificate(&state, raw, RequestKind::CertificateRequest).await
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
    submit_certificate(&state, raw, RequestKind::SelfSign).await
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
    submit_certificate(&state, raw, RequestKind::SignCertificate).await
}

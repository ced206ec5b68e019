//! The one table from outcomes to HTTP: every error leaves as `{errorCode, reason, message}`.
//!
//! Statuses follow reference section 4.3 (by code prefix: 45x -> 403, 65x -> 404, other 4xx
//! and 6xx -> 400, the rest -> 500), with the exceptions the HTTP layer itself needs (413,
//! 415, 404 for unknown routes, 405 for wrong methods).

use crate::hsm::HsmError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A TSB error code and its reason string (reference 4.2; reasons are byte-exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 1 `res.error.technical`.
    Technical,
    /// 101 `res.error.not.implemented`.
    NotImplemented,
    /// 400 `res.error.security.not.allowed` (HTTP 403: a foreign `Origin` or `Host`).
    SecurityNotAllowed,
    /// 402 `res.error.invalid.certificate`.
    InvalidCertificate,
    /// 406 `res.error.missing.access.token` (HTTP 401).
    MissingAccessToken,
    /// 411 `res.error.invalid.certificate.request`.
    InvalidCertificateRequest,
    /// 416 `res.error.missing.api.key` (HTTP 401).
    MissingApiKey,
    /// 403 `res.error.input.invalid.signature` (an approver's signature does not verify).
    InvalidSignature,
    /// 404 `res.error.input.timestamp.off` (HTTP 400: an approver's timestamp outside the window).
    TimestampOff,
    /// 601 `res.error.unsupported.approver.key.type`.
    UnsupportedApproverKeyType,
    /// 412 `res.error.invalid.onetimepassword` (a wrong or used one-time code).
    InvalidOneTimePassword,
    /// 413 `res.error.approver.not.existent` (HTTP 400).
    ApproverNotExistent,
    /// 632 `res.error.approver.already.existing`.
    ApproverAlreadyExisting,
    /// 633 `res.error.input.no.value.for.approver.mgmt` (an empty approver-management value).
    NoValueForApproverMgmt,
    /// 651 `res.error.request.not.existent` (HTTP 404).
    RequestNotExistent,
    /// 652 `res.error.task.not.existent` (HTTP 404).
    TaskNotExistent,
    /// 600 `res.error.input.validation.failed`.
    InputValidationFailed,
    /// 603 `res.error.input.keysize`.
    InputKeySize,
    /// 606 `res.error.key.attributes.invalid`.
    KeyAttributesInvalid,
    /// 607 `res.error.algorithm.not.supported.by.key`.
    AlgorithmNotSupportedByKey,
    /// 608 `res.error.key.already.existing`.
    KeyAlreadyExisting,
    /// 610 `res.error.invalid.key.name`.
    InvalidKeyName,
    /// 612 `res.error.invalid.payload`.
    InvalidPayload,
    /// 613 `res.error.invalid.key.type`.
    InvalidKeyType,
    /// 611 `res.error.unsupported.operation`.
    UnsupportedOperation,
    /// 614 `res.error.operation.forbidden.for.key`.
    OperationForbiddenForKey,
    /// 619 `res.error.invalid.number.range`.
    InvalidNumberRange,
    /// 617 `res.error.invalid.access.token` (HTTP 401).
    InvalidAccessToken,
    /// 620 `res.error.key.password.mismatch`.
    KeyPasswordMismatch,
    /// 624 `res.error.key.invalid.tagLength`.
    KeyInvalidTagLength,
    /// 625 `res.error.key.invalid.encoding`.
    KeyInvalidEncoding,
    /// 626 `res.error.certificate.invalid.encoding`.
    CertificateInvalidEncoding,
    /// 628 `res.error.csr.invalid.format`.
    CsrInvalidFormat,
    /// 630 `res.error.invalid.address.on.non.ska.key`.
    InvalidAddressOnNonSkaKey,
    /// 631 `res.error.invalid.api.key` (HTTP 401; clients roll over to their next key).
    InvalidApiKey,
    /// 635 `res.error.encoding.exception`.
    EncodingException,
    /// 650 `res.error.key.not.existent`.
    KeyNotExistent,
    /// 701 `res.error.in.hsm`.
    InHsm,
}

impl ErrorCode {
    /// Every code the emulator answers with.
    pub const ALL: [ErrorCode; 34] = [
        Self::Technical,
        Self::NotImplemented,
        Self::SecurityNotAllowed,
        Self::InvalidCertificate,
        Self::InvalidCertificateRequest,
        Self::InputValidationFailed,
        Self::InputKeySize,
        Self::KeyAttributesInvalid,
        Self::AlgorithmNotSupportedByKey,
        Self::KeyAlreadyExisting,
        Self::InvalidKeyName,
        Self::InvalidPayload,
        Self::InvalidKeyType,
        Self::UnsupportedOperation,
        Self::OperationForbiddenForKey,
        Self::InvalidNumberRange,
        Self::KeyPasswordMismatch,
        Self::KeyInvalidTagLength,
        Self::KeyInvalidEncoding,
        Self::CertificateInvalidEncoding,
        Self::CsrInvalidFormat,
        Self::InvalidAddressOnNonSkaKey,
        Self::EncodingException,
        Self::KeyNotExistent,
        Self::InHsm,
        Self::InvalidSignature,
        Self::TimestampOff,
        Self::UnsupportedApproverKeyType,
        Self::RequestNotExistent,
        Self::TaskNotExistent,
        Self::InvalidOneTimePassword,
        Self::ApproverNotExistent,
        Self::ApproverAlreadyExisting,
        Self::NoValueForApproverMgmt,
    ];

    /// The code with this number, if the emulator knows it.
    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.code() == code)
    }

    /// The numeric `errorCode`.
    pub fn code(self) -> u16 {
        match self {
            Self::Technical => 1,
            Self::NotImplemented => 101,
            Self::SecurityNotAllowed => 400,
            Self::InvalidCertificate => 402,
            Self::MissingAccessToken => 406,
            Self::InvalidCertificateRequest => 411,
            Self::MissingApiKey => 416,
            Self::InputValidationFailed => 600,
            Self::InputKeySize => 603,
            Self::KeyAttributesInvalid => 606,
            Self::AlgorithmNotSupportedByKey => 607,
            Self::KeyAlreadyExisting => 608,
            Self::InvalidKeyName => 610,
            Self::InvalidPayload => 612,
            Self::InvalidKeyType => 613,
            Self::UnsupportedOperation => 611,
            Self::OperationForbiddenForKey => 614,
            Self::InvalidNumberRange => 619,
            Self::InvalidAccessToken => 617,
            Self::KeyPasswordMismatch => 620,
            Self::KeyInvalidTagLength => 624,
            Self::KeyInvalidEncoding => 625,
            Self::CertificateInvalidEncoding => 626,
            Self::CsrInvalidFormat => 628,
            Self::InvalidAddressOnNonSkaKey => 630,
            Self::InvalidApiKey => 631,
            Self::EncodingException => 635,
            Self::KeyNotExistent => 650,
            Self::InHsm => 701,
            Self::InvalidSignature => 403,
            Self::TimestampOff => 404,
            Self::UnsupportedApproverKeyType => 601,
            Self::InvalidOneTimePassword => 412,
            Self::ApproverNotExistent => 413,
            Self::ApproverAlreadyExisting => 632,
            Self::NoValueForApproverMgmt => 633,
            Self::RequestNotExistent => 651,
            Self::TaskNotExistent => 652,
        }
    }

    /// The `reason` string.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Technical => "res.error.technical",
            Self::NotImplemented => "res.error.not.implemented",
            Self::SecurityNotAllowed => "res.error.security.not.allowed",
            Self::InvalidCertificate => "res.error.invalid.certificate",
            Self::MissingAccessToken => "res.error.missing.access.token",
            Self::InvalidCertificateRequest => "res.error.invalid.certificate.request",
            Self::MissingApiKey => "res.error.missing.api.key",
            Self::InputValidationFailed => "res.error.input.validation.failed",
            Self::InputKeySize => "res.error.input.keysize",
            Self::KeyAttributesInvalid => "res.error.key.attributes.invalid",
            Self::AlgorithmNotSupportedByKey => "res.error.algorithm.not.supported.by.key",
            Self::KeyAlreadyExisting => "res.error.key.already.existing",
            Self::InvalidKeyName => "res.error.invalid.key.name",
            Self::InvalidPayload => "res.error.invalid.payload",
            Self::InvalidKeyType => "res.error.invalid.key.type",
            Self::UnsupportedOperation => "res.error.unsupported.operation",
            Self::OperationForbiddenForKey => "res.error.operation.forbidden.for.key",
            Self::InvalidNumberRange => "res.error.invalid.number.range",
            Self::InvalidAccessToken => "res.error.invalid.access.token",
            Self::KeyPasswordMismatch => "res.error.key.password.mismatch",
            Self::KeyInvalidTagLength => "res.error.key.invalid.tagLength",
            Self::KeyInvalidEncoding => "res.error.key.invalid.encoding",
            Self::CertificateInvalidEncoding => "res.error.certificate.invalid.encoding",
            Self::CsrInvalidFormat => "res.error.csr.invalid.format",
            Self::InvalidAddressOnNonSkaKey => "res.error.invalid.address.on.non.ska.key",
            Self::InvalidApiKey => "res.error.invalid.api.key",
            Self::EncodingException => "res.error.encoding.exception",
            Self::KeyNotExistent => "res.error.key.not.existent",
            Self::InHsm => "res.error.in.hsm",
            Self::InvalidSignature => "res.error.input.invalid.signature",
            Self::TimestampOff => "res.error.input.timestamp.off",
            Self::UnsupportedApproverKeyType => "res.error.unsupported.approver.key.type",
            Self::InvalidOneTimePassword => "res.error.invalid.onetimepassword",
            Self::ApproverNotExistent => "res.error.approver.not.existent",
            Self::ApproverAlreadyExisting => "res.error.approver.already.existing",
            Self::NoValueForApproverMgmt => "res.error.input.no.value.for.approver.mgmt",
            Self::RequestNotExistent => "res.error.request.not.existent",
            Self::TaskNotExistent => "res.error.task.not.existent",
        }
    }

    /// The status of reference 4.3 for this code; the authentication codes are 401, as the
    /// TSB's auth filter answers them (reference 3.4).
    pub fn status(self) -> StatusCode {
        match self.code() {
            406 | 416 | 617 | 631 => StatusCode::UNAUTHORIZED,
            450..=459 => StatusCode::FORBIDDEN,
            650..=659 => StatusCode::NOT_FOUND,
            400..=699 => StatusCode::BAD_REQUEST,
            100..=199 => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answer: status, code and a message for the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// An error with the status the code implies.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            message: message.into(),
        }
    }

    /// An error whose status the HTTP layer decides (413, 415, 404 route, 405).
    pub fn with_status(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400/600: the request does not validate.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InputValidationFailed, message)
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The TSB error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A server-side failure of the HTTP layer itself (e.g. building a download).
    pub fn internal_message(cause: &dyn std::error::Error) -> Self {
        Self::internal(ErrorCode::Technical, cause)
    }

    /// A server-side failure: the cause is logged, the client gets a generic message.
    fn internal(code: ErrorCode, cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(next) = source {
            chain.push_str(": ");
            chain.push_str(&next.to_string());
            source = next.source();
        }
        tracing::error!(error = %chain, code = code.code(), "request failed");
        Self::new(
            code,
            "The operation failed because of an internal error of the emulator; see its log.",
        )
    }
}

impl From<HsmError> for ApiError {
    fn from(error: HsmError) -> Self {
        let message = error.to_string();
        match error {
            HsmError::KeyNotFound(_) => Self::new(ErrorCode::KeyNotExistent, message),
            HsmError::RequestNotFound(_) => Self::new(ErrorCode::RequestNotExistent, message),
            HsmError::TaskNotFound(_) => Self::new(ErrorCode::TaskNotExistent, message),
            HsmError::InvalidSignature(_) => Self::new(ErrorCode::InvalidSignature, message),
            HsmError::TimestampOff(_) => Self::new(ErrorCode::TimestampOff, message),
            HsmError::UnsupportedApprover(_) => {
                Self::new(ErrorCode::UnsupportedApproverKeyType, message)
            }
            // No TSB code says "no certificate"; 650 with 404 is the closest (reference 11.8).
            HsmError::CertificateNotFound(_) => Self::new(ErrorCode::KeyNotExistent, message),
            HsmError::InvalidCertificateEncoding(_) => {
                Self::new(ErrorCode::CertificateInvalidEncoding, message)
            }
            HsmError::InvalidCertificate(_) => Self::new(ErrorCode::InvalidCertificate, message),
            HsmError::InvalidCsr(_) => Self::new(ErrorCode::CsrInvalidFormat, message),
            HsmError::InvalidCertificateRequest(_) => {
                Self::new(ErrorCode::InvalidCertificateRequest, message)
            }
            HsmError::KeyAlreadyExists(_) => Self::new(ErrorCode::KeyAlreadyExisting, message),
            HsmError::PasswordMismatch(_) => Self::new(ErrorCode::KeyPasswordMismatch, message),
            HsmError::AttributesForbid(_) => Self::new(ErrorCode::KeyAttributesInvalid, message),
            HsmError::NoAddress(_) => Self::new(ErrorCode::InvalidAddressOnNonSkaKey, message),
            HsmError::OperationForbidden(_) => {
                Self::new(ErrorCode::OperationForbiddenForKey, message)
            }
            HsmError::AlgorithmNotSupportedByKey(_) => {
                Self::new(ErrorCode::AlgorithmNotSupportedByKey, message)
            }
            HsmError::InvalidInput(_) => Self::new(ErrorCode::InputValidationFailed, message),
            HsmError::ApproverNotFound(_) => Self::new(ErrorCode::ApproverNotExistent, message),
            HsmError::ApproverAlreadyExists(_) => {
                Self::new(ErrorCode::ApproverAlreadyExisting, message)
            }
            HsmError::InvalidOneTimeCode(_) => {
                Self::new(ErrorCode::InvalidOneTimePassword, message)
            }
            HsmError::HsmRefused(_) => Self::new(ErrorCode::InHsm, message),
            HsmError::Unsupported(_) => Self::new(ErrorCode::UnsupportedOperation, message),
            HsmError::InvalidPayload(_) => Self::new(ErrorCode::InvalidPayload, message),
            HsmError::InvalidKeyType(_) => Self::new(ErrorCode::InvalidKeyType, message),
            HsmError::Encoding(_) => Self::new(ErrorCode::EncodingException, message),
            HsmError::InvalidKeyEncoding(_) => Self::new(ErrorCode::KeyInvalidEncoding, message),
            HsmError::KeySize(_) => Self::new(ErrorCode::InputKeySize, message),
            HsmError::NumberOutOfRange(_) => Self::new(ErrorCode::InvalidNumberRange, message),
            HsmError::InvalidTagLength(_) => Self::new(ErrorCode::KeyInvalidTagLength, message),
            HsmError::Storage(ref cause) => Self::internal(ErrorCode::Technical, cause),
            HsmError::Crypto(ref cause) => Self::internal(ErrorCode::InHsm, cause),
            HsmError::Internal(_) => Self::internal(ErrorCode::Technical, &error),
        }
    }
}

/// The `errorCode` of an error response, as a response extension (the journal reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsbErrorCode(pub u16);

/// The TSB's `ReasonBasedExceptionDto`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody<'a> {
    error_code: u16,
    reason: &'static str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error_code: self.code.code(),
            reason: self.code.reason(),
            message: &self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        response
            .extensions_mut()
            .insert(TsbErrorCode(self.code.code()));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_prefix_table() {
        assert_eq!(ErrorCode::KeyNotExistent.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            ErrorCode::KeyAlreadyExisting.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ErrorCode::KeyPasswordMismatch.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(ErrorCode::InHsm.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            ErrorCode::Technical.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            ErrorCode::NotImplemented.status(),
            StatusCode::NOT_IMPLEMENTED
        );
    }
}

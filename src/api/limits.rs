//! Limits on a request, answered in the TSB's error shape: the body must arrive within the
//! body-read timeout (408/600) and the size limit (413/600), and the whole request must be
//! answered within the request timeout (503/1). Header reading is bounded earlier, by the
//! connection (`server`). The `observe` middleware applies them.

use super::AppState;
use super::error::{ApiError, ErrorCode};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::time::Duration;

/// Time allowed to receive a request body, unless configured otherwise.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Time allowed to answer a request, unless configured otherwise (generous: RSA-4096
/// generation without the key pool takes seconds).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `route` (the rest of the request, its body already read) within the request timeout.
pub(super) async fn within_request_timeout(
    state: &AppState,
    path: &str,
    route: impl Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(state.request_timeout, route).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path, "request not answered within the request timeout");
            ApiError::with_status(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Technical,
                format!(
                    "The request was not answered within {} ms.",
                    state.request_timeout.as_millis()
                ),
            )
            .into_response()
        }
    }
}

/// Reads a whole body within the body-read timeout and the body limit; a refusal is the
/// answer to send (413, 400 or 408 in the TSB's shape).
pub(super) async fn read_body(
    state: &AppState,
    path: &str,
    body: Body,
) -> Result<axum::body::Bytes, Response> {
    if http_body::Body::size_hint(&body).exact() == Some(0) {
        // No body (a GET): nothing to wait for.
        return Ok(axum::body::Bytes::new());
    }
    let reading = Limited::new(body, state.max_body_bytes).collect();
    match tokio::time::timeout(state.body_read_timeout, reading).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::InputValidationFailed,
                "Invalid request. The request body is larger than the emulator accepts.",
            )
            .into_response())
        }
        Ok(Err(error)) => Err(ApiError::invalid(format!(
            "Invalid request. The body could not be read: {error}"
        ))
        .into_response()),
        Err(_) => {
            tracing::info!(path, "request body not received in time");
            Err(ApiError::with_status(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::InputValidationFailed,
                format!(
                    "Invalid request. The request body did not arrive within {} ms.",
                    state.body_read_timeout.as_millis()
                ),
            )
            .into_response())
        }
    }
}

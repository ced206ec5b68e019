//! Injected faults: the table `POST /_emulator/faults` fills and the middleware consults.

use super::lock;
use crate::api::error::{ApiError, ErrorCode, TsbErrorCode};
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// What an injected fault does.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultError {
    /// HTTP status to answer.
    pub status: u16,
    /// TSB `errorCode`.
    pub error_code: u16,
    /// TSB `reason`; defaults to the code's reason when the emulator knows it.
    #[serde(default)]
    pub reason: Option<String>,
    /// TSB `message`.
    #[serde(default)]
    pub message: Option<String>,
}

/// A fault as `POST /_emulator/faults` takes it and `GET` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// Assigned on creation.
    #[serde(default)]
    pub id: u64,
    /// Matching calls still to hit (default 1); the fault disappears at 0.
    #[serde(default = "one")]
    pub count: u32,
    /// Only calls to this path (`/v1/synchronousSign`) or route pattern (`/v1/key/{keyName}`).
    #[serde(default)]
    pub path: Option<String>,
    /// Only calls with this method.
    #[serde(default)]
    pub method: Option<String>,
    /// Only calls that name this key.
    #[serde(default)]
    pub key_name: Option<String>,
    /// Answer with this TSB error instead of calling the handler.
    #[serde(default)]
    pub error: Option<FaultError>,
    /// Wait this long before handling the call (combinable with `error`).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `"drop"`: close the connection without an answer.
    #[serde(default)]
    pub action: Option<String>,
}

fn one() -> u32 {
    1
}

/// The active faults, in creation order.
#[derive(Default)]
pub(super) struct FaultTable {
    inner: Mutex<(u64, Vec<Fault>)>,
}

impl FaultTable {
    /// Adds a fault after checking it; returns it with its id.
    pub(super) fn add(&self, mut fault: Fault) -> Result<Fault, ApiError> {
        let drop = match fault.action.as_deref() {
            None => false,
            Some("drop") => true,
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "Field 'action': '{other}' is not an action (only 'drop')."
                )));
            }
        };
        if !drop && fault.error.is_none() && fault.delay_ms.is_none() {
            return Err(ApiError::invalid(
                "A fault needs 'error', 'delayMs' or 'action': 'drop'.",
            ));
        }
        if drop && fault.error.is_some() {
            return Err(ApiError::invalid(
                "A fault either drops the connection or answers an error, not both.",
            ));
        }
        if let Some(error) = &mut fault.error {
            if StatusCode::from_u16(error.status).is_err() || error.status < 100 {
                return Err(ApiError::invalid(
                    "Field 'error.status' is not an HTTP status.",
                ));
            }
            if error.reason.is_none() {
                error.reason =
                    ErrorCode::from_code(error.error_code).map(|c| c.reason().to_owned());
            }
            if error.reason.is_none() {
                return Err(ApiError::invalid(format!(
                    "Field 'error.reason' is needed: the emulator does not know code {}.",
                    error.error_code
                )));
            }
        }
        if fault.count == 0 {
            return Err(ApiError::invalid("Field 'count' must be at least 1."));
        }
        let mut faults = lock(&self.inner);
        faults.0 += 1;
        fault.id = faults.0;
        faults.1.push(fault.clone());
        Ok(fault)
    }

    /// The active faults.
    pub(super) fn list(&self) -> Vec<Fault> {
        lock(&self.inner).1.clone()
    }

    /// Removes every fault.
    pub(super) fn clear(&self) {
        lock(&self.inner).1.clear();
    }

    /// Takes one hit of the first fault `matches` accepts, if any.
    pub(super) fn take(&self, matches: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let mut faults = lock(&self.inner);
        let index = faults.1.iter().position(matches)?;
        let fault = &mut faults.1[index];
        fault.count -= 1;
        let hit = fault.clone();
        if fault.count == 0 {
            faults.1.remove(index);
        }
        Some(hit)
    }
}

/// The TSB error body of an `error` fault.
pub(super) fn injected(error: &FaultError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "errorCode": error.error_code,
        "reason": error.reason,
        "message": error.message.as_deref().unwrap_or("Fault injected by tsb-emulator."),
    });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .extensions_mut()
        .insert(TsbErrorCode(error.error_code));
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without writing the status line, which the client sees as a dropped connection.
pub(super) fn dropped_connection() -> Response {
    let mut response = Response::new(Body::new(FailingBody));
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response.extensions_mut().insert(Dropped);
    response
}

/// Marks the answer of a `drop` fault (journaled with status 0).
#[derive(Clone, Copy)]
struct Dropped;

/// Whether `response` is a `drop` fault's.
pub(super) fn is_dropped(response: &Response) -> bool {
    response.extensions().get::<Dropped>().is_some()
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))))
    }
}

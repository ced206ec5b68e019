//! The access-control step: asks the [`AccessPolicy`](crate::access::AccessPolicy) about every
//! request before the route runs, and answers refusals in the TSB's error shape with
//! HTTP 401 (reference 3.4). Keys and tokens are never logged.

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::access::AccessDenied;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The header API keys travel in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The 401 answer to send if the policy refuses the request, `None` if it lets it through.
pub(super) fn refusal_for(state: &AppState, request: &Request) -> Option<Response> {
    let policy = &state.access;
    if !policy.api_keys_enabled() && !policy.bearer_enabled() {
        return None;
    }
    let headers = request.headers();
    let api_key = headers.get(API_KEY_HEADER).map(HeaderValue::as_bytes);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token);
    let now = state.hsm.clock().now().0;
    let denied = policy
        .check(request.uri().path(), api_key, bearer, now)
        .err()?;
    tracing::info!(
        method = %request.method(),
        path = request.uri().path(),
        refusal = ?kind(&denied),
        "request refused by access control"
    );
    Some(refusal(denied))
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub(super) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// A loggable name for a refusal (the token reason may echo nothing secret, but stays out of
/// the log anyway).
fn kind(denied: &AccessDenied) -> &'static str {
    match denied {
        AccessDenied::MissingApiKey => "missing API key",
        AccessDenied::InvalidApiKey => "invalid API key",
        AccessDenied::MissingAccessToken => "missing access token",
        AccessDenied::InvalidAccessToken(_) => "invalid access token",
    }
}

pub(super) fn refusal(denied: AccessDenied) -> Response {
    let (error, challenge) = match denied {
        AccessDenied::MissingApiKey => (
            ApiError::new(
                ErrorCode::MissingApiKey,
                "The API key is missing; send it in the X-API-KEY header.",
            ),
            None,
        ),
        AccessDenied::InvalidApiKey => (
            ApiError::new(
                ErrorCode::InvalidApiKey,
                "The provided API key is not valid",
            ),
            None,
        ),
        AccessDenied::MissingAccessToken => (
            ApiError::new(
                ErrorCode::MissingAccessToken,
                "The access token is missing; send it as Authorization: Bearer <token>.",
            ),
            Some("Bearer"),
        ),
        AccessDenied::InvalidAccessToken(reason) => (
            ApiError::new(
                ErrorCode::InvalidAccessToken,
                format!("The provided access token is not valid: {reason}."),
            ),
            Some("Bearer error=\"invalid_token\""),
        ),
    };
    let mut response = error.into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

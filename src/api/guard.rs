//! The browser and rebinding guard, the first step of every request: a foreign `Origin` is
//! refused unless `--allow-origin` admits it (then it gets CORS headers, preflights
//! included); on a loopback listener a `Host` that is no loopback name is refused (DNS
//! rebinding); the control API takes only JSON on state-changing calls and, with
//! `--control-token`, only calls carrying the token. Refusals are 403 with TSB code 400
//! `res.error.security.not.allowed`, 415/600 and 401 (406/617) in the TSB's error shape.
//!
//! No `Origin` (curl, SDKs, the TSB's own clients) passes: only browsers send it, and a
//! browser always does on a cross-site `POST`. Kept cheap: a few byte comparisons when the
//! headers are absent, nothing allocated.

use super::AppState;
use super::error::{ApiError, ErrorCode};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::Ipv4Addr;

/// The header a control token may travel in (besides `Authorization: Bearer`).
pub const CONTROL_TOKEN_HEADER: &str = "x-control-token";

/// Methods a preflight is answered with.
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers a preflight admits when the browser does not list its own.
const ALLOWED_HEADERS: &str = "content-type, authorization, x-api-key, x-control-token";

/// What the guard is configured with; [`Guard::default`] admits no foreign origin and does
/// not look at `Host` (the router has no listen address to compare with).
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Foreign origins admitted, normalised (lower case, no trailing `/`).
    allowed_origins: Vec<String>,
    /// Refuse a `Host` that is not a loopback name (set when listening on loopback).
    loopback_hosts_only: bool,
    /// The server serves HTTPS (its own origin is `https://` + `Host`).
    tls: bool,
}

impl Guard {
    /// A guard admitting `origins` (each `scheme://host[:port]`); an error names the first
    /// malformed one.
    pub fn new(origins: &[String], loopback_hosts_only: bool, tls: bool) -> Result<Self, String> {
        let allowed_origins = origins
            .iter()
            .map(|origin| normalise_origin(origin))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            allowed_origins,
            loopback_hosts_only,
            tls,
        })
    }

    fn admits(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }
}

/// `--allow-origin` as browsers send `Origin`: `http://` or `https://`, a host, an optional
/// port, nothing else.
fn normalise_origin(origin: &str) -> Result<String, String> {
    let trimmed = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let authority = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match authority {
        Some(rest) if !rest.is_empty() && !rest.contains(['/', '?', '#', '@', ' ', '*']) => {
            Ok(trimmed)
        }
        _ => Err(format!(
            "--allow-origin {origin:?}: expected an origin such as http://localhost:3000"
        )),
    }
}

/// The guard's verdict on a request.
pub(super) enum Verdict {
    /// Go on; answer with CORS headers for this admitted foreign origin, if any.
    Pass(Option<HeaderValue>),
    /// Answer this instead (a refusal, or the answer to an admitted preflight).
    Answer(Response),
}

/// Decides a request before anything else looks at it.
pub(super) fn check(state: &AppState, parts: &Parts) -> Verdict {
    let guard = &state.guard;
    let headers = &parts.headers;
    if guard.loopback_hosts_only && !host_is_loopback(parts) {
        tracing::info!(
            path = parts.uri.path(),
            "request refused: not a loopback Host"
        );
        return Verdict::Answer(forbidden(
            "The Host header names no loopback address; this emulator listens on loopback only.",
        ));
    }
    let mut cors = None;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin_is_own(guard, origin, headers);
        let admitted = !own && origin.to_str().is_ok_and(|text| guard.admits(text));
        if !own && !admitted {
            tracing::info!(path = parts.uri.path(), "request refused: foreign Origin");
            return Verdict::Answer(forbidden(
                "Requests from this Origin are not allowed; admit it with --allow-origin.",
            ));
        }
        if admitted {
            if parts.method == Method::OPTIONS
                && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
            {
                return Verdict::Answer(preflight(origin, headers));
            }
            cors = Some(origin.clone());
        }
    }
    if state.control_api
        && is_control(parts.uri.path())
        && let Some(refusal) = control_refusal(state, parts)
    {
        return Verdict::Answer(with_cors(refusal, cors.as_ref()));
    }
    Verdict::Pass(cors)
}

/// Adds the CORS headers for an admitted origin.
pub(super) fn with_cors(mut response: Response, origin: Option<&HeaderValue>) -> Response {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn preflight(origin: &HeaderValue, headers: &HeaderMap) -> Response {
    let allowed_headers = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(ALLOWED_HEADERS));
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed_headers);
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    with_cors(response, Some(origin))
}

fn forbidden(message: &'static str) -> Response {
    ApiError::with_status(
        StatusCode::FORBIDDEN,
        ErrorCode::SecurityNotAllowed,
        message,
    )
    .into_response()
}

/// Whether `Origin` is `scheme://` + the `Host` the request came in on.
fn origin_is_own(guard: &Guard, origin: &HeaderValue, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return false;
    };
    let scheme: &[u8] = if guard.tls { b"https://" } else { b"http://" };
    origin
        .as_bytes()
        .strip_prefix(scheme)
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host.as_bytes()))
}

/// Whether every authority the request names (the `Host` header, an absolute URI's) is
/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with or without a port. A request
/// naming none (HTTP/1.0) passes: rebinding needs a browser, and browsers send `Host`.
fn host_is_loopback(parts: &Parts) -> bool {
    let header_ok = parts
        .headers
        .get(header::HOST)
        .is_none_or(|host| host.to_str().is_ok_and(is_loopback_authority));
    let uri_ok = parts
        .uri
        .authority()
        .is_none_or(|authority| is_loopback_authority(authority.as_str()));
    header_ok && uri_ok
}

/// `host[:port]` names a loopback address.
pub fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((host, port))
                if port.is_empty() || port.strip_prefix(':').is_some_and(is_port) =>
            {
                return host == "::1";
            }
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => authority,
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    let lower_ends = |suffix: &str| {
        host.len() > suffix.len()
            && host
                .get(host.len() - suffix.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
    };
    host.eq_ignore_ascii_case("localhost")
        || lower_ends(".localhost")
        || host
            .parse::<Ipv4Addr>()
            .is_ok_and(|address| address.is_loopback())
}

fn is_port(digits: &str) -> bool {
    !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The control API: every `/_emulator/` path but the read-only facts every client may read
/// and the dashboard's static page (its data calls are control calls).
fn is_control(path: &str) -> bool {
    path.starts_with("/_emulator/")
        && path != "/_emulator/attestation-key"
        && path != "/_emulator/capabilities"
        && !super::emulator::ui::is_static(path)
}

/// The control token (when one is configured), then JSON on state-changing calls: a form
/// post (`application/x-www-form-urlencoded`, `text/plain`) is what a cross-site page can
/// send without a preflight.
fn control_refusal(state: &AppState, parts: &Parts) -> Option<Response> {
    let headers = &parts.headers;
    let presented = headers
        .get(CONTROL_TOKEN_HEADER)
        .map(HeaderValue::as_bytes)
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(super::auth::bearer_token)
                .map(str::as_bytes)
        });
    if let Err(denied) = state.access.check_control(presented) {
        tracing::info!(path = parts.uri.path(), "control call refused: token");
        return Some(super::auth::refusal(denied));
    }
    let changes_state = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    if changes_state && !super::json::is_json(headers) {
        return Some(
            ApiError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::InputValidationFailed,
                "Invalid request. Control calls that change state take Content-Type: application/json.",
            )
            .into_response(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_addresses_with_or_without_port() {
        for ok in [
            "localhost",
            "LOCALHOST:8080",
            "app.localhost",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "localhost.evil.example",
            "evil-localhost",
            "128.0.0.1",
            "0.0.0.0",
            "[::2]",
            "[::1]x",
            "localhost:",
            "localhost:80:80",
            "127.0.0.1.evil.example",
            "",
        ] {
            assert!(!is_loopback_authority(refused), "{refused}");
        }
    }

    #[test]
    fn origins_are_checked_when_configured() {
        assert!(Guard::new(&["http://localhost:3000/".into()], false, false).is_ok());
        assert!(Guard::new(&["localhost:3000".into()], false, false).is_err());
        assert!(Guard::new(&["http://*".into()], false, false).is_err());
        assert!(Guard::new(&["https://a.example/path".into()], false, false).is_err());
    }
}

//! The one log line per request: a `tracing` event for the target [`REQUEST_TARGET`], at info
//! level (debug for the emulator's own, health and metrics calls), so the `--log`/`RUST_LOG`
//! filter decides and the subscriber formats it like every other line.

/// What the line says about one answered request.
#[derive(Debug, Clone, Copy)]
pub struct RequestLine<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The route pattern that served it; `-` if none did.
    pub route: &'a str,
    /// The HTTP status answered (0 for a dropped connection).
    pub status: u16,
    /// The TSB error code of an error answer (a JSON number; the field is left out if none).
    pub error_code: Option<u16>,
    /// The key the request named (the field is left out if none).
    pub key_label: Option<&'a str>,
    /// Time to answer.
    pub duration_ms: u64,
    /// The injected fault that hit it, if any.
    pub fault: Option<&'a str>,
    /// The emulator's own, health and metrics calls: logged at debug level, without `fault`.
    pub internal: bool,
}

/// The target of the one log line per request.
pub const REQUEST_TARGET: &str = "tsb_emulator::request";

/// Logs the line, if the filter lets the request target through at the line's level.
pub fn log(line: &RequestLine<'_>) {
    // Absent values (`None`) are left out of the line, in text and in JSON.
    let RequestLine {
        method,
        route,
        status,
        error_code,
        key_label,
        duration_ms,
        fault,
        internal,
    } = *line;
    if internal {
        tracing::debug!(target: REQUEST_TARGET, method = %method, route, status, error_code, key_label, duration_ms, "request");
    } else {
        tracing::info!(target: REQUEST_TARGET, method = %method, route, status, error_code, key_label, duration_ms, fault, "request");
    }
}

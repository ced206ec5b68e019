//! The one log line per request. `main` has it written straight into the log sink
//! ([`write_directly`]), formatted here exactly as `tracing_subscriber` formats the same event
//! (text or JSON, tested byte for byte) but without the event machinery, which took 6% of the
//! cheap endpoints' throughput (issue 8). Without that call (tests through the router, a
//! terminal's coloured output) the line is a `tracing` event like any other. Either way the
//! filter decides: `--log`/`RUST_LOG` directives for the target [`REQUEST_TARGET`], by level
//! (field filters do not apply to this line).

use super::sink::BatchedStdout;
use super::text::{needs_no_escapes, write_quoted, write_timestamp};
use std::cell::RefCell;
use std::fmt;
use std::sync::OnceLock;
use std::time::SystemTime;
use tracing::Level;

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

/// The format of the lines written directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `tracing_subscriber`'s default text format, without colours.
    Text,
    /// `tracing_subscriber`'s JSON format without the current span.
    Json,
}

/// The target of the one log line per request.
pub const REQUEST_TARGET: &str = "tsb_emulator::request";

struct Direct {
    sink: BatchedStdout,
    format: Format,
}

static DIRECT: OnceLock<Direct> = OnceLock::new();

/// From now on, request lines go straight into `sink` in `format` (once per process; the
/// subscriber must write to the same sink in the same format).
pub fn write_directly(sink: BatchedStdout, format: Format) {
    let _ = DIRECT.set(Direct { sink, format });
}

/// Logs the line, if the filter lets the request target through at the line's level.
pub fn log(line: &RequestLine<'_>) {
    let enabled = if line.internal {
        tracing::enabled!(target: REQUEST_TARGET, Level::DEBUG)
    } else {
        tracing::enabled!(target: REQUEST_TARGET, Level::INFO)
    };
    if !enabled {
        return;
    }
    match DIRECT.get() {
        Some(direct) => write_line(direct, line),
        None => event(line),
    }
}

/// The line as a `tracing` event.
fn event(line: &RequestLine<'_>) {
    // Absent values (`None`) are left out of the line, in text and in JSON.
    let RequestLine {
        method,
        route,
        status,
        error_code,
        key_label,
        duration_ms,
        fault,
        ..
    } = *line;
    if line.internal {
        tracing::debug!(target: REQUEST_TARGET, method = %method, route, status, error_code, key_label, duration_ms, "request");
    } else {
        tracing::info!(target: REQUEST_TARGET, method = %method, route, status, error_code, key_label, duration_ms, fault, "request");
    }
}

fn write_line(direct: &Direct, line: &RequestLine<'_>) {
    thread_local! {
        static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        let now = SystemTime::now();
        let formatted = match direct.format {
            Format::Text => text(&mut buffer, now, line),
            Format::Json => json(&mut buffer, now, line),
        };
        if formatted.is_ok() {
            direct.sink.append(buffer.as_bytes());
        }
    });
}

/// `2026-11-29T13:13:50.912203Z  INFO tsb_emulator::request: request method=GET route="/v1/key" …`
fn text(out: &mut String, now: SystemTime, line: &RequestLine<'_>) -> fmt::Result {
    write_timestamp(out, now)?;
    out.push_str(if line.internal { " DEBUG " } else { "  INFO " });
    out.push_str(REQUEST_TARGET);
    out.push_str(": request method=");
    out.push_str(line.method);
    out.push_str(" route=");
    write_quoted(out, line.route)?;
    out.push_str(" status=");
    out.push_str(itoa::Buffer::new().format(line.status));
    if let Some(code) = line.error_code {
        out.push_str(" error_code=");
        out.push_str(itoa::Buffer::new().format(code));
    }
    if let Some(label) = line.key_label {
        out.push_str(" key_label=");
        write_quoted(out, label)?;
    }
    out.push_str(" duration_ms=");
    out.push_str(itoa::Buffer::new().format(line.duration_ms));
    if let Some(fault) = line.fault.filter(|_| !line.internal) {
        out.push_str(" fault=");
        write_quoted(out, fault)?;
    }
    out.push('\n');
    Ok(())
}

/// `{"timestamp":"…","level":"INFO","fields":{"message":"request",…},"target":"tsb_emulator::request"}`
fn json(out: &mut String, now: SystemTime, line: &RequestLine<'_>) -> fmt::Result {
    out.push_str(r#"{"timestamp":""#);
    write_timestamp(out, now)?;
    out.push_str(if line.internal {
        r#"","level":"DEBUG""#
    } else {
        r#"","level":"INFO""#
    });
    out.push_str(r#","fields":{"message":"request","method":"#);
    json_string(out, line.method);
    out.push_str(r#","route":"#);
    json_string(out, line.route);
    out.push_str(r#","status":"#);
    out.push_str(itoa::Buffer::new().format(line.status));
    if let Some(code) = line.error_code {
        out.push_str(r#","error_code":"#);
        out.push_str(itoa::Buffer::new().format(code));
    }
    if let Some(label) = line.key_label {
        out.push_str(r#","key_label":"#);
        json_string(out, label);
    }
    out.push_str(r#","duration_ms":"#);
    out.push_str(itoa::Buffer::new().format(line.duration_ms));
    if let Some(fault) = line.fault.filter(|_| !line.internal) {
        out.push_str(r#","fault":"#);
        json_string(out, fault);
    }
    out.push_str(r#"},"target":""#);
    out.push_str(REQUEST_TARGET);
    out.push_str("\"}\n");
    Ok(())
}

/// A JSON string as serde_json writes it.
fn json_string(out: &mut String, value: &str) {
    if needs_no_escapes(value) {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::from(value).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::captured::Captured;

    fn lines() -> Vec<RequestLine<'static>> {
        let line = RequestLine {
            method: "POST",
            route: "/v1/key",
            status: 201,
            error_code: None,
            key_label: None,
            duration_ms: 3,
            fault: None,
            internal: false,
        };
        let mut lines = vec![line];
        for key_label in [
            "my key",
            "quote\"d",
            "back\\slash",
            "new\nline",
            "tab\there",
            "ünï",
            "del\u{7f}",
        ] {
            lines.push(RequestLine {
                key_label: Some(key_label),
                ..line
            });
        }
        lines.push(RequestLine {
            status: 404,
            error_code: Some(650),
            fault: Some("error"),
            route: "/v1/key/{keyName}",
            ..line
        });
        lines.push(RequestLine {
            method: "GET",
            route: "/health",
            status: 200,
            internal: true,
            ..line
        });
        lines
    }

    /// `tracing_subscriber`'s own output for the lines (as events), and ours; timestamps cut.
    fn both(format: Format) -> (String, String) {
        let out = Captured::default();
        let sink = out.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(Level::DEBUG)
            .with_writer(move || sink.clone());
        let dispatch = match format {
            Format::Text => tracing::Dispatch::new(builder.finish()),
            Format::Json => {
                tracing::Dispatch::new(builder.json().with_current_span(false).finish())
            }
        };
        tracing::dispatcher::with_default(&dispatch, || {
            for line in lines() {
                event(&line);
            }
        });
        let mut ours = String::new();
        for line in lines() {
            let write = match format {
                Format::Text => text,
                Format::Json => json,
            };
            write(&mut ours, SystemTime::now(), &line).expect("formatted");
        }
        let cut = |text: &str| -> String {
            text.lines()
                .map(|line| match line.split_once("Z") {
                    Some((before, after)) => {
                        let keep = before.rfind(['"']).map_or("", |at| &before[..=at]);
                        format!("{keep}{after}")
                    }
                    None => line.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        (cut(&ours), cut(&out.text()))
    }

    #[test]
    fn the_text_line_is_what_tracing_subscriber_writes() {
        let (ours, theirs) = both(Format::Text);
        assert!(ours.contains(r#"key_label="quote\"d""#), "{ours}");
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_json_line_is_what_tracing_subscriber_writes() {
        let (ours, theirs) = both(Format::Json);
        assert!(ours.contains(r#""error_code":650,"#), "{ours}");
        // Absent values are left out, not written as "-".
        assert!(!ours.contains(r#""-""#), "{ours}");
        assert_eq!(ours, theirs);
    }
}

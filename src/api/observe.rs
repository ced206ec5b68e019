//! One middleware around every route: the request journal, injected faults, Prometheus
//! metrics and the one log line per request.
//!
//! The key label is read by the middleware itself: from the `{keyName}` path segment, or from
//! the JSON body's key-naming fields (`label`, `signKeyName`, `keyToBeWrapped`, ...; one
//! envelope level deep), so handlers stay unaware of it. The body is read once, up to the body
//! limit, and handed on unchanged. Nothing of the body but the labels is kept: no payloads,
//! no passwords, no key material. The TSB error code comes from a response extension that
//! [`ApiError`] sets.

use super::AppState;
use super::error::{ApiError, ErrorCode, TsbErrorCode};
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Requests the journal remembers unless configured otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// Body fields that name a key, in the order the first one found becomes the journal's label.
const LABEL_FIELDS: &[&str] = &[
    "label",
    "signKeyName",
    "encryptKeyName",
    "decryptKeyName",
    "keyToBeWrapped",
    "wrapKeyName",
    "unwrapKeyName",
    "keyName",
];

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// One answered request, as `GET /_emulator/journal` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position since start (or the last clear), from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// The path asked for (query string excluded).
    pub path: String,
    /// The route pattern that served it (`/v1/key/{keyName}`), null if none did.
    pub route: Option<String>,
    /// The HTTP status answered (0 when the connection was dropped by a fault).
    pub status: u16,
    /// The TSB `errorCode` of an error answer.
    pub error_code: Option<u16>,
    /// The key the request named, if any.
    pub key_label: Option<String>,
    /// Time to answer, in milliseconds.
    pub duration_ms: u64,
    /// The injected fault that hit it (`error`, `delay` or `drop`), if any.
    pub fault: Option<&'static str>,
    /// The JSON request body, only with `--journal-bodies`; passwords and private or secret
    /// key material are replaced by `"***"` even then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
}

/// What an injected fault does.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Default)]
struct Journal {
    next_seq: u64,
    entries: VecDeque<JournalEntry>,
}

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Journal, faults and metrics shared by all requests.
pub struct Observer {
    capacity: usize,
    bodies: bool,
    journal: Mutex<Journal>,
    faults: Mutex<(u64, Vec<Fault>)>,
    counts: Mutex<BTreeMap<(String, String, u16), u64>>,
    latencies: Mutex<BTreeMap<(String, String), Series>>,
}

/// Locks a mutex; a poisoned one only means a panic elsewhere between two plain writes.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Observer {
    /// An observer whose journal keeps the last `capacity` requests.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            bodies: false,
            journal: Mutex::new(Journal::default()),
            faults: Mutex::new((0, Vec::new())),
            counts: Mutex::new(BTreeMap::new()),
            latencies: Mutex::new(BTreeMap::new()),
        }
    }

    /// Also journal request bodies (redacted; see [`JournalEntry::request_body`]).
    pub fn with_bodies(self, bodies: bool) -> Self {
        Self { bodies, ..self }
    }

    /// Journal entries with `seq` above `since`, oldest first.
    pub fn journal(&self, since: u64) -> Vec<JournalEntry> {
        lock(&self.journal)
            .entries
            .iter()
            .filter(|entry| entry.seq > since)
            .cloned()
            .collect()
    }

    /// Forgets every journal entry (sequence numbers start again at 1).
    pub fn clear_journal(&self) {
        *lock(&self.journal) = Journal::default();
    }

    /// Adds a fault after checking it; returns it with its id.
    pub fn add_fault(&self, mut fault: Fault) -> Result<Fault, ApiError> {
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
        let mut faults = lock(&self.faults);
        faults.0 += 1;
        fault.id = faults.0;
        faults.1.push(fault.clone());
        Ok(fault)
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        lock(&self.faults).1.clone()
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.faults).1.clear();
    }

    /// Takes one hit of the first fault matching the call, if any.
    fn take_fault(&self, call: &Call) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults.1.iter().position(|fault| call.matches(fault))?;
        let fault = &mut faults.1[index];
        fault.count -= 1;
        let hit = fault.clone();
        if fault.count == 0 {
            faults.1.remove(index);
        }
        Some(hit)
    }

    fn record(
        &self,
        call: &Call,
        status: u16,
        error_code: Option<u16>,
        elapsed: Duration,
        fault: Option<&'static str>,
    ) {
        let route = call.route.clone().unwrap_or_else(|| "unmatched".to_owned());
        *lock(&self.counts)
            .entry((call.method.clone(), route.clone(), status))
            .or_default() += 1;
        {
            let mut latencies = lock(&self.latencies);
            let series = latencies.entry((call.method.clone(), route)).or_default();
            let seconds = elapsed.as_secs_f64();
            series.count += 1;
            series.sum += seconds;
            for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
        }
        let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let route = call.route.as_deref().unwrap_or("-");
        let label = call.label.as_deref().unwrap_or("-");
        let code = error_code.map_or_else(|| "-".to_owned(), |c| c.to_string());
        if call.is_internal() {
            tracing::debug!(target: "tsb_emulator::request", method = %call.method, route, status, error_code = %code, key_label = label, duration_ms, "request");
            return;
        }
        tracing::info!(target: "tsb_emulator::request", method = %call.method, route, status, error_code = %code, key_label = label, duration_ms, fault = fault.unwrap_or("-"), "request");
        let mut journal = lock(&self.journal);
        journal.next_seq += 1;
        let entry = JournalEntry {
            seq: journal.next_seq,
            method: call.method.clone(),
            path: call.path.clone(),
            route: call.route.clone(),
            status,
            error_code,
            key_label: call.label.clone(),
            duration_ms,
            fault,
            request_body: call.body.clone(),
        };
        journal.entries.push_back(entry);
        while journal.entries.len() > self.capacity {
            journal.entries.pop_front();
        }
    }

    /// The Prometheus text exposition of the request counts and latencies.
    pub fn metrics(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str("# HELP tsb_emulator_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE tsb_emulator_requests_total counter\n");
        for ((method, route, status), count) in lock(&self.counts).iter() {
            let _ = writeln!(
                out,
                "tsb_emulator_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP tsb_emulator_request_duration_seconds Time to answer, by method and route.\n",
        );
        out.push_str("# TYPE tsb_emulator_request_duration_seconds histogram\n");
        for ((method, route), series) in lock(&self.latencies).iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                let _ = writeln!(
                    out,
                    "tsb_emulator_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_sum{{{labels}}} {}",
                series.sum
            );
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_count{{{labels}}} {}",
                series.count
            );
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// What the middleware knows about a call.
struct Call {
    method: String,
    path: String,
    route: Option<String>,
    label: Option<String>,
    names: Vec<String>,
    body: Option<Value>,
}

impl Call {
    /// Emulator's own, health and metrics calls: counted, never journaled nor faulted.
    fn is_internal(&self) -> bool {
        self.path.starts_with("/_emulator/") || self.path == "/health" || self.path == "/metrics"
    }

    fn matches(&self, fault: &Fault) -> bool {
        !self.is_internal()
            && fault
                .path
                .as_ref()
                .is_none_or(|p| *p == self.path || Some(p) == self.route.as_ref())
            && fault
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&self.method))
            && fault
                .key_name
                .as_ref()
                .is_none_or(|k| self.names.contains(k))
    }
}

/// The middleware.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let observer = &state.observer;
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut call = Call {
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        route,
        label: None,
        names: Vec::new(),
        body: None,
    };
    if let Some(route) = &call.route {
        for (pattern, segment) in route.split('/').zip(call.path.split('/')) {
            if pattern == "{keyName}" {
                call.names.push(segment.to_owned());
            }
        }
    }
    let request = if is_json(&request) {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, state.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => {
                let response = super::json::too_large().into_response();
                let code = response.extensions().get::<TsbErrorCode>().map(|c| c.0);
                observer.record(
                    &call,
                    response.status().as_u16(),
                    code,
                    started.elapsed(),
                    None,
                );
                return response;
            }
        };
        let cleaned = super::json::strip_trailing_commas(&bytes);
        if let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&cleaned) {
            call.names = body_names(&body, call.names);
            if observer.bodies {
                call.body = Some(redacted(Value::Object(body)));
            }
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    call.label = call.names.first().cloned();
    let fault = observer.take_fault(&call);
    let mut kind = None;
    if let Some(fault) = &fault {
        if let Some(ms) = fault.delay_ms {
            kind = Some("delay");
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if fault.action.as_deref() == Some("drop") {
            observer.record(&call, 0, None, started.elapsed(), Some("drop"));
            return dropped_connection();
        }
        if let Some(error) = &fault.error {
            let response = injected(error);
            observer.record(
                &call,
                error.status,
                Some(error.error_code),
                started.elapsed(),
                Some("error"),
            );
            return response;
        }
    }
    let response = next.run(request).await;
    let code = response.extensions().get::<TsbErrorCode>().map(|c| c.0);
    observer.record(
        &call,
        response.status().as_u16(),
        code,
        started.elapsed(),
        kind,
    );
    response
}

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// The key names of a JSON body: top level, then one envelope level down.
fn body_names(body: &serde_json::Map<String, Value>, mut names: Vec<String>) -> Vec<String> {
    let nested = body.values().filter_map(Value::as_object);
    for object in std::iter::once(body).chain(nested) {
        for field in LABEL_FIELDS {
            if let Some(Value::String(name)) = object.get(*field)
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The body with every password and private or secret key replaced by `"***"`.
fn redacted(value: Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(name, value)| {
                    let lower = name.to_ascii_lowercase();
                    let secret =
                        lower.contains("password") || lower == "privatekey" || lower == "secretkey";
                    if secret && !value.is_null() {
                        (name, Value::String("***".into()))
                    } else {
                        (name, redacted(value))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        other => other,
    }
}

fn injected(error: &FaultError) -> Response {
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
fn dropped_connection() -> Response {
    let mut response = Response::new(Body::new(FailingBody));
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
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

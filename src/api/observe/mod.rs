//! One middleware around every route: the request journal, injected faults, Prometheus
//! metrics and the one log line per request.
//!
//! The key label is read by the middleware itself: from the `{keyName}` path segment, or from
//! the JSON body's key-naming fields (`label`, `signKeyName`, `keyToBeWrapped`, ...; one
//! envelope level deep; only for a body whose `Content-Type` the handlers accept as JSON), so
//! handlers stay unaware of it. The body is read once, up to the body limit, and handed on
//! unchanged, with its cleaned text (trailing commas dropped, once) as a [`CleanedBody`]
//! extension that the handler's `TsbJson` parses. Nothing of the body but the labels is kept (no payloads, passwords or key
//! material) unless `--journal-bodies` asks for the body, and even then only the fields the
//! route's request type declares keep their values (`declared`) and passwords and private or
//! secret keys are redacted. The TSB error code comes from a response extension that
//! [`ApiError`] sets.

mod declared;
mod faults;
mod metrics;
mod names;

pub use faults::{Fault, FaultError};

use super::SharedState;
use super::error::{ApiError, TsbErrorCode};
use super::json::CleanedBody;
use crate::logging::request::RequestLine;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use faults::{FaultTable, dropped_connection, injected};
use metrics::Metrics;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests the journal remembers unless configured otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// One answered request, as `GET /_emulator/journal` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position since start (or the last clear), from 1.
    pub seq: u64,
    /// HTTP method.
    #[serde(serialize_with = "as_str")]
    pub method: Method,
    /// The path asked for (query string excluded).
    pub path: String,
    /// The route pattern that served it (`/v1/key/{keyName}`), null if none did.
    #[serde(serialize_with = "route_as_str")]
    pub route: Option<MatchedPath>,
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

// The method and route are kept as they came (no copy per request) and written as text.
fn as_str<S: serde::Serializer>(method: &Method, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

fn route_as_str<S: serde::Serializer>(
    route: &Option<MatchedPath>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match route {
        Some(route) => serializer.serialize_str(route.as_str()),
        None => serializer.serialize_none(),
    }
}

#[derive(Default)]
struct Journal {
    next_seq: u64,
    entries: VecDeque<JournalEntry>,
}

/// Journal, faults and metrics shared by all requests.
pub struct Observer {
    capacity: usize,
    bodies: bool,
    journal: Mutex<Journal>,
    faults: FaultTable,
    metrics: Metrics,
    /// Set once shutdown is asked for: cuts delay faults short.
    stopping: tokio::sync::watch::Sender<bool>,
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
            faults: FaultTable::default(),
            metrics: Metrics::default(),
            stopping: tokio::sync::watch::Sender::new(false),
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
    pub fn add_fault(&self, fault: Fault) -> Result<Fault, ApiError> {
        self.faults.add(fault)
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.faults.list()
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// Cuts every running and future delay fault short (called when shutdown begins, so a
    /// long delay cannot hold the graceful shutdown).
    pub fn stop_delays(&self) {
        self.stopping.send_replace(true);
    }

    /// Waits `duration`, or less if shutdown begins.
    async fn delay(&self, duration: Duration) {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            _ = stopping.wait_for(|stop| *stop) => {}
        }
    }

    /// The Prometheus text exposition of the request counts and latencies.
    pub fn metrics(&self) -> String {
        self.metrics.render()
    }

    fn record(
        &self,
        call: Call,
        status: u16,
        error_code: Option<u16>,
        elapsed: Duration,
        fault: Option<&'static str>,
    ) {
        let route = call.route.as_ref().map(MatchedPath::as_str);
        self.metrics.observe(
            call.method.as_str(),
            route.unwrap_or("unmatched"),
            status,
            elapsed,
        );
        let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let internal = call.is_internal();
        crate::logging::request::log(&RequestLine {
            method: call.method.as_str(),
            route: route.unwrap_or("-"),
            status,
            error_code,
            key_label: call.label(),
            duration_ms,
            fault,
            internal,
        });
        if internal {
            return;
        }
        let key_label = call.names.into_iter().next();
        let mut journal = lock(&self.journal);
        journal.next_seq += 1;
        let entry = JournalEntry {
            seq: journal.next_seq,
            method: call.method,
            path: call.path,
            route: call.route,
            status,
            error_code,
            key_label,
            duration_ms,
            fault,
            request_body: call.body,
        };
        journal.entries.push_back(entry);
        while journal.entries.len() > self.capacity {
            journal.entries.pop_front();
        }
    }
}

/// What the middleware knows about a call.
struct Call {
    method: Method,
    path: String,
    route: Option<MatchedPath>,
    /// The key names the call mentions; the first is its journal label.
    names: Vec<String>,
    body: Option<Value>,
}

impl Call {
    fn new(parts: &Parts) -> Self {
        let route = parts.extensions.get::<MatchedPath>().cloned();
        let path = parts.uri.path().to_owned();
        let mut names = Vec::new();
        if let Some(route) = &route {
            for (pattern, segment) in route.as_str().split('/').zip(path.split('/')) {
                if pattern == "{keyName}" {
                    names.push(segment.to_owned());
                }
            }
        }
        Self {
            method: parts.method.clone(),
            path,
            route,
            names,
            body: None,
        }
    }

    fn label(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }

    /// Emulator's own, health and metrics calls: counted, never journaled nor faulted.
    fn is_internal(&self) -> bool {
        super::routes::is_internal(&self.path)
    }

    fn matches(&self, fault: &Fault) -> bool {
        !self.is_internal()
            && fault.path.as_ref().is_none_or(|p| {
                *p == self.path || Some(p.as_str()) == self.route.as_ref().map(MatchedPath::as_str)
            })
            && fault
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(self.method.as_str()))
            && fault
                .key_name
                .as_ref()
                .is_none_or(|k| self.names.contains(k))
    }
}

/// The one middleware: asks the guard, observes the call, asks access control, then runs
/// the route, and a matching fault before it, within the request timeout.
///
/// The body is read first (within the body-read timeout and the size limit), so the key
/// names of a JSON body are known to faults and the journal; the route gets it buffered.
/// Faults come after access control, so an unauthenticated caller never gets a forged
/// success, and inside the request timeout, so a delay is bounded by it; shutdown cuts a
/// delay short.
pub async fn observe(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let observer = &state.observer;
    let (mut parts, body) = request.into_parts();
    let mut call = Call::new(&parts);
    let cors = match super::guard::check(&state, &parts) {
        super::guard::Verdict::Pass(cors) => cors,
        super::guard::Verdict::Answer(response) => {
            let code = response.extensions().get::<TsbErrorCode>().map(|c| c.0);
            let status = response.status().as_u16();
            observer.record(call, status, code, started.elapsed(), None);
            return response;
        }
    };
    let bytes = match super::limits::read_body(&state, &call.path, body).await {
        Ok(bytes) => bytes,
        Err(response) => {
            let code = response.extensions().get::<TsbErrorCode>().map(|c| c.0);
            let status = response.status().as_u16();
            observer.record(call, status, code, started.elapsed(), None);
            return super::guard::with_cors(response, cors.as_ref());
        }
    };
    if !bytes.is_empty() && super::json::is_json(&parts.headers) {
        // Cleaned once here for the names, the journal and the handler's `TsbJson`.
        let cleaned = CleanedBody::of(&bytes);
        let parsed = if observer.bodies {
            serde_json::from_slice::<Value>(cleaned.bytes()).ok()
        } else {
            None
        };
        if let Some(Value::Object(body)) = parsed {
            // The journal's parse serves the names too.
            names::of_object(&body, &mut call.names);
            let route = call.route.as_ref().map(MatchedPath::as_str);
            call.body = Some(declared::journaled(&parts.method, route, body));
        } else {
            names::scan(cleaned.bytes(), &mut call.names);
        }
        parts.extensions.insert(cleaned);
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut kind = None;
    let response = match super::auth::refusal_for(&state, &request) {
        Some(refusal) => refusal,
        None => {
            let fault = observer.faults.take(|fault| call.matches(fault));
            if let Some(fault) = &fault {
                kind = Some(if fault.action.as_deref() == Some("drop") {
                    "drop"
                } else if fault.error.is_some() {
                    "error"
                } else {
                    "delay"
                });
            }
            let route = async {
                if let Some(fault) = fault {
                    if let Some(ms) = fault.delay_ms {
                        observer.delay(Duration::from_millis(ms)).await;
                    }
                    if fault.action.as_deref() == Some("drop") {
                        return dropped_connection();
                    }
                    if let Some(error) = &fault.error {
                        return injected(error);
                    }
                }
                next.run(request).await
            };
            super::limits::within_request_timeout(&state, &call.path, route).await
        }
    };
    let code = response.extensions().get::<TsbErrorCode>().map(|c| c.0);
    let status = if faults::is_dropped(&response) {
        0
    } else {
        response.status().as_u16()
    };
    observer.record(call, status, code, started.elapsed(), kind);
    super::guard::with_cors(response, cors.as_ref())
}

/// The body with every password (`transportPassword`, `backupPassword`, ...), private or
/// secret key and one-time code (`oneTimeCode`) replaced by `"***"`.
fn redacted(value: Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(name, value)| {
                    let lower = name.to_ascii_lowercase();
                    let secret = lower.contains("password")
                        || lower == "privatekey"
                        || lower == "secretkey"
                        || lower == "onetimecode";
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

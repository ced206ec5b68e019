//! Emulator-only endpoints under `/_emulator/`, a prefix no TSB path uses, and `/metrics`.
//!
//! The control API (reset, keys, journal, faults, clock, snapshot and restore) and its dashboard can be turned off; the attestation key and
//! the capabilities are read-only facts and always answer. None of them takes the TSB's
//! authentication.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::observe::Fault;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

mod clock;
mod snapshot;
pub(super) mod ui;

/// The emulator's own routes that always answer.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/_emulator/attestation-key", get(attestation_key))
        .route("/_emulator/capabilities", get(super::capabilities::handler))
        .route("/metrics", get(metrics))
}

/// The control API (`--no-control-api` leaves it out).
pub fn control_router() -> Router<SharedState> {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/keys", get(keys))
        .route("/_emulator/journal", get(journal).delete(clear_journal))
        .route(
            "/_emulator/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/clock", get(clock::read).post(clock::move_clock))
        .route("/_emulator/snapshot", get(snapshot::snapshot))
        .route("/_emulator/restore", post(snapshot::restore))
        .merge(ui::router())
}

/// The public half of the attestation key, so clients can verify `xmlSignature`.
async fn attestation_key(State(state): State<SharedState>) -> Json<Value> {
    let (name, public_key) = state.hsm.attestation_public_key();
    Json(json!({
        "attestationKeyName": name,
        "publicKey": STANDARD.encode(public_key),
        "signatureAlgorithm": "SHA256_WITH_RSA",
        "certificateChain": state.hsm.attestation_chain().iter().map(|der| STANDARD.encode(der)).collect::<Vec<_>>(),
    }))
}

/// Deletes every key and puts the fixture keys back; also clears the journal and the faults,
/// so a test starts from the state the emulator started in.
async fn reset(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let keys = state.hsm.reset().await?;
    state.observer.clear_journal();
    state.observer.clear_faults();
    Ok(Json(json!({ "keys": keys })))
}

/// Every stored key with its metadata (never material or passwords).
async fn keys(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let keys: Vec<Value> = state
        .hsm
        .stored_keys()
        .await?
        .into_iter()
        .map(|key| {
            let info = key.info;
            json!({
                "label": info.label.as_str(),
                "algorithm": info.algorithm.tsb_name(),
                "keySize": info.key_size,
                "curveOid": info.curve.map(|c| c.oid()),
                "attributes": info.attributes,
                "policy": info.policy,
                "createTime": info.created_at.to_string(),
                "imported": info.imported,
                "hasPrivateKey": !info.algorithm.is_symmetric() && key.has_private_key,
                "hasPassword": key.has_password,
                "hasCertificate": key.has_certificate,
                "publicKey": info.public_key.map(|der| STANDARD.encode(der)),
            })
        })
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

/// The journal; `?since=N` gives only the entries after sequence number N.
async fn journal(State(state): State<SharedState>, uri: Uri) -> Json<Value> {
    let since = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("since="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Json(json!({ "entries": state.observer.journal(since) }))
}

async fn clear_journal(State(state): State<SharedState>) -> StatusCode {
    state.observer.clear_journal();
    StatusCode::NO_CONTENT
}

async fn faults(State(state): State<SharedState>) -> Json<Value> {
    Json(json!({ "faults": state.observer.faults() }))
}

async fn add_fault(
    State(state): State<SharedState>,
    TsbJson(fault): TsbJson<Fault>,
) -> Result<(StatusCode, Json<Fault>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.observer.add_fault(fault)?)))
}

async fn clear_faults(State(state): State<SharedState>) -> StatusCode {
    state.observer.clear_faults();
    StatusCode::NO_CONTENT
}

/// Prometheus text exposition.
async fn metrics(State(state): State<SharedState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.observer.metrics(),
    )
}

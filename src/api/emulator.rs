//! Emulator-only endpoints under `/_emulator/`, a prefix no TSB path uses, and `/metrics`.
//!
//! The control API (reset, keys, journal, faults, clock, snapshot and restore) and its dashboard can be turned off; the attestation key and
//! the capabilities are read-only facts and always answer. None of them takes the TSB's
//! authentication.

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::observe::Fault;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub(super) mod clock;
pub(super) mod ska;
pub(super) mod snapshot;
pub(super) mod ui;

/// The body of a control call that takes none (`POST /_emulator/reset`,
/// `/_emulator/requests/{id}/expire`): none, or any JSON object, which is ignored.
#[derive(utoipa::ToSchema)]
pub(super) struct NoBody {}

/// The public half of the attestation key, so clients can verify `xmlSignature`.
#[utoipa::path(get, path = "/_emulator/attestation-key", tag = "emulator", operation_id = "readAttestationKey",
    responses((status = 200, description = "The attestation key: name, public key and certificate chain, to verify `xmlSignature`")))]
pub(super) async fn attestation_key(State(state): State<SharedState>) -> Json<Value> {
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
#[utoipa::path(post, path = "/_emulator/reset", tag = "emulator", operation_id = "resetEmulator",
    request_body = NoBody,
    responses((status = 200, description = "Deletes every key, puts the fixtures back, clears journal and faults and resets the clock")))]
pub(super) async fn reset(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let keys = state.hsm.reset().await?;
    state.observer.clear_journal();
    state.observer.clear_faults();
    Ok(Json(json!({ "keys": keys })))
}

/// Every stored key with its metadata (never material or passwords).
#[utoipa::path(get, path = "/_emulator/keys", tag = "emulator", operation_id = "listStoredKeys",
    responses((status = 200, description = "Every stored key with its metadata (never material or passwords)")))]
pub(super) async fn keys(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
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
#[utoipa::path(get, path = "/_emulator/journal", tag = "emulator", operation_id = "readJournal",
    responses((status = 200, description = "The journal of calls; `?since=N` gives the entries after sequence number N")))]
pub(super) async fn journal(State(state): State<SharedState>, uri: Uri) -> Json<Value> {
    let since = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("since="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Json(json!({ "entries": state.observer.journal(since) }))
}

#[utoipa::path(delete, path = "/_emulator/journal", tag = "emulator", operation_id = "clearJournal",
    responses((status = 200, description = "Empties the journal")))]
pub(super) async fn clear_journal(State(state): State<SharedState>) -> StatusCode {
    state.observer.clear_journal();
    StatusCode::NO_CONTENT
}

#[utoipa::path(get, path = "/_emulator/faults", tag = "emulator", operation_id = "listFaults",
    responses((status = 200, description = "The faults that are armed")))]
pub(super) async fn faults(State(state): State<SharedState>) -> Json<Value> {
    Json(json!({ "faults": state.observer.faults() }))
}

#[utoipa::path(post, path = "/_emulator/faults", tag = "emulator", operation_id = "addFault",
    request_body = Fault,
    responses((status = 200, description = "Arms a fault")))]
pub(super) async fn add_fault(
    State(state): State<SharedState>,
    TsbJson(fault): TsbJson<Fault>,
) -> Result<(StatusCode, Json<Fault>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.observer.add_fault(fault)?)))
}

#[utoipa::path(delete, path = "/_emulator/faults", tag = "emulator", operation_id = "clearFaults",
    responses((status = 200, description = "Disarms every fault")))]
pub(super) async fn clear_faults(State(state): State<SharedState>) -> StatusCode {
    state.observer.clear_faults();
    StatusCode::NO_CONTENT
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "emulator", operation_id = "readMetrics",
    responses((status = 200, description = "Prometheus text exposition")))]
pub(super) async fn metrics(State(state): State<SharedState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.observer.metrics(),
    )
}

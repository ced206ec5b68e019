//! Emulator-only endpoints under `/_emulator/`, a prefix no TSB path uses.

use super::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The emulator's own routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/_emulator/attestation-key", get(attestation_key))
}

/// The public half of the attestation key, so clients can verify `xmlSignature`.
async fn attestation_key(State(state): State<AppState>) -> Json<Value> {
    let (name, public_key) = state.hsm.attestation_public_key();
    Json(json!({
        "attestationKeyName": name,
        "publicKey": STANDARD.encode(public_key),
        "signatureAlgorithm": "SHA256_WITH_RSA",
        "certificateChain": state.hsm.attestation_chain().iter().map(|der| STANDARD.encode(der)).collect::<Vec<_>>(),
    }))
}

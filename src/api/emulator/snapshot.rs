//! `GET /_emulator/snapshot` and `POST /_emulator/restore`: a running store as a fixture
//! manifest (the format `tsb-emulator fixtures export` writes) and back, so a suite can save
//! and restore state between tests without a restart. Part of the control API.

use crate::api::SharedState;
use crate::api::error::ApiError;
use crate::api::json::TsbJson;
use crate::fixtures::{Manifest, export_records, restore_imports};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Every key with inline material (private keys as PKCS#8 PEM, secrets as base64), its
/// attributes and policy. Passwords are kept only as hashes and are not in it (as in
/// `fixtures export`); timestamps and usage counters are not part of a manifest either.
#[utoipa::path(get, path = "/_emulator/snapshot", tag = "emulator", operation_id = "takeSnapshot",
    responses((status = 200, description = "The store as a fixture manifest")))]
pub async fn snapshot(State(state): State<SharedState>) -> Result<Json<Manifest>, ApiError> {
    let records = state.hsm.key_records().await?;
    let (manifest, _with_password) = export_records(records);
    Ok(Json(manifest))
}

/// Replaces every key by the manifest's keys in one batch: on any refused key the store is
/// unchanged (400). Answers `{"keys": N}`.
#[utoipa::path(post, path = "/_emulator/restore", tag = "emulator", operation_id = "restoreSnapshot",
    request_body = Manifest,
    responses((status = 200, description = "The store replaced by the manifest, atomically")))]
pub async fn restore(
    State(state): State<SharedState>,
    TsbJson(manifest): TsbJson<Manifest>,
) -> Result<Json<Value>, ApiError> {
    let imports = restore_imports(&manifest).map_err(|e| ApiError::invalid(e.to_string()))?;
    let keys = state.hsm.restore(imports).await?;
    Ok(Json(json!({ "keys": keys })))
}

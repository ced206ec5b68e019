//! Service endpoints (reference 12): version, licence flags and keystore statistics. They
//! are cheap and double as health checks.

use super::SharedState;
use super::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The TSB release whose API the emulator follows.
pub const EMULATED_TSB_VERSION: &str = "2.2.0";

/// The licence flag reported when `--license-flags` is not given: plain (non-SKA) keys over
/// the REST API. `KEY_AUTH`/`TSB_ENGINE` join when the SKA workflow exists.
pub const DEFAULT_LICENSE_FLAG: &str = "REST_API";

/// Liveness and readiness, not a TSB path: `UP` once the store is open, 503 `DOWN` once the
/// key store has stopped after a failed write (so a container orchestrator restarts the
/// emulator).
#[utoipa::path(
    get,
    path = "/health",
    tag = "Service",
    responses(
        (status = 200, description = "`{\"status\": \"UP\"}` once the key store is open.", body = Object),
        (status = 503, description = "`{\"status\": \"DOWN\"}` once the key store has stopped after a failed write.", body = Object)
    )
)]
pub(super) async fn health(State(state): State<SharedState>) -> (StatusCode, Json<Value>) {
    if state.hsm.is_healthy() {
        (StatusCode::OK, Json(json!({ "status": "UP" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "DOWN" })),
        )
    }
}

#[utoipa::path(
    get,
    path = "/v1/versionInfo",
    tag = "Service",
    responses((status = 200, description = "The emulated TSB version.", body = Object))
)]
pub(super) async fn version() -> Json<Value> {
    Json(json!({ "Version": EMULATED_TSB_VERSION }))
}

#[utoipa::path(
    get,
    path = "/v1/licenseInfo",
    tag = "Service",
    responses((status = 200, description = "The licence flags (`--license-flags`).", body = Object))
)]
pub(super) async fn license(State(state): State<SharedState>) -> Json<Value> {
    Json(json!({ "clientFlags": &*state.license_flags }))
}

#[utoipa::path(
    get,
    path = "/v1/keystore/statistics",
    tag = "Service",
    responses((status = 200, description = "Key store statistics.", body = Object))
)]
pub(super) async fn statistics(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    let stats = state.hsm.statistics().await?;
    let pool = match &stats.rsa_pool {
        Some((ready, depth)) => {
            let sizes: Vec<String> = ready
                .iter()
                .map(|(bits, count)| format!("RSA-{} {count}/{depth}", bits.bits()))
                .collect();
            format!("; rsa pool: {}", sizes.join(", "))
        }
        None => String::new(),
    };
    let stateful: Vec<String> = match &stats.rsa_pool {
        Some((_, depth)) => stats
            .stateful_pool
            .iter()
            .map(|(kind, count)| format!("{kind} {count}/{depth}"))
            .collect(),
        None => Vec::new(),
    };
    let pool = if stateful.is_empty() {
        pool
    } else {
        format!("{pool}; stateful key pool: {}", stateful.join(", "))
    };
    Ok(Json(json!({
        "keyStoreStatistics": format!(
            "keys: {}; storage: sled, {} bytes on disk{pool}; emulator: tsb-emulator {}",
            stats.key_count,
            stats.size_on_disk,
            env!("CARGO_PKG_VERSION"),
        )
    })))
}

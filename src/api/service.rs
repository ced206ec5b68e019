//! Service endpoints (reference 12): version, licence flags and keystore statistics. They
//! are cheap and double as health checks.

use super::AppState;
use super::error::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The TSB release whose API the emulator follows.
pub const EMULATED_TSB_VERSION: &str = "2.2.0";

/// Licence flags for what the emulator implements: plain (non-SKA) keys over the REST API.
/// `KEY_AUTH`/`TSB_ENGINE` join when the SKA workflow exists.
const LICENSE_FLAGS: &[&str] = &["REST_API"];

/// The service routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/versionInfo", get(version))
        .route("/v1/licenseInfo", get(license))
        .route("/v1/keystore/statistics", get(statistics))
        .route("/health", get(health))
}

/// Liveness and readiness: the server answers once the store is open. Not a TSB path.
/// `UP`, or 503 `DOWN` once the key store has stopped after a failed write (so a container
/// orchestrator restarts the emulator).
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.hsm.is_healthy() {
        (StatusCode::OK, Json(json!({ "status": "UP" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "DOWN" })),
        )
    }
}

async fn version() -> Json<Value> {
    Json(json!({ "Version": EMULATED_TSB_VERSION }))
}

async fn license() -> Json<Value> {
    Json(json!({ "clientFlags": LICENSE_FLAGS }))
}

async fn statistics(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({
        "keyStoreStatistics": format!(
            "keys: {}; storage: sled, {} bytes on disk{pool}; emulator: tsb-emulator {}",
            stats.key_count,
            stats.size_on_disk,
            env!("CARGO_PKG_VERSION"),
        )
    })))
}

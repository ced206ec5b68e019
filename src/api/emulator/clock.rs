//! `GET` and `POST /_emulator/clock`: reads and moves the device's clock, so a test steps over
//! token lifetimes, certificate validity and SKA timelocks instead of sleeping.

use crate::api::SharedState;
use crate::api::error::ApiError;
use crate::api::json::TsbJson;
use crate::domain::Timestamp;
use crate::hsm::Clock;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

/// `{"advanceSeconds": N}` (negative moves back) or `{"now": "<ISO-8601>"}`, not both.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MoveClock {
    advance_seconds: Option<i64>,
    now: Option<String>,
}

/// What the clock reads.
fn reading(clock: &Clock) -> Json<Value> {
    Json(json!({
        "now": clock.now().to_string(),
        "offsetSeconds": clock.offset(),
        "fixed": clock.is_fixed(),
    }))
}

/// The emulator's clock: `now`, how far it was moved (`offsetSeconds`) and whether it stands
/// still between moves (`fixed`, with `--deterministic`).
#[utoipa::path(get, path = "/_emulator/clock", tag = "emulator", operation_id = "readClock",
    responses((status = 200, description = "`{now, offsetSeconds, fixed}`")))]
pub(crate) async fn read(State(state): State<SharedState>) -> Json<Value> {
    reading(state.hsm.clock())
}

/// Moves the clock forward or back, or sets it; `POST /_emulator/reset` puts it back.
#[utoipa::path(post, path = "/_emulator/clock", tag = "emulator", operation_id = "moveClock",
    request_body = MoveClock,
    responses((status = 200, description = "`{now, offsetSeconds, fixed}` after the move")))]
pub(crate) async fn move_clock(
    State(state): State<SharedState>,
    TsbJson(request): TsbJson<MoveClock>,
) -> Result<Json<Value>, ApiError> {
    let clock = state.hsm.clock();
    match (request.advance_seconds, request.now) {
        (Some(seconds), None) => {
            clock.advance(seconds);
        }
        (None, Some(now)) => {
            let at = Timestamp::parse(&now).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Field 'now' must be an ISO-8601 time such as 2026-01-01T00:00:00Z, not '{now}'."
                ))
            })?;
            clock.set(at);
        }
        _ => {
            return Err(ApiError::invalid(
                "Give exactly one of 'advanceSeconds' and 'now'.",
            ));
        }
    }
    Ok(reading(clock))
}

//! A bare axum hello-world on the same runtime settings as the emulator: the yardstick for
//! the emulator's own request overhead in `scripts/bench.sh`.
//!
//! Usage: `cargo run --release --example bare_axum -- 127.0.0.1:9090`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    let app = Router::new().route(
        "/v1/versionInfo",
        get(|| async { axum::Json(serde_json::json!({"version": "hello"})) }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await.unwrap();
    println!(
        "bare axum listening on http://{}",
        listener.local_addr().unwrap()
    );
    axum::serve(listener, app).await.unwrap();
}

//! tsb-emulator: a local, offline emulator of the Securosys Transaction Security Broker (TSB)
//! REST API, for tests and development without an HSM.
//!
//! The module tree is the architecture; dependencies point one way:
//!
//! ```text
//! api  ──►  hsm  ──►  keystore   (sled, nothing else touches it)
//!                └──►  crypto    (pure, synchronous RustCrypto code)
//! domain: the vocabulary all of them share (labels, algorithms, attributes, subjects)
//! ```
//!
//! - [`api`]: HTTP only (routes, DTOs, the one error-to-response table).
//! - [`hsm`]: the emulated device's operations and rules; runs blocking work off the async
//!   workers.
//! - [`keystore`]: versioned key records in sled, create-if-absent, flushed writes.
//! - [`crypto`]: key generation, signatures, CSRs, PEM.
//! - [`config`]: command-line flags and their environment fallbacks.
//! - [`health`]: the `health` subcommand's probe.
//! - [`fixtures`]: fixture manifests (keys loaded at start), above `api`: a fixture becomes
//!   the same request the API would make.

pub mod api;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod fixtures;
pub mod health;
pub mod hsm;
pub mod keystore;

pub use api::{AppState, app};

use hsm::{Hsm, HsmOptions};
use keystore::KeyStore;
use std::future::Future;
use tokio::net::TcpListener;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The key store could not be opened (e.g. another process holds it).
    #[error(transparent)]
    KeyStore(#[from] keystore::KeyStoreError),
    /// A fixture manifest is broken.
    #[error(transparent)]
    Fixtures(#[from] fixtures::FixtureError),
    /// The device refused a fixture key.
    #[error("fixtures {files}: {source}")]
    Provision {
        /// The manifest files.
        files: String,
        /// The refusal.
        source: hsm::ProvisionError,
    },
    /// The device could not be set up.
    #[error("could not start the emulated HSM: {0}")]
    Hsm(#[from] hsm::HsmError),
    /// Binding or serving failed.
    #[error("could not listen on {address}: {source}")]
    Listen {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Opens the store, binds, serves until `shutdown` resolves, then flushes the store.
/// In-flight requests finish before it returns.
pub async fn run(
    config: config::Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let store = if config.in_memory {
        KeyStore::in_memory()?
    } else {
        KeyStore::open(&config.data_dir)?
    };
    let options = HsmOptions {
        attestation_key_name: config.attestation_key_name.clone(),
        rsa_pool_depth: config.rsa_pool,
        ..HsmOptions::default()
    };
    // A broken manifest stops the start before anything else happens.
    let fixtures = config.fixtures.as_deref().map(fixtures::load).transpose()?;
    let hsm = Hsm::open(store, options).await?;
    if let Some(set) = fixtures {
        let files = set
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let report = hsm
            .load_fixtures(set.keys)
            .await
            .map_err(|source| RunError::Provision {
                files: files.clone(),
                source,
            })?;
        tracing::info!(
            created = report.created.len(),
            kept = report.kept.len(),
            "fixtures loaded from {files}"
        );
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| RunError::Listen {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| RunError::Listen {
        address: config.listen,
        source,
    })?;
    let storage = if config.in_memory {
        "in memory".to_owned()
    } else {
        format!("in {}", config.data_dir.display())
    };
    tracing::info!("tsb-emulator listening on http://{address} (keys {storage})");
    let state = AppState {
        max_body_bytes: config.max_body_bytes,
        control_api: !config.no_control_api,
        observer: std::sync::Arc::new(
            api::Observer::new(config.journal_size).with_bodies(config.journal_bodies),
        ),
        ..AppState::new(hsm.clone())
    };
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| RunError::Listen { address, source })?;
    hsm.flush().await?;
    tracing::info!("tsb-emulator stopped; key store flushed");
    Ok(())
}

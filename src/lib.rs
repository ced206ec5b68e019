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
//! - [`access`]: who may call which path (API-key groups, bearer tokens); pure decisions.
//! - [`api::server`]: the accept loop that puts the router on a socket: TLS and mTLS,
//!   connection limit, header-read timeout, graceful shutdown (HTTP, so under `api`).
//! - [`config`]: command-line flags and their environment fallbacks.
//! - [`health`]: the `health` subcommand's probe.
//! - [`logging`]: the subscriber (`tracing-subscriber`, non-blocking output through
//!   `tracing-appender`) and the one line per request.
//! - [`fixtures`]: fixture manifests (keys loaded at start), above `api`: a fixture becomes
//!   the same request the API would make.

pub mod access;
pub mod api;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod fixtures;
pub mod health;
pub mod hsm;
pub mod keystore;
pub mod logging;

pub use api::{AppState, app};

use api::server;
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
    /// A flag's value is unusable (e.g. an unreadable JWT key file).
    #[error("{0}")]
    Config(String),
    /// The TLS certificate, key or client CAs are unusable.
    #[error(transparent)]
    Tls(#[from] server::TlsSetupError),
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
    let access = config.access_policy().map_err(RunError::Config)?;
    let (tls, temporary_certificate) = tls_setup(&config)?;
    // An in-memory server's certificate is its own file in the temp folder: removed at exit.
    let _remove_certificate = temporary_certificate.map(RemoveOnDrop);
    // The Host check follows the address asked for: binding keeps its IP.
    let guard = api::guard::Guard::new(
        &config.allow_origins,
        config.listen.ip().is_loopback(),
        tls.is_some(),
    )
    .map_err(RunError::Config)?;
    let store = if config.in_memory {
        KeyStore::in_memory()?
    } else {
        KeyStore::open(&config.data_dir)?
    };
    let options = HsmOptions {
        attestation_key_name: config.attestation_key_name.clone(),
        rsa_pool_depth: config.rsa_pool,
        deterministic_seed: config.deterministic.clone(),
        strict_key_protection: config.strict_key_protection,
        ..HsmOptions::default()
    };
    if config.deterministic.is_some() {
        tracing::warn!(
            "deterministic mode: every key and random value derives from the seed; \
             never use these keys for anything real"
        );
    }
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
        let (approvers, report) =
            fixtures::apply(&hsm, set)
                .await
                .map_err(|source| RunError::Provision {
                    files: files.clone(),
                    source,
                })?;
        tracing::info!(
            approvers,
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("tsb-emulator listening on {scheme}://{address} (keys {storage})");
    let base = format!("{scheme}://{address}");
    let control = if config.no_control_api {
        "off (--no-control-api)".to_owned()
    } else {
        format!("{base}/_emulator/ (dashboard {base}/_emulator/ui)")
    };
    tracing::info!(
        "API {base}/v1/, Swagger UI {base}/swagger-ui/, control API {control}, metrics {base}/metrics"
    );
    if access.api_keys_enabled() || access.bearer_enabled() {
        tracing::info!(
            api_keys = access.api_keys_enabled(),
            bearer = access.bearer_enabled(),
            "access control on"
        );
    }
    if (access.api_keys_enabled() || access.bearer_enabled())
        && !access.control_token_enabled()
        && !config.no_control_api
    {
        tracing::warn!(
            "the control API (/_emulator/reset, keys, journal, faults) is open to anyone who reaches the port: set --control-token or --no-control-api"
        );
    }
    let observer = std::sync::Arc::new(
        api::Observer::new(config.journal_size).with_bodies(config.journal_bodies),
    );
    let stopping = observer.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.stop_delays();
    };
    let state = AppState {
        max_body_bytes: config.max_body_bytes,
        access: std::sync::Arc::new(access),
        body_read_timeout: config.body_read_timeout(),
        request_timeout: config.request_timeout(),
        control_api: !config.no_control_api,
        license_flags: license_flags(&config.license_flags),
        observer,
        guard: std::sync::Arc::new(guard),
        ..AppState::new(hsm.clone())
    };
    let options = server::ServeOptions {
        header_read_timeout: config.header_read_timeout(),
        max_connections: config.max_connections,
        tls,
    };
    server::serve(listener, app(state), options, shutdown).await;
    hsm.flush().await?;
    tracing::info!("tsb-emulator stopped; key store flushed");
    Ok(())
}

/// Removes a file when dropped (at the end of [`run`]), if it still can.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The `--license-flags` list, trimmed, without empty entries or repeats, in the order given.
fn license_flags(given: &[String]) -> std::sync::Arc<[String]> {
    let mut flags: Vec<String> = Vec::new();
    for flag in given.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if !flags.iter().any(|kept| kept == flag) {
            flags.push(flag.to_owned());
        }
    }
    flags.into()
}

/// The TLS configuration the flags ask for, if any; `--tls-self-signed` makes its certificate
/// here and writes it where clients can pick it up. The path comes back too when it is a
/// per-process file in the temp folder (`--in-memory` without `--tls-self-signed-cert-out`),
/// which [`run`] removes at exit.
type TlsSetup = (
    Option<std::sync::Arc<rustls::ServerConfig>>,
    Option<std::path::PathBuf>,
);

fn tls_setup(config: &config::Config) -> Result<TlsSetup, RunError> {
    let mut temporary = None;
    let (chain, key) = match (&config.tls_cert, &config.tls_key, config.tls_self_signed) {
        (Some(cert), Some(key), _) => (
            server::read_certificates(cert)?,
            server::read_private_key(key)?,
        ),
        (_, _, true) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs())
                .unwrap_or(0);
            let made = crypto::tls::self_signed_localhost(now, &mut rand::rng())
                .map_err(|e| RunError::Config(format!("cannot make the TLS certificate: {e}")))?;
            let path = config.tls_self_signed_cert_out.clone().unwrap_or_else(|| {
                if config.in_memory {
                    // Parallel in-memory servers must not overwrite each other's certificate:
                    // the process id and a random tag make the name unique.
                    let tag: u32 = rand::random();
                    let name = format!(
                        "tsb-emulator-self-signed-{}-{tag:08x}.pem",
                        std::process::id()
                    );
                    let path = std::env::temp_dir().join(name);
                    temporary = Some(path.clone());
                    path
                } else {
                    config.data_dir.join("tls-self-signed.pem")
                }
            });
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    RunError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            let pem = crypto::pem::encode(crypto::pem::CERTIFICATE_LABEL, &made.certificate_der);
            std::fs::write(&path, pem)
                .map_err(|e| RunError::Config(format!("cannot write {}: {e}", path.display())))?;
            tracing::info!(
                "self-signed TLS certificate for localhost written to {} (trust it in clients)",
                path.display()
            );
            (
                vec![made.certificate_der.into()],
                server::pkcs8_key(made.private_key.expose()),
            )
        }
        _ => {
            if config.tls_client_ca.is_some() {
                return Err(RunError::Config(
                    "--tls-client-ca needs HTTPS: add --tls-cert/--tls-key or --tls-self-signed"
                        .into(),
                ));
            }
            return Ok((None, None));
        }
    };
    let client_cas = match &config.tls_client_ca {
        Some(path) => Some((
            server::read_certificates(path)?,
            config.tls_client_auth == config::ClientAuth::Need,
        )),
        None => None,
    };
    Ok((Some(server::tls_config(chain, key, client_cas)?), temporary))
}

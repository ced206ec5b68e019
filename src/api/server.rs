//! The accept loop: plain HTTP/1.1 or HTTPS (rustls with the `ring` provider, optional mutual
//! TLS), a connection limit, a header-read (and TLS handshake) timeout, and a graceful
//! shutdown that lets in-flight requests finish. axum's `serve` has none of the limits.

mod idle;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// How connections are served.
#[derive(Clone)]
pub struct ServeOptions {
    /// Time a client has to send its request head (and to finish the TLS handshake); also
    /// how long an idle keep-alive connection is kept.
    pub header_read_timeout: Duration,
    /// Most connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// HTTPS when set.
    pub tls: Option<Arc<ServerConfig>>,
}

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the certificate, key or client CAs.
    #[error("TLS configuration refused: {0}")]
    Rustls(String),
}

/// Reads every certificate of a PEM file.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let file_error = |message: String| TlsSetupError::File {
        path: path.display().to_string(),
        message,
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(e.to_string()))?;
    if certificates.is_empty() {
        return Err(file_error("no CERTIFICATE block".into()));
    }
    Ok(certificates)
}

/// Reads the first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file.
pub fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsSetupError::File {
        path: path.display().to_string(),
        message: format!("no usable private key: {e}"),
    })
}

/// A PKCS#8 DER private key as rustls wants it.
pub fn pkcs8_key(der: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec()))
}

/// A rustls server configuration (TLS 1.2 and 1.3, `http/1.1` by ALPN). With `client_cas`,
/// clients must present a certificate issued by one of them (`required`) or may (`!required`);
/// a certificate that is presented and not trusted fails the handshake either way.
pub fn tls_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_cas: Option<(Vec<CertificateDer<'static>>, bool)>,
) -> Result<Arc<ServerConfig>, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?;
    let builder = match client_cas {
        None => builder.with_no_client_auth(),
        Some((cas, required)) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in cas {
                roots
                    .add(ca)
                    .map_err(|e| TlsSetupError::Rustls(format!("client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            let verifier = verifier
                .build()
                .map_err(|e| TlsSetupError::Rustls(format!("client CA: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets every
/// open connection finish its in-flight request, and returns once all are closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // At most u32::MAX: shutdown takes every slot back in one `acquire_many`.
    let limit = options
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let slots = Arc::new(Semaphore::new(limit));
    let acceptor = options.tls.clone().map(TlsAcceptor::from);
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let router = router.clone();
        let acceptor = acceptor.clone();
        let stopping = stopping.clone();
        let header_read_timeout = options.header_read_timeout;
        tokio::spawn(async move {
            connection(stream, router, acceptor, header_read_timeout, stopping).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it is closed: having them all back means done.
    let _ = slots.acquire_many(limit as u32).await;
}

async fn connection(
    stream: TcpStream,
    router: Router,
    acceptor: Option<TlsAcceptor>,
    header_read_timeout: Duration,
    stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match acceptor {
        None => http(stream, router, header_read_timeout, stopping).await,
        Some(acceptor) => {
            match tokio::time::timeout(header_read_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => http(tls, router, header_read_timeout, stopping).await,
                Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

async fn http<S>(
    stream: S,
    router: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The header-read timeout is the connection's watchdog, not hyper's (no timer is given to
    // hyper, so it keeps none; see `idle`). The connection is served by a task of its own, so
    // the watchdog wakes only for its own checks, never for the connection's requests.
    let activity = Arc::new(idle::Activity::default());
    let service = TowerToHyperService::new(idle::Counted::new(router, Arc::clone(&activity)));
    let mut serving = tokio::spawn(async move {
        // Each answer is copied into one buffer and sent with one `write`, not a `writev` of
        // head and body: `versionInfo` +3.4% on loopback (A/B, pinned), and rustls takes a
        // single buffer better too (hyper's own advice for TLS).
        let connection = http1::Builder::new()
            .writev(false)
            .serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        tokio::select! {
            outcome = connection.as_mut() => outcome,
            () = stop_requested(&mut stopping) => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        }
    });
    let outcome = tokio::select! {
        served = &mut serving => served,
        () = idle::idle_for(&activity, header_read_timeout) => {
            // Dropping the connection closes it.
            serving.abort();
            let _ = serving.await;
            tracing::debug!("connection closed: no request head within the header-read timeout");
            return;
        }
    };
    match outcome {
        Ok(Err(error)) => tracing::debug!(%error, "connection closed with an error"),
        Err(error) => tracing::warn!(%error, "connection task failed"),
        Ok(Ok(())) => {}
    }
}

/// Resolves once shutdown has been asked for (at once if it already was).
async fn stop_requested(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns must not live across an await; drop it here.
    if stopping.wait_for(|stop| *stop).await.is_err() {
        // The sender is gone, which only happens once the server is done.
    }
}

//! Command-line and environment configuration (each flag has a `TSB_EMULATOR_*` fallback).

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod secrets;

pub use secrets::{ApiKeyArg, MIN_HS256_SECRET_BYTES, Secret};

/// A local, offline emulator of the Securosys TSB REST API.
#[derive(Debug, Clone, Parser)]
#[command(name = "tsb-emulator", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (the log line names the real one).
    #[arg(long, env = "TSB_EMULATOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder of the key store (sled); created if missing. One process per folder.
    #[arg(long, env = "TSB_EMULATOR_DATA_DIR", default_value = "./tsb-data")]
    pub data_dir: PathBuf,

    /// Keep keys in memory only: nothing is written to the data folder, all is lost on exit.
    #[arg(long, env = "TSB_EMULATOR_IN_MEMORY")]
    pub in_memory: bool,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "TSB_EMULATOR_MAX_BODY_BYTES", default_value_t = crate::api::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// RSA keys generated ahead of time per size in use (RSA-4096 from the start), so
    /// creating an RSA key is instant; 0 turns the background pool off.
    #[arg(long, env = "TSB_EMULATOR_RSA_POOL", default_value_t = 4)]
    pub rsa_pool: usize,

    /// Derive every random output (keys, IVs, nonces, salts, serials) from this seed and
    /// stop the clock at 2026-01-01T00:00:00Z, so the same requests, sent one after another
    /// to a fresh store, get byte-identical answers. For tests only: the keys are guessable.
    /// Turns the RSA pool off.
    #[arg(long, env = "TSB_EMULATOR_DETERMINISTIC", value_name = "SEED")]
    pub deterministic: Option<String>,

    /// PKCS#11-style key-extraction defences the TSB does not show (off by default, as on the
    /// TSB): a sensitive key wraps only under a wrapping key that cannot decrypt, was generated
    /// here, is as strong as the key, and is itself sensitive and never extractable; an unwrapped
    /// key is always sensitive; a key without a password refuses a given password.
    #[arg(long, env = "TSB_EMULATOR_STRICT_KEY_PROTECTION")]
    pub strict_key_protection: bool,

    /// The licence flags `GET /v1/licenseInfo` reports as `clientFlags`, comma-separated
    /// (integrations check for theirs, e.g. `REST_API,FIREBLOCKS_AGENT`).
    #[arg(
        long,
        env = "TSB_EMULATOR_LICENSE_FLAGS",
        value_delimiter = ',',
        default_value = "REST_API"
    )]
    pub license_flags: Vec<String>,

    /// Name reported as `attestationKeyName` in key info.
    #[arg(
        long,
        env = "TSB_EMULATOR_ATTESTATION_KEY_NAME",
        default_value = "attestation-key"
    )]
    pub attestation_key_name: String,

    /// An API key, as GROUP=KEY (repeatable); GROUP is KEY_MANAGEMENT, KEY_OPERATION, SERVICE,
    /// APPROVER or APPROVER_KEY_MANAGEMENT (or the TSB names, e.g. serviceToken). Any key
    /// turns API-key authentication on; a group without keys leaves its paths open.
    #[arg(long = "api-key", value_name = "GROUP=KEY")]
    pub api_keys: Vec<ApiKeyArg>,

    /// Comma-separated keyManagementToken keys (added to --api-key).
    #[arg(
        long,
        env = "TSB_EMULATOR_API_KEY_KEY_MANAGEMENT",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub api_keys_key_management: Vec<Secret>,

    /// Comma-separated keyOperationToken keys (added to --api-key).
    #[arg(
        long,
        env = "TSB_EMULATOR_API_KEY_KEY_OPERATION",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub api_keys_key_operation: Vec<Secret>,

    /// Comma-separated serviceToken keys (added to --api-key).
    #[arg(
        long,
        env = "TSB_EMULATOR_API_KEY_SERVICE",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub api_keys_service: Vec<Secret>,

    /// Comma-separated approverToken keys (added to --api-key).
    #[arg(
        long,
        env = "TSB_EMULATOR_API_KEY_APPROVER",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub api_keys_approver: Vec<Secret>,

    /// Comma-separated approverKeyManagementToken keys (added to --api-key).
    #[arg(
        long,
        env = "TSB_EMULATOR_API_KEY_APPROVER_KEY_MANAGEMENT",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub api_keys_approver_key_management: Vec<Secret>,

    /// An accepted bearer token (repeatable; the variable is comma-separated). Any token, or
    /// a JWT key, makes `Authorization: Bearer` mandatory on `/v1/`.
    #[arg(
        long = "bearer-token",
        env = "TSB_EMULATOR_BEARER_TOKENS",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub bearer_tokens: Vec<Secret>,

    /// Accept bearer JWTs signed HS256 with this shared secret (checks signature, exp, nbf).
    #[arg(
        long,
        env = "TSB_EMULATOR_JWT_HS256_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub jwt_hs256_secret: Option<Secret>,

    /// Accept bearer JWTs signed RS256 or ES256 (P-256) by this public key (PEM or DER file,
    /// a certificate also works); the key type selects the algorithm.
    #[arg(long, env = "TSB_EMULATOR_JWT_PUBLIC_KEY", value_name = "PATH")]
    pub jwt_public_key: Option<PathBuf>,

    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(
        long,
        env = "TSB_EMULATOR_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(
        long,
        env = "TSB_EMULATOR_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a P-256 certificate for localhost, 127.0.0.1 and ::1 generated at
    /// start; its PEM is written to --tls-self-signed-cert-out for clients to trust.
    #[arg(
        long,
        env = "TSB_EMULATOR_TLS_SELF_SIGNED",
        conflicts_with = "tls_cert"
    )]
    pub tls_self_signed: bool,

    /// Where --tls-self-signed writes its certificate [default: DATA_DIR/tls-self-signed.pem].
    #[arg(
        long,
        env = "TSB_EMULATOR_TLS_SELF_SIGNED_CERT_OUT",
        value_name = "PATH"
    )]
    pub tls_self_signed_cert_out: Option<PathBuf>,

    /// Require client certificates issued by these CAs (PEM), i.e. mutual TLS.
    #[arg(long, env = "TSB_EMULATOR_TLS_CLIENT_CA", value_name = "PATH")]
    pub tls_client_ca: Option<PathBuf>,

    /// With --tls-client-ca: `need` refuses clients without a certificate, `want` lets them in
    /// (a certificate that is presented must still be trusted).
    #[arg(long, env = "TSB_EMULATOR_TLS_CLIENT_AUTH", value_enum, default_value_t = ClientAuth::Need)]
    pub tls_client_auth: ClientAuth,

    /// Most simultaneous connections; further clients wait in the listen backlog.
    #[arg(long, env = "TSB_EMULATOR_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Milliseconds a client has to send the request line and headers (and to finish the TLS
    /// handshake); slower connections are closed.
    #[arg(
        long,
        env = "TSB_EMULATOR_HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub header_read_timeout_ms: u64,

    /// Milliseconds a client has to send the request body; slower ones get 408.
    #[arg(
        long,
        env = "TSB_EMULATOR_BODY_READ_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    pub body_read_timeout_ms: u64,

    /// Milliseconds the emulator has to answer a request; longer ones get 503.
    #[arg(
        long,
        env = "TSB_EMULATOR_REQUEST_TIMEOUT_MS",
        default_value_t = 120_000
    )]
    pub request_timeout_ms: u64,

    /// Fixture manifest (YAML or JSON) or folder of manifests whose keys are loaded at start;
    /// keys that exist already are kept. `POST /_emulator/reset` returns to this state.
    #[arg(long, env = "TSB_EMULATOR_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Turn off the control API (`/_emulator/reset`, `keys`, `journal`, `faults`): they then
    /// answer 404 like any unknown path.
    #[arg(long, env = "TSB_EMULATOR_NO_CONTROL_API")]
    pub no_control_api: bool,

    /// Require this token for the control API (`/_emulator/reset`, `keys`, `journal`,
    /// `faults`), sent as `Authorization: Bearer <token>` or `X-Control-Token`.
    #[arg(
        long,
        env = "TSB_EMULATOR_CONTROL_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub control_token: Option<Secret>,

    /// A browser origin admitted besides the server's own, e.g. `http://localhost:3000`
    /// (repeatable; the variable is comma-separated): it gets CORS headers, preflights
    /// included. Requests with any other foreign `Origin` get 403.
    #[arg(
        long = "allow-origin",
        env = "TSB_EMULATOR_ALLOW_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allow_origins: Vec<String>,

    /// Requests remembered by the journal (`GET /_emulator/journal`), oldest dropped first.
    #[arg(long, env = "TSB_EMULATOR_JOURNAL_SIZE", default_value_t = crate::api::DEFAULT_JOURNAL_SIZE)]
    pub journal_size: usize,

    /// Also keep request bodies in the journal (payloads included; passwords and private or
    /// secret keys still replaced by "***").
    #[arg(long, env = "TSB_EMULATOR_JOURNAL_BODIES")]
    pub journal_bodies: bool,

    /// Log filter in tracing's EnvFilter syntax, e.g. `info` or `tsb_emulator=debug`; when not
    /// given, `RUST_LOG`, then `info`.
    #[arg(long, env = "TSB_EMULATOR_LOG")]
    pub log: Option<String>,

    /// Log line format: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "TSB_EMULATOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Exits 0 if the server at `--listen` answers `GET /health` with 200, 1 otherwise (for
    /// Docker `HEALTHCHECK` and Kubernetes exec probes).
    Health,
    /// Fixture manifests: check one, or write the store's keys as one.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
}

/// `tsb-emulator fixtures ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum FixturesCommand {
    /// Checks a manifest (file or folder) without starting the server; exits 1 naming the
    /// file, key and field of every problem.
    Validate {
        /// The manifest file or folder.
        path: PathBuf,
    },
    /// Writes every key of the store at `--data-dir` (the server must be stopped) as a
    /// manifest with inline material: YAML, or JSON when `--out` ends in `.json`.
    Export {
        /// Output file; standard output when not given.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Client-certificate policy of mutual TLS (the TSB's `client-auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuth {
    /// A trusted client certificate is mandatory.
    Need,
    /// A client certificate is optional, but must be trusted when presented.
    Want,
}

impl Config {
    /// The header-read timeout.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms.max(1))
    }

    /// The body-read timeout.
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms.max(1))
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }
}

impl Config {
    /// The process's arguments, parsed with every top-level flag also accepted after a
    /// subcommand (`tsb-emulator health --listen 127.0.0.1:9000`); exits with clap's message
    /// on a bad command line.
    pub fn parse_args() -> Self {
        Self::try_parse_args_from(std::env::args_os()).unwrap_or_else(|error| error.exit())
    }

    /// [`Config::parse_args`] on the given arguments (the first is the program name).
    pub fn try_parse_args_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        // Marking the flags global here, not on each field, keeps every flag added later
        // global too.
        let command = <Self as clap::CommandFactory>::command().mut_args(|arg| {
            if arg.is_positional() {
                arg
            } else {
                arg.global(true)
            }
        });
        let mut matches = command.try_get_matches_from(args)?;
        <Self as clap::FromArgMatches>::from_arg_matches_mut(&mut matches)
    }
}

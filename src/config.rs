//! Command-line and environment configuration (each flag has a `TSB_EMULATOR_*` fallback).

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

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

    /// Name reported as `attestationKeyName` in key info.
    #[arg(
        long,
        env = "TSB_EMULATOR_ATTESTATION_KEY_NAME",
        default_value = "attestation-key"
    )]
    pub attestation_key_name: String,

    /// Fixture manifest (YAML or JSON) or folder of manifests whose keys are loaded at start;
    /// keys that exist already are kept. `POST /_emulator/reset` returns to this state.
    #[arg(long, env = "TSB_EMULATOR_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Turn off the control API (`/_emulator/reset`, `keys`, `journal`, `faults`): they then
    /// answer 404 like any unknown path.
    #[arg(long, env = "TSB_EMULATOR_NO_CONTROL_API")]
    pub no_control_api: bool,

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
    /// file, key and field of the first problem.
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

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

    /// Derive every random output (keys, IVs, nonces, salts, serials) from this seed and
    /// stop the clock at 2026-01-01T00:00:00Z, so the same requests, sent one after another
    /// to a fresh store, get byte-identical answers. For tests only: the keys are guessable.
    /// Turns the RSA pool off.
    #[arg(long, env = "TSB_EMULATOR_DETERMINISTIC", value_name = "SEED")]
    pub deterministic: Option<String>,

    /// Name reported as `attestationKeyName` in key info.
    #[arg(
        long,
        env = "TSB_EMULATOR_ATTESTATION_KEY_NAME",
        default_value = "attestation-key"
    )]
    pub attestation_key_name: String,

    /// Log filter in tracing's EnvFilter syntax, e.g. `info` or `tsb_emulator=debug`.
    #[arg(long, env = "TSB_EMULATOR_LOG", default_value = "info")]
    pub log: String,

    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Exits 0 if the server at `--listen` answers `GET /health` with 200, 1 otherwise (for
    /// Docker `HEALTHCHECK` and Kubernetes exec probes).
    Health,
}

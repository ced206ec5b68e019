//! The `tsb-emulator` binary: parse the configuration, start logging, run until a signal.

use clap::Parser;
use std::process::ExitCode;
use tsb_emulator::config::{Command, Config};

#[tokio::main]
async fn main() -> ExitCode {
    // Key material is written by sled, which creates files (snapshots, blobs) long after the
    // store opens: only the umask makes them private (0600/0700) whatever the caller's umask.
    // The process writes nothing else, so a process-wide 077 costs nothing.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    let config = Config::parse();
    if let Some(Command::Health) = config.command {
        return match tsb_emulator::health::probe(config.listen) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("tsb-emulator health: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    match tsb_emulator::run(config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("tsb-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` sends).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

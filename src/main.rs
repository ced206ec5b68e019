//! The `tsb-emulator` binary: parse the configuration, start logging, run until a signal.

use std::process::ExitCode;
use tsb_emulator::config::{Command, Config, FixturesCommand};
use tsb_emulator::logging;

/// mimalloc, not the C library's allocator: requests allocate on the async workers and free
/// on the signing threads (and the reverse), which glibc's arenas handle slowly and musl's
/// allocator (the container image) more slowly still (docs/decisions.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Key material is written by sled, which creates files (snapshots, blobs) long after the
    // store opens: only the umask makes them private (0600/0700) whatever the caller's umask.
    // The process writes nothing else, so a process-wide 077 costs nothing.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    let config = Config::parse_args();
    match &config.command {
        Some(Command::Health) => {
            // Over TLS when the server serves TLS (the same flags configure both).
            let tls = config.tls_cert.is_some() || config.tls_self_signed;
            return report("health", tsb_emulator::health::probe(config.listen, tls));
        }
        Some(Command::Fixtures(FixturesCommand::Validate { path })) => {
            return report("fixtures validate", tsb_emulator::fixtures::validate(path));
        }
        Some(Command::Fixtures(FixturesCommand::Export { out })) => {
            let exported = tsb_emulator::fixtures::export_to(&config.data_dir, out.as_deref());
            return report("fixtures export", exported);
        }
        None => {}
    }
    let log = config.log.clone().or_else(|| std::env::var("RUST_LOG").ok());
    // `_flush` writes the lines still buffered at exit.
    let _flush = logging::init(log.as_deref(), config.log_format);
    match tsb_emulator::run(config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("tsb-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Exit status of a subcommand; its error goes to standard error.
fn report<E: std::fmt::Display>(command: &str, outcome: Result<(), E>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tsb-emulator {command}: {error}");
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

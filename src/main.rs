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
    // The signal handlers are in place before anything is logged: a SIGTERM that arrives
    // right after the "listening" line (or during start-up) is a graceful shutdown, not the
    // default action that kills the process.
    let shutdown = match shutdown_signal() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("tsb-emulator: cannot install the signal handlers: {error}");
            return ExitCode::FAILURE;
        }
    };
    let log = config
        .log
        .clone()
        .or_else(|| std::env::var("RUST_LOG").ok());
    // `_flush` writes the lines still buffered at exit.
    let _flush = logging::init(log.as_deref(), config.log_format);
    match tsb_emulator::run(config, shutdown).await {
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

/// A future that resolves on Ctrl-C or SIGTERM (what `docker stop` sends). The handlers are
/// registered now, not when the future is first polled (which is only once the server runs):
/// a signal from now on is kept until then.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    })
}

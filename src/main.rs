//! The `tsb-emulator` binary: parse the configuration, start logging, run until a signal.

use std::process::ExitCode;
use tsb_emulator::config::{Command, Config, FixturesCommand, LogFormat};
use tsb_emulator::logging::{BatchedStdout, request};

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
    let filter = config
        .log
        .clone()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|filter| tracing_subscriber::EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    // Lines go out in batches from a background thread; `_flush` writes the rest at exit.
    let (sink, _flush) = match BatchedStdout::start() {
        Ok(started) => started,
        Err(error) => {
            eprintln!("tsb-emulator: could not start the log writer: {error}");
            return ExitCode::FAILURE;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink.clone());
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    match config.log_format {
        LogFormat::Json => logs.json().with_current_span(false).init(),
        LogFormat::Text => logs.with_ansi(colours).init(),
    }
    // The request line, formatted as the subscriber would, goes straight into the same sink
    // (a terminal gets it as an event, in colour).
    match config.log_format {
        LogFormat::Json => request::write_directly(sink, request::Format::Json),
        LogFormat::Text if !colours => request::write_directly(sink, request::Format::Text),
        LogFormat::Text => {}
    }
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

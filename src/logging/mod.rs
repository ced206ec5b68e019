//! Logging: the subscriber (`tracing-subscriber`'s text or JSON format, written to standard
//! output by `tracing-appender`'s non-blocking writer) and the one line per request
//! ([`request`]).

pub mod request;

pub use request::REQUEST_TARGET;

use crate::config::LogFormat;
use std::io::BufWriter;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Installs the process's subscriber: `filter` (`--log`/`RUST_LOG` directives; `info` when
/// absent or unreadable) and `format`, colours only on a terminal. Lines are formatted on the
/// caller's thread and written by one background thread ("tracing-appender"), which takes
/// every line waiting and writes them with one `write`; the returned guard writes what is
/// left when dropped (at the end of `main`).
pub fn init(filter: Option<&str>, format: LogFormat) -> WorkerGuard {
    let filter = filter
        .and_then(|filter| EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    // Not lossy: when the writer falls behind by the channel's 128k lines, loggers wait for
    // it (back-pressure) rather than lines being dropped. The buffer gathers a batch of lines
    // into one `write`; the writer flushes it whenever the channel is empty.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log writer")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stdout()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => logs.json().with_current_span(false).init(),
        LogFormat::Text => logs.with_ansi(colours).init(),
    }
    guard
}

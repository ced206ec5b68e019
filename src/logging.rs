//! The log sink and the text format of the per-request line.
//!
//! Log lines are appended to an in-memory buffer and written to standard output
//! in batches by one background thread, so a request's log line costs a copy, not a `write`
//! system call on the request's worker (issue 8: the per-request line cost a fifth of the
//! cheap endpoints' throughput).
//!
//! The writer thread sleeps until a line arrives, then waits [`BATCH_WINDOW`] for more and
//! writes them all at once; an idle server wakes nobody. A line reaches standard output at
//! most a batch window after it was logged, and [`FlushGuard`] writes what is left when it is
//! dropped (at the end of `main`). Lines logged in the last batch window before a `kill -9`
//! are lost. If the writer falls behind by [`MAX_BUFFERED`] bytes, loggers write the buffer
//! out themselves (back-pressure, never unbounded memory).
//!
//! [`TextFormat`] writes the one-line-per-request event (target [`REQUEST_TARGET`]) the way
//! `tracing_subscriber`'s default format does, byte for byte, without its styling and
//! calendar machinery; every other event goes to the default format unchanged.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How long the writer waits after the first line of a batch for more.
pub const BATCH_WINDOW: Duration = Duration::from_millis(5);

/// Bytes buffered before a logger writes the buffer out itself.
pub const MAX_BUFFERED: usize = 1024 * 1024;

/// A `MakeWriter` for `tracing_subscriber` that batches lines for standard output.
#[derive(Clone)]
pub struct BatchedStdout {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    ready: Condvar,
    out: Mutex<Box<dyn Write + Send>>,
}

#[derive(Default)]
struct State {
    buffer: Vec<u8>,
    stopping: bool,
}

/// Stops the writer thread and writes the remaining lines when dropped.
pub struct FlushGuard {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `bytes` out; a closed or full output drops them (logging must never take the
/// server down).
fn write_out(shared: &Shared, bytes: &[u8]) {
    write_locked(&mut lock_out(shared), bytes);
}

fn lock_out(shared: &Shared) -> MutexGuard<'_, Box<dyn Write + Send>> {
    shared.out.lock().unwrap_or_else(PoisonError::into_inner)
}

fn write_locked(out: &mut Box<dyn Write + Send>, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// Takes the buffered lines and writes them out, holding the output for both steps (lock
/// order: output, then buffer), so batches leave in the order their lines were logged.
fn write_buffered(shared: &Shared, spare: &mut Vec<u8>) -> bool {
    let mut out = lock_out(shared);
    let stopping = {
        let mut state = lock(shared);
        std::mem::swap(spare, &mut state.buffer);
        state.stopping
    };
    write_locked(&mut out, spare);
    spare.clear();
    stopping
}

impl BatchedStdout {
    /// The sink for standard output and the guard that flushes it; the writer thread starts
    /// now.
    pub fn start() -> std::io::Result<(Self, FlushGuard)> {
        Self::start_with(Box::new(std::io::stdout()))
    }

    /// The same, writing to `out`.
    pub fn start_with(out: Box<dyn Write + Send>) -> std::io::Result<(Self, FlushGuard)> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            out: Mutex::new(out),
        });
        let background = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("log writer".into())
            .spawn(move || write_batches(&background))?;
        Ok((
            Self {
                shared: Arc::clone(&shared),
            },
            FlushGuard {
                shared,
                writer: Some(writer),
            },
        ))
    }
}

fn write_batches(shared: &Shared) {
    let mut batch = Vec::new();
    loop {
        let mut state = lock(shared);
        while state.buffer.is_empty() && !state.stopping {
            state = shared
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let stopping = state.stopping;
        drop(state);
        if !stopping {
            // Let the batch fill: one write for every line of the window.
            std::thread::sleep(BATCH_WINDOW);
        }
        if write_buffered(shared, &mut batch) && lock(shared).buffer.is_empty() {
            return;
        }
    }
}

/// One log line on its way into the buffer (`tracing_subscriber` hands each formatted line
/// over in one `write_all`, so lines of different threads never interleave).
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut state = lock(self.shared);
        if state.stopping {
            // The writer thread is gone: straight out.
            drop(state);
            write_out(self.shared, bytes);
            return Ok(bytes.len());
        }
        let was_empty = state.buffer.is_empty();
        state.buffer.extend_from_slice(bytes);
        let full = state.buffer.len() >= MAX_BUFFERED;
        drop(state);
        if full {
            // The writer is behind: write the buffer here; loggers queue on the output, which
            // is the back-pressure.
            write_buffered(self.shared, &mut Vec::new());
        } else if was_empty {
            self.shared.ready.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchedStdout {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        lock(&self.shared).stopping = true;
        self.shared.ready.notify_one();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        // Anything logged after the writer left.
        write_buffered(&self.shared, &mut Vec::new());
    }
}

/// The target of the one log line per request.
pub const REQUEST_TARGET: &str = "tsb_emulator::request";

/// The text log format: `tracing_subscriber`'s default, with a fast path for the per-request
/// line (plain output only; a terminal gets the default's colours).
#[derive(Default)]
pub struct TextFormat {
    full: Format<Full, SystemTime>,
}

impl<S, N> FormatEvent<S, N> for TextFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if writer.has_ansi_escapes()
            || meta.target() != REQUEST_TARGET
            || ctx.lookup_current().is_some()
        {
            return self.full.format_event(ctx, writer, event);
        }
        write_timestamp(&mut writer, std::time::SystemTime::now())?;
        write!(writer, " {:>5} {}: ", meta.level().as_str(), meta.target())?;
        let mut fields = LineFields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writeln!(writer)
    }
}

/// `2026-11-29T13:13:50.912203Z`, as the default format writes it; the date and time to the
/// second are formatted once per second per thread.
fn write_timestamp(writer: &mut impl fmt::Write, now: std::time::SystemTime) -> fmt::Result {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since_epoch = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != seconds {
            let (year, month, day) = civil_date(seconds / 86_400);
            let in_day = seconds % 86_400;
            cached.1.clear();
            write!(
                cached.1,
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
                in_day / 3600,
                in_day % 3600 / 60,
                in_day % 60
            )?;
            cached.0 = seconds;
        }
        write!(writer, "{}.{:06}Z", cached.1, since_epoch.subsec_micros())
    })
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The default format's field visitor without styling: `message` first as text, then
/// `name=value` with strings quoted and escaped (`Debug`), numbers bare.
struct LineFields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl LineFields<'_, '_> {
    fn name(&mut self, field: &Field) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.writer.write_char(' ')?;
        }
        let name = field.name();
        self.writer
            .write_str(name.strip_prefix("r#").unwrap_or(name))?;
        self.writer.write_char('=')
    }
}

impl Visit for LineFields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
            return;
        }
        self.result = self.name(field).and_then(|()| {
            // `Debug` of a string needing no escapes is the string in quotes.
            if value
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
            {
                self.writer.write_char('"')?;
                self.writer.write_str(value)?;
                self.writer.write_char('"')
            } else {
                write!(self.writer, "{value:?}")
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.result.is_err() {
            return;
        }
        self.result = self
            .name(field)
            .and_then(|()| write!(self.writer, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        self.result = if field.name() == "message" {
            if !std::mem::take(&mut self.first) {
                self.result = self.writer.write_char(' ');
            }
            write!(self.writer, "{value:?}")
        } else {
            self.name(field)
                .and_then(|()| write!(self.writer, "{value:?}"))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    /// An output the test can read back; a slow one takes a millisecond per write.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>, bool);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.1 {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.0.lock().expect("capture").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("capture").clone()).expect("UTF-8")
        }
    }

    #[test]
    fn lines_arrive_in_order_without_a_flush() {
        let out = Captured::default();
        let (sink, _guard) = BatchedStdout::start_with(Box::new(out.clone())).expect("thread");
        for n in 0..100 {
            writeln!(sink.make_writer(), "line {n}").expect("write");
        }
        let expected: String = (0..100).map(|n| format!("line {n}\n")).collect();
        // The writer thread delivers on its own; wait for it (not a timing assertion).
        for _ in 0..500 {
            if out.text() == expected {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(out.text(), expected);
    }

    #[test]
    fn the_guard_writes_everything_out_and_later_lines_go_straight_through() {
        let out = Captured::default();
        let (sink, guard) = BatchedStdout::start_with(Box::new(out.clone())).expect("thread");
        log_from_threads(&sink, 4, 1000, 0);
        drop(guard);
        check_per_thread_order(&out.text(), 4, 1000);
        writeln!(sink.make_writer(), "after").expect("write");
        assert!(out.text().ends_with("after\n"));
    }

    /// `threads` threads log `lines` lines each, `"{thread} {n} {padding}"`.
    fn log_from_threads(sink: &BatchedStdout, threads: usize, lines: usize, padding: usize) {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    let pad = "x".repeat(padding);
                    for n in 0..lines {
                        // tracing writes each formatted line with one `write_all`.
                        let line = format!("{t} {n} {pad}\n");
                        sink.make_writer()
                            .write_all(line.as_bytes())
                            .expect("write");
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("logger");
        }
    }

    fn check_per_thread_order(text: &str, threads: usize, lines: usize) {
        assert_eq!(text.lines().count(), threads * lines, "nothing lost");
        for t in 0..threads {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&format!("{t} ")))
                .map(|rest| rest.split(' ').next().unwrap_or_default())
                .map(|n| n.parse().expect("number"))
                .collect();
            assert_eq!(mine, (0..lines).collect::<Vec<_>>(), "thread {t}'s order");
        }
    }

    #[test]
    fn lines_stay_in_order_when_loggers_write_past_a_full_buffer() {
        // A slow output makes loggers and the writer queue for it, where batches could
        // overtake each other.
        let out = Captured(Arc::default(), true);
        let (sink, guard) = BatchedStdout::start_with(Box::new(out.clone())).expect("thread");
        // 4 x 300 lines of 16 KiB: the buffer passes MAX_BUFFERED about twenty times.
        log_from_threads(&sink, 4, 300, 16 * 1024);
        drop(guard);
        check_per_thread_order(&out.text(), 4, 300);
    }

    #[test]
    fn a_writer_that_falls_behind_makes_loggers_write_themselves() {
        let out = Captured::default();
        let (sink, _guard) = BatchedStdout::start_with(Box::new(out.clone())).expect("thread");
        let big = vec![b'x'; MAX_BUFFERED];
        // One write at the cap is written out by the logger at once.
        sink.make_writer().write_all(&big).expect("write");
        assert_eq!(out.text().len(), MAX_BUFFERED);
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_786), (2026, 11, 29));
        assert_eq!(civil_date(47_541), (2100, 3, 1));
    }

    /// Formats `event!`s with both formats and returns the two outputs, timestamps cut off.
    fn both_formats(emit: impl Fn()) -> (String, String) {
        let run = |fast: bool| {
            let out = Captured::default();
            let sink = out.clone();
            let make = move || sink.clone();
            let builder = tracing_subscriber::fmt().with_ansi(false).with_writer(make);
            let dispatch = if fast {
                tracing::Dispatch::new(builder.event_format(TextFormat::default()).finish())
            } else {
                tracing::Dispatch::new(builder.finish())
            };
            tracing::dispatcher::with_default(&dispatch, &emit);
            out.text()
                .lines()
                .map(|line| {
                    line.split_once('Z')
                        .map_or(line, |(_, rest)| rest)
                        .to_owned()
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        (run(true), run(false))
    }

    #[test]
    fn the_request_line_is_written_exactly_as_the_default_format_writes_it() {
        let (fast, default) = both_formats(|| {
            let code = "600";
            for label in ["-", "my key", "quote\"d", "new\nline", "tab\there", "ünï"] {
                tracing::info!(target: "tsb_emulator::request", method = %"POST", route = "/v1/key", status = 400u16, error_code = %code, key_label = label, duration_ms = 3u64, fault = "-", "request");
            }
            tracing::debug!(target: "tsb_emulator::request", method = %"GET", route = "/health", status = 200u16, "request");
            tracing::warn!(other = 1, "a line of another target");
        });
        assert!(fast.contains("key_label=\"my key\""), "{fast}");
        assert_eq!(fast, default);
    }

    #[test]
    fn timestamps_look_like_the_default_ones() {
        let mut ours = String::new();
        let now = std::time::SystemTime::now();
        write_timestamp(&mut ours, now).expect("format");
        let mut theirs = String::new();
        tracing_subscriber::fmt::time::FormatTime::format_time(
            &SystemTime,
            &mut Writer::new(&mut theirs),
        )
        .expect("format");
        // Same shape and, up to a second boundary between the two calls, the same second.
        assert_eq!(ours.len(), theirs.len(), "{ours} vs {theirs}");
        assert_eq!(ours[..17], theirs[..17], "{ours} vs {theirs}");
    }
}

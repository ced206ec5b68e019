//! The log sink: log lines are appended to an in-memory buffer and written to standard output
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

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

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

    /// Adds whole lines, formatted elsewhere, in order with every other line.
    pub fn append(&self, lines: &[u8]) {
        append(&self.shared, lines);
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

/// Adds whole lines to the buffer (or writes them out when the writer thread is gone or
/// behind).
fn append(shared: &Shared, bytes: &[u8]) {
    let mut state = lock(shared);
    if state.stopping {
        // The writer thread is gone: straight out.
        drop(state);
        write_out(shared, bytes);
        return;
    }
    let was_empty = state.buffer.is_empty();
    state.buffer.extend_from_slice(bytes);
    let full = state.buffer.len() >= MAX_BUFFERED;
    drop(state);
    if full {
        // The writer is behind: write the buffer here; loggers queue on the output, which is
        // the back-pressure.
        write_buffered(shared, &mut Vec::new());
    } else if was_empty {
        shared.ready.notify_one();
    }
}

/// One log line on its way into the buffer (`tracing_subscriber` hands each formatted line
/// over in one `write_all`, so lines of different threads never interleave).
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        append(self.shared, bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::captured::Captured;
    use tracing_subscriber::fmt::MakeWriter;

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
}

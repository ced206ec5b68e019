//! Logging: the batched sink every line goes through ([`sink`]) and the one line per request,
//! written without the event machinery ([`request`], with its text pieces in [`text`]).

pub mod request;
pub mod sink;
pub mod text;

pub use request::REQUEST_TARGET;
pub use sink::{BATCH_WINDOW, BatchedStdout, FlushGuard, LineWriter, MAX_BUFFERED};

/// An output tests can read back; a slow one takes a millisecond per write.
#[cfg(test)]
mod captured {
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[derive(Clone, Default)]
    pub(crate) struct Captured(pub(crate) Arc<Mutex<Vec<u8>>>, pub(crate) bool);

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
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("capture").clone()).expect("UTF-8")
        }
    }
}

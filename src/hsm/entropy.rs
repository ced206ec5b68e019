//! Where the device's randomness comes from: the operating system, or (with
//! `--deterministic SEED`) one seeded stream, so runs can be replayed (the time is
//! `hsm::clock`'s).
//!
//! Every random draw of an operation (key generation, IVs, nonces, PSS salts, serial
//! numbers, password salts, `generateRandom`) comes from one [`OperationRng`] taken at the
//! start of the operation. In deterministic mode each operation's generator is seeded with
//! the next 32 bytes of a ChaCha20 stream keyed by SHA-256 of the seed, so the same seed and
//! the same requests, sent one after another, give byte-identical answers. Requests sent
//! concurrently draw their seeds in the order they reach the device, which is not fixed.

use chacha20::ChaCha20Rng;
use rand::{SeedableRng, TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::fmt;
use std::sync::Mutex;

/// The device's source of randomness.
pub struct Entropy {
    source: Source,
}

enum Source {
    System,
    Seeded {
        stream: Box<Mutex<ChaCha20Rng>>,
        /// SHA-256 of the seed, to restart the session stream.
        seed: [u8; 32],
    },
}

impl Entropy {
    /// The operating system's randomness.
    pub fn system() -> Self {
        Self {
            source: Source::System,
        }
    }

    /// Everything derived from `seed`.
    pub fn seeded(seed: &str) -> Self {
        let seed: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
        Self {
            source: Source::Seeded {
                stream: Box::new(Mutex::new(stream_for(b"start", &seed))),
                seed,
            },
        }
    }

    /// Restarts the stream at the state every session starts from: called once the device is
    /// set up (attestation key, fixtures) and on each reset, so a suite run after start-up and
    /// the same suite run after `POST /_emulator/reset` get the same answers. No effect
    /// without a seed.
    pub fn begin_session(&self) {
        if let Source::Seeded { stream, seed, .. } = &self.source {
            *stream
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = stream_for(b"session", seed);
        }
    }

    /// Whether outputs are derived from a seed.
    pub fn is_deterministic(&self) -> bool {
        matches!(self.source, Source::Seeded { .. })
    }

    /// A generator for one operation.
    pub fn rng(&self) -> OperationRng {
        match &self.source {
            Source::System => OperationRng(Inner::System(rand::rng())),
            Source::Seeded { stream, .. } => {
                let mut seed = [0u8; 32];
                // A poisoned lock only means another operation panicked mid-draw; the
                // stream itself is still a valid ChaCha state.
                let mut stream = stream
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                rand::Rng::fill_bytes(&mut *stream, &mut seed);
                OperationRng(Inner::Seeded(Box::new(ChaCha20Rng::from_seed(seed))))
            }
        }
    }
}

/// The ChaCha20 stream of one phase (`start`: device set-up; `session`: requests).
fn stream_for(phase: &[u8], seed: &[u8; 32]) -> ChaCha20Rng {
    let mut digest = Sha256::new();
    digest.update(b"tsb-emulator deterministic v1\0");
    digest.update(phase);
    digest.update(b"\0");
    digest.update(seed);
    ChaCha20Rng::from_seed(digest.finalize().into())
}

impl fmt::Debug for Entropy {
    /// Names the mode only; the stream's state is secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            Source::System => f.write_str("Entropy::System"),
            Source::Seeded { .. } => f.write_str("Entropy::Seeded"),
        }
    }
}

/// The random generator of one operation (a cryptographic RNG either way).
pub struct OperationRng(Inner);

enum Inner {
    System(rand::rngs::ThreadRng),
    Seeded(Box<ChaCha20Rng>),
}

impl TryRng for OperationRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        match &mut self.0 {
            Inner::System(rng) => rng.try_next_u32(),
            Inner::Seeded(rng) => rng.try_next_u32(),
        }
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        match &mut self.0 {
            Inner::System(rng) => rng.try_next_u64(),
            Inner::Seeded(rng) => rng.try_next_u64(),
        }
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        match &mut self.0 {
            Inner::System(rng) => rng.try_fill_bytes(dst),
            Inner::Seeded(rng) => rng.try_fill_bytes(dst),
        }
    }
}

impl TryCryptoRng for OperationRng {}

impl fmt::Debug for OperationRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OperationRng")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn draw(entropy: &Entropy) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        entropy.rng().fill_bytes(&mut bytes);
        bytes
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence_of_operations() {
        let (a, b) = (Entropy::seeded("ci-42"), Entropy::seeded("ci-42"));
        let first = (draw(&a), draw(&a));
        assert_eq!(first, (draw(&b), draw(&b)));
        assert_ne!(first.0, first.1, "each operation gets its own stream");
        assert_ne!(draw(&Entropy::seeded("ci-43")), first.0);
    }

    #[test]
    fn a_new_session_replays_the_same_draws() {
        let entropy = Entropy::seeded("replay");
        let setup = draw(&entropy);
        entropy.begin_session();
        let first = (draw(&entropy), draw(&entropy));
        entropy.begin_session();
        assert_eq!(first, (draw(&entropy), draw(&entropy)));
        assert_ne!(setup, first.0);
        Entropy::system().begin_session();
    }

    #[test]
    fn only_a_seed_makes_it_deterministic() {
        assert!(Entropy::seeded("x").is_deterministic());
        assert!(!Entropy::system().is_deterministic());
    }

    #[test]
    fn system_randomness_differs_between_draws() {
        let entropy = Entropy::system();
        assert_ne!(draw(&entropy), draw(&entropy));
    }

    #[test]
    fn device_operations_draw_randomness_and_time_only_from_here() {
        // The RSA pool is the one exception: it is off in deterministic mode.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/hsm");
        for entry in std::fs::read_dir(&dir).expect("src/hsm") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if ["entropy.rs", "clock.rs", "pool.rs"].contains(&name) || path.is_dir() {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("source");
            for forbidden in ["rand::rng()", "Timestamp::now()", "OsRng", "SystemTime"] {
                assert!(
                    !source.contains(forbidden),
                    "{name} uses {forbidden}; take randomness from Entropy and time from Clock"
                );
            }
        }
    }
}

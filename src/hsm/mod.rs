//! The emulated device: TSB operations with the HSM's rules (labels, passwords, attributes).
//!
//! `Hsm` is a cheap-to-clone handle. Every operation runs its storage and cryptography on
//! tokio's blocking pool (`spawn_blocking`): RSA key generation takes about a second and sled
//! flushes with fsync, and neither may stall the async workers that serve other
//! connections. Quick signatures and verifications run on a second, small pool instead
//! (`quick_pool`). No axum types here; `api` calls in with domain types and gets domain types
//! back.

mod approver_management;
mod approvers;
mod attestation;
mod blockchain;
mod certificates;
mod cipher;
mod clock;
mod entropy;
mod error;
mod gate;
mod keycache;
mod keys;
mod pool;
mod provision;
mod requests;
mod sign;
mod transfer;
mod wrap;

pub use approver_management::{BACKUP_KEY_LABEL, CreateApprover, Onboarding, OnboardingStatus};
pub use approvers::{ApproverKey, DueDecision, NewApprover, check_approver_name};
pub use blockchain::{DeriveKey, ImportSeed};
pub use certificates::{CsrRequest, DEFAULT_VALIDITY_DAYS, IssueRequest, SelfSignRequest};
pub use cipher::{DecryptRequest, EncryptRequest, Encryption, MAX_RANDOM_BYTES};
pub use clock::{Clock, FIXED_CLOCK};
pub use entropy::{Entropy, OperationRng};
pub use error::{CryptoInput, HsmError};
pub use gate::Approvals;
pub use keys::{AttestationBundle, CreateKey, KeyInfo, SignedKeyInfo};
pub use pool::{KeyPool, Pooled};
pub use provision::{FixtureReport, Provision, ProvisionError, StoredKey, public_key_of};
pub use requests::{ApproverProof, MAX_TIMESTAMP_AGE, Next, Submission, token_timestamp};
pub use sign::{SchnorrExtras, SignRequest, VerifyRequest};
pub use transfer::{ExportedKey, ImportKey, ImportMaterial, Imported};
pub use wrap::{UnwrapRequest, WrapRequest};

use crate::crypto::rsa;
use crate::domain::{KeySpec, RsaBits, SecretBytes, SignatureScheme};
use crate::keystore::KeyStore;
use attestation::AttestationKey;
use std::sync::Arc;

/// A source of ready-made RSA keys, consulted before generating one.
///
/// Tests plug in pre-generated fixture keys so the suite does not spend minutes generating
/// RSA-4096 keys; a background pool of fresh keys can implement the same trait.
pub trait RsaKeySupply: Send + Sync + 'static {
    /// A key of `bits` if one is ready now; `None` makes the caller generate one.
    fn take(&self, bits: RsaBits) -> Option<rsa::PrivateKey>;

    /// A fresh, never used stateful key (LMS, XMSS) for `spec` if one is ready now: the
    /// private key and its DER SPKI. `None` (the default) makes the caller generate one.
    fn take_stateful(&self, spec: KeySpec) -> Option<(SecretBytes, Vec<u8>)> {
        let _ = spec;
        None
    }
}

/// How to set up the device.
#[derive(Clone)]
pub struct HsmOptions {
    /// The name reported as `attestationKeyName` (the TSB's default is `attestation-key`).
    pub attestation_key_name: String,
    /// Ready-made RSA keys for new keys, if any (tests pass fixture keys here).
    pub rsa_supply: Option<Arc<dyn RsaKeySupply>>,
    /// Depth of the background RSA key pool when no `rsa_supply` is given (0: no pool).
    pub rsa_pool_depth: usize,
    /// Sizes the pool fills from the start (others join when first requested).
    pub rsa_pool_sizes: Vec<RsaBits>,
    /// The attestation key to store on first start (generated when `None`). Ignored when
    /// the store already has one: the attestation key never changes once created.
    pub initial_attestation_key: Option<rsa::PrivateKey>,
    /// Derive every random output from this seed and stop the clock (`--deterministic`);
    /// the RSA pool is off then, as its background draws would race with requests.
    pub deterministic_seed: Option<String>,
    /// PKCS#11-style key-extraction defences beyond the TSB's (`--strict-key-protection`):
    /// off by default, as the TSB shows none of them.
    pub strict_key_protection: bool,
}

impl Default for HsmOptions {
    fn default() -> Self {
        Self {
            attestation_key_name: "attestation-key".to_owned(),
            rsa_supply: None,
            rsa_pool_depth: 0,
            rsa_pool_sizes: vec![RsaBits::B4096],
            initial_attestation_key: None,
            deterministic_seed: None,
            strict_key_protection: false,
        }
    }
}

/// Facts about the store for `GET /v1/keystore/statistics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistics {
    /// Keys stored (the attestation key not included).
    pub key_count: usize,
    /// Bytes on disk.
    pub size_on_disk: u64,
    /// RSA pool: ready keys per size (largest first) and the depth, if the pool runs.
    pub rsa_pool: Option<(Vec<(RsaBits, usize)>, usize)>,
    /// Stateful keys (XMSS, LMS) ready per kind in use, if the pool runs and has any.
    pub stateful_pool: Vec<(String, usize)>,
}

/// The emulated HSM.
#[derive(Clone)]
pub struct Hsm {
    inner: Arc<Inner>,
}

struct Inner {
    store: KeyStore,
    attestation: AttestationKey,
    rsa_supply: Option<Arc<dyn RsaKeySupply>>,
    pool: Option<Arc<KeyPool>>,
    entropy: Entropy,
    /// The one clock of the device (`hsm::clock`).
    clock: Clock,
    /// The P-256 key that signs the HSM timestamps of approval tokens: PKCS#8, DER SPKI.
    integrity: (crate::domain::SecretBytes, Vec<u8>),
    key_cache: keycache::KeyCache,
    /// Held for reading while a stateful key's index is reserved, for writing by a reset.
    stateful_guard: std::sync::RwLock<()>,
    /// The fixture keys' records as loaded: what a reset puts back.
    fixture_state: std::sync::Mutex<Vec<crate::keystore::KeyRecord>>,
    /// The fixture approvers as loaded: what a reset puts back (`hsm::approvers`).
    fixture_approvers: std::sync::Mutex<Vec<crate::keystore::ApproverRecord>>,
    /// `HsmOptions::strict_key_protection`.
    strict_key_protection: bool,
}

/// The integrity key of approval tokens (reference 13.2), made on first start and kept.
fn integrity_key(
    store: &KeyStore,
    entropy: &Entropy,
) -> Result<(crate::domain::SecretBytes, Vec<u8>), HsmError> {
    const PRIVATE: &str = "integrity-key";
    const PUBLIC: &str = "integrity-key-spki";
    if let (Some(private), Some(public)) = (store.meta(PRIVATE)?, store.meta(PUBLIC)?) {
        return Ok((crate::domain::SecretBytes::new(private), public));
    }
    let (private, public) =
        crate::crypto::ec::generate(crate::domain::Curve::P256, &mut entropy.rng())?;
    let public = store.meta_insert_if_absent(PUBLIC, &public)?;
    let private = store.meta_insert_if_absent(PRIVATE, private.expose())?;
    Ok((crate::domain::SecretBytes::new(private), public))
}

impl Hsm {
    /// Opens the device on `store`, creating the attestation key on first start.
    pub async fn open(store: KeyStore, options: HsmOptions) -> Result<Self, HsmError> {
        run_blocking(move || {
            let entropy = match &options.deterministic_seed {
                Some(seed) => Entropy::seeded(seed),
                None => Entropy::system(),
            };
            let clock = match &options.deterministic_seed {
                Some(_) => Clock::fixed(FIXED_CLOCK),
                None => Clock::system(),
            };
            let pool = match (&options.rsa_supply, options.rsa_pool_depth) {
                (None, depth) if depth > 0 && !entropy.is_deterministic() => Some(Arc::new(
                    KeyPool::start(store.clone(), depth, &options.rsa_pool_sizes).map_err(|e| {
                        HsmError::Internal(format!("could not start the key pool: {e}"))
                    })?,
                )),
                _ => None,
            };
            let supply = match &pool {
                Some(pool) => Some(Arc::clone(pool) as Arc<dyn RsaKeySupply>),
                None => options.rsa_supply,
            };
            let strict_key_protection = options.strict_key_protection;
            let initial = options.initial_attestation_key;
            let attestation = AttestationKey::load_or_create(
                &store,
                options.attestation_key_name,
                &entropy,
                &clock,
                || match initial {
                    Some(key) => Ok(key),
                    None => Ok(rsa::generate(&mut entropy.rng(), AttestationKey::BITS)?),
                },
            )?;
            let integrity = integrity_key(&store, &entropy)?;
            entropy.begin_session();
            Ok(Self {
                inner: Arc::new(Inner {
                    store,
                    attestation,
                    rsa_supply: supply,
                    pool,
                    entropy,
                    clock,
                    integrity,
                    key_cache: keycache::KeyCache::new(keycache::CAPACITY),
                    stateful_guard: std::sync::RwLock::new(()),
                    fixture_state: std::sync::Mutex::new(Vec::new()),
                    fixture_approvers: std::sync::Mutex::new(Vec::new()),
                    strict_key_protection,
                }),
            })
        })
        .await
    }

    /// The device's clock, which the control API reads and moves.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The attestation key's name and public key (DER SPKI).
    pub fn attestation_public_key(&self) -> (&str, &[u8]) {
        let attestation = &self.inner.attestation;
        (&attestation.name, &attestation.public_key)
    }

    /// The attestation key's certificate chain (DER): its own certificate, then the test
    /// root CA's, which is made on first start and kept.
    pub fn attestation_chain(&self) -> &[Vec<u8>] {
        &self.inner.attestation.chain
    }

    /// Counts for the statistics endpoint.
    pub async fn statistics(&self) -> Result<Statistics, HsmError> {
        self.blocking(|inner| {
            Ok(Statistics {
                key_count: inner.store.key_count()?,
                size_on_disk: inner.store.size_on_disk()?,
                rsa_pool: inner.pool.as_ref().map(|pool| (pool.ready(), pool.depth())),
                stateful_pool: inner
                    .pool
                    .as_ref()
                    .map(|pool| pool.ready_stateful())
                    .unwrap_or_default(),
            })
        })
        .await
    }

    /// Whether the device still serves: false once a write to the key store failed (e.g.
    /// a full disk), after which only a restart helps.
    pub fn is_healthy(&self) -> bool {
        self.inner.store.is_healthy()
    }

    /// Writes everything to disk; called on shutdown.
    pub async fn flush(&self) -> Result<(), HsmError> {
        self.blocking(|inner| Ok(inner.store.flush()?)).await
    }

    /// Runs `operation` on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&Inner) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<T, HsmError> {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || operation(&inner)).await
    }

    /// Runs a signature or verification with `scheme`: a quick one (see [`quick_pool`]) on
    /// the pool for quick work, any other on tokio's blocking pool.
    async fn signing<T: Send + 'static>(
        &self,
        scheme: SignatureScheme,
        operation: impl FnOnce(&Inner) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<T, HsmError> {
        let pool = quick_pool().filter(|_| scheme.is_quick());
        let Some(pool) = pool else {
            return self.blocking(operation).await;
        };
        let inner = Arc::clone(&self.inner);
        pool.spawn_blocking(move || operation(&inner))
            .await
            .map_err(|e| HsmError::Internal(format!("blocking task failed: {e}")))?
    }
}

/// The pool for quick device work: signatures and verifications that take microseconds to a
/// few milliseconds and touch only memory ([`SignatureScheme::is_quick`]). It has twice as
/// many threads as the machine has cores (at least four), so a burst of signatures is drained
/// by threads that are already awake; tokio's blocking pool wakes or starts one thread per
/// request, and on two cores those context switches cost more than an Ed25519 signature
/// (issue 8: Ed25519 over HTTP +37%, P-256 +15%, on one core). Twice the cores, not one thread
/// per core: with a thread or two to spare the worker is switched out less often again (P-256
/// over HTTP +7-13% on one core and +8% on two, Ed25519 +12% on two but up to 8% slower on
/// one, where idle threads cost wake-ups; more threads than four gained nothing here).
/// Everything that can run long (key generation, CSRs, SLH-DSA, stateful signatures that
/// write to disk) stays on tokio's blocking pool, where the OS time-slices it with cheap
/// requests (docs/decisions.md).
///
/// Its threads are `SCHED_BATCH` on Linux ([`batch_scheduling`]).
///
/// One pool per process, never dropped (a runtime may not be dropped on an async worker);
/// `None` if its threads could not be set up, and then the work goes to tokio's pool.
fn quick_pool() -> Option<&'static tokio::runtime::Runtime> {
    static POOL: std::sync::OnceLock<Option<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(quick_pool_threads())
            .thread_name("tsb-quick")
            .on_thread_start(batch_scheduling)
            .build()
            .ok()
    })
    .as_ref()
}

/// How many threads the pool for quick signatures and verifications has at most: two per
/// core, at least four (docs/decisions.md, "Blocking pool").
pub fn quick_pool_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    (2 * cores).max(4)
}

/// Puts the calling thread under `SCHED_BATCH` if it runs at nice 0 (the crate that sets the
/// policy also sets the nice value, and only 0 is safe to set again). A batch thread that
/// wakes does not preempt the thread running on its core, so the async worker that hands a
/// signature over is not switched out on the spot: it goes on reading and dispatching
/// requests, and the signing thread then drains them back to back (on one core, Ed25519 over
/// HTTP +15%, context switches per signature 1.4 -> 0.25; docs/decisions.md). The async
/// workers stay ordinary threads: a batch worker would wait for the scheduler tick behind a
/// key generation, and cheap requests must not. Best effort: an OS that refuses changes
/// only the speed.
fn batch_scheduling() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityOsValue,
            ThreadSchedulePolicy, set_thread_priority_and_policy, thread_native_id,
        };
        if rustix::process::getpriority_process(None) != Ok(0) {
            return;
        }
        let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
        let nice_0 = ThreadPriority::Os(ThreadPriorityOsValue::default());
        if let Err(error) = set_thread_priority_and_policy(thread_native_id(), nice_0, batch) {
            tracing::debug!("the quick pool keeps the default scheduling: {error:?}");
        }
    }
}

async fn run_blocking<T: Send + 'static>(
    operation: impl FnOnce() -> Result<T, HsmError> + Send + 'static,
) -> Result<T, HsmError> {
    tokio::task::spawn_blocking(operation)
        .await
        .map_err(|e| HsmError::Internal(format!("blocking task failed: {e}")))?
}

/// A ready key from the supply, or a freshly generated one.
fn rsa_key(
    supply: Option<&dyn RsaKeySupply>,
    bits: RsaBits,
    rng: &mut OperationRng,
) -> Result<rsa::PrivateKey, HsmError> {
    if let Some(key) = supply.and_then(|supply| supply.take(bits)) {
        return Ok(key);
    }
    Ok(rsa::generate(rng, bits)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    /// The calling thread's scheduling policy, field 41 of `/proc/thread-self/stat`.
    #[cfg(target_os = "linux")]
    fn policy_of_this_thread() -> u32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("stat");
        // The name (field 2) is in parentheses and may hold spaces: count after it.
        let after_name = &stat[stat.rfind(')').expect("name") + 2..];
        after_name
            .split(' ')
            .nth(41 - 3)
            .expect("field 41")
            .parse()
            .expect("number")
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn quick_work_runs_under_sched_batch_and_other_work_does_not() {
        const SCHED_BATCH: u32 = 3;
        // Other threads keep the policy the process started with (the default, normally), and
        // so does a quick thread that is not at nice 0 (see `batch_scheduling`).
        let inherited = policy_of_this_thread();
        let nice_0 = rustix::process::getpriority_process(None) == Ok(0);
        let pool = super::quick_pool().expect("quick pool");
        let quick = pool
            .spawn_blocking(policy_of_this_thread)
            .await
            .expect("quick");
        let blocking = tokio::task::spawn_blocking(policy_of_this_thread)
            .await
            .expect("blocking");
        let expected = if nice_0 { SCHED_BATCH } else { inherited };
        assert_eq!(quick, expected, "the quick pool's threads");
        assert_eq!(
            blocking, inherited,
            "tokio's blocking pool (key generation)"
        );
        assert_eq!(policy_of_this_thread(), inherited, "the async worker");
    }
}

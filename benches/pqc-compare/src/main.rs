//! Times tsb-emulator's post-quantum operations in-process against the other implementations
//! that install from crates.io here: the pure-Rust `fips203`/`fips204`/`fips205` crates and the
//! PQClean C code behind `pqcrypto-*` (with its AVX2 code where the CPU has it). One run, one
//! machine, interleaved rounds; prints a markdown table of medians and ratios.
//!
//! ```sh
//! scripts/pqc-compare.sh              # every set, about five minutes on 2 cores
//! PQC_COMPARE_ROUNDS=1 scripts/pqc-compare.sh   # a quick look
//! ```
//!
//! PQClean's SPHINCS+ is round 3.1, not FIPS 205 (the FORS index bits and the message
//! encoding differ), so its signatures do not verify as SLH-DSA: it is a speed reference only.

use std::time::{Duration, Instant};
use tsb_emulator::crypto::pqc::{ml_dsa, ml_kem, slh_dsa};
use tsb_emulator::domain::{MlDsaParams, MlKemParams, SlhDsaParams};

/// Rounds per measurement (each round times every implementation once, in turn).
fn rounds(slow: bool) -> usize {
    let base = std::env::var("PQC_COMPARE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    if slow { base } else { base * 5 }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// An implementation's name and one run of the operation.
type Op<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Runs `op` once per round for each implementation, interleaved, and returns the medians.
fn measure(rounds: usize, ops: &mut [Op<'_>]) -> Vec<(&'static str, Duration)> {
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); ops.len()];
    for (_, op) in ops.iter_mut() {
        op(); // warm-up
    }
    for _ in 0..rounds {
        for (i, (_, op)) in ops.iter_mut().enumerate() {
            let start = Instant::now();
            op();
            samples[i].push(start.elapsed());
        }
    }
    ops.iter()
        .zip(samples)
        .map(|((name, _), s)| (*name, median(s)))
        .collect()
}

fn row(what: &str, results: &[(&'static str, Duration)]) {
    let ours = results[0].1;
    let fastest = results.iter().map(|(_, d)| *d).min().unwrap_or(ours);
    let cells: Vec<String> = results
        .iter()
        .map(|(name, d)| format!("{name} {:.2} ms", d.as_secs_f64() * 1e3))
        .collect();
    println!(
        "| {what} | {} | {:.2}x |",
        cells.join(" · "),
        ours.as_secs_f64() / fastest.as_secs_f64()
    );
}

macro_rules! slh_dsa_row {
    ($params:expr, $fips:ident, $pqclean:ident, $slow:expr) => {{
        use fips205::traits::Signer;
        let mut rng = rand::rng();
        let (private, _) = slh_dsa::generate($params, &mut rng).expect("keygen");
        let (_, fips_key) = fips205::$fips::try_keygen().expect("fips205 keygen");
        let (_, pqclean_key) = pqcrypto_sphincsplus::$pqclean::keypair();
        let message = b"tsb-emulator pqc comparison message";
        let mut ops: Vec<(&'static str, Box<dyn FnMut()>)> = vec![
            (
                "tsb-emulator",
                Box::new(|| {
                    let mut rng = rand::rng();
                    slh_dsa::sign($params, private.expose(), message, &[], None, &mut rng)
                        .expect("signs");
                }),
            ),
            (
                "fips205",
                Box::new(|| {
                    fips_key.try_sign(message, &[], true).expect("signs");
                }),
            ),
            (
                "pqcrypto (PQClean)",
                Box::new(|| {
                    pqcrypto_sphincsplus::$pqclean::detached_sign(message, &pqclean_key);
                }),
            ),
        ];
        let results = measure(rounds($slow), &mut ops);
        row(&format!("{} sign", $params.name()), &results);
    }};
}

macro_rules! ml_dsa_row {
    ($params:expr, $fips:ident, $pqclean:ident) => {{
        use fips204::traits::Signer;
        let mut rng = rand::rng();
        let (private, _) = ml_dsa::generate($params, &mut rng).expect("keygen");
        let (_, fips_key) = fips204::$fips::try_keygen().expect("fips204 keygen");
        let (_, pqclean_key) = pqcrypto_mldsa::$pqclean::keypair();
        let message = b"tsb-emulator pqc comparison message";
        let mut ops: Vec<(&'static str, Box<dyn FnMut()>)> = vec![
            (
                "tsb-emulator",
                Box::new(|| {
                    let mut rng = rand::rng();
                    let data = ml_dsa::Message::Data {
                        message,
                        context: &[],
                        prehash: None,
                    };
                    ml_dsa::sign($params, private.expose(), data, &mut rng).expect("signs");
                }),
            ),
            (
                "fips204",
                Box::new(|| {
                    fips_key.try_sign(message, &[]).expect("signs");
                }),
            ),
            (
                "pqcrypto (PQClean)",
                Box::new(|| {
                    pqcrypto_mldsa::$pqclean::detached_sign(message, &pqclean_key);
                }),
            ),
        ];
        let results = measure(rounds(false) * 20, &mut ops);
        row(&format!("{} sign", $params.name()), &results);
    }};
}

macro_rules! ml_kem_row {
    ($params:expr, $fips:ident, $pqclean:ident) => {{
        use fips203::traits::{Decaps, Encaps, KeyGen};
        let mut rng = rand::rng();
        let (private, public_spki) = ml_kem::generate($params, &mut rng).expect("keygen");
        let (fips_ek, fips_dk) = fips203::$fips::KG::try_keygen().expect("fips203 keygen");
        let (pqclean_pk, pqclean_sk) = pqcrypto_mlkem::$pqclean::keypair();
        let mut ops: Vec<(&'static str, Box<dyn FnMut()>)> = vec![
            (
                "tsb-emulator",
                Box::new(|| {
                    let mut rng = rand::rng();
                    let (ciphertext, _) =
                        ml_kem::encapsulate($params, &public_spki, &mut rng).expect("encaps");
                    ml_kem::decapsulate($params, private.expose(), &ciphertext).expect("decaps");
                }),
            ),
            (
                "fips203",
                Box::new(|| {
                    let (_, ciphertext) = fips_ek.try_encaps().expect("encaps");
                    fips_dk.try_decaps(&ciphertext).expect("decaps");
                }),
            ),
            (
                "pqcrypto (PQClean)",
                Box::new(|| {
                    let (_, ciphertext) = pqcrypto_mlkem::$pqclean::encapsulate(&pqclean_pk);
                    pqcrypto_mlkem::$pqclean::decapsulate(&ciphertext, &pqclean_sk);
                }),
            ),
        ];
        let results = measure(rounds(false) * 20, &mut ops);
        row(&format!("{} encaps + decaps", $params.name()), &results);
    }};
}

fn main() {
    let avx2 = {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    };
    println!(
        "Medians over {} rounds (slow sets) / {} (fast sets); AVX2 {}. Ratio: tsb-emulator / fastest.\n",
        rounds(true),
        rounds(false),
        if avx2 { "available" } else { "not available" }
    );
    println!("| Operation | Median per implementation | tsb-emulator / fastest |");
    println!("|---|---|---|");
    slh_dsa_row!(
        SlhDsaParams::Sha2_128f,
        slh_dsa_sha2_128f,
        sphincssha2128fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Sha2_192f,
        slh_dsa_sha2_192f,
        sphincssha2192fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Sha2_256f,
        slh_dsa_sha2_256f,
        sphincssha2256fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Shake128f,
        slh_dsa_shake_128f,
        sphincsshake128fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Shake192f,
        slh_dsa_shake_192f,
        sphincsshake192fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Shake256f,
        slh_dsa_shake_256f,
        sphincsshake256fsimple,
        false
    );
    slh_dsa_row!(
        SlhDsaParams::Sha2_128s,
        slh_dsa_sha2_128s,
        sphincssha2128ssimple,
        true
    );
    slh_dsa_row!(
        SlhDsaParams::Sha2_192s,
        slh_dsa_sha2_192s,
        sphincssha2192ssimple,
        true
    );
    slh_dsa_row!(
        SlhDsaParams::Sha2_256s,
        slh_dsa_sha2_256s,
        sphincssha2256ssimple,
        true
    );
    slh_dsa_row!(
        SlhDsaParams::Shake128s,
        slh_dsa_shake_128s,
        sphincsshake128ssimple,
        true
    );
    slh_dsa_row!(
        SlhDsaParams::Shake192s,
        slh_dsa_shake_192s,
        sphincsshake192ssimple,
        true
    );
    slh_dsa_row!(
        SlhDsaParams::Shake256s,
        slh_dsa_shake_256s,
        sphincsshake256ssimple,
        true
    );
    ml_dsa_row!(MlDsaParams::MlDsa44, ml_dsa_44, mldsa44);
    ml_dsa_row!(MlDsaParams::MlDsa65, ml_dsa_65, mldsa65);
    ml_dsa_row!(MlDsaParams::MlDsa87, ml_dsa_87, mldsa87);
    ml_kem_row!(MlKemParams::MlKem512, ml_kem_512, mlkem512);
    ml_kem_row!(MlKemParams::MlKem768, ml_kem_768, mlkem768);
    ml_kem_row!(MlKemParams::MlKem1024, ml_kem_1024, mlkem1024);
}

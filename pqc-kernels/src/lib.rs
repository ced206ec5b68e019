//! Non-generic entry points into generic hash-based cryptography (SLH-DSA, SHAKE).
//!
//! Rust compiles generic code in the crate that instantiates it, at that crate's
//! optimisation level. `tsb-emulator`'s debug builds are unoptimised, which made SLH-DSA and
//! every SHAKE-based computation 30 to 100 times slower there than the crates themselves are.
//! Instantiating them here, in a package that `tsb-emulator`'s `[profile.dev.package]`
//! optimises, keeps the test suite fast. Parameter sets are named by their FIPS 205 strings
//! so this crate needs no copy of `tsb-emulator`'s domain types. No randomness is drawn
//! here: callers pass seeds and randomizers.

use shake::{ExtendableOutput, Update, XofReader};
use slh_dsa::{
    Sha2_128f, Sha2_128s, Sha2_192f, Sha2_192s, Sha2_256f, Sha2_256s, Shake128f, Shake128s,
    Shake192f, Shake192s, Shake256f, Shake256s, Signature, SigningKey, VerifyingKey,
};

/// Fills `out` with SHAKE128 of the concatenated `parts`.
pub fn shake128(parts: &[&[u8]], out: &mut [u8]) {
    let mut xof = shake::Shake128::default();
    parts.iter().for_each(|part| xof.update(part));
    xof.finalize_xof().read(out);
}

/// Fills `out` with SHAKE256 of the concatenated `parts`.
pub fn shake256(parts: &[&[u8]], out: &mut [u8]) {
    let mut xof = shake::Shake256::default();
    parts.iter().for_each(|part| xof.update(part));
    xof.finalize_xof().read(out);
}

/// Runs `$body` with `$p` bound to the `slh-dsa` type of the set named `$set`.
macro_rules! with_set {
    ($set:expr, $p:ident => $body:expr) => {
        match $set {
            "SLH-DSA-SHA2-128s" => {
                type $p = Sha2_128s;
                $body
            }
            "SLH-DSA-SHA2-128f" => {
                type $p = Sha2_128f;
                $body
            }
            "SLH-DSA-SHA2-192s" => {
                type $p = Sha2_192s;
                $body
            }
            "SLH-DSA-SHA2-192f" => {
                type $p = Sha2_192f;
                $body
            }
            "SLH-DSA-SHA2-256s" => {
                type $p = Sha2_256s;
                $body
            }
            "SLH-DSA-SHA2-256f" => {
                type $p = Sha2_256f;
                $body
            }
            "SLH-DSA-SHAKE-128s" => {
                type $p = Shake128s;
                $body
            }
            "SLH-DSA-SHAKE-128f" => {
                type $p = Shake128f;
                $body
            }
            "SLH-DSA-SHAKE-192s" => {
                type $p = Shake192s;
                $body
            }
            "SLH-DSA-SHAKE-192f" => {
                type $p = Shake192f;
                $body
            }
            "SLH-DSA-SHAKE-256s" => {
                type $p = Shake256s;
                $body
            }
            "SLH-DSA-SHAKE-256f" => {
                type $p = Shake256f;
                $body
            }
            _ => None,
        }
    };
}

/// FIPS 205 `slh_keygen_internal`: (private key, public key) from the three n-byte seeds.
pub fn slh_dsa_keygen(
    set: &str,
    sk_seed: &[u8],
    sk_prf: &[u8],
    pk_seed: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    with_set!(set, P => {
        let key = SigningKey::<P>::slh_keygen_internal(sk_seed, sk_prf, pk_seed);
        Some((key.to_vec(), key.as_ref().to_vec()))
    })
}

/// FIPS 205 `slh_sign_internal` over the concatenated `parts` with an n-byte randomizer;
/// `None` for a malformed key or randomizer.
pub fn slh_dsa_sign(
    set: &str,
    private: &[u8],
    parts: &[&[u8]],
    randomizer: &[u8],
) -> Option<Vec<u8>> {
    with_set!(set, P => {
        let key = SigningKey::<P>::try_from(private).ok()?;
        if randomizer.len() * 2 != key.as_ref().to_vec().len() {
            return None;
        }
        Some(key.slh_sign_internal(parts, Some(randomizer)).to_vec())
    })
}

/// FIPS 205 `slh_verify_internal`; `None` for a malformed public key, `Some(false)` for a
/// malformed or wrong signature.
pub fn slh_dsa_verify(set: &str, public: &[u8], parts: &[&[u8]], signature: &[u8]) -> Option<bool> {
    with_set!(set, P => {
        let key = VerifyingKey::<P>::try_from(public).ok()?;
        let Ok(signature) = Signature::<P>::try_from(signature) else {
            return Some(false);
        };
        Some(key.slh_verify_internal(parts, &signature).is_ok())
    })
}

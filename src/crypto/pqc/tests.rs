//! Known-answer and cross-implementation tests of the PQC modules.
//!
//! Known answers: the IETF LAMPS example keys (seed 00..1f / 00..3f and the matching SPKI,
//! shipped with the `ml-dsa` and `ml-kem` crates, copied to `fixtures/pqc/`). Independent
//! implementations: IntegrityChain's `fips203`/`fips204`/`fips205` crates and `hbs-lms`
//! verify or re-derive everything made here.

use super::{lms, ml_dsa, ml_kem, prehashed, raw_public};
use crate::domain::{LmsHeight, MlDsaParams, MlKemParams, PreHash, SlhDsaParams};

const ALL_PREHASHES: [PreHash; 10] = [
    PreHash::Sha2_224,
    PreHash::Sha2_256,
    PreHash::Sha2_384,
    PreHash::Sha2_512,
    PreHash::Sha3_224,
    PreHash::Sha3_256,
    PreHash::Sha3_384,
    PreHash::Sha3_512,
    PreHash::Shake128,
    PreHash::Shake256,
];

fn fixture_spki(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pqc")
        .join(format!("{name}.pub"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    pem::parse(text).expect("PEM").into_contents()
}

#[test]
fn ml_dsa_keys_from_the_lamps_example_seed_match_the_published_public_keys() {
    let seed: Vec<u8> = (0u8..32).collect();
    for params in MlDsaParams::ALL {
        let spki = ml_dsa::public_from_seed(*params, &seed).unwrap();
        assert_eq!(spki, fixture_spki(params.name()), "{}", params.name());
    }
}

#[test]
fn ml_kem_keys_from_the_lamps_example_seed_match_the_published_public_keys() {
    let seed: Vec<u8> = (0u8..64).collect();
    for params in MlKemParams::ALL {
        let spki = ml_kem::public_from_seed(*params, &seed).unwrap();
        assert_eq!(spki, fixture_spki(params.name()), "{}", params.name());
    }
}

/// Checks an ML-DSA key and its signatures with `fips204` (pure, context, every pre-hash,
/// external μ against a μ computed by hand).
macro_rules! ml_dsa_cross_check {
    ($params:expr, $module:ident) => {{
        use fips204::traits::{KeyGen, SerDes, Verifier};
        let mut rng = rand::rng();
        let (seed, spki) = ml_dsa::generate($params, &mut rng).unwrap();
        let raw = raw_public(&spki, $params.oid()).unwrap();
        // The independent key generation from the same seed gives the same public key.
        let seed_array: [u8; 32] = seed.expose().try_into().unwrap();
        let (theirs, _) = fips204::$module::KG::keygen_from_seed(&seed_array);
        assert_eq!(theirs.into_bytes().to_vec(), raw);
        let public =
            fips204::$module::PublicKey::try_from_bytes(raw.clone().try_into().unwrap()).unwrap();
        let message = b"signed by tsb-emulator";
        for context in [&b""[..], b"some context"] {
            let data = ml_dsa::Message::Data {
                message,
                context,
                prehash: None,
            };
            let signature = ml_dsa::sign($params, seed.expose(), data, &mut rng).unwrap();
            let signature: [u8; fips204::$module::SIG_LEN] = signature.try_into().unwrap();
            assert!(public.verify(message, &signature, context));
            assert!(!public.verify(b"another message", &signature, context));
            assert!(ml_dsa::verify($params, &spki, data, &signature).unwrap());
        }
        for hash in ALL_PREHASHES {
            let data = ml_dsa::Message::Data {
                message,
                context: b"ctx",
                prehash: Some(hash),
            };
            let signature = ml_dsa::sign($params, seed.expose(), data, &mut rng).unwrap();
            let signature: [u8; fips204::$module::SIG_LEN] = signature.try_into().unwrap();
            let oid_and_digest = prehashed(hash, message);
            let (oid, digest) = oid_and_digest.split_at(11);
            assert!(
                public.hash_verify(digest, &signature, b"ctx", oid),
                "{hash:?}"
            );
            assert!(ml_dsa::verify($params, &spki, data, &signature).unwrap());
            // A pure signature is no pre-hash signature and vice versa.
            let pure = ml_dsa::Message::Data {
                message,
                context: b"ctx",
                prehash: None,
            };
            assert!(!ml_dsa::verify($params, &spki, pure, &signature).unwrap());
        }
        // External μ = SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64): a pure signature.
        let tr = super::shake256(&[&raw], 64);
        let mu = super::shake256(&[&tr, &[0, 0], message], 64);
        let signature =
            ml_dsa::sign($params, seed.expose(), ml_dsa::Message::Mu(&mu), &mut rng).unwrap();
        let signature: [u8; fips204::$module::SIG_LEN] = signature.try_into().unwrap();
        assert!(public.verify(message, &signature, b""));
    }};
}

#[test]
fn ml_dsa_44_signatures_verify_with_fips204() {
    ml_dsa_cross_check!(MlDsaParams::MlDsa44, ml_dsa_44);
}

#[test]
fn ml_dsa_65_signatures_verify_with_fips204() {
    ml_dsa_cross_check!(MlDsaParams::MlDsa65, ml_dsa_65);
}

#[test]
fn ml_dsa_87_signatures_verify_with_fips204() {
    ml_dsa_cross_check!(MlDsaParams::MlDsa87, ml_dsa_87);
}

#[test]
fn ml_dsa_rejects_a_long_context_and_a_wrong_mu_length() {
    let mut rng = rand::rng();
    let (seed, _) = ml_dsa::generate(MlDsaParams::MlDsa44, &mut rng).unwrap();
    let long = [0u8; 256];
    let data = ml_dsa::Message::Data {
        message: b"m",
        context: &long,
        prehash: None,
    };
    assert!(ml_dsa::sign(MlDsaParams::MlDsa44, seed.expose(), data, &mut rng).is_err());
    let short = ml_dsa::Message::Mu(&[0u8; 32]);
    assert!(ml_dsa::sign(MlDsaParams::MlDsa44, seed.expose(), short, &mut rng).is_err());
}

/// Checks an ML-KEM key with `fips203`: same public key from the seed, and secrets agree in
/// both directions.
macro_rules! ml_kem_cross_check {
    ($params:expr, $module:ident) => {{
        use fips203::traits::{Decaps, Encaps, KeyGen, SerDes};
        let mut rng = rand::rng();
        let (seed, spki) = ml_kem::generate($params, &mut rng).unwrap();
        let raw = raw_public(&spki, $params.oid()).unwrap();
        let d: [u8; 32] = seed.expose()[..32].try_into().unwrap();
        let z: [u8; 32] = seed.expose()[32..].try_into().unwrap();
        let (ek, dk) = fips203::$module::KG::keygen_from_seed(d, z);
        assert_eq!(ek.clone().into_bytes().to_vec(), raw);
        // We encapsulate, they decapsulate.
        let (ciphertext, ours) = ml_kem::encapsulate($params, &spki, &mut rng).unwrap();
        let ct =
            fips203::$module::CipherText::try_from_bytes(ciphertext.try_into().unwrap()).unwrap();
        assert_eq!(
            dk.try_decaps(&ct).unwrap().into_bytes().to_vec(),
            ours.expose()
        );
        // They encapsulate, we decapsulate.
        let (theirs, ct) = ek.try_encaps().unwrap();
        let ours = ml_kem::decapsulate($params, seed.expose(), &ct.into_bytes()).unwrap();
        assert_eq!(theirs.into_bytes().to_vec(), ours.expose());
    }};
}

#[test]
fn ml_kem_interoperates_with_fips203() {
    ml_kem_cross_check!(MlKemParams::MlKem512, ml_kem_512);
    ml_kem_cross_check!(MlKemParams::MlKem768, ml_kem_768);
    ml_kem_cross_check!(MlKemParams::MlKem1024, ml_kem_1024);
}

#[test]
fn ml_kem_refuses_a_ciphertext_of_the_wrong_length() {
    let mut rng = rand::rng();
    let (seed, _) = ml_kem::generate(MlKemParams::MlKem768, &mut rng).unwrap();
    assert!(ml_kem::decapsulate(MlKemParams::MlKem768, seed.expose(), &[0; 100]).is_err());
}

/// Checks an SLH-DSA key and its signatures with `fips205` (pure with and without context,
/// and the pre-hash variants in `hashes`).
macro_rules! slh_dsa_cross_check {
    ($params:expr, $module:ident, $n:literal, $hashes:expr) => {{
        use super::slh_dsa;
        use fips205::traits::{KeyGen, SerDes, Verifier};
        let mut rng = rand::rng();
        let (private, spki) = slh_dsa::generate($params, &mut rng).unwrap();
        let raw = raw_public(&spki, $params.oid()).unwrap();
        let sk = private.expose();
        let seed = |i: usize| -> [u8; $n] { sk[i * $n..(i + 1) * $n].try_into().unwrap() };
        let (theirs, _) =
            fips205::$module::KG::keygen_from_seed::<$n>(&seed(0), &seed(1), &seed(2));
        assert_eq!(theirs.into_bytes().to_vec(), raw);
        let public =
            fips205::$module::PublicKey::try_from_bytes(raw.clone().try_into().unwrap()).unwrap();
        let message = b"signed by tsb-emulator";
        let context = b"ctx";
        let signature = slh_dsa::sign($params, sk, message, context, None, &mut rng).unwrap();
        let signature: [u8; fips205::$module::SIG_LEN] = signature.try_into().unwrap();
        assert!(public.verify(message, &signature, context));
        assert!(!public.verify(message, &signature, b""));
        assert!(slh_dsa::verify($params, &spki, message, context, None, &signature).unwrap());
        for hash in $hashes {
            let signature = slh_dsa::sign($params, sk, message, b"", Some(hash), &mut rng).unwrap();
            let signature: [u8; fips205::$module::SIG_LEN] = signature.try_into().unwrap();
            let oid_and_digest = prehashed(hash, message);
            let (oid, digest) = oid_and_digest.split_at(11);
            assert!(public.hash_verify(digest, &signature, b"", oid), "{hash:?}");
            assert!(slh_dsa::verify($params, &spki, message, b"", Some(hash), &signature).unwrap());
        }
    }};
}

// The 128-bit fast sets here (every pre-hash once); all twelve sets go through the API,
// ten of them in the slow group (`tests/pqc_slow.rs`).
#[test]
fn slh_dsa_sha2_128f_verifies_with_fips205_with_every_prehash() {
    slh_dsa_cross_check!(
        SlhDsaParams::Sha2_128f,
        slh_dsa_sha2_128f,
        16,
        ALL_PREHASHES
    );
}

#[test]
fn slh_dsa_shake_128f_verifies_with_fips205() {
    slh_dsa_cross_check!(
        SlhDsaParams::Shake128f,
        slh_dsa_shake_128f,
        16,
        [PreHash::Shake256]
    );
}

#[test]
fn lms_signatures_verify_with_hbs_lms_and_indices_are_the_callers() {
    use hbs_lms::{Sha256_256, verify};
    let mut rng = rand::rng();
    for height in LmsHeight::ALL {
        let (private, spki) = lms::generate(height, &mut rng).unwrap();
        let raw = raw_public(&spki, crate::domain::HSS_LMS_OID).unwrap();
        for index in [0, 3, height.capacity() - 1] {
            let message = format!("message {index}");
            let signature = lms::sign(
                height,
                private.expose(),
                index,
                message.as_bytes(),
                &mut rng,
            )
            .unwrap();
            // HSS signature: Nspk = 0, then the LMS signature whose q is the index.
            assert_eq!(signature[..4], [0, 0, 0, 0]);
            assert_eq!(signature[4..8], u32::try_from(index).unwrap().to_be_bytes());
            if height == LmsHeight::H5 {
                assert_eq!(signature.len(), 8688, "the TSB documentation's size");
            }
            assert!(verify::<Sha256_256>(message.as_bytes(), &signature, &raw).is_ok());
            assert!(verify::<Sha256_256>(b"other", &signature, &raw).is_err());
            assert!(lms::verify(&spki, message.as_bytes(), &signature).unwrap());
            assert!(!lms::verify(&spki, b"other", &signature).unwrap());
        }
        let past_the_end = height.capacity();
        assert!(lms::sign(height, private.expose(), past_the_end, b"m", &mut rng).is_err());
    }
}

/// Our XMSS signatures verify with the `xmss` crate (a port of the RFC 8391 reference code),
/// and tampering is caught by both.
macro_rules! xmss_cross_check {
    ($params:expr, $theirs:ident) => {{
        use super::xmss;
        let mut rng = rand::rng();
        let (private, spki) = xmss::generate($params, &mut rng).unwrap();
        let raw = raw_public(&spki, $params.oid()).unwrap();
        let key = ::xmss::VerifyingKey::<::xmss::$theirs>::try_from(raw.as_slice()).unwrap();
        for index in [0u64, 1, 517, 1023] {
            let message = format!("message {index}");
            let signature = xmss::sign(private.expose(), index, message.as_bytes()).unwrap();
            assert_eq!(signature.len(), xmss::SIGNATURE_LEN);
            assert_eq!(signature[..4], u32::try_from(index).unwrap().to_be_bytes());
            let detached =
                ::xmss::DetachedSignature::<::xmss::$theirs>::try_from(signature.as_slice())
                    .unwrap();
            assert!(
                key.verify_detached(&detached, message.as_bytes()).is_ok(),
                "{index}"
            );
            assert!(key.verify_detached(&detached, b"other").is_err());
            assert!(xmss::verify($params, &spki, message.as_bytes(), &signature).unwrap());
            assert!(!xmss::verify($params, &spki, b"other", &signature).unwrap());
            let mut tampered = signature.clone();
            tampered[100] ^= 1;
            assert!(!xmss::verify($params, &spki, message.as_bytes(), &tampered).unwrap());
        }
        assert!(xmss::sign(private.expose(), 1024, b"m").is_err());
    }};
}

#[test]
fn xmss_sha2_signatures_verify_with_the_xmss_crate() {
    xmss_cross_check!(crate::domain::XmssParams::Sha2_10_256, XmssSha2_10_256);
}

// XMSS-SHAKE256_10_256 is cross-checked in the slow group (`tests/pqc_slow.rs`): its key
// generation takes minutes in a debug build.

/// The other direction: a key and signature made by the `xmss` crate verify here.
#[test]
fn xmss_crate_signatures_verify_here() {
    use ::xmss::{KeyPair, XmssSha2_10_256};
    let mut pair = KeyPair::<XmssSha2_10_256>::generate(&mut rand::rng()).unwrap();
    let signature = pair
        .signing_key()
        .sign_detached(b"from the xmss crate")
        .unwrap();
    let public = pair.verifying_key().as_ref().to_vec();
    let spki = super::spki(crate::domain::XmssParams::Sha2_10_256.oid(), &public).unwrap();
    let params = crate::domain::XmssParams::Sha2_10_256;
    let ok = super::xmss::verify(params, &spki, b"from the xmss crate", signature.as_ref());
    assert!(ok.unwrap());
}

/// SLH-DSA key generation from fixed seeds gives the public key that `fips205` derives from
/// the same seeds (a known answer from an independent implementation). The SHAKE sets
/// other than 128f are in the slow group (`tests/pqc_slow.rs`).
#[test]
fn slh_dsa_key_generation_matches_fips205_for_the_sha2_sets_and_shake_128f() {
    use fips205::traits::{KeyGen, SerDes};
    macro_rules! check {
        ($params:expr, $module:ident, $n:literal) => {{
            let seeds: [[u8; $n]; 3] = [[1; $n], [2; $n], [3; $n]];
            let (_, ours) =
                tsb_pqc_kernels::slh_dsa_keygen($params.name(), &seeds[0], &seeds[1], &seeds[2])
                    .unwrap();
            let (theirs, _) =
                fips205::$module::KG::keygen_from_seed::<$n>(&seeds[0], &seeds[1], &seeds[2]);
            assert_eq!(theirs.into_bytes().to_vec(), ours, "{}", $params.name());
        }};
    }
    check!(SlhDsaParams::Sha2_128s, slh_dsa_sha2_128s, 16);
    check!(SlhDsaParams::Sha2_128f, slh_dsa_sha2_128f, 16);
    check!(SlhDsaParams::Sha2_192s, slh_dsa_sha2_192s, 24);
    check!(SlhDsaParams::Sha2_192f, slh_dsa_sha2_192f, 24);
    check!(SlhDsaParams::Sha2_256s, slh_dsa_sha2_256s, 32);
    check!(SlhDsaParams::Sha2_256f, slh_dsa_sha2_256f, 32);
    check!(SlhDsaParams::Shake128f, slh_dsa_shake_128f, 16);
}

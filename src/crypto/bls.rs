//! BLS signatures on BLS12-381 as Ethereum uses them (IETF BLS signature draft, minimal
//! public-key size: public keys in G1, signatures in G2, ciphersuite
//! `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`), via blst.
//!
//! The TSB does not document its BLS key encodings, so the emulator chooses these:
//! - SPKI: `SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.44668.5.3.1.1 }, BIT STRING (48-byte
//!   compressed G1 public key) }`, the algorithm identifier without parameters;
//! - PKCS#8 v1: `SEQUENCE { INTEGER 0, SEQUENCE { same OID }, OCTET STRING (32-byte big-endian
//!   secret scalar) }`.

use super::CryptoError;
use crate::domain::SecretBytes;
use blst::BLST_ERROR;
use blst::min_pk::{PublicKey, SecretKey, Signature};
use const_oid::ObjectIdentifier;
use der::asn1::{BitStringRef, OctetStringRef};
use der::{Decode, Encode};
use ecdsa::elliptic_curve::pkcs8::PrivateKeyInfoRef;
use rand::CryptoRng;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

/// The TSB's default BLS algorithm OID, in dotted decimal.
pub const OID: &str = "1.3.6.1.4.1.44668.5.3.1.1";

/// [`OID`] as an object identifier.
const ALGORITHM: ObjectIdentifier = ObjectIdentifier::new_unwrap(OID);

/// The ciphersuite's domain separation tag (proof-of-possession scheme, as in Ethereum).
const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Length of a compressed G1 public key.
const PUBLIC_KEY_LEN: usize = 48;

/// Length of a compressed G2 signature.
const SIGNATURE_LEN: usize = 96;

/// A fresh key: (PKCS#8 DER private key, DER SubjectPublicKeyInfo). The secret comes from the
/// IETF KeyGen (HKDF-based, as blst implements it) over 32 bytes of `rng` output.
pub fn generate(rng: &mut impl CryptoRng) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let mut ikm = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(ikm.as_mut_slice());
    let key = SecretKey::key_gen(ikm.as_slice(), &[])
        .map_err(|e| CryptoError::KeyGeneration(format!("BLS KeyGen failed: {e:?}")))?;
    encode(&key)
}

/// Re-encodes an imported PKCS#8 DER private key (v1, or v2 with the public key, which must then
/// match) as our canonical PKCS#8 DER plus its SPKI.
pub fn normalize_private(der: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    encode(&decode_private(der)?)
}

/// Whether `spki` is a DER SubjectPublicKeyInfo holding a valid BLS public key (a point of the
/// G1 subgroup other than infinity).
pub fn is_bls_spki(spki: &[u8]) -> bool {
    decode_public(spki).is_ok()
}

/// Signs the raw `payload` (hashed to G2 by the ciphersuite): a 96-byte compressed G2 point.
pub fn sign(pkcs8: &[u8], payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = decode_private(pkcs8)?;
    Ok(key.sign(payload, DST, &[]).compress().to_vec())
}

/// Verifies a signature with only the public key (DER SPKI). A wrong signature, or one that is
/// not a compressed G2 subgroup point, is `Ok(false)`.
pub fn verify(spki: &[u8], payload: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
    let key = decode_public(spki)?;
    // `from_bytes` would also take a 192-byte uncompressed point; the wire form is compressed.
    if signature.len() != SIGNATURE_LEN {
        return Ok(false);
    }
    let Ok(signature) = Signature::from_bytes(signature) else {
        return Ok(false);
    };
    // Subgroup check of the signature here; the key's was done when decoding it.
    let result = signature.verify(true, payload, DST, &[], &key, false);
    Ok(result == BLST_ERROR::BLST_SUCCESS)
}

/// The algorithm identifier of both encodings.
fn algorithm() -> AlgorithmIdentifierRef<'static> {
    AlgorithmIdentifierRef {
        oid: ALGORITHM,
        parameters: None,
    }
}

/// Checks an algorithm identifier is ours (our OID, no parameters).
fn check_algorithm(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<(), CryptoError> {
    if algorithm.oid != ALGORITHM {
        return Err(CryptoError::InvalidKey(format!(
            "not a BLS key (algorithm {})",
            algorithm.oid
        )));
    }
    if algorithm.parameters.is_some() {
        return Err(CryptoError::InvalidKey(
            "the BLS algorithm identifier takes no parameters".into(),
        ));
    }
    Ok(())
}

/// Our canonical encodings (see the module documentation).
fn encode(key: &SecretKey) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let secret = Zeroizing::new(key.to_bytes());
    let pkcs8 = PrivateKeyInfoRef::new(algorithm(), OctetStringRef::new(secret.as_slice())?);
    let pkcs8 = SecretBytes::new(pkcs8.to_der()?);
    let public = key.sk_to_pk().compress();
    let spki = SubjectPublicKeyInfoRef {
        algorithm: algorithm(),
        subject_public_key: BitStringRef::from_bytes(&public)?,
    }
    .to_der()?;
    Ok((pkcs8, spki))
}

/// The secret key in a PKCS#8 v1 or v2 DER (checking a v2 public key against the secret).
fn decode_private(der: &[u8]) -> Result<SecretKey, CryptoError> {
    let invalid =
        |reason: String| CryptoError::InvalidKey(format!("not a BLS private key: {reason}"));
    let info = PrivateKeyInfoRef::from_der(der).map_err(|e| invalid(e.to_string()))?;
    check_algorithm(&info.algorithm)?;
    // blst checks the length (32 bytes) and the range (0 < secret < group order).
    let key = SecretKey::from_bytes(info.private_key.as_bytes())
        .map_err(|_| invalid("the secret is not a 32-byte scalar in [1, r - 1]".into()))?;
    if let Some(public) = info.public_key
        && public.as_bytes() != Some(key.sk_to_pk().compress().as_slice())
    {
        return Err(invalid("the public key does not match the secret".into()));
    }
    Ok(key)
}

/// The validated public key in a DER SPKI.
fn decode_public(spki: &[u8]) -> Result<PublicKey, CryptoError> {
    let invalid =
        |reason: String| CryptoError::InvalidKey(format!("not a BLS public key: {reason}"));
    let info = SubjectPublicKeyInfoRef::from_der(spki).map_err(|e| invalid(e.to_string()))?;
    check_algorithm(&info.algorithm)?;
    let point = info
        .subject_public_key
        .as_bytes()
        .filter(|point| point.len() == PUBLIC_KEY_LEN)
        .ok_or_else(|| invalid(format!("not a {PUBLIC_KEY_LEN}-byte compressed point")))?;
    // KeyValidate: on the curve, in the G1 subgroup, not the point at infinity.
    PublicKey::key_validate(point).map_err(|e| invalid(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answers of the `sign` handler of the Ethereum BLS test suite
    // (github.com/ethereum/bls12-381-tests, release v0.1.2): cases sign_case_c82df61aa3ee60fb,
    // sign_case_d0e28d7e76eb6e9c and sign_case_84d45c9c7cca6b92 as (privkey, message,
    // signature). Copied from two independent reproductions of that suite that agree: herumi/mcl's
    // eth2 test table and a generated Solidity vector file naming the release.
    const SIGN_CASES: [(&str, &str, &str); 3] = [
        (
            "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6\
             076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24\
             802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55",
        ),
        (
            "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3",
            "5656565656565656565656565656565656565656565656565656565656565656",
            "882730e5d03f6b42c3abc26d3372625034e1d871b65a8a6b900a56dae22da98a\
             bbe1b68f85e49fe7652a55ec3d0591c20767677e33e5cbb1207315c41a9ac03b\
             e39c2e7668edc043d6cb1d9fd93033caa8a1c5b0e84bedaeb6c64972503a43eb",
        ),
        (
            "328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216",
            "abababababababababababababababababababababababababababababababab",
            "ae82747ddeefe4fd64cf9cedb9b04ae3e8a43420cd255e3c7cd06a8d88b7c7f8\
             638543719981c5d16fa3527c468c25f0026704a6951bde891360c7e8d12ddee0\
             559004ccdbe6046b55bae1b257ee97f7cdb955773d7cf29adf3ccbb9975e4eb9",
        ),
    ];

    /// The public key of the first case's private key (as a Go implementation's
    /// `TestSecretToPubkey` lists it).
    const FIRST_PUBLIC_KEY: &str = "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dff\
                                    b9a6e20fd6e10c1b77654d067c0618f6e5a7f79a";

    /// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.6.1.4.1.44668.5.3.1.1 }, OCTET STRING (32) }`.
    const PKCS8_PREFIX: &str = "3035020100300e060c2b0601040182dc7c050301010420";

    /// `SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.44668.5.3.1.1 }, BIT STRING (48 bytes) }`.
    const SPKI_PREFIX: &str = "3043300e060c2b0601040182dc7c05030101033100";

    /// PKCS#8 v1 for a raw 32-byte secret, assembled by hand from the documented layout.
    fn pkcs8_v1(secret: &[u8]) -> Vec<u8> {
        [hex::decode(PKCS8_PREFIX).expect("hex"), secret.to_vec()].concat()
    }

    #[test]
    fn ethereum_sign_vectors() {
        for (secret, message, expected) in SIGN_CASES {
            let secret = hex::decode(secret).expect("hex");
            let message = hex::decode(message).expect("hex");
            let (pkcs8, spki) = normalize_private(&pkcs8_v1(&secret)).expect("import");
            assert_eq!(pkcs8.expose(), pkcs8_v1(&secret));
            let signature = sign(pkcs8.expose(), &message).expect("sign");
            assert_eq!(hex::encode(&signature), expected);
            assert!(verify(&spki, &message, &signature).expect("verify"));
        }
        let (_, spki) = normalize_private(&pkcs8_v1(&hex::decode(SIGN_CASES[0].0).expect("hex")))
            .expect("import");
        assert_eq!(hex::encode(&spki[spki.len() - 48..]), FIRST_PUBLIC_KEY);
    }

    #[test]
    fn encodings_have_the_documented_layout() {
        let (pkcs8, spki) = generate(&mut rand::rng()).expect("generate");
        assert_eq!(ALGORITHM.to_string(), OID);
        assert_eq!(hex::encode(&spki[..spki.len() - 48]), SPKI_PREFIX);
        assert_eq!(
            hex::encode(&pkcs8.expose()[..pkcs8.expose().len() - 32]),
            PKCS8_PREFIX
        );
        assert!(is_bls_spki(&spki));
    }

    #[test]
    fn round_trip_and_rejections() {
        let (pkcs8, spki) = generate(&mut rand::rng()).expect("generate");
        assert_eq!(
            normalize_private(pkcs8.expose()).expect("normalize"),
            (pkcs8.clone(), spki.clone())
        );
        let signature = sign(pkcs8.expose(), b"payload").expect("sign");
        assert_eq!(signature.len(), 96);
        assert!(verify(&spki, b"payload", &signature).expect("verify"));
        assert!(verify(&spki, b"", &sign(pkcs8.expose(), b"").expect("sign")).expect("verify"));
        // Wrong message, wrong key.
        assert!(!verify(&spki, b"payloaD", &signature).expect("verify"));
        let (_, other_spki) = generate(&mut rand::rng()).expect("generate");
        assert!(!verify(&other_spki, b"payload", &signature).expect("verify"));
        // Malformed signatures: changed bytes, other lengths, the uncompressed form, infinity.
        let mut changed = signature.clone();
        changed[95] ^= 1;
        let uncompressed = Signature::from_bytes(&signature)
            .expect("point")
            .serialize();
        let mut infinity = vec![0; 96];
        infinity[0] = 0xc0;
        for junk in [
            &changed[..],
            &[],
            &signature[..95],
            &[&signature[..], &[0]].concat(),
            &uncompressed,
            &infinity,
            &[0xff; 96],
        ] {
            assert!(
                !verify(&spki, b"payload", junk).expect("verify"),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn bad_keys_are_errors() {
        let mut rng = rand::rng();
        let (pkcs8, spki) = generate(&mut rng).expect("generate");
        let signature = sign(pkcs8.expose(), b"p").expect("sign");
        let (ed_pkcs8, ed_spki) = crate::crypto::ed25519::generate(&mut rng).expect("generate");
        // The public key: infinity, and a point off the curve.
        let with_point = |point: &[u8]| {
            SubjectPublicKeyInfoRef {
                algorithm: algorithm(),
                subject_public_key: BitStringRef::from_bytes(point).expect("bits"),
            }
            .to_der()
            .expect("der")
        };
        let mut infinity = [0u8; 48];
        infinity[0] = 0xc0;
        let mut off_curve = [0u8; 48];
        off_curve[0] = 0x80;
        off_curve[47] = 3;
        // Our OID with NULL parameters.
        let mut with_null = SubjectPublicKeyInfoRef::from_der(&spki).expect("spki");
        with_null.algorithm.parameters = Some(der::asn1::AnyRef::NULL);
        let with_null = with_null.to_der().expect("der");
        for key in [
            &ed_spki[..],
            b"junk",
            &spki[..spki.len() - 1],
            &with_point(&infinity),
            &with_point(&off_curve),
            &with_point(&[0; 47]),
            &with_null,
        ] {
            assert!(!is_bls_spki(key));
            assert!(matches!(
                verify(key, b"p", &signature),
                Err(CryptoError::InvalidKey(_))
            ));
        }

        // The secret: zero, the group order r, the wrong length, another algorithm.
        const ORDER: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
        let order = hex::decode(ORDER).expect("hex");
        for der in [
            pkcs8_v1(&[0; 32]),
            pkcs8_v1(&order),
            pkcs8_v1(&[1; 31]),
            ed_pkcs8.expose().to_vec(),
            b"junk".to_vec(),
        ] {
            assert!(matches!(
                normalize_private(&der),
                Err(CryptoError::InvalidKey(_))
            ));
            assert!(matches!(sign(&der, b"p"), Err(CryptoError::InvalidKey(_))));
        }
    }

    #[test]
    fn pkcs8_v2_is_accepted_when_its_public_key_matches() {
        let (pkcs8, spki) = generate(&mut rand::rng()).expect("generate");
        let v2 = |public: &[u8]| {
            let mut info = PrivateKeyInfoRef::from_der(pkcs8.expose()).expect("pkcs8");
            info.public_key = Some(BitStringRef::from_bytes(public).expect("bits"));
            info.to_der().expect("der")
        };
        let public = spki[spki.len() - 48..].to_vec();
        assert_eq!(
            normalize_private(&v2(&public)).expect("v2"),
            (pkcs8.clone(), spki.clone())
        );
        let mut wrong = public.clone();
        wrong[47] ^= 1;
        assert!(matches!(
            normalize_private(&v2(&wrong)),
            Err(CryptoError::InvalidKey(_))
        ));
    }
}

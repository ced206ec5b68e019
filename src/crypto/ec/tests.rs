//! Tests of ECDSA: round trips, RFC 6979 known answers, ETH encoding and openssl cross-checks.

use super::*;
use crate::crypto::test_support::openssl;

const ALL_HASHES: [HashAlgorithm; 14] = [
    HashAlgorithm::Sha1,
    HashAlgorithm::Sha224,
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha384,
    HashAlgorithm::Sha512,
    HashAlgorithm::Sha3_224,
    HashAlgorithm::Sha3_256,
    HashAlgorithm::Sha3_384,
    HashAlgorithm::Sha3_512,
    HashAlgorithm::Keccak224,
    HashAlgorithm::Keccak256,
    HashAlgorithm::Keccak384,
    HashAlgorithm::Keccak512,
    HashAlgorithm::DoubleSha256,
];

/// Every hashing kind with a payload that fits it.
fn hashings() -> Vec<(Hashing, Vec<u8>)> {
    let message = b"tsb-emulator".to_vec();
    let mut cases = Vec::new();
    for algorithm in ALL_HASHES {
        cases.push((Hashing::Hash(algorithm), message.clone()));
        cases.push((
            Hashing::Prehashed(algorithm),
            hash::digest(algorithm, &message),
        ));
    }
    for len in [1u8, 20, 32, 48, 64] {
        cases.push((Hashing::None, (1..=len).collect()));
    }
    cases
}

fn formats(curve: Curve) -> Vec<SignatureFormat> {
    let mut formats = vec![SignatureFormat::Der, SignatureFormat::Raw];
    if curve == Curve::Secp256k1 {
        formats.push(SignatureFormat::Eth);
    }
    formats
}

fn sign_deterministic(
    curve: Curve,
    pkcs8: &SecretBytes,
    payload: &[u8],
    hashing: Hashing,
    format: SignatureFormat,
) -> Result<Vec<u8>, CryptoError> {
    sign(
        curve,
        pkcs8.expose(),
        payload,
        hashing,
        true,
        format,
        &mut rand::rng(),
    )
}

#[test]
fn the_curve_table_matches_the_libraries() {
    for curve in Curve::ALL {
        assert_eq!(Curve::from_oid(curve.oid()), Some(curve));
        with_curve!(curve, C => assert_eq!(C::OID.to_string(), curve.oid()));
        let (_, spki) = generate(curve, &mut rand::rng()).expect("generate");
        // SPKI ends with the uncompressed point 04 || x || y.
        let point = &spki[spki.len() - (1 + 2 * curve.field_bytes())..];
        assert_eq!(point[0], 0x04, "{curve:?}");
    }
    assert_eq!(Curve::from_oid("1.3.132.0.33"), None); // secp224r1
    assert_eq!(Curve::BrainpoolP384r1.name(), "brainpoolP384r1");
    assert_eq!(
        serde_json::to_string(&Curve::P521).expect("json"),
        "\"P521\""
    );
}

#[test]
fn every_curve_hashing_and_format_round_trips() {
    let mut rng = rand::rng();
    for curve in Curve::ALL {
        let (pkcs8, spki) = generate(curve, &mut rng).expect("generate");
        for (i, (hashing, payload)) in hashings().into_iter().enumerate() {
            for (j, format) in formats(curve).into_iter().enumerate() {
                // Both nonce kinds for every curve, hashing kind and format, without doubling
                // the run time.
                let deterministic = (i + j) % 2 == 0;
                let case = format!("{curve:?} {hashing:?} {format:?} {deterministic}");
                let signature = sign(
                    curve,
                    pkcs8.expose(),
                    &payload,
                    hashing,
                    deterministic,
                    format,
                    &mut rng,
                )
                .expect(&case);
                let n = curve.field_bytes();
                match format {
                    SignatureFormat::Der => assert!(der_to_raw(&signature, n).is_some()),
                    SignatureFormat::Raw => assert_eq!(signature.len(), 2 * n, "{case}"),
                    SignatureFormat::Eth => assert_eq!(signature.len(), 65, "{case}"),
                }
                let check = |payload: &[u8], signature: &[u8]| {
                    verify(curve, &spki, payload, hashing, signature).expect(&case)
                };
                assert!(check(&payload, &signature), "{case}");
                let mut changed_payload = payload.clone();
                changed_payload[0] ^= 1;
                assert!(!check(&changed_payload, &signature), "{case}");
                // Flip the last byte of s (before v in ETH).
                let mut changed_signature = signature.clone();
                let last_of_s = signature.len() - 1 - usize::from(format == SignatureFormat::Eth);
                changed_signature[last_of_s] ^= 1;
                assert!(!check(&payload, &changed_signature), "{case}");
            }
        }
    }
}

#[test]
fn deterministic_signatures_repeat_and_randomized_ones_do_not() {
    let (pkcs8, _) = generate(Curve::P256, &mut rand::rng()).expect("generate");
    let sign_twice = |deterministic| {
        [0, 1].map(|_| {
            sign(
                Curve::P256,
                pkcs8.expose(),
                b"payload",
                Hashing::Hash(HashAlgorithm::Sha256),
                deterministic,
                SignatureFormat::Raw,
                &mut rand::rng(),
            )
            .expect("sign")
        })
    };
    let [a, b] = sign_twice(true);
    assert_eq!(a, b);
    let [a, b] = sign_twice(false);
    assert_ne!(a, b);
}

/// Our PKCS#8 key and SPKI for a raw private scalar.
fn key_from_scalar(curve: Curve, x: &str) -> (SecretBytes, Vec<u8>) {
    let x = hex::decode(x).expect("hex");
    with_curve!(curve, C => encode(&SecretKey::<C>::from_slice(&x).expect("scalar")))
        .expect("encode")
}

#[test]
fn rfc6979_known_answers() {
    // RFC 6979 appendix A.2.5 (P-256), A.2.6 (P-384) and A.2.7 (P-521), message "sample".
    // SHA-512 on P-256 exercises a digest longer than the field (leftmost bits kept), SHA-1 on
    // P-521 one much shorter (read as an integer, not padded to 66 bytes), SHA-256 on P-384
    // the HMAC of the message's hash rather than the curve's.
    const P256_X: &str = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
    const P384_X: &str = "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D8\
                          96D5724E4C70A825F872C9EA60D2EDF5";
    const P521_X: &str = "00FAD06DAA62BA3B25D2FB40133DA757205DE67F5BB0018FEE8C86E1B68C7E75\
                          CAA896EB32F1F47C70855836A6D16FCC1466F6D8FBEC67DB89EC0C08B0E996B83538";
    let cases = [
        (
            Curve::P256,
            P256_X,
            HashAlgorithm::Sha256,
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
            "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
        ),
        (
            Curve::P256,
            P256_X,
            HashAlgorithm::Sha512,
            "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00",
            "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE",
        ),
        (
            Curve::P384,
            P384_X,
            HashAlgorithm::Sha256,
            "21B13D1E013C7FA1392D03C5F99AF8B30C570C6F98D4EA8E354B63A21D3DAA33\
             BDE1E888E63355D92FA2B3C36D8FB2CD",
            "F3AA443FB107745BF4BD77CB3891674632068A10CA67E3D45DB2266FA7D1FEEB\
             EFDC63ECCD1AC42EC0CB8668A4FA0AB0",
        ),
        (
            Curve::P521,
            P521_X,
            HashAlgorithm::Sha1,
            "00343B6EC45728975EA5CBA6659BBB6062A5FF89EEA58BE3C80B619F322C87910\
             FE092F7D45BB0F8EEE01ED3F20BABEC079D202AE677B243AB40B5431D497C55D75D",
            "00E7B0E675A9B24413D448B8CC119D2BF7B2D2DF032741C096634D6D65D0DBE3D\
             5694625FB9E8104D3B842C1B0E2D0B98BEA19341E8676AEF66AE4EBA3D5475D5D16",
        ),
    ];
    for (curve, x, algorithm, r, s) in cases {
        let (pkcs8, spki) = key_from_scalar(curve, x);
        let hashing = Hashing::Hash(algorithm);
        let raw = sign_deterministic(curve, &pkcs8, b"sample", hashing, SignatureFormat::Raw)
            .expect("sign");
        assert_eq!(
            hex::encode_upper(&raw),
            format!("{r}{s}"),
            "{curve:?} {algorithm:?}"
        );
        assert!(verify(curve, &spki, b"sample", hashing, &raw).expect("verify"));
    }
    // The public key of A.2.5, to pin the SPKI encoding too.
    let (_, spki) = key_from_scalar(Curve::P256, P256_X);
    assert!(hex::encode_upper(spki).ends_with(
        "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6\
         7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    ));
}

#[test]
fn eth_signatures_have_low_s_and_a_recovery_id_that_recovers_the_key() {
    // Half the secp256k1 group order: the largest low s.
    const HALF_ORDER: &str = "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";
    let curve = Curve::Secp256k1;
    let (pkcs8, spki) = generate(curve, &mut rand::rng()).expect("generate");
    let hashing = Hashing::Hash(HashAlgorithm::Keccak256);
    let mut seen_v = Vec::new();
    for i in 0..32 {
        let payload = format!("transaction {i}");
        let payload = payload.as_bytes();
        let signature = sign_deterministic(curve, &pkcs8, payload, hashing, SignatureFormat::Eth)
            .expect("sign");
        let v = signature[64];
        assert!(v == 27 || v == 28, "v = {v}");
        seen_v.push(v);
        assert!(hex::encode(&signature[32..64]).as_str() <= HALF_ORDER);
        assert!(verify(curve, &spki, payload, hashing, &signature).expect("verify"));
        // The other v recovers another key.
        let mut other_v = signature.clone();
        other_v[64] ^= 27 ^ 28;
        assert!(!verify(curve, &spki, payload, hashing, &other_v).expect("verify"));
        // r || s alone is a valid raw signature.
        assert!(verify(curve, &spki, payload, hashing, &signature[..64]).expect("verify"));
    }
    assert!(seen_v.contains(&27) && seen_v.contains(&28));
    let (p256, _) = generate(Curve::P256, &mut rand::rng()).expect("generate");
    let refused = sign_deterministic(Curve::P256, &p256, b"x", hashing, SignatureFormat::Eth);
    assert!(matches!(refused, Err(CryptoError::Unsupported(_))));
}

#[test]
fn high_s_secp256k1_signatures_verify_as_with_openssl() {
    use ecdsa::elliptic_curve::PrimeField;
    let curve = Curve::Secp256k1;
    let (pkcs8, spki) = generate(curve, &mut rand::rng()).expect("generate");
    let hashing = Hashing::Hash(HashAlgorithm::Sha256);
    let raw =
        sign_deterministic(curve, &pkcs8, b"payload", hashing, SignatureFormat::Raw).expect("sign");
    let low = k256::ecdsa::Signature::from_slice(&raw).expect("signature");
    let (r, s) = low.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r.to_repr(), (-*s).to_repr())
        .expect("signature")
        .to_vec();
    assert_ne!(high, raw);
    assert!(verify(curve, &spki, b"payload", hashing, &high).expect("verify"));
    let der = raw_to_der(&high).expect("der");
    assert!(verify(curve, &spki, b"payload", hashing, &der).expect("verify"));
}

#[test]
fn payload_lengths_are_checked() {
    let (pkcs8, spki) = generate(Curve::P256, &mut rand::rng()).expect("generate");
    let prehashed = Hashing::Prehashed(HashAlgorithm::Sha256);
    let Err(CryptoError::InvalidInput(message)) = sign_deterministic(
        Curve::P256,
        &pkcs8,
        &[0; 31],
        prehashed,
        SignatureFormat::Der,
    ) else {
        panic!("a 31-byte SHA-256 digest was accepted");
    };
    assert!(
        message.contains("32-byte") && message.contains("31 bytes"),
        "{message}"
    );
    assert!(matches!(
        verify(Curve::P256, &spki, &[0; 33], prehashed, &[0; 64]),
        Err(CryptoError::InvalidInput(_))
    ));
    for len in [0, 65] {
        let payload = vec![1; len];
        assert!(matches!(
            sign_deterministic(
                Curve::P256,
                &pkcs8,
                &payload,
                Hashing::None,
                SignatureFormat::Raw
            ),
            Err(CryptoError::InvalidInput(_))
        ));
    }
}

#[test]
fn malformed_signatures_are_false_and_bad_keys_are_errors() {
    let mut rng = rand::rng();
    let curve = Curve::P256;
    let hashing = Hashing::Hash(HashAlgorithm::Sha256);
    let (pkcs8, spki) = generate(curve, &mut rng).expect("generate");
    let der = sign_deterministic(curve, &pkcs8, b"p", hashing, SignatureFormat::Der).expect("sign");
    let raw = der_to_raw(&der, 32).expect("raw");
    let three_integers = [&der[..], &[0x02, 0x01, 0x01]].concat();
    let mut longer_sequence = three_integers.clone();
    longer_sequence[1] += 3;
    for junk in [
        Vec::new(),
        vec![0x30],
        vec![0; 64],    // r = s = 0
        vec![0xff; 64], // r, s >= n
        [&der[..], &[0]].concat(),
        raw[..63].to_vec(),
        [&raw[..], &[27]].concat(), // ETH on a curve without it
        longer_sequence,
    ] {
        assert!(
            !verify(curve, &spki, b"p", hashing, &junk).expect("verify"),
            "{junk:?}"
        );
    }
    assert!(verify(curve, &spki, b"p", hashing, &raw).expect("verify"));

    let (k1_pkcs8, k1_spki) = generate(Curve::Secp256k1, &mut rng).expect("generate");
    for key in [&k1_spki[..], b"not a key"] {
        assert!(matches!(
            verify(curve, key, b"p", hashing, &der),
            Err(CryptoError::InvalidKey(_))
        ));
    }
    for key in [k1_pkcs8, SecretBytes::new(b"not a key".to_vec())] {
        assert!(matches!(
            sign_deterministic(curve, &key, b"p", hashing, SignatureFormat::Der),
            Err(CryptoError::InvalidKey(_))
        ));
    }
}

#[test]
fn imported_keys_are_normalized_and_checked() {
    let mut rng = rand::rng();
    for curve in Curve::ALL {
        let (pkcs8, spki) = generate(curve, &mut rng).expect("generate");
        assert_eq!(curve_of_spki(&spki).expect("spki"), curve);
        assert_eq!(curve_of_pkcs8(pkcs8.expose()).expect("pkcs8"), curve);
        let sec1 = with_curve!(curve, C => SecretKey::<C>::from_pkcs8_der(pkcs8.expose())
            .expect("pkcs8")
            .to_sec1_der()
            .expect("sec1"));
        for der in [pkcs8.expose(), &sec1[..]] {
            let normalized = normalize_private(curve, der).expect("normalize");
            assert_eq!(normalized, (pkcs8.clone(), spki.clone()), "{curve:?}");
            for other in Curve::ALL.into_iter().filter(|other| *other != curve) {
                assert!(matches!(
                    normalize_private(other, der),
                    Err(CryptoError::InvalidKey(_))
                ));
            }
        }
    }
    let (ed_pkcs8, ed_spki) = crate::crypto::ed25519::generate(&mut rng).expect("generate");
    assert!(matches!(
        curve_of_spki(&ed_spki),
        Err(CryptoError::InvalidKey(_))
    ));
    assert!(matches!(
        curve_of_pkcs8(ed_pkcs8.expose()),
        Err(CryptoError::InvalidKey(_))
    ));
    assert!(matches!(
        normalize_private(Curve::P256, b"junk"),
        Err(CryptoError::InvalidKey(_))
    ));
}

#[test]
fn openssl_agrees_on_every_curve() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path();
    let write = |name: &str, bytes: &[u8]| std::fs::write(path.join(name), bytes).expect(name);
    let read = |name: &str| std::fs::read(path.join(name)).expect(name);
    let mut rng = rand::rng();
    let data = b"cross-checked with OpenSSL";
    write("data", data);
    let sha256 = Hashing::Hash(HashAlgorithm::Sha256);
    for curve in Curve::ALL {
        // A key made by OpenSSL imports from PKCS#8 and SEC1 alike, to OpenSSL's public key.
        let name = match curve {
            Curve::P256 => "prime256v1",
            other => other.name(),
        };
        openssl(
            path,
            &format!("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:{name} -out key.pem"),
        );
        openssl(
            path,
            "pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.p8",
        );
        openssl(path, "ec -in key.pem -outform DER -out key.sec1");
        openssl(path, "pkey -in key.pem -pubout -outform DER -out key.spki");
        assert_eq!(curve_of_pkcs8(&read("key.p8")).expect("curve"), curve);
        let (pkcs8, spki) = normalize_private(curve, &read("key.p8")).expect("PKCS#8");
        assert_eq!(spki, read("key.spki"), "{curve:?}");
        let from_sec1 = normalize_private(curve, &read("key.sec1")).expect("SEC1");
        assert_eq!(from_sec1, (pkcs8.clone(), spki.clone()), "{curve:?}");

        // Our SHA-256 signature verifies with OpenSSL, and OpenSSL's with us.
        let der = SignatureFormat::Der;
        let ours = sign(curve, pkcs8.expose(), data, sha256, false, der, &mut rng).expect("sign");
        write("ours.sig", &ours);
        openssl(
            path,
            "dgst -sha256 -verify key.spki -keyform DER -signature ours.sig data",
        );
        openssl(path, "dgst -sha256 -sign key.pem -out theirs.sig data");
        assert!(verify(curve, &spki, data, sha256, &read("theirs.sig")).expect("verify"));

        // Raw digests shorter (20 bytes) and longer (64) than some fields: OpenSSL reads them
        // as big-endian integers and keeps the leftmost bits, as we must.
        for len in [20u8, 64] {
            let digest: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
            write("digest", &digest);
            let none = Hashing::None;
            let ours =
                sign(curve, pkcs8.expose(), &digest, none, true, der, &mut rng).expect("sign");
            write("ours.sig", &ours);
            openssl(
                path,
                "pkeyutl -verify -pubin -inkey key.spki -keyform DER -in digest -sigfile ours.sig",
            );
            // Several of OpenSSL's signatures: on secp256k1 some will have a high s.
            for _ in 0..4 {
                openssl(
                    path,
                    "pkeyutl -sign -inkey key.pem -in digest -out theirs.sig",
                );
                let theirs = read("theirs.sig");
                assert!(verify(curve, &spki, &digest, none, &theirs).expect("verify"));
            }
        }
    }
}

//! Tests of DSA: round trips, imports, rejections and OpenSSL cross-checks.

use super::*;
use crate::crypto::test_support::openssl;

const SIZES: [u32; 3] = [1024, 2048, 3072];

/// Every hashing kind with a payload that fits it.
fn hashings() -> Vec<(Hashing, Vec<u8>)> {
    let message = b"tsb-emulator".to_vec();
    let mut cases = Vec::new();
    for algorithm in [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        cases.push((Hashing::Hash(algorithm), message.clone()));
        cases.push((
            Hashing::Prehashed(algorithm),
            hash::digest(algorithm, &message),
        ));
    }
    for len in [1u8, 20, 28, 32, 48, 64] {
        cases.push((Hashing::None, (1..=len).collect()));
    }
    cases
}

fn sha256() -> Hashing {
    Hashing::Hash(HashAlgorithm::Sha256)
}

fn sign_with(
    pkcs8: &SecretBytes,
    payload: &[u8],
    hashing: Hashing,
    format: SignatureFormat,
) -> Result<Vec<u8>, CryptoError> {
    sign(pkcs8.expose(), payload, hashing, format, &mut rand::rng())
}

/// The built-in domain parameters of a size.
fn components(bits: u32) -> Components {
    let (_, spki) = generate(bits, &mut rand::rng()).expect("generate");
    decode_public(&spki).expect("spki").components().clone()
}

#[test]
fn the_built_in_parameters_have_their_sizes_and_pass_openssl_checks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (bits, n) in [(1024, 160), (2048, 256), (3072, 256)] {
        let components = components(bits);
        assert_eq!(components.p().bit_width(), bits);
        assert_eq!(components.q().bit_width(), n);
        // OpenSSL tests p and q for primality and g for order q.
        let pem = crate::crypto::pem::encode("DSA PARAMETERS", &components.to_der().expect("der"));
        std::fs::write(dir.path().join("params.pem"), pem).expect("write");
        openssl(dir.path(), "pkeyparam -in params.pem -check -noout");
    }
    for bits in [0, 512, 2047, 4096] {
        assert!(matches!(
            generate(bits, &mut rand::rng()),
            Err(CryptoError::Unsupported(_))
        ));
    }
}

#[test]
fn keys_share_parameters_but_not_secrets() {
    let mut rng = rand::rng();
    let [(a_private, a_public), (b_private, b_public)] =
        [0, 1].map(|_| generate(2048, &mut rng).expect("generate"));
    assert_ne!(a_private, b_private);
    assert_ne!(a_public, b_public);
    let [a, b] = [a_public, b_public].map(|spki| decode_public(&spki).expect("spki"));
    assert_eq!(a.components(), b.components());
}

#[test]
fn every_size_hashing_and_format_round_trips() {
    for bits in SIZES {
        let (pkcs8, spki) = generate(bits, &mut rand::rng()).expect("generate");
        assert_eq!(public_key_bits(&spki).expect("bits"), bits);
        assert_eq!(
            normalize_private(pkcs8.expose()).expect("normalize"),
            (pkcs8.clone(), spki.clone(), bits)
        );
        let width = if bits == 1024 { 20 } else { 32 };
        for (i, (hashing, payload)) in hashings().into_iter().enumerate() {
            // Both formats for every size and hash, without doubling the run time.
            let format = if (i + i / 2) % 2 == 0 {
                SignatureFormat::Der
            } else {
                SignatureFormat::Raw
            };
            let case = format!("{bits} {hashing:?} {format:?}");
            let signature = sign_with(&pkcs8, &payload, hashing, format).expect(&case);
            match format {
                SignatureFormat::Raw => assert_eq!(signature.len(), 2 * width, "{case}"),
                _ => assert!(Signature::from_der(&signature).is_ok(), "{case}"),
            }
            let check = |payload: &[u8], signature: &[u8]| {
                verify(&spki, payload, hashing, signature).expect(&case)
            };
            assert!(check(&payload, &signature), "{case}");
            let mut changed_payload = payload.clone();
            changed_payload[0] ^= 1;
            assert!(!check(&changed_payload, &signature), "{case}");
            let mut changed_signature = signature.clone();
            *changed_signature.last_mut().expect("non-empty") ^= 1;
            assert!(!check(&payload, &changed_signature), "{case}");
        }
    }
}

#[test]
fn raw_and_der_encode_the_same_values() {
    let (pkcs8, spki) = generate(1024, &mut rand::rng()).expect("generate");
    for i in 0..8 {
        let payload = format!("message {i}");
        let raw =
            sign_with(&pkcs8, payload.as_bytes(), sha256(), SignatureFormat::Raw).expect("sign");
        let (r, s) = raw.split_at(20);
        let der = vec![UintRef::new(r).expect("r"), UintRef::new(s).expect("s")]
            .to_der()
            .expect("der");
        assert!(verify(&spki, payload.as_bytes(), sha256(), &der).expect("verify"));
    }
    // Short values are left-padded to N/8 bytes.
    let five = BoxedUint::from(5u8);
    assert_eq!(
        fixed_width(&five, 20).expect("fits"),
        [&[0; 19][..], &[5]].concat()
    );
    assert!(fixed_width(&BoxedUint::from(u64::MAX), 7).is_err());
}

#[test]
fn unsupported_hashes_formats_and_payload_lengths() {
    let (pkcs8, spki) = generate(1024, &mut rand::rng()).expect("generate");
    for algorithm in [
        HashAlgorithm::Sha3_256,
        HashAlgorithm::Keccak256,
        HashAlgorithm::DoubleSha256,
    ] {
        for hashing in [Hashing::Hash(algorithm), Hashing::Prehashed(algorithm)] {
            let payload = [0; 32];
            assert!(matches!(
                sign_with(&pkcs8, &payload, hashing, SignatureFormat::Der),
                Err(CryptoError::Unsupported(_))
            ));
            assert!(matches!(
                verify(&spki, &payload, hashing, &[0; 40]),
                Err(CryptoError::Unsupported(_))
            ));
        }
    }
    assert!(matches!(
        sign_with(&pkcs8, b"x", sha256(), SignatureFormat::Eth),
        Err(CryptoError::Unsupported(_))
    ));
    let prehashed = Hashing::Prehashed(HashAlgorithm::Sha256);
    for (hashing, len) in [(Hashing::None, 0), (Hashing::None, 65), (prehashed, 31)] {
        let payload = vec![1; len];
        assert!(matches!(
            sign_with(&pkcs8, &payload, hashing, SignatureFormat::Der),
            Err(CryptoError::InvalidInput(_))
        ));
        assert!(matches!(
            verify(&spki, &payload, hashing, &[0; 40]),
            Err(CryptoError::InvalidInput(_))
        ));
    }
}

#[test]
fn malformed_signatures_are_false_and_bad_keys_are_errors() {
    let (pkcs8, spki) = generate(1024, &mut rand::rng()).expect("generate");
    let der = sign_with(&pkcs8, b"p", sha256(), SignatureFormat::Der).expect("sign");
    let raw = sign_with(&pkcs8, b"p", sha256(), SignatureFormat::Raw).expect("sign");
    let q = components(1024).q().to_be_bytes().to_vec();
    let q = &q[q.len() - 20..];
    let r_is_q = [q, &raw[20..]].concat();
    let negative_r = vec![UintRef::new(&[1]).expect("1"); 2]
        .to_der()
        .expect("der")
        .iter()
        .enumerate()
        .map(|(i, byte)| if i == 4 { 0xff } else { *byte })
        .collect::<Vec<_>>();
    for junk in [
        Vec::new(),
        vec![0x30],
        vec![0; 40],    // r = s = 0
        vec![0xff; 40], // r, s >= q
        r_is_q,
        negative_r,
        [&der[..], &[0]].concat(),
        raw[..39].to_vec(),
        [&raw[..], &[0]].concat(),
        vec![0x30, 0x00],
    ] {
        assert!(
            !verify(&spki, b"p", sha256(), &junk).expect("verify"),
            "{junk:?}"
        );
    }
    assert!(verify(&spki, b"p", sha256(), &raw).expect("verify"));

    let (ec_pkcs8, ec_spki) =
        crate::crypto::ec::generate(crate::crypto::ec::Curve::P256, &mut rand::rng())
            .expect("generate");
    for key in [&ec_spki[..], b"not a key", &spki[..spki.len() - 1]] {
        assert!(matches!(
            verify(key, b"p", sha256(), &der),
            Err(CryptoError::InvalidKey(_))
        ));
        assert!(matches!(
            public_key_bits(key),
            Err(CryptoError::InvalidKey(_))
        ));
    }
    for key in [ec_pkcs8, SecretBytes::new(b"not a key".to_vec())] {
        assert!(matches!(
            sign_with(&key, b"p", sha256(), SignatureFormat::Der),
            Err(CryptoError::InvalidKey(_))
        ));
        assert!(matches!(
            normalize_private(key.expose()),
            Err(CryptoError::InvalidKey(_))
        ));
    }
}

/// PKCS#8 v2 (`[1] publicKey`) and traditional encodings of `pkcs8`'s key, with y (big-endian)
/// replaced.
fn other_encodings(pkcs8: &SecretBytes, y: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let key = decode_pkcs8(pkcs8.expose()).expect("pkcs8");
    let y = UintRef::new(y).expect("y");
    let y_der = y.to_der().expect("der");
    let info = PrivateKeyInfoRef::from_der(pkcs8.expose()).expect("pkcs8");
    let v2 = PrivateKeyInfoRef {
        public_key: Some(der::asn1::BitStringRef::from_bytes(&y_der).expect("bits")),
        ..info
    }
    .to_der()
    .expect("der");
    let c = key.verifying_key().components();
    let [p, q, g, x]: [&BoxedUint; 4] = [c.p(), c.q(), c.g(), key.x()];
    let [p, q, g, x] = [p, q, g, x].map(|value| value.to_be_bytes());
    let mut integers = vec![UintRef::new(&[0]).expect("version")];
    integers.extend([&p, &q, &g].map(|value| UintRef::new(value).expect("integer")));
    integers.push(y);
    integers.push(UintRef::new(&x).expect("x"));
    (v2, integers.to_der().expect("der"))
}

#[test]
fn imported_keys_are_normalized_and_checked() {
    let (pkcs8, spki) = generate(2048, &mut rand::rng()).expect("generate");
    let y = BoxedUint::clone(decode_public(&spki).expect("spki").y());
    let expected = (pkcs8.clone(), spki.clone(), 2048);
    let (v2, traditional) = other_encodings(&pkcs8, &y.to_be_bytes());
    assert_eq!(normalize_private(&v2).expect("v2"), expected);
    assert_eq!(
        normalize_private(&traditional).expect("traditional"),
        expected
    );

    // A public key that is not g^x is refused in both forms.
    let mut wrong_y = y.to_be_bytes();
    *wrong_y.last_mut().expect("non-empty") ^= 1;
    let (v2, traditional) = other_encodings(&pkcs8, &wrong_y);
    for der in [v2, traditional] {
        assert!(matches!(
            normalize_private(&der),
            Err(CryptoError::InvalidKey(_))
        ));
    }

    // x must be in [1, q - 1].
    let c = components(2048);
    let q_bytes = c.q().to_be_bytes();
    for x in [&[0u8][..], &q_bytes] {
        let x = UintRef::new(x).expect("x").to_der().expect("der");
        let info = PrivateKeyInfoRef::from_der(pkcs8.expose()).expect("pkcs8");
        let der = PrivateKeyInfoRef {
            private_key: der::asn1::OctetStringRef::new(&x).expect("octets"),
            ..info
        }
        .to_der()
        .expect("der");
        assert!(matches!(
            normalize_private(&der),
            Err(CryptoError::InvalidKey(_))
        ));
    }

    // A generator that is not of order q: y still passes the library's check, g does not.
    let two = BoxedUint::from(2u8);
    let bad_g = Components::from_components(BoxedUint::clone(c.p()), BoxedUint::clone(c.q()), two)
        .expect("components");
    let bad_spki = VerifyingKey::from_components(bad_g, y.clone())
        .expect("y")
        .to_public_key_der()
        .expect("der");
    let Err(CryptoError::InvalidKey(message)) = public_key_bits(bad_spki.as_bytes()) else {
        panic!("g = 2 was accepted");
    };
    assert!(message.contains("generator"), "{message}");

    // A y far shorter than p (which the library's own decoder would mishandle) is just invalid,
    // and so is y + p (which would pass the group check as y).
    let info = spki::SubjectPublicKeyInfoRef::from_der(&spki).expect("spki");
    let with_y = |y: &BoxedUint| {
        let y = y.to_be_bytes();
        let y = UintRef::new(&y).expect("y").to_der().expect("der");
        spki::SubjectPublicKeyInfoRef {
            subject_public_key: der::asn1::BitStringRef::from_bytes(&y).expect("bits"),
            ..info
        }
        .to_der()
        .expect("der")
    };
    assert_eq!(with_y(&y), spki);
    // y = g (x = 1) is a valid public key; g + p still fits in p's 2048 bits for these
    // parameters (p < 0.6 * 2^2048, g < 0.1 * 2^2048).
    let g: &BoxedUint = c.g();
    assert_eq!(public_key_bits(&with_y(g)).expect("y = g"), 2048);
    let p: &BoxedUint = c.p();
    for (bad, reason) in [
        (BoxedUint::from(2u8), "group"),
        (g.concatenating_add(p), "below p"),
    ] {
        let Err(CryptoError::InvalidKey(message)) = public_key_bits(&with_y(&bad)) else {
            panic!("y = {bad:?} was accepted");
        };
        assert!(message.contains(reason), "{message}");
    }
}

#[test]
fn openssl_agrees() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path();
    let write = |name: &str, bytes: &[u8]| std::fs::write(path.join(name), bytes).expect(name);
    let read = |name: &str| std::fs::read(path.join(name)).expect(name);
    let data = b"cross-checked with OpenSSL";
    write("data", data);
    let der = SignatureFormat::Der;
    // Digests shorter than q (read as integers) and longer (leftmost N bits kept).
    let digests: Vec<Vec<u8>> = [7u8, 20, 28, 64]
        .iter()
        .map(|len| (0..*len).map(|i| i.wrapping_mul(37) ^ 0xa5).collect())
        .collect();

    // Keys made by OpenSSL: on fresh parameters (1024/160, and 2048/224, OpenSSL's default for
    // 2048), and on our 3072/256 parameters.
    let ours_3072 = components(3072).to_der().expect("der");
    write(
        "ours.params",
        crate::crypto::pem::encode("DSA PARAMETERS", &ours_3072).as_bytes(),
    );
    for (bits, make_params) in [
        (
            1024,
            "genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 \
             -pkeyopt dsa_paramgen_q_bits:160 -out p.pem",
        ),
        (
            2048,
            "genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out p.pem",
        ),
        (3072, "pkeyparam -in ours.params -out p.pem"),
    ] {
        openssl(path, make_params);
        openssl(path, "genpkey -paramfile p.pem -out key.pem");
        openssl(
            path,
            "pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.p8",
        );
        // `pkey -outform DER` writes the traditional form for DSA.
        openssl(path, "pkey -in key.pem -outform DER -out key.trad");
        openssl(path, "pkey -in key.pem -pubout -outform DER -out key.spki");
        let (pkcs8, spki, l) = normalize_private(&read("key.p8")).expect("import");
        assert_eq!(l, bits);
        assert_eq!(pkcs8.expose(), read("key.p8"), "{bits}");
        assert_eq!(spki, read("key.spki"), "{bits}");
        assert_eq!(public_key_bits(&spki).expect("bits"), bits);
        let traditional = normalize_private(&read("key.trad")).expect("traditional");
        assert_eq!(traditional, (pkcs8.clone(), spki.clone(), bits));

        // Hashed messages, both ways.
        for (algorithm, name) in [
            (HashAlgorithm::Sha1, "sha1"),
            (HashAlgorithm::Sha256, "sha256"),
            (HashAlgorithm::Sha512, "sha512"),
        ] {
            let hashing = Hashing::Hash(algorithm);
            write(
                "ours.sig",
                &sign_with(&pkcs8, data, hashing, der).expect("sign"),
            );
            openssl(
                path,
                &format!("dgst -{name} -verify key.spki -keyform DER -signature ours.sig data"),
            );
            openssl(
                path,
                &format!("dgst -{name} -sign key.pem -out theirs.sig data"),
            );
            assert!(verify(&spki, data, hashing, &read("theirs.sig")).expect("verify"));
        }

        // NONE_WITH_DSA, both ways.
        for digest in &digests {
            write("digest", digest);
            let ours = sign_with(&pkcs8, digest, Hashing::None, der).expect("sign");
            write("ours.sig", &ours);
            openssl(
                path,
                "pkeyutl -verify -pubin -inkey key.spki -keyform DER -in digest -sigfile ours.sig",
            );
            openssl(
                path,
                "pkeyutl -sign -inkey key.pem -in digest -out theirs.sig",
            );
            let theirs = read("theirs.sig");
            assert!(verify(&spki, digest, Hashing::None, &theirs).expect("verify"));
        }
    }

    // OpenSSL's default N for L = 1024 is 224, not a FIPS 186-4 size: refused.
    openssl(
        path,
        "genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out p.pem",
    );
    openssl(path, "genpkey -paramfile p.pem -out key.pem");
    openssl(
        path,
        "pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.p8",
    );
    let Err(CryptoError::InvalidKey(message)) = normalize_private(&read("key.p8")) else {
        panic!("a 1024/224 key was accepted");
    };
    assert!(message.contains("N = 224"), "{message}");

    // A key we generated, checked by OpenSSL's key check too.
    let (pkcs8, spki) = generate(2048, &mut rand::rng()).expect("generate");
    write("ours.p8", pkcs8.expose());
    write("ours.spki", &spki);
    openssl(path, "pkey -inform DER -in ours.p8 -check -noout");
    openssl(
        path,
        "pkey -inform DER -in ours.p8 -pubout -outform DER -out derived.spki",
    );
    assert_eq!(read("derived.spki"), spki);
    write(
        "ours.sig",
        &sign_with(&pkcs8, data, sha256(), der).expect("sign"),
    );
    openssl(
        path,
        "dgst -sha256 -verify ours.spki -keyform DER -signature ours.sig data",
    );
}

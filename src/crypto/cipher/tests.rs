//! Tests of the symmetric ciphers: round trips, refusals, and `openssl enc` in both directions
//! (the AEAD known answers are in `aead`, key wrap's in `wrap`); helpers shared with those.

use super::*;
use std::path::Path;
use std::process::Command;

const LENGTHS: [usize; 6] = [0, 1, 15, 16, 17, 100];
pub(super) const GCM_TAG_BITS: [u32; 7] = [0, 64, 96, 104, 112, 120, 128];

pub(super) fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex")
}

/// A fixed key of `len` bytes; `seed` tells keys apart.
pub(super) fn key_of(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add((i as u8).wrapping_mul(37)))
        .collect()
}

pub(super) fn payload(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(13) ^ 0x5a)
        .collect()
}

/// The block size the cipher pads to (1 for stream and AEAD modes).
fn block_of(cipher: SymmetricCipher) -> usize {
    match cipher.scheme() {
        (_, Mode::Ctr | Mode::Gcm | Mode::ChaCha20 | Mode::ChaCha20Poly1305) => 1,
        (Family::Tdea, _) => 8,
        _ => 16,
    }
}

fn is_padded(cipher: SymmetricCipher) -> bool {
    matches!(cipher.scheme().1, Mode::Ecb | Mode::Cbc { padded: true })
}

fn is_no_padding(cipher: SymmetricCipher) -> bool {
    cipher.scheme().1 == Mode::Cbc { padded: false }
}

pub(super) fn tag_bytes(cipher: SymmetricCipher, tag_bits: u32) -> usize {
    match (cipher, tag_bits) {
        (SymmetricCipher::AesGcm | SymmetricCipher::ChaCha20Aead, 0) => 16,
        (_, bits) => bits as usize / 8,
    }
}

pub(super) fn assert_invalid<T: std::fmt::Debug>(result: Result<T, CryptoError>, needle: &str) {
    match result {
        Err(CryptoError::InvalidInput(message)) => {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}")
        }
        other => panic!("expected InvalidInput({needle:?}), got {other:?}"),
    }
}

fn assert_tag_unsupported<T: std::fmt::Debug>(result: Result<T, CryptoError>) {
    assert!(
        matches!(result, Err(CryptoError::UnsupportedTagLength)),
        "{result:?}"
    );
}

pub(super) fn assert_decrypt_failed<T: std::fmt::Debug>(result: Result<T, CryptoError>) {
    match result {
        Err(CryptoError::DecryptionFailed) => {}
        other => panic!("expected a decryption failure, got {other:?}"),
    }
}

/// Encrypts and decrypts `plaintext`, checking the sizes of what `encrypt` returns.
fn round_trip(
    cipher: SymmetricCipher,
    key: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
    tag_bits: u32,
) {
    let len = plaintext.len();
    let case = format!(
        "{cipher:?}, {}-byte key, {len} bytes, tag {tag_bits}",
        key.len()
    );
    let result = encrypt(cipher, key, plaintext, aad, tag_bits, &mut rand::rng());
    let block = block_of(cipher);
    if is_no_padding(cipher) && !len.is_multiple_of(block) {
        return assert_invalid(result, &format!("multiple of {block} bytes"));
    }
    let encrypted = result.expect(&case);
    let iv = encrypted.iv.as_deref();
    assert_eq!(iv.map(<[u8]>::len), cipher.iv_len(), "{case}");
    let tag_len = tag_bytes(cipher, tag_bits);
    let expected_len = match is_padded(cipher) {
        true => (len / block + 1) * block,
        false => len + tag_len,
    };
    assert_eq!(encrypted.output.len(), expected_len, "{case}");
    match &encrypted.tag {
        Some(tag) => {
            assert!(cipher.is_aead() && tag.len() == tag_len, "{case}");
            assert!(encrypted.output.ends_with(tag), "{case}");
        }
        None => assert!(!cipher.is_aead(), "{case}"),
    }
    let back = decrypt(cipher, key, &encrypted.output, iv, aad, tag_bits);
    assert_eq!(back.expect(&case), plaintext, "{case}");
}

#[test]
fn every_cipher_key_size_and_length_round_trips() {
    for cipher in SymmetricCipher::ALL {
        let gcm = cipher == SymmetricCipher::AesGcm;
        let tags: &[u32] = if gcm { &GCM_TAG_BITS } else { &[0] };
        let aads: &[Option<&[u8]>] = match cipher.is_aead() {
            true => &[None, Some(b""), Some(b"associated")],
            false => &[None, Some(b"")],
        };
        for &size in cipher.key_sizes() {
            for len in LENGTHS {
                for (&tag_bits, &aad) in tags.iter().flat_map(|t| aads.iter().map(move |a| (t, a)))
                {
                    round_trip(cipher, &key_of(size, 1), &payload(len), aad, tag_bits);
                }
            }
        }
    }
}

#[test]
fn every_encryption_gets_a_fresh_iv() {
    let mut rng = rand::rng();
    for cipher in SymmetricCipher::ALL
        .into_iter()
        .filter(|c| c.iv_len().is_some())
    {
        let key = key_of(cipher.key_sizes()[0], 2);
        let first = encrypt(cipher, &key, &[0; 32], None, 0, &mut rng).expect("encrypt");
        let second = encrypt(cipher, &key, &[0; 32], None, 0, &mut rng).expect("encrypt");
        assert_ne!(first.iv, second.iv, "{cipher:?}");
        assert_ne!(first.output, second.output, "{cipher:?}");
    }
}

#[test]
fn a_wrong_key_iv_aad_or_tag_never_yields_the_plaintext() {
    let mut rng = rand::rng();
    let plaintext = payload(32);
    for cipher in SymmetricCipher::ALL {
        let key = key_of(*cipher.key_sizes().last().expect("a key size"), 3);
        let aad: Option<&[u8]> = cipher.is_aead().then_some(b"header");
        let encrypted = encrypt(cipher, &key, &plaintext, aad, 0, &mut rng).expect("encrypt");
        let (output, iv) = (&encrypted.output, encrypted.iv.as_deref());
        // The AEADs refuse; the others must at least not give the plaintext back.
        let refused = |result: Result<Vec<u8>, CryptoError>| {
            if cipher.is_aead() {
                assert_decrypt_failed(result);
            } else {
                assert_ne!(result.ok(), Some(plaintext.clone()), "{cipher:?}");
            }
        };
        // Bit 7, not bit 0: DES ignores each byte's lowest (parity) bit.
        let mut wrong_key = key.clone();
        wrong_key[0] ^= 0x80;
        refused(decrypt(cipher, &wrong_key, output, iv, aad, 0));
        if let Some(iv) = iv {
            let mut wrong_iv = iv.to_vec();
            wrong_iv[0] ^= 1;
            refused(decrypt(cipher, &key, output, Some(&wrong_iv), aad, 0));
            let mut longer = iv.to_vec();
            longer.push(0);
            assert_invalid(
                decrypt(cipher, &key, output, Some(&longer), aad, 0),
                "initialization vector",
            );
            assert_invalid(
                decrypt(cipher, &key, output, Some(&iv[1..]), aad, 0),
                "initialization vector",
            );
            for missing in [None, Some(&[][..])] {
                assert_invalid(
                    decrypt(cipher, &key, output, missing, aad, 0),
                    "needs an initialization vector",
                );
            }
        } else {
            assert_invalid(
                decrypt(cipher, &key, output, Some(&[0; 16]), aad, 0),
                "takes no initialization vector",
            );
        }
        if cipher.is_aead() {
            assert_decrypt_failed(decrypt(cipher, &key, output, iv, Some(b"headex"), 0));
            assert_decrypt_failed(decrypt(cipher, &key, output, iv, None, 0));
            for at in [0, output.len() - 1] {
                let mut tampered = output.clone();
                tampered[at] ^= 1;
                assert_decrypt_failed(decrypt(cipher, &key, &tampered, iv, aad, 0));
            }
            assert_decrypt_failed(decrypt(cipher, &key, &output[..15], iv, aad, 0));
            assert_decrypt_failed(decrypt(cipher, &key, &output[1..], iv, aad, 0));
        } else {
            for result in [
                encrypt(cipher, &key, &plaintext, Some(b"x"), 0, &mut rng).map(|e| e.output),
                decrypt(cipher, &key, output, iv, Some(b"x"), 0),
            ] {
                assert_invalid(result, "takes no additional authentication data");
            }
        }
    }
}

#[test]
fn tag_lengths_are_checked() {
    let mut rng = rand::rng();
    let key = key_of(16, 4);
    for bits in [1, 8, 32, 63, 65, 127, 129, 256, u32::MAX] {
        let gcm = SymmetricCipher::AesGcm;
        assert_tag_unsupported(encrypt(gcm, &key, b"p", None, bits, &mut rng));
        assert_tag_unsupported(decrypt(gcm, &key, &[0; 32], Some(&[0; 12]), None, bits));
    }
    for cipher in SymmetricCipher::ALL
        .into_iter()
        .filter(|c| *c != SymmetricCipher::AesGcm)
    {
        let key = key_of(cipher.key_sizes()[0], 4);
        assert_tag_unsupported(encrypt(cipher, &key, &[0; 16], None, 128, &mut rng));
    }
    // A tag length other than the encryption's splits the input elsewhere: the check fails.
    let gcm = SymmetricCipher::AesGcm;
    let encrypted = encrypt(gcm, &key, b"payload", None, 128, &mut rng).expect("encrypt");
    for bits in [64, 96, 104, 112, 120] {
        let iv = encrypted.iv.as_deref();
        assert_decrypt_failed(decrypt(gcm, &key, &encrypted.output, iv, None, bits));
    }
}

#[test]
fn keys_of_the_wrong_size_are_refused() {
    let mut rng = rand::rng();
    for cipher in SymmetricCipher::ALL {
        for size in [0, 8, 15, 16, 20, 24, 31, 32, 33, 64] {
            if cipher.key_sizes().contains(&size) {
                continue;
            }
            let key = key_of(size, 5);
            assert_invalid(
                encrypt(cipher, &key, &[0; 16], None, 0, &mut rng),
                "needs a key of",
            );
            let iv = cipher.iv_len().map(|len| vec![0; len]);
            assert_invalid(
                decrypt(cipher, &key, &[0; 32], iv.as_deref(), None, 0),
                "needs a key of",
            );
        }
    }
}

#[test]
fn bad_padding_and_partial_blocks_are_refused() {
    for (padded, unpadded, iv) in [
        (SymmetricCipher::Aes, SymmetricCipher::AesCbcNoPadding, 16),
        (
            SymmetricCipher::Camellia,
            SymmetricCipher::CamelliaCbcNoPadding,
            16,
        ),
        (
            SymmetricCipher::TdeaCbc,
            SymmetricCipher::TdeaCbcNoPadding,
            8,
        ),
    ] {
        let key = key_of(24, 6);
        let iv = vec![7; iv];
        // A block ending in 0 is never valid PKCS#7.
        let zeros =
            encrypt_with_iv(unpadded, &key, &[0; 16], Some(iv.clone()), None, 0).expect("encrypt");
        assert_decrypt_failed(decrypt(padded, &key, &zeros.output, Some(&iv), None, 0));
        for len in [0, 1, 15, 17] {
            assert_decrypt_failed(decrypt(padded, &key, &vec![0; len], Some(&iv), None, 0));
        }
        let block = block_of(unpadded);
        assert_invalid(
            decrypt(unpadded, &key, &[0; 15], Some(&iv), None, 0),
            &format!("multiple of {block} bytes"),
        );
    }
    for (cipher, block) in [
        (SymmetricCipher::AesEcb, 16),
        (SymmetricCipher::CamelliaEcb, 16),
        (SymmetricCipher::TdeaEcb, 8),
    ] {
        let key = key_of(24, 6);
        // The first block alone (zeros, then the padding block dropped) has bad padding.
        let encrypted =
            encrypt_with_iv(cipher, &key, &vec![0; block], None, None, 0).expect("encrypt");
        assert_eq!(encrypted.output.len(), 2 * block);
        let first = &encrypted.output[..block];
        assert_decrypt_failed(decrypt(cipher, &key, first, None, None, 0));
        assert_decrypt_failed(decrypt(cipher, &key, &[], None, None, 0));
        assert_decrypt_failed(decrypt(cipher, &key, &encrypted.output[1..], None, None, 0));
    }
}

/// `openssl enc` with whitespace-separated `args` on `input`, through files in `dir`.
pub(super) fn openssl_enc(dir: &Path, args: &str, input: &[u8]) -> Vec<u8> {
    let (input_path, output_path) = (dir.join("in"), dir.join("out"));
    std::fs::write(&input_path, input).expect("write input");
    let output = Command::new("openssl")
        .arg("enc")
        .args(args.split_whitespace())
        .arg("-in")
        .arg(&input_path)
        .arg("-out")
        .arg(&output_path)
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl enc {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(&output_path).expect("read output")
}

/// The `openssl enc` cipher and IV for one of ours; `None` for the AEADs, which `enc` lacks.
fn openssl_cipher(cipher: SymmetricCipher, key_len: usize, iv: &[u8]) -> Option<String> {
    let bits = key_len * 8;
    let name = match cipher {
        SymmetricCipher::Aes | SymmetricCipher::AesCbcNoPadding => format!("aes-{bits}-cbc"),
        SymmetricCipher::AesEcb => format!("aes-{bits}-ecb"),
        SymmetricCipher::AesCtr => format!("aes-{bits}-ctr"),
        SymmetricCipher::Camellia | SymmetricCipher::CamelliaCbcNoPadding => {
            format!("camellia-{bits}-cbc")
        }
        SymmetricCipher::CamelliaEcb => format!("camellia-{bits}-ecb"),
        SymmetricCipher::TdeaCbc | SymmetricCipher::TdeaCbcNoPadding => "des-ede3-cbc".into(),
        SymmetricCipher::TdeaEcb => "des-ede3".into(),
        SymmetricCipher::ChaCha20 => "chacha20".into(),
        SymmetricCipher::AesGcm | SymmetricCipher::ChaCha20Aead => return None,
    };
    let nopad = if is_no_padding(cipher) { " -nopad" } else { "" };
    // OpenSSL's ChaCha20 IV is a 32-bit little-endian block counter (here 0), then the nonce.
    let counter = if cipher == SymmetricCipher::ChaCha20 {
        "00000000"
    } else {
        ""
    };
    let iv = match iv {
        [] => String::new(),
        iv => format!(" -iv {counter}{}", hex::encode(iv)),
    };
    Some(format!("-{name}{iv}{nopad}"))
}

#[test]
fn openssl_agrees_in_both_directions() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut rng = rand::rng();
    let mut checked = 0;
    for cipher in SymmetricCipher::ALL {
        for &size in cipher.key_sizes() {
            let key = key_of(size, 8);
            let mut ivs: Vec<Option<Vec<u8>>> = vec![cipher.iv_len().map(|len| vec![0x11; len])];
            if cipher == SymmetricCipher::AesCtr {
                // The counter wraps past 2^128 - 1 into 0, as OpenSSL's does.
                ivs.push(Some(vec![0xff; 16]));
            }
            for iv in ivs {
                let Some(spec) = openssl_cipher(cipher, size, iv.as_deref().unwrap_or_default())
                else {
                    continue;
                };
                let spec = format!("{spec} -K {}", hex::encode(&key));
                for len in [0usize, 1, 16, 100] {
                    if is_no_padding(cipher) && !len.is_multiple_of(block_of(cipher)) {
                        continue;
                    }
                    let plaintext = payload(len);
                    let case = format!("{cipher:?} {spec} {len}");
                    // Theirs to ours: the same bytes for the same IV, and decrypted.
                    let theirs = openssl_enc(dir.path(), &format!("-e {spec}"), &plaintext);
                    let ours = encrypt_with_iv(cipher, &key, &plaintext, iv.clone(), None, 0)
                        .expect(&case);
                    assert_eq!(ours.output, theirs, "{case}");
                    let back = decrypt(cipher, &key, &theirs, iv.as_deref(), None, 0);
                    assert_eq!(back.expect(&case), plaintext, "{case}");
                    // Ours, with a generated IV, to theirs.
                    let ours = encrypt(cipher, &key, &plaintext, None, 0, &mut rng).expect(&case);
                    let iv = ours.iv.as_deref().unwrap_or_default();
                    let spec = openssl_cipher(cipher, size, iv).expect("an openssl cipher");
                    let args = format!("-d {spec} -K {}", hex::encode(&key));
                    assert_eq!(
                        openssl_enc(dir.path(), &args, &ours.output),
                        plaintext,
                        "{case}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 80, "only {checked} cases reached openssl");
}

//! AES key wrap: RFC 3394 (`AES_WRAP`, whole 8-byte blocks) and RFC 5649 (`AES_WRAP_PAD`, any
//! length), with the RFCs' default initial values.

use super::{CryptoError, decrypt_failed, invalid};
use aes_kw::{AesKw, AesKwp};
use cbc::cipher::consts::U16;
use cbc::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

/// RFC 3394 (`pad = false`) and RFC 5649 (`pad = true`) AES key wrap with a 128/192/256-bit AES
/// key. RFC 3394 takes at least 16 bytes in whole 8-byte blocks; RFC 5649 any non-empty input.
pub fn aes_wrap(kek: &[u8], plaintext: &[u8], pad: bool) -> Result<Vec<u8>, CryptoError> {
    check_kek(kek)?;
    let len = plaintext.len();
    let wrapped_len = match pad {
        true if len == 0 => {
            return Err(invalid(
                "AES key wrap with padding needs a non-empty key".into(),
            ));
        }
        true => len.div_ceil(8) * 8 + 8,
        false if len < 16 || !len.is_multiple_of(8) => {
            return Err(invalid(format!(
                "AES key wrap needs a key of at least 16 bytes in multiples of 8, not {len}"
            )));
        }
        false => len + 8,
    };
    let mut out = vec![0u8; wrapped_len];
    let written = with_aes!(kek.len(), A => wrap_with::<A>(kek, plaintext, pad, &mut out))?;
    out.truncate(written);
    Ok(out)
}

/// RFC 3394 / RFC 5649 AES key unwrap, the inverse of [`aes_wrap`]. A wrapped key that fails the
/// integrity check (tampered, another KEK, the other `pad`) is "Error decrypting payload".
pub fn aes_unwrap(kek: &[u8], wrapped: &[u8], pad: bool) -> Result<Vec<u8>, CryptoError> {
    check_kek(kek)?;
    let min = if pad { 16 } else { 24 };
    if wrapped.len() < min || !wrapped.len().is_multiple_of(8) {
        return Err(invalid(format!(
            "a wrapped key must be at least {min} bytes in multiples of 8, not {}",
            wrapped.len()
        )));
    }
    let mut out = vec![0u8; wrapped.len() - 8];
    let unwrapped = with_aes!(kek.len(), A => unwrap_with::<A>(kek, wrapped, pad, &mut out))?;
    out.truncate(unwrapped);
    Ok(out)
}

fn check_kek(kek: &[u8]) -> Result<(), CryptoError> {
    match kek.len() {
        16 | 24 | 32 => Ok(()),
        len => Err(invalid(format!(
            "AES key wrap needs a key of 16, 24 or 32 bytes, not {len}"
        ))),
    }
}

/// Wraps into `out` (of the wrapped size); returns the bytes written.
fn wrap_with<A>(
    kek: &[u8],
    plaintext: &[u8],
    pad: bool,
    out: &mut [u8],
) -> Result<usize, CryptoError>
where
    A: BlockCipherEncrypt<BlockSize = U16> + KeyInit,
{
    let written = if pad {
        kek_cipher::<AesKwp<A>>(kek)?
            .wrap_key(plaintext, out)
            .map(<[u8]>::len)
    } else {
        kek_cipher::<AesKw<A>>(kek)?
            .wrap_key(plaintext, out)
            .map(<[u8]>::len)
    };
    written.map_err(|e| invalid(format!("AES key wrap failed: {e}")))
}

/// Unwraps into `out` (8 bytes shorter than `wrapped`); returns the bytes written.
fn unwrap_with<A>(
    kek: &[u8],
    wrapped: &[u8],
    pad: bool,
    out: &mut [u8],
) -> Result<usize, CryptoError>
where
    A: BlockCipherDecrypt<BlockSize = U16> + KeyInit,
{
    let unwrapped = if pad {
        kek_cipher::<AesKwp<A>>(kek)?
            .unwrap_key(wrapped, out)
            .map(<[u8]>::len)
    } else {
        kek_cipher::<AesKw<A>>(kek)?
            .unwrap_key(wrapped, out)
            .map(<[u8]>::len)
    };
    unwrapped.map_err(|_| decrypt_failed())
}

fn kek_cipher<K: KeyInit>(kek: &[u8]) -> Result<K, CryptoError> {
    K::new_from_slice(kek).map_err(|_| super::no_implementation())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::cipher::tests::{
        assert_decrypt_failed, assert_invalid, key_of, openssl_enc, payload, unhex,
    };

    #[test]
    fn aes_key_wrap_matches_rfc_3394_and_rfc_5649() {
        let vectors = [
            // RFC 3394 4.1: 128 bits of key data with a 128-bit KEK.
            (
                "000102030405060708090a0b0c0d0e0f",
                "00112233445566778899aabbccddeeff",
                "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5",
                false,
            ),
            // RFC 3394 4.6: 256 bits of key data with a 256-bit KEK.
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
                "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21",
                false,
            ),
            // RFC 5649 6: a 20-byte key with a 192-bit KEK.
            (
                "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
                "c37b7e6492584340bed12207808941155068f738",
                "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
                true,
            ),
            // RFC 5649 6: a 7-byte key with the same KEK.
            (
                "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
                "466f7250617369",
                "afbeb0f07dfbf5419200f2ccb50bb24f",
                true,
            ),
        ];
        for (kek, key, wrapped, pad) in vectors {
            let (kek, key, wrapped) = (unhex(kek), unhex(key), unhex(wrapped));
            assert_eq!(aes_wrap(&kek, &key, pad).expect("wrap"), wrapped);
            assert_eq!(aes_unwrap(&kek, &wrapped, pad).expect("unwrap"), key);
            // Tampered anywhere, under another KEK, or as the other variant: refused.
            for at in [0, 8, wrapped.len() - 1] {
                let mut tampered = wrapped.clone();
                tampered[at] ^= 1;
                assert_decrypt_failed(aes_unwrap(&kek, &tampered, pad));
            }
            let mut other = kek.clone();
            other[0] ^= 1;
            assert_decrypt_failed(aes_unwrap(&other, &wrapped, pad));
            if wrapped.len() >= 24 {
                assert_decrypt_failed(aes_unwrap(&kek, &wrapped, !pad));
            }
        }
    }

    #[test]
    fn aes_key_wrap_checks_sizes_and_round_trips() {
        for kek_len in [16, 24, 32] {
            let kek = key_of(kek_len, 9);
            for len in [16, 24, 32, 40, 176] {
                let key = payload(len);
                let wrapped = aes_wrap(&kek, &key, false).expect("wrap");
                assert_eq!(wrapped.len(), len + 8);
                assert_eq!(aes_unwrap(&kek, &wrapped, false).expect("unwrap"), key);
            }
            for len in [1, 7, 8, 9, 15, 16, 17, 33, 176] {
                let key = payload(len);
                let wrapped = aes_wrap(&kek, &key, true).expect("wrap");
                assert_eq!(wrapped.len(), len.div_ceil(8) * 8 + 8);
                assert_eq!(aes_unwrap(&kek, &wrapped, true).expect("unwrap"), key);
            }
            for len in [0, 1, 8, 15, 17, 23] {
                assert_invalid(aes_wrap(&kek, &payload(len), false), "at least 16 bytes");
            }
            assert_invalid(aes_wrap(&kek, &[], true), "non-empty");
            for len in [0, 8, 16, 23, 25] {
                assert_invalid(aes_unwrap(&kek, &payload(len), false), "at least 24 bytes");
            }
            for len in [0, 8, 15, 17] {
                assert_invalid(aes_unwrap(&kek, &payload(len), true), "at least 16 bytes");
            }
        }
        for kek_len in [0, 8, 15, 20, 33] {
            let kek = key_of(kek_len, 9);
            assert_invalid(aes_wrap(&kek, &[0; 16], false), "16, 24 or 32 bytes");
            assert_invalid(aes_unwrap(&kek, &[0; 24], true), "16, 24 or 32 bytes");
        }
    }

    #[test]
    fn openssl_wraps_alike() {
        let dir = tempfile::tempdir().expect("temporary directory");
        for kek_len in [16, 24, 32] {
            let kek = key_of(kek_len, 10);
            let bits = kek_len * 8;
            // OpenSSL's `enc` needs the RFCs' default IVs spelled out.
            for (pad, mode, lengths) in [
                (false, "wrap -iv a6a6a6a6a6a6a6a6", &[16, 24, 40][..]),
                (true, "wrap-pad -iv a65959a6", &[1, 7, 8, 9, 20, 33][..]),
            ] {
                let spec = format!("-id-aes{bits}-{mode} -K {}", hex::encode(&kek));
                for &len in lengths {
                    let key = payload(len);
                    let theirs = openssl_enc(dir.path(), &format!("-e {spec}"), &key);
                    assert_eq!(
                        aes_wrap(&kek, &key, pad).expect("wrap"),
                        theirs,
                        "{spec} {len}"
                    );
                    let ours = aes_wrap(&kek, &key, pad).expect("wrap");
                    assert_eq!(openssl_enc(dir.path(), &format!("-d {spec}"), &ours), key);
                    assert_eq!(aes_unwrap(&kek, &theirs, pad).expect("unwrap"), key);
                }
            }
        }
    }
}

//! The AEAD modes: AES-GCM at every tag length the TSB allows, and ChaCha20-Poly1305.

use super::{CryptoError, Mode, SymmetricCipher, decrypt_failed, invalid, tag_unsupported};
use aes_gcm::AesGcm;
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use cbc::cipher::consts::{U12, U13, U14, U15, U16};
use cbc::cipher::{BlockCipherEncrypt, BlockSizeUser, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use subtle::ConstantTimeEq;

/// The one GCM tag length (64 bits) that aes-gcm offers only behind its `hazmat` feature.
const SHORT_TAG: usize = 8;

/// Encrypts: (ciphertext, tag of `tag_len` bytes).
pub(super) fn seal(
    cipher: SymmetricCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    tag_len: usize,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    match cipher.scheme().1 {
        Mode::Gcm => with_aes!(key.len(), A => gcm_seal::<A>(key, nonce, aad, plaintext, tag_len)),
        Mode::ChaCha20Poly1305 => seal_with::<ChaCha20Poly1305>(key, nonce, aad, plaintext),
        _ => Err(super::no_implementation()),
    }
}

/// Checks the last `tag_len` bytes of `input` and decrypts the rest.
pub(super) fn open(
    cipher: SymmetricCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    input: &[u8],
    tag_len: usize,
) -> Result<Vec<u8>, CryptoError> {
    // An input shorter than its tag cannot be authentic.
    let at = input
        .len()
        .checked_sub(tag_len)
        .ok_or_else(decrypt_failed)?;
    let (ciphertext, tag) = input.split_at(at);
    match cipher.scheme().1 {
        Mode::Gcm => with_aes!(key.len(), A => gcm_open::<A>(key, nonce, aad, ciphertext, tag)),
        Mode::ChaCha20Poly1305 => open_with::<ChaCha20Poly1305>(key, nonce, aad, ciphertext, tag),
        _ => Err(super::no_implementation()),
    }
}

fn gcm_seal<A>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    tag_len: usize,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError>
where
    A: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + KeyInit,
{
    match tag_len {
        16 => seal_with::<AesGcm<A, U12, U16>>(key, nonce, aad, plaintext),
        15 => seal_with::<AesGcm<A, U12, U15>>(key, nonce, aad, plaintext),
        14 => seal_with::<AesGcm<A, U12, U14>>(key, nonce, aad, plaintext),
        13 => seal_with::<AesGcm<A, U12, U13>>(key, nonce, aad, plaintext),
        12 => seal_with::<AesGcm<A, U12, U12>>(key, nonce, aad, plaintext),
        SHORT_TAG => {
            // A t-bit GCM tag is the first t bits of the full one (SP 800-38D, 7.1).
            let (ciphertext, mut tag) = seal_with::<AesGcm<A, U12>>(key, nonce, aad, plaintext)?;
            tag.truncate(SHORT_TAG);
            Ok((ciphertext, tag))
        }
        _ => Err(tag_unsupported()),
    }
}

fn gcm_open<A>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, CryptoError>
where
    A: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + KeyInit,
{
    match tag.len() {
        16 => open_with::<AesGcm<A, U12, U16>>(key, nonce, aad, ciphertext, tag),
        15 => open_with::<AesGcm<A, U12, U15>>(key, nonce, aad, ciphertext, tag),
        14 => open_with::<AesGcm<A, U12, U14>>(key, nonce, aad, ciphertext, tag),
        13 => open_with::<AesGcm<A, U12, U13>>(key, nonce, aad, ciphertext, tag),
        12 => open_with::<AesGcm<A, U12, U12>>(key, nonce, aad, ciphertext, tag),
        SHORT_TAG => {
            // Verified through encryption alone. GCM's keystream does not depend on the data,
            // so encrypting the ciphertext yields the candidate plaintext, and encrypting that
            // yields the ciphertext again with its full tag, whose prefix must match. The
            // candidate is released only after that check.
            let (candidate, _) = seal_with::<AesGcm<A, U12>>(key, nonce, aad, ciphertext)?;
            let (_, full_tag) = seal_with::<AesGcm<A, U12>>(key, nonce, aad, &candidate)?;
            if bool::from(full_tag[..SHORT_TAG].ct_eq(tag)) {
                Ok(candidate)
            } else {
                Err(decrypt_failed())
            }
        }
        _ => Err(tag_unsupported()),
    }
}

/// AEAD encryption with a detached tag: (ciphertext, tag).
fn seal_with<G: AeadInOut + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let aead = G::new_from_slice(key).map_err(|_| super::no_implementation())?;
    let nonce = Nonce::<G>::try_from(nonce).map_err(|_| super::no_implementation())?;
    let mut buffer = plaintext.to_vec();
    let tag = aead
        .encrypt_inout_detached(&nonce, aad, buffer.as_mut_slice().into())
        .map_err(|_| invalid("the payload or AAD is too long".into()))?;
    Ok((buffer, tag.to_vec()))
}

/// AEAD decryption with a detached tag; every failure is "Error decrypting payload".
fn open_with<G: AeadInOut + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let aead = G::new_from_slice(key).map_err(|_| super::no_implementation())?;
    let nonce = Nonce::<G>::try_from(nonce).map_err(|_| super::no_implementation())?;
    let tag = Tag::<G>::try_from(tag).map_err(|_| decrypt_failed())?;
    let mut buffer = ciphertext.to_vec();
    aead.decrypt_inout_detached(&nonce, aad, buffer.as_mut_slice().into(), &tag)
        .map_err(|_| decrypt_failed())?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use crate::crypto::cipher::tests::{GCM_TAG_BITS, assert_decrypt_failed, tag_bytes, unhex};
    use crate::crypto::cipher::{SymmetricCipher, decrypt, encrypt_with_iv};

    /// A known answer for AES-GCM, in hex; `tag` is the full 128-bit tag.
    struct GcmVector {
        key: &'static str,
        iv: &'static str,
        plaintext: &'static str,
        aad: &'static str,
        ciphertext: &'static str,
        tag: &'static str,
    }

    const GCM_SPEC_PLAINTEXT: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
        1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

    /// McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 1, 2 and 4
    /// (AES-128) and 16 (AES-256, with AAD).
    const GCM_VECTORS: [GcmVector; 4] = [
        GcmVector {
            key: "00000000000000000000000000000000",
            iv: "000000000000000000000000",
            plaintext: "",
            aad: "",
            ciphertext: "",
            tag: "58e2fccefa7e3061367f1d57a4e7455a",
        },
        GcmVector {
            key: "00000000000000000000000000000000",
            iv: "000000000000000000000000",
            plaintext: "00000000000000000000000000000000",
            aad: "",
            ciphertext: "0388dace60b6a392f328c2b971b2fe78",
            tag: "ab6e47d42cec13bdf53a67b21257bddf",
        },
        GcmVector {
            key: "feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            plaintext: GCM_SPEC_PLAINTEXT,
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            tag: "5bc94fbc3221a5db94fae95ae7121a47",
        },
        GcmVector {
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            plaintext: GCM_SPEC_PLAINTEXT,
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b",
        },
    ];

    #[test]
    fn aes_gcm_matches_the_gcm_spec_at_every_tag_length() {
        let gcm = SymmetricCipher::AesGcm;
        for vector in GCM_VECTORS {
            let (key, iv, plaintext) =
                (unhex(vector.key), unhex(vector.iv), unhex(vector.plaintext));
            let (aad, ciphertext, tag) = (
                unhex(vector.aad),
                unhex(vector.ciphertext),
                unhex(vector.tag),
            );
            let aad = Some(&aad[..]);
            for bits in GCM_TAG_BITS {
                // A t-bit GCM tag is the first t bits of the full tag (SP 800-38D, 7.1).
                let short_tag = &tag[..tag_bytes(gcm, bits)];
                let encrypted = encrypt_with_iv(gcm, &key, &plaintext, Some(iv.clone()), aad, bits)
                    .expect("encrypt");
                assert_eq!(
                    encrypted.output,
                    [&ciphertext[..], short_tag].concat(),
                    "{bits}"
                );
                assert_eq!(encrypted.tag.as_deref(), Some(short_tag));
                let output = &encrypted.output;
                let back = decrypt(gcm, &key, output, Some(&iv), aad, bits).expect("decrypt");
                assert_eq!(back, plaintext);
                for at in [0, output.len() - 1] {
                    let mut tampered = output.clone();
                    tampered[at] ^= 0x80;
                    assert_decrypt_failed(decrypt(gcm, &key, &tampered, Some(&iv), aad, bits));
                }
            }
        }
    }

    #[test]
    fn chacha20_poly1305_matches_rfc_8439_section_2_8_2() {
        let key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce = unhex("070000004041424344454647");
        let aad = unhex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one \
            tip for the future, sunscreen would be it.";
        let ciphertext = unhex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
             3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
             92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
             3ff4def08e4b7a9de576d26586cec64b6116",
        );
        let tag = unhex("1ae10b594f09e26a7e902ecbd0600691");
        let aead = SymmetricCipher::ChaCha20Aead;
        let encrypted = encrypt_with_iv(aead, &key, plaintext, Some(nonce.clone()), Some(&aad), 0)
            .expect("encrypt");
        assert_eq!(encrypted.output, [&ciphertext[..], &tag[..]].concat());
        assert_eq!(encrypted.tag, Some(tag));
        let back = decrypt(aead, &key, &encrypted.output, Some(&nonce), Some(&aad), 0);
        assert_eq!(back.expect("decrypt"), plaintext);
    }
}

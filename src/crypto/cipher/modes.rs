//! The unauthenticated modes: CBC and ECB on AES, Camellia and three-key TDEA (PKCS#7 padding
//! or none), and the keystream modes AES-CTR and ChaCha20.

use super::{CryptoError, Family, Mode, SymmetricCipher, decrypt_failed, invalid};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
    StreamCipher,
};

/// Runs `$body` with `$C` bound to the block cipher of `$family` for a key of `$len` bytes.
macro_rules! with_block_cipher {
    ($family:expr, $len:expr, $C:ident => $body:expr) => {
        dispatch!(($family, $len), $C => $body;
            (Family::Aes, 16) => aes::Aes128,
            (Family::Aes, 24) => aes::Aes192,
            (Family::Aes, 32) => aes::Aes256,
            (Family::Camellia, 16) => camellia::Camellia128,
            (Family::Camellia, 24) => camellia::Camellia192,
            (Family::Camellia, 32) => camellia::Camellia256,
            (Family::Tdea, 24) => des::TdesEde3,
        )
    };
}

/// CBC or ECB encryption (`iv` empty for ECB).
pub(super) fn block_encrypt(
    cipher: SymmetricCipher,
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (family, mode) = cipher.scheme();
    with_block_cipher!(family, key.len(), C => encrypt_with::<C>(cipher, mode, key, iv, plaintext))
}

/// CBC or ECB decryption (`iv` empty for ECB).
pub(super) fn block_decrypt(
    cipher: SymmetricCipher,
    key: &[u8],
    iv: &[u8],
    input: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (family, mode) = cipher.scheme();
    with_block_cipher!(family, key.len(), C => decrypt_with::<C>(cipher, mode, key, iv, input))
}

/// AES-CTR or ChaCha20: XORs `data` with the keystream, to encrypt and decrypt alike.
pub(super) fn keystream(
    cipher: SymmetricCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match cipher.scheme().1 {
        Mode::Ctr => with_aes!(key.len(), A => apply::<ctr::Ctr128BE<A>>(cipher, key, iv, data)),
        Mode::ChaCha20 => apply::<chacha20::ChaCha20>(cipher, key, iv, data),
        _ => Err(super::no_implementation()),
    }
}

fn encrypt_with<C: BlockCipherEncrypt + KeyInit>(
    cipher: SymmetricCipher,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match mode {
        Mode::Cbc { padded } => {
            let encryptor = cbc::Encryptor::<C>::new_from_slices(key, iv);
            pad_and_encrypt(cipher, encryptor, plaintext, padded)
        }
        _ => pad_and_encrypt(
            cipher,
            ecb::Encryptor::<C>::new_from_slice(key),
            plaintext,
            true,
        ),
    }
}

fn decrypt_with<C: BlockCipherDecrypt + KeyInit>(
    cipher: SymmetricCipher,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    input: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match mode {
        Mode::Cbc { padded } => {
            let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv);
            decrypt_and_unpad(cipher, decryptor, input, padded)
        }
        _ => decrypt_and_unpad(
            cipher,
            ecb::Decryptor::<C>::new_from_slice(key),
            input,
            true,
        ),
    }
}

/// Pads (PKCS#7) or checks for whole blocks, then encrypts with the block mode `mode`.
fn pad_and_encrypt<M: BlockModeEncrypt, E>(
    cipher: SymmetricCipher,
    mode: Result<M, E>,
    plaintext: &[u8],
    padded: bool,
) -> Result<Vec<u8>, CryptoError> {
    let mode = mode.map_err(|_| super::no_implementation())?;
    if padded {
        Ok(mode.encrypt_padded_vec::<Pkcs7>(plaintext))
    } else {
        // `encrypt_padded_vec::<NoPadding>` panics on a partial block: check first.
        whole_blocks(cipher, plaintext, M::block_size())?;
        Ok(mode.encrypt_padded_vec::<NoPadding>(plaintext))
    }
}

/// Decrypts with the block mode `mode`, then removes the PKCS#7 padding if `padded`.
fn decrypt_and_unpad<M: BlockModeDecrypt, E>(
    cipher: SymmetricCipher,
    mode: Result<M, E>,
    input: &[u8],
    padded: bool,
) -> Result<Vec<u8>, CryptoError> {
    let mode = mode.map_err(|_| super::no_implementation())?;
    if padded {
        // A partial block and bad padding get the same answer, which tells nothing more.
        mode.decrypt_padded_vec::<Pkcs7>(input)
            .map_err(|_| decrypt_failed())
    } else {
        whole_blocks(cipher, input, M::block_size())?;
        mode.decrypt_padded_vec::<NoPadding>(input)
            .map_err(|_| decrypt_failed())
    }
}

fn whole_blocks(cipher: SymmetricCipher, data: &[u8], block: usize) -> Result<(), CryptoError> {
    if data.len().is_multiple_of(block) {
        return Ok(());
    }
    Err(invalid(format!(
        "{} needs a payload that is a multiple of {block} bytes, not {}",
        cipher.tsb_name(),
        data.len()
    )))
}

fn apply<S: KeyIvInit + StreamCipher>(
    cipher: SymmetricCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut stream = S::new_from_slices(key, iv).map_err(|_| super::no_implementation())?;
    let mut out = data.to_vec();
    // ChaCha20's 32-bit block counter runs out at 256 GiB: an error, not a panic.
    stream
        .try_apply_keystream(&mut out)
        .map_err(|_| invalid(format!("the payload is too long for {}", cipher.tsb_name())))?;
    Ok(out)
}

//! Secret keys: generation for the symmetric algorithms, and HMAC-SHA-256.

use crate::domain::{KeyAlgorithm, SecretBytes};
use hmac::{KeyInit, Mac};
use rand::CryptoRng;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A fresh secret key of `bits` bits. TDEA keys get odd DES parity in every byte, as DES
/// keys conventionally carry.
pub fn generate(algorithm: KeyAlgorithm, bits: u32, rng: &mut impl CryptoRng) -> SecretBytes {
    let mut key = vec![0u8; (bits / 8) as usize];
    rng.fill_bytes(&mut key);
    if algorithm == KeyAlgorithm::Tdea {
        for byte in &mut key {
            *byte = (*byte & 0xFE) | u8::from((*byte >> 1).count_ones() % 2 == 0);
        }
    }
    SecretBytes::new(key)
}

/// HMAC-SHA-256 of `payload` under `key`.
pub fn hmac_sha256(key: &[u8], payload: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(payload);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Whether `tag` is the HMAC-SHA-256 of `payload` under `key` (constant-time comparison).
pub fn verify_hmac_sha256(key: &[u8], payload: &[u8], tag: &[u8]) -> bool {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(payload);
            mac.verify_slice(tag).is_ok()
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_sha256(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag
        ));
        assert!(!verify_hmac_sha256(
            b"Jefe",
            b"what do ya want for nothing!",
            &tag
        ));
        assert!(!verify_hmac_sha256(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag[..31]
        ));
    }

    #[test]
    fn keys_have_the_requested_size_and_tdea_parity() {
        let mut rng = rand::rng();
        assert_eq!(
            generate(KeyAlgorithm::Aes, 128, &mut rng).expose().len(),
            16
        );
        assert_eq!(
            generate(KeyAlgorithm::HmacSha256, 512, &mut rng)
                .expose()
                .len(),
            64
        );
        let tdea = generate(KeyAlgorithm::Tdea, 192, &mut rng);
        assert_eq!(tdea.expose().len(), 24);
        assert!(tdea.expose().iter().all(|byte| byte.count_ones() % 2 == 1));
    }
}

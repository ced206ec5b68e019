//! Message digests for every [`HashAlgorithm`] the signature algorithms name.

use super::CryptoError;
use crate::domain::HashAlgorithm;
use sha2::Digest;

/// Hashes `data` with `algorithm`.
pub fn digest(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        HashAlgorithm::Sha224 => sha2::Sha224::digest(data).to_vec(),
        HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        HashAlgorithm::Sha3_224 => sha3::Sha3_224::digest(data).to_vec(),
        HashAlgorithm::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
        HashAlgorithm::Sha3_384 => sha3::Sha3_384::digest(data).to_vec(),
        HashAlgorithm::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
        HashAlgorithm::Keccak224 => sha3::Keccak224::digest(data).to_vec(),
        HashAlgorithm::Keccak256 => sha3::Keccak256::digest(data).to_vec(),
        HashAlgorithm::Keccak384 => sha3::Keccak384::digest(data).to_vec(),
        HashAlgorithm::Keccak512 => sha3::Keccak512::digest(data).to_vec(),
        HashAlgorithm::DoubleSha256 => sha2::Sha256::digest(sha2::Sha256::digest(data)).to_vec(),
    }
}

/// A pre-hashed payload must be exactly one digest long.
pub fn check_digest_len(algorithm: HashAlgorithm, payload: &[u8]) -> Result<(), CryptoError> {
    if payload.len() == algorithm.output_len() {
        Ok(())
    } else {
        Err(CryptoError::InvalidInput(format!(
            "The payload must be a {}-byte {algorithm:?} digest, not {} bytes.",
            algorithm.output_len(),
            payload.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_for_the_empty_message() {
        let hex = |algorithm| hex::encode(digest(algorithm, b""));
        assert_eq!(
            hex(HashAlgorithm::Sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(HashAlgorithm::Sha3_256),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
        );
        // Ethereum's Keccak-256 of the empty string.
        assert_eq!(
            hex(HashAlgorithm::Keccak256),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex(HashAlgorithm::DoubleSha256),
            "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
        );
        for algorithm in [
            HashAlgorithm::Sha1,
            HashAlgorithm::Sha224,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
            HashAlgorithm::Sha3_224,
            HashAlgorithm::Sha3_384,
            HashAlgorithm::Sha3_512,
            HashAlgorithm::Keccak224,
            HashAlgorithm::Keccak384,
            HashAlgorithm::Keccak512,
        ] {
            assert_eq!(digest(algorithm, b"").len(), algorithm.output_len());
        }
    }
}

//! The cryptography of approver onboarding (reference 14): the approver's RSA key and
//! self-signed certificate, the PKCS#12 that carries them, the AES-GCM transport encryption
//! of that PKCS#12, and one-time codes.
//!
//! Everything here follows the real TSB container printed in the documentation (the
//! approver-management page's `encryptedPayload`, kept in
//! `fixtures/approvers/onboarding-docs.txt`): see "Approver onboarding" in
//! `docs/decisions.md`.

mod pkcs12;
#[cfg(test)]
mod tests;

pub use self::pkcs12::{ITERATIONS, Pkcs12Contents, pkcs12, pkcs12_with_key_password, read_pkcs12};

use super::CryptoError;
use super::signer::X509Signer;
use super::x509::{CertificateParams, Subject, build_certificate};
use crate::crypto::rsa;
use crate::domain::{HashAlgorithm, KeyUsage, RsaBits, SecretBytes, SubjectAttributes};
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use rand::CryptoRng;

/// The signature digest of approver certificates: the TSB's are `sha224WithRSAEncryption`.
pub const CERTIFICATE_DIGEST: HashAlgorithm = HashAlgorithm::Sha224;
/// Length of the onboarding payload's GCM nonce (`initializationVector`) in bytes.
pub const NONCE_LEN: usize = 12;
/// Length of the GCM tag appended to the onboarding payload, in bytes (128 bits).
pub const TAG_LEN: usize = 16;

/// An approver's key pair and self-signed certificate, as created by
/// `/v1/approverManagement/create`.
pub struct ApproverCredentials {
    /// The RSA private key, PKCS#8 DER.
    pub private_key_pkcs8: SecretBytes,
    /// The self-signed X.509 certificate, DER.
    pub certificate_der: Vec<u8>,
}

impl std::fmt::Debug for ApproverCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApproverCredentials")
            .field("private_key_pkcs8", &self.private_key_pkcs8)
            .field("certificate_der", &self.certificate_der.len())
            .finish()
    }
}

/// Generates an RSA key pair of `bits` (public exponent 65537) from `rng` and certifies it
/// with [`approver_certificate_for_key`].
pub fn approver_certificate(
    approver_name: &str,
    bits: RsaBits,
    not_before: u64,
    validity_days: u32,
    rng: &mut impl CryptoRng,
) -> Result<ApproverCredentials, CryptoError> {
    let key = rsa::generate(rng, bits)?;
    approver_certificate_for_key(approver_name, &key, not_before, validity_days, rng)
}

/// A self-signed certificate for `key` in the profile of the TSB's approver certificates:
/// X.509 v3, subject and issuer `CN=<approver_name>`, valid from `not_before` (seconds since
/// the Unix epoch) for `validity_days` days, `sha224WithRSAEncryption`, extensions basic
/// constraints `CA:TRUE` (non-critical), key usage `digitalSignature` (critical), subject key
/// identifier. The serial number is random and positive (the TSB writes 0).
pub fn approver_certificate_for_key(
    approver_name: &str,
    key: &rsa::PrivateKey,
    not_before: u64,
    validity_days: u32,
    rng: &mut impl CryptoRng,
) -> Result<ApproverCredentials, CryptoError> {
    let subject = SubjectAttributes {
        common_name: approver_name.to_owned(),
        ..SubjectAttributes::default()
    };
    let public_key = rsa::public_spki_der(key)?;
    let certificate_der = build_certificate(
        &X509Signer::Rsa(key),
        CertificateParams {
            subject: Subject::Attributes(&subject),
            subject_public_key: &public_key,
            issuer_certificate: None,
            not_before,
            validity_days,
            certificate_authority: true,
            key_usage: &[KeyUsage::DigitalSignature],
            extended_key_usage: &[],
            digest: CERTIFICATE_DIGEST,
        },
        rng,
    )?;
    Ok(ApproverCredentials {
        private_key_pkcs8: rsa::encode_private(key)?,
        certificate_der,
    })
}

/// The alias under which the TSB's PKCS#12 holds an approver's entry: the approver name in
/// lower case, because Java's PKCS#12 `KeyStore` lowercases aliases (the documentation's
/// container for `financeOfficer1@securosys.com` is named `financeofficer1@securosys.com`).
pub fn keystore_alias(approver_name: &str) -> String {
    approver_name.to_lowercase()
}

/// The approver's PKCS#12 as the TSB stores and hands it out: `credentials` under
/// [`keystore_alias`] of `approver_name`, container and key both protected by
/// `backup_password`.
pub fn approver_pkcs12(
    approver_name: &str,
    credentials: &ApproverCredentials,
    backup_password: &str,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    pkcs12(
        credentials.private_key_pkcs8.expose(),
        &credentials.certificate_der,
        &keystore_alias(approver_name),
        backup_password,
        rng,
    )
}

/// Encrypts the PKCS#12 for `/v1/approver/onboard`: AES-GCM (AES-128 for a 16-byte, AES-256
/// for a 32-byte transport password) keyed by the UTF-8 bytes of `transport_password`, a
/// random 12-byte nonce, no AAD. Returns (`encryptedPayload` = ciphertext with the 128-bit tag
/// appended, `initializationVector` = the nonce), as Java's `AES/GCM/NoPadding` does.
pub fn onboarding_payload(
    pkcs12: &[u8],
    transport_password: &str,
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, [u8; NONCE_LEN]), CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let key = transport_password.as_bytes();
    let sealed = match key.len() {
        16 => seal::<Aes128Gcm>(key, &nonce, pkcs12),
        32 => seal::<Aes256Gcm>(key, &nonce, pkcs12),
        _ => Err(transport_password_length()),
    }?;
    Ok((sealed, nonce))
}

/// Decrypts an onboarding payload (what the Authorization App does): checks the 128-bit tag
/// at the end of `ciphertext_with_tag` and returns the PKCS#12. A wrong password, nonce or
/// tag is [`CryptoError::DecryptionFailed`].
pub fn open_onboarding_payload(
    ciphertext_with_tag: &[u8],
    nonce: &[u8],
    transport_password: &str,
) -> Result<Vec<u8>, CryptoError> {
    let key = transport_password.as_bytes();
    match key.len() {
        16 => open::<Aes128Gcm>(key, nonce, ciphertext_with_tag),
        32 => open::<Aes256Gcm>(key, nonce, ciphertext_with_tag),
        _ => Err(transport_password_length()),
    }
}

/// A one-time code: 6 decimal digits, uniform over 000000 to 999999 (rejection sampling of
/// 32-bit values, so no code is more likely than another).
pub fn one_time_code(rng: &mut impl CryptoRng) -> String {
    const CODES: u32 = 1_000_000;
    // The largest multiple of CODES that fits in u32: values at or above it are redrawn.
    const ZONE: u32 = u32::MAX - (u32::MAX % CODES);
    loop {
        let mut bytes = [0u8; 4];
        rng.fill_bytes(&mut bytes);
        let value = u32::from_be_bytes(bytes);
        if value < ZONE {
            return format!("{:06}", value % CODES);
        }
    }
}

fn seal<G: AeadInOut + KeyInit>(
    key: &[u8],
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let aead = G::new_from_slice(key).map_err(|_| transport_password_length())?;
    let nonce = Nonce::<G>::try_from(nonce.as_slice())
        .map_err(|_| CryptoError::InvalidInput("The nonce must be 12 bytes.".into()))?;
    let mut buffer = plaintext.to_vec();
    let tag = aead
        .encrypt_inout_detached(&nonce, &[], buffer.as_mut_slice().into())
        .map_err(|_| CryptoError::InvalidInput("The PKCS#12 is too long.".into()))?;
    buffer.extend_from_slice(&tag);
    Ok(buffer)
}

fn open<G: AeadInOut + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    input: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let aead = G::new_from_slice(key).map_err(|_| transport_password_length())?;
    let nonce = Nonce::<G>::try_from(nonce).map_err(|_| CryptoError::DecryptionFailed)?;
    let at = input
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(CryptoError::DecryptionFailed)?;
    let (ciphertext, tag) = input.split_at(at);
    let tag = Tag::<G>::try_from(tag).map_err(|_| CryptoError::DecryptionFailed)?;
    let mut buffer = ciphertext.to_vec();
    aead.decrypt_inout_detached(&nonce, &[], buffer.as_mut_slice().into(), &tag)
        .map_err(|_| CryptoError::DecryptionFailed)?;
    Ok(buffer)
}

fn transport_password_length() -> CryptoError {
    CryptoError::InvalidInput("The transportPassword must be 16 or 32 bytes long (UTF-8).".into())
}

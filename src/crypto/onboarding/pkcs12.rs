//! PKCS#12 (PFX v3, RFC 7292) key stores with one private key and its certificate, in the
//! algorithms the TSB's (Java `KeyStore`) containers use, and the reader for them.
//!
//! Layout (as in the real TSB container printed in the documentation): an authenticated safe
//! of two contents, first a plain `data` with the PBES2-shrouded key bag, then an
//! `encryptedData` (PBES2) with the certificate bag; both bags carry `friendlyName` and
//! `localKeyId`; an HMAC-SHA-256 MAC keyed by RFC 7292 appendix B. PBES2 is PBKDF2 with
//! HMAC-SHA-256 (10 000 iterations, 20-byte salt) and AES-256-CBC.

use super::super::CryptoError;
use crate::domain::SecretBytes;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode, Tag, TagNumber, Tagged};
use hmac::{Hmac, KeyInit, Mac};
use pkcs8::pkcs5::{EncryptionScheme, pbes2};
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use pkcs12::cms::content_info::{CmsVersion, ContentInfo};
use pkcs12::cms::encrypted_data::EncryptedData;
use pkcs12::cms::enveloped_data::EncryptedContentInfo;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use pkcs12::pfx::{Pfx, Version};
use pkcs12::{CertBag, DigestInfo, MacData, SafeBag};
use rand::CryptoRng;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};
use subtle::ConstantTimeEq;
use x509_cert::attr::{Attribute, Attributes};
use zeroize::Zeroizing;

/// PBKDF2 and MAC iteration count (the TSB's containers, and Java's default, use 10 000).
pub const ITERATIONS: u32 = 10_000;
/// PBKDF2 and MAC salt length in bytes (as in the TSB's containers).
const SALT_LEN: usize = 20;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

/// What a PKCS#12 container holds: the key entry's alias, key and certificate.
pub struct Pkcs12Contents {
    /// The `friendlyName` of the key bag (the alias), if it has one.
    pub alias: Option<String>,
    /// The private key, PKCS#8 DER.
    pub private_key_pkcs8: SecretBytes,
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
}

impl std::fmt::Debug for Pkcs12Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs12Contents")
            .field("alias", &self.alias)
            .field("private_key_pkcs8", &self.private_key_pkcs8)
            .field("certificate_der", &self.certificate_der.len())
            .finish()
    }
}

/// A PKCS#12 container holding `private_key_pkcs8` (PKCS#8 DER) and `certificate_der`
/// under `alias` (the `friendlyName` of both bags, written as given), with the container (MAC
/// and certificate bag) and the key bag both protected by `password`.
pub fn pkcs12(
    private_key_pkcs8: &[u8],
    certificate_der: &[u8],
    alias: &str,
    password: &str,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    pkcs12_with_key_password(
        private_key_pkcs8,
        certificate_der,
        alias,
        password,
        password,
        rng,
    )
}

/// As [`pkcs12`], with the key bag under `key_password` and the container (MAC and
/// certificate bag) under `container_password`, which Java's `KeyStore` keeps apart (the TSB
/// documents that changing the backup password changes only the container's).
pub fn pkcs12_with_key_password(
    private_key_pkcs8: &[u8],
    certificate_der: &[u8],
    alias: &str,
    container_password: &str,
    key_password: &str,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    x509_cert::Certificate::from_der(certificate_der)
        .map_err(|_| invalid("the certificate is not a DER X.509 certificate"))?;
    let key_info = PrivateKeyInfoRef::try_from(private_key_pkcs8)
        .map_err(|_| CryptoError::InvalidKey("the private key is not PKCS#8 DER".into()))?;
    let attributes = bag_attributes(alias, &Sha1::digest(certificate_der))?;

    let shrouded = key_info
        .encrypt_with_params(pbes2_parameters(rng)?, key_password.as_bytes())
        .map_err(|e| CryptoError::InvalidKey(format!("PBES2 encryption failed: {e}")))?;
    let key_bag = SafeBag {
        bag_id: pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
        bag_value: shrouded.as_bytes().to_vec(),
        bag_attributes: Some(attributes.clone()),
    };
    let cert_bag = SafeBag {
        bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
        bag_value: CertBag {
            cert_id: pkcs12::PKCS_12_X509_CERT_OID,
            cert_value: OctetString::new(certificate_der)?,
        }
        .to_der()?,
        bag_attributes: Some(attributes),
    };

    let key_safe = Zeroizing::new(vec![key_bag].to_der()?);
    let cert_safe = vec![cert_bag].to_der()?;
    let scheme = EncryptionScheme::from(pbes2_parameters(rng)?);
    let encrypted_certs = scheme
        .encrypt(container_password.as_bytes(), &cert_safe)
        .map_err(|e| invalid(&format!("PBES2 encryption failed: {e}")))?;
    let encrypted_data = EncryptedData {
        version: CmsVersion::V0,
        enc_content_info: EncryptedContentInfo {
            content_type: ID_DATA,
            content_enc_alg: AlgorithmIdentifierOwned::from_der(&scheme.to_der()?)?,
            encrypted_content: Some(OctetString::new(encrypted_certs)?),
        },
        unprotected_attrs: None,
    };
    let authenticated_safe = vec![
        ContentInfo {
            content_type: ID_DATA,
            content: Any::encode_from(&OctetString::new(key_safe.as_slice())?)?,
        },
        ContentInfo {
            content_type: ID_ENCRYPTED_DATA,
            content: Any::encode_from(&encrypted_data)?,
        },
    ]
    .to_der()?;

    let mut mac_salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut mac_salt);
    let mac = mac_sha256(
        container_password,
        &mac_salt,
        ITERATIONS,
        &authenticated_safe,
    )?;
    let pfx = Pfx {
        version: Version::V3,
        auth_safe: ContentInfo {
            content_type: ID_DATA,
            content: Any::encode_from(&OctetString::new(authenticated_safe)?)?,
        },
        mac_data: Some(MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: ID_SHA256,
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(mac)?,
            },
            mac_salt: OctetString::new(mac_salt.as_slice())?,
            iterations: ITERATIONS as i32,
        }),
    };
    Ok(pfx.to_der()?)
}

/// Opens a PKCS#12 container: checks its HMAC-SHA-256 MAC with `container_password`,
/// decrypts PBES2 (PBKDF2-HMAC-SHA-256, AES-CBC) contents and returns the first shrouded key
/// (decrypted with `key_password`) and the first certificate. Other algorithms are refused.
pub fn read_pkcs12(
    der: &[u8],
    container_password: &str,
    key_password: &str,
) -> Result<Pkcs12Contents, CryptoError> {
    let pfx = Pfx::from_der(der).map_err(|_| invalid("not a DER PKCS#12 (PFX v3)"))?;
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(invalid("only password-integrity PKCS#12 is supported"));
    }
    let authenticated_safe = pfx.auth_safe.content.decode_as::<OctetString>()?;
    let mac_data = pfx
        .mac_data
        .ok_or_else(|| invalid("the PKCS#12 has no MAC"))?;
    if mac_data.mac.algorithm.oid != ID_SHA256 {
        return Err(invalid("only HMAC-SHA-256 PKCS#12 MACs are supported"));
    }
    let iterations = u32::try_from(mac_data.iterations)
        .ok()
        .filter(|n| (1..=10_000_000).contains(n))
        .ok_or_else(|| invalid("the PKCS#12 MAC iteration count is out of range"))?;
    let expected = mac_sha256(
        container_password,
        mac_data.mac_salt.as_bytes(),
        iterations,
        authenticated_safe.as_bytes(),
    )?;
    if !bool::from(expected.ct_eq(mac_data.mac.digest.as_bytes())) {
        return Err(CryptoError::DecryptionFailed);
    }

    let mut bags = Vec::new();
    for content in Vec::<ContentInfo>::from_der(authenticated_safe.as_bytes())? {
        let safe_contents = if content.content_type == ID_DATA {
            Zeroizing::new(
                content
                    .content
                    .decode_as::<OctetString>()?
                    .into_bytes()
                    .into_vec(),
            )
        } else if content.content_type == ID_ENCRYPTED_DATA {
            let encrypted = content.content.decode_as::<EncryptedData>()?;
            let info = encrypted.enc_content_info;
            let scheme_der = info.content_enc_alg.to_der()?;
            let scheme = EncryptionScheme::from_der(&scheme_der)
                .map_err(|_| invalid("unsupported PKCS#12 content encryption"))?;
            let ciphertext = info
                .encrypted_content
                .ok_or_else(|| invalid("an encrypted PKCS#12 content is empty"))?;
            Zeroizing::new(
                scheme
                    .decrypt(container_password.as_bytes(), ciphertext.as_bytes())
                    .map_err(|_| CryptoError::DecryptionFailed)?,
            )
        } else {
            return Err(invalid("unsupported PKCS#12 content type"));
        };
        bags.extend(Vec::<SafeBag>::from_der(&safe_contents)?);
    }

    let mut key = None;
    let mut alias = None;
    let mut certificate = None;
    for bag in bags {
        let value = bag_value(&bag)?;
        if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID && key.is_none() {
            let shrouded = EncryptedPrivateKeyInfoRef::try_from(value.as_slice())
                .map_err(|_| invalid("a PKCS#12 key bag is not an EncryptedPrivateKeyInfo"))?;
            let document = shrouded
                .decrypt(key_password.as_bytes())
                .map_err(|_| CryptoError::DecryptionFailed)?;
            key = Some(SecretBytes::new(document.as_bytes().to_vec()));
            alias = bag.bag_attributes.as_ref().and_then(friendly_name);
        } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID && certificate.is_none() {
            let cert_bag = CertBag::from_der(&value)?;
            if cert_bag.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                certificate = Some(cert_bag.cert_value.into_bytes().into_vec());
            }
        }
    }
    Ok(Pkcs12Contents {
        alias,
        private_key_pkcs8: key.ok_or_else(|| invalid("the PKCS#12 holds no shrouded key"))?,
        certificate_der: certificate
            .ok_or_else(|| invalid("the PKCS#12 holds no X.509 certificate"))?,
    })
}

/// The DER of a bag's value. The `pkcs12` crate decodes `bagValue` with its `[0]` wrapper
/// (and encodes it without), so the wrapper is removed here when present.
fn bag_value(bag: &SafeBag) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let outer = Any::from_der(&bag.bag_value)?;
    let wrapper = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    Ok(Zeroizing::new(if outer.tag() == wrapper {
        outer.value().to_vec()
    } else {
        bag.bag_value.clone()
    }))
}

/// PBES2 parameters: PBKDF2-HMAC-SHA-256 (`ITERATIONS`, random 20-byte salt), AES-256-CBC
/// with a random IV.
fn pbes2_parameters(rng: &mut impl CryptoRng) -> Result<pbes2::Parameters, CryptoError> {
    let mut salt = [0u8; SALT_LEN];
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(ITERATIONS, &salt, iv)
        .map_err(|e| invalid(&format!("PBES2 parameters: {e}")))
}

/// HMAC-SHA-256 of `data` under the RFC 7292 appendix B key for `password`.
fn mac_sha256(
    password: &str,
    salt: &[u8],
    iterations: u32,
    data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let rounds = i32::try_from(iterations).map_err(|_| invalid("iteration count too large"))?;
    let bmp = Zeroizing::new(bmp_password(password));
    let key = Zeroizing::new(derive_key::<Sha256>(
        &bmp,
        salt,
        Pkcs12KeyType::Mac,
        rounds,
        32,
    ));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
        .map_err(|_| invalid("HMAC key rejected"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// RFC 7292 B.1: the password as a BMPString (UTF-16BE code units, as Java's `char[]` and
/// OpenSSL's UTF-8 conversion give, supplementary characters as surrogate pairs) followed by
/// two zero bytes.
fn bmp_password(password: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    bytes.extend([0, 0]);
    bytes
}

/// `friendlyName` (BMPString) and `localKeyId` (OCTET STRING) bag attributes.
fn bag_attributes(alias: &str, local_key_id: &[u8]) -> Result<Attributes, CryptoError> {
    let name: Vec<u8> = alias.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let friendly = Attribute {
        oid: FRIENDLY_NAME,
        values: SetOfVec::try_from(vec![Any::new(Tag::BmpString, name)?])?,
    };
    let key_id = Attribute {
        oid: LOCAL_KEY_ID,
        values: SetOfVec::try_from(vec![Any::encode_from(&OctetString::new(local_key_id)?)?])?,
    };
    Ok(SetOfVec::try_from(vec![friendly, key_id])?)
}

/// The `friendlyName` attribute's value, decoded from its BMPString.
fn friendly_name(attributes: &Attributes) -> Option<String> {
    let value = attributes
        .iter()
        .find(|attribute| attribute.oid == FRIENDLY_NAME)?
        .values
        .iter()
        .next()?;
    if value.tag() != Tag::BmpString || value.value().len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = value
        .value()
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

fn invalid(message: &str) -> CryptoError {
    CryptoError::InvalidInput(format!("{message}."))
}

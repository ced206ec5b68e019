//! The stored form of a key: a versioned JSON document (binary fields in base64).

use super::KeyStoreError;
use crate::domain::{AddressFormat, Curve, KeyAlgorithm, KeyAttributes, PasswordHash, SecretBytes};
use serde::{Deserialize, Deserializer, Serialize};

/// A key as stored: material, attributes and bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's label (also the storage key).
    pub label: String,
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// Reported `keySize` (RSA modulus bits).
    pub key_size: Option<u32>,
    /// The named curve of an EC key.
    #[serde(default)]
    pub curve: Option<Curve>,
    /// Private key, PKCS#8 DER; for a symmetric key, the raw secret.
    #[serde(with = "secret_b64")]
    pub private_key: Option<SecretBytes>,
    /// Public key, DER SubjectPublicKeyInfo.
    #[serde(with = "bytes_b64")]
    pub public_key: Option<Vec<u8>>,
    /// Attributes with defaults applied.
    pub attributes: KeyAttributes,
    /// The SKA policy, typed (stored in the TSB's JSON form).
    #[serde(default, deserialize_with = "stored_policy")]
    pub policy: Option<crate::domain::Policy>,
    /// The key password's salted hash, if the key has one.
    pub password: Option<PasswordHash>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
    /// Whether the key was generated here or imported.
    #[serde(default)]
    pub origin: KeyOrigin,
    /// A certificate stored with the key (DER), if any.
    #[serde(default, with = "bytes_b64")]
    pub certificate: Option<Vec<u8>>,
    /// For a stateful (LMS, XMSS) key: the next one-time signature index. Reserved (and
    /// flushed) before a signature is computed, so an index is never used twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_signature_index: Option<u64>,
    /// The address format of a blockchain key (reference 6.13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_format: Option<AddressFormat>,
    /// The 32-byte chain code of a key that derives children (reported as `derivationValue`,
    /// reference 6.14).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "bytes_b64")]
    pub chain_code: Option<Vec<u8>>,
}

/// Where a key's material came from (the attestation XML's `creation` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KeyOrigin {
    /// Generated inside the emulated HSM.
    #[default]
    Generated,
    /// Imported in plain form.
    Imported,
}

/// The versioned envelope; a new layout gets a new variant and a migration in `decode`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "format")]
enum Stored<'a> {
    #[serde(rename = "key/1")]
    KeyV1(std::borrow::Cow<'a, KeyRecord>),
}

impl KeyRecord {
    /// Whether the key's SKA policy says it is blocked (`keyStatus.blocked`).
    pub fn is_blocked(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|policy| policy.key_status.blocked)
    }

    pub(super) fn encode(&self) -> Result<Vec<u8>, KeyStoreError> {
        serde_json::to_vec(&Stored::KeyV1(std::borrow::Cow::Borrowed(self))).map_err(|e| {
            KeyStoreError::Corrupt {
                name: self.label.clone(),
                reason: e.to_string(),
            }
        })
    }

    pub(super) fn decode(name: &str, bytes: &[u8]) -> Result<Self, KeyStoreError> {
        match serde_json::from_slice::<Stored<'_>>(bytes) {
            Ok(Stored::KeyV1(record)) => Ok(record.into_owned()),
            Err(e) => Err(KeyStoreError::Corrupt {
                name: name.to_owned(),
                reason: e.to_string(),
            }),
        }
    }
}

/// A stored policy: the typed form, or (records written before policies were typed) the body
/// exactly as the client sent it, parsed as `POST /v1/key` parses it.
fn stored_policy<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::domain::Policy>, D::Error> {
    let Some(value) = Option::<serde_json::Value>::deserialize(d)? else {
        return Ok(None);
    };
    match crate::domain::Policy::deserialize(&value) {
        Ok(policy) => Ok(Some(policy)),
        Err(_) => crate::domain::Policy::parse(&value)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

pub(super) mod bytes_b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => s.serialize_some(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| STANDARD.decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

pub(super) mod secret_b64 {
    use crate::domain::SecretBytes;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<SecretBytes>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(secret) => {
                let text = zeroize::Zeroizing::new(STANDARD.encode(secret.expose()));
                s.serialize_some(text.as_str())
            }
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretBytes>, D::Error> {
        Ok(super::bytes_b64::deserialize(d)?.map(SecretBytes::new))
    }
}

//! `approvalToBeSigned`: the approval token an approver signs (reference 13.2), built with the
//! emulator's integrity key and parsed back.
//!
//! ```text
//! token     = u32 length, then
//!             0x003B u32 operation (1 use, 2 block, 3 unblock, 4 modify)
//!             0x1002 key name (as given in the request, derivation path included)
//!             0x1054 HSM timestamp = u32 length, then
//!                      0x1057 use payload | 0x1058 modify payload (policy blob)
//!                      0x0107 u64 request creation, seconds since the epoch
//!                      0x1002 integrity-key label (e.g. `timestamp-key`)
//!             0x1056 DER SEQUENCE { AlgorithmIdentifier ecdsa-with-SHA256 (NULL parameters),
//!                                   BIT STRING (DER ECDSA P-256 signature over the whole
//!                                   0x1054 value, header included) }
//!             0x1057 | 0x1058 the payload record again
//! ```
//!
//! Uniqueness: nothing in the layout names the approver or the task. Every build signs the
//! HSM timestamp afresh with a hedged nonce (RFC 6979 with randomness from the given
//! generator), so two tasks of one request built separately carry different 0x1056 records and
//! so different blobs; with a seeded generator (`--deterministic`) they repeat run to run.

use super::ApprovalError;
use super::tlv::{Record, Writer, read_block, tag};
use crate::crypto::ec;
use crate::domain::{Curve, HashAlgorithm, Hashing, Operation, SignatureFormat};
use der::asn1::{BitString, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use rand::CryptoRng;
use spki::AlgorithmIdentifierOwned;

/// ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The operation code of an approval token (use 1 and modify 4 are observed; block 2 and
/// unblock 3 are presumed, reference 10).
pub fn operation_code(op: Operation) -> u32 {
    match op {
        Operation::Use => 1,
        Operation::Block => 2,
        Operation::Unblock => 3,
        Operation::Modify => 4,
    }
}

/// The operation an approval-token code names.
pub fn operation_of(code: u32) -> Option<Operation> {
    [
        Operation::Use,
        Operation::Block,
        Operation::Unblock,
        Operation::Modify,
    ]
    .into_iter()
    .find(|op| operation_code(*op) == code)
}

/// What an approval token is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalPayload {
    /// 0x1057: the bytes the request operates on (the sign payload, the ciphertext, ...).
    Use(Vec<u8>),
    /// 0x1058: the new policy as a policy blob ([`super::encode_policy`]).
    Modify(Vec<u8>),
}

impl ApprovalPayload {
    fn tag(&self) -> u16 {
        match self {
            Self::Use(_) => tag::USE_PAYLOAD,
            Self::Modify(_) => tag::MODIFY_PAYLOAD,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Use(bytes) | Self::Modify(bytes) => bytes,
        }
    }

    fn from_record(record: &Record<'_>) -> Option<Self> {
        match record.kind {
            tag::USE_PAYLOAD => Some(Self::Use(record.value.to_vec())),
            tag::MODIFY_PAYLOAD => Some(Self::Modify(record.value.to_vec())),
            _ => None,
        }
    }
}

/// The emulator's integrity key ("timestamp key"): P-256, signs HSM timestamps.
pub struct IntegrityKey<'a> {
    /// PKCS#8 DER of the P-256 private key.
    pub pkcs8: &'a [u8],
    /// The label written into every HSM timestamp (the docs show `timestamp-key`).
    pub label: &'a str,
}

/// The HSM timestamp of a token (record 0x1054).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsmTimestamp {
    /// The 0x1054 value exactly as signed (u32 header included): a task's level-4
    /// `timestamp`.
    pub raw: Vec<u8>,
    /// The request's creation, seconds since the epoch.
    pub created: u64,
    /// The integrity key's label.
    pub integrity_key: String,
    /// The 0x1056 value: DER `SEQUENCE { AlgorithmIdentifier, BIT STRING }`.
    pub signature_with_algorithm: Vec<u8>,
    /// The DER ECDSA signature inside it (a task's level-4 `timestampSignature`).
    pub signature: Vec<u8>,
}

/// A parsed approval token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalToken {
    /// The operation code's meaning.
    pub operation: Operation,
    /// The key name (an empty 0x1002 reads as `""`).
    pub key_name: String,
    /// The payload (the trailing record, which the timestamp's copy must equal).
    pub payload: ApprovalPayload,
    /// The HSM timestamp; `None` in the JCE's tokens for policies without timelock/timeout.
    pub timestamp: Option<HsmTimestamp>,
}

/// `SEQUENCE { AlgorithmIdentifier, BIT STRING }`, the form of every DER signature record.
#[derive(Sequence)]
pub(super) struct SignatureWithAlgorithm {
    pub(super) algorithm: AlgorithmIdentifierOwned,
    pub(super) signature: BitString,
}

/// Builds an `approvalToBeSigned`: the layout of the module documentation, signed by
/// `integrity` with a hedged nonce from `rng`.
pub fn build_approval_token(
    op: Operation,
    key_name: &str,
    payload: &ApprovalPayload,
    created: u64,
    integrity: &IntegrityKey<'_>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, ApprovalError> {
    let mut timestamp = Writer::default();
    timestamp
        .record(payload.tag(), payload.bytes())?
        .record(tag::CREATED, &created.to_le_bytes())?
        .record(tag::NAME, integrity.label.as_bytes())?;
    let timestamp = timestamp.finish()?;
    let signature = ec::sign(
        Curve::P256,
        integrity.pkcs8,
        &timestamp,
        Hashing::Hash(HashAlgorithm::Sha256),
        false,
        SignatureFormat::Der,
        rng,
    )?;
    let wrapped = SignatureWithAlgorithm {
        algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: Some(der::Any::from(der::AnyRef::from(der::asn1::Null))),
        },
        signature: BitString::from_bytes(&signature)?,
    }
    .to_der()?;
    let mut token = Writer::default();
    token
        .u32(tag::OPERATION, operation_code(op))?
        .record(tag::NAME, key_name.as_bytes())?
        .record(tag::HSM_TIMESTAMP, &timestamp)?
        .record(tag::DER_SIGNATURE, &wrapped)?
        .record(payload.tag(), payload.bytes())?;
    token.finish()
}

/// Parses an `approvalToBeSigned` (ours, the TSB's, or a JCE-style one without timestamp).
/// The structure is checked (the header, the records in the order of the layout, the
/// payload copies equal); the integrity signature is not (see [`verify_integrity`]).
pub fn parse_approval_token(bytes: &[u8]) -> Result<ApprovalToken, ApprovalError> {
    let records = read_block(bytes)?;
    let mut records = records.into_iter();
    let mut next = |what: &str| {
        records
            .next()
            .ok_or_else(|| ApprovalError::Malformed(format!("the token ends before its {what}")))
    };
    let operation = next("operation")?;
    expect(&operation, tag::OPERATION)?;
    let code = operation.u32()?;
    let operation = operation_of(code)
        .ok_or_else(|| ApprovalError::Malformed(format!("unknown operation code {code}")))?;
    let name = next("key name")?;
    expect(&name, tag::NAME)?;
    let key_name = name.text()?.to_owned();
    let record = next("payload")?;
    let (timestamp, payload_record) = if record.kind == tag::HSM_TIMESTAMP {
        let signature = next("integrity signature")?;
        expect(&signature, tag::DER_SIGNATURE)?;
        let payload = next("payload")?;
        (Some(timestamp_of(&record, &signature)?), payload)
    } else {
        (None, record)
    };
    let payload = ApprovalPayload::from_record(&payload_record).ok_or_else(|| {
        ApprovalError::Malformed(format!(
            "record {:#06x} where the payload belongs",
            payload_record.kind
        ))
    })?;
    if let Some(extra) = records.next() {
        return Err(ApprovalError::Malformed(format!(
            "record {:#06x} after the payload",
            extra.kind
        )));
    }
    if let Some(timestamp) = &timestamp {
        let inner = read_block(&timestamp.raw)?;
        let copy = inner.first().and_then(ApprovalPayload::from_record);
        if copy.as_ref() != Some(&payload) {
            return Err(ApprovalError::Malformed(
                "the timestamp's payload differs from the token's".to_owned(),
            ));
        }
    }
    Ok(ApprovalToken {
        operation,
        key_name,
        payload,
        timestamp,
    })
}

fn timestamp_of(
    record: &Record<'_>,
    signature: &Record<'_>,
) -> Result<HsmTimestamp, ApprovalError> {
    let inner = read_block(record.value)?;
    let [payload, created, label] = inner.as_slice() else {
        return Err(ApprovalError::Malformed(format!(
            "the HSM timestamp has {} records, not 3",
            inner.len()
        )));
    };
    if ApprovalPayload::from_record(payload).is_none() {
        return Err(ApprovalError::Malformed(
            "the HSM timestamp does not start with a payload".to_owned(),
        ));
    }
    expect(created, tag::CREATED)?;
    expect(label, tag::NAME)?;
    let wrapped = SignatureWithAlgorithm::from_der(signature.value)?;
    let signature_bytes = wrapped
        .signature
        .as_bytes()
        .ok_or_else(|| ApprovalError::Malformed("a signature of partial bytes".to_owned()))?;
    Ok(HsmTimestamp {
        raw: record.value.to_vec(),
        created: created.u64()?,
        integrity_key: label.text()?.to_owned(),
        signature_with_algorithm: signature.value.to_vec(),
        signature: signature_bytes.to_vec(),
    })
}

fn expect(record: &Record<'_>, kind: u16) -> Result<(), ApprovalError> {
    if record.kind == kind {
        Ok(())
    } else {
        Err(ApprovalError::Malformed(format!(
            "record {:#06x} where {kind:#06x} belongs",
            record.kind
        )))
    }
}

/// Whether `token`'s HSM timestamp carries a valid signature by the integrity key whose DER
/// SubjectPublicKeyInfo is `integrity_spki` (so the emulator issued it); `false` for a token
/// without timestamp.
pub fn verify_integrity(
    token: &ApprovalToken,
    integrity_spki: &[u8],
) -> Result<bool, ApprovalError> {
    let Some(timestamp) = &token.timestamp else {
        return Ok(false);
    };
    Ok(ec::verify(
        Curve::P256,
        integrity_spki,
        &timestamp.raw,
        Hashing::Hash(HashAlgorithm::Sha256),
        &timestamp.signature,
    )?)
}

//! The HSM's little-endian record layout (reference 13.2): a u32 header holding the length of
//! what follows, then records `u16 type, u16 length, value`, each value zero-padded to a
//! multiple of 4 bytes (the length excludes the padding).

use super::ApprovalError;

/// Record type codes seen in the documentation's samples (and, marked, the ones we chose).
pub mod tag {
    /// u32 operation code of an approval token (1 use, 2 block, 3 unblock, 4 modify).
    pub const OPERATION: u16 = 0x003B;
    /// A name, UTF-8: the key name of a token, the integrity-key label of an HSM timestamp,
    /// the name of a token, group or approver in a policy blob.
    pub const NAME: u16 = 0x1002;
    /// The HSM timestamp: a nested block (u32 header, payload, creation time, key label).
    pub const HSM_TIMESTAMP: u16 = 0x1054;
    /// A DER `SEQUENCE { AlgorithmIdentifier, BIT STRING signature }`.
    pub const DER_SIGNATURE: u16 = 0x1056;
    /// The use payload: the raw bytes the request operates on.
    pub const USE_PAYLOAD: u16 = 0x1057;
    /// The modify payload: a policy blob (u32 header, rule records).
    pub const MODIFY_PAYLOAD: u16 = 0x1058;
    /// u64 seconds since the epoch (the request's creation).
    pub const CREATED: u16 = 0x0107;
    /// Policy blob: `ruleUse` (a nested block of token records).
    pub const RULE_USE: u16 = 0x104E;
    /// Policy blob: `ruleBlock`.
    pub const RULE_BLOCK: u16 = 0x104F;
    /// Policy blob: `ruleUnblock`.
    pub const RULE_UNBLOCK: u16 = 0x1050;
    /// Policy blob: `ruleModify`.
    pub const RULE_MODIFY: u16 = 0x1051;
    /// Policy blob: u32 number of tokens of a rule.
    pub const TOKEN_COUNT: u16 = 0x0059;
    /// Policy blob: u32 minutes (a token's timelock, then its timeout).
    pub const MINUTES: u16 = 0x0055;
    /// Policy blob: u32 number of groups of a token.
    pub const GROUP_COUNT: u16 = 0x005A;
    /// Policy blob: u32 quorum of a group.
    pub const QUORUM: u16 = 0x005B;
    /// Policy blob: u32 number of approvers of a group.
    pub const APPROVER_COUNT: u16 = 0x0003;
    /// Policy blob: an approver's DER SubjectPublicKeyInfo. Also (our choice) the approver's
    /// key in a signed approval.
    pub const APPROVER_KEY: u16 = 0x1052;
    /// Signed approval (our choice): the approval token, as signed.
    pub const APPROVAL_TOKEN: u16 = 0x1053;
    /// Signed approval (our choice): the approver's DER certificate.
    pub const APPROVER_CERTIFICATE: u16 = 0x1055;
}

/// Builds a block: records appended in order, then [`Writer::finish`] adds the u32 header.
#[derive(Default)]
pub struct Writer(Vec<u8>);

impl Writer {
    /// Appends one record, padding its value to a multiple of 4 bytes.
    pub fn record(&mut self, kind: u16, value: &[u8]) -> Result<&mut Self, ApprovalError> {
        let length = u16::try_from(value.len()).map_err(|_| {
            ApprovalError::Malformed(format!(
                "a record of {} bytes does not fit the 16-bit length",
                value.len()
            ))
        })?;
        self.0.extend_from_slice(&kind.to_le_bytes());
        self.0.extend_from_slice(&length.to_le_bytes());
        self.0.extend_from_slice(value);
        self.0.resize(self.0.len().next_multiple_of(4), 0);
        Ok(self)
    }

    /// Appends a u32 record.
    pub fn u32(&mut self, kind: u16, value: u32) -> Result<&mut Self, ApprovalError> {
        self.record(kind, &value.to_le_bytes())
    }

    /// The block: u32 length of the records, then the records.
    pub fn finish(&self) -> Result<Vec<u8>, ApprovalError> {
        let length = u32::try_from(self.0.len())
            .map_err(|_| ApprovalError::Malformed("a block over 4 GiB".to_owned()))?;
        let mut block = Vec::with_capacity(4 + self.0.len());
        block.extend_from_slice(&length.to_le_bytes());
        block.extend_from_slice(&self.0);
        Ok(block)
    }
}

/// One record read from a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The type code.
    pub kind: u16,
    /// The value, without padding.
    pub value: &'a [u8],
}

impl<'a> Record<'a> {
    /// The value as a little-endian u32.
    pub fn u32(&self) -> Result<u32, ApprovalError> {
        <[u8; 4]>::try_from(self.value)
            .map(u32::from_le_bytes)
            .map_err(|_| self.wrong_size(4))
    }

    /// The value as a little-endian u64.
    pub fn u64(&self) -> Result<u64, ApprovalError> {
        <[u8; 8]>::try_from(self.value)
            .map(u64::from_le_bytes)
            .map_err(|_| self.wrong_size(8))
    }

    /// The value as UTF-8 text.
    pub fn text(&self) -> Result<&'a str, ApprovalError> {
        std::str::from_utf8(self.value).map_err(|_| {
            ApprovalError::Malformed(format!("record {:#06x} is not UTF-8", self.kind))
        })
    }

    fn wrong_size(&self, expected: usize) -> ApprovalError {
        ApprovalError::Malformed(format!(
            "record {:#06x} has {} bytes, not {expected}",
            self.kind,
            self.value.len()
        ))
    }
}

/// Splits a block (u32 header first) into its records. The header must equal the length of
/// the rest; the padding of the last record may be missing.
pub fn read_block(block: &[u8]) -> Result<Vec<Record<'_>>, ApprovalError> {
    let (header, rest) = block
        .split_first_chunk::<4>()
        .ok_or_else(|| ApprovalError::Malformed("a block shorter than its header".to_owned()))?;
    let declared = u32::from_le_bytes(*header) as usize;
    if declared != rest.len() {
        return Err(ApprovalError::Malformed(format!(
            "the header says {declared} bytes, {} follow",
            rest.len()
        )));
    }
    read_records(rest)
}

/// Splits a sequence of records (no header).
pub fn read_records(mut bytes: &[u8]) -> Result<Vec<Record<'_>>, ApprovalError> {
    let mut records = Vec::new();
    while !bytes.is_empty() {
        let (head, rest) = bytes
            .split_first_chunk::<4>()
            .ok_or_else(|| ApprovalError::Malformed("a truncated record header".to_owned()))?;
        let kind = u16::from_le_bytes([head[0], head[1]]);
        let length = usize::from(u16::from_le_bytes([head[2], head[3]]));
        if rest.len() < length {
            return Err(ApprovalError::Malformed(format!(
                "record {kind:#06x} says {length} bytes, {} remain",
                rest.len()
            )));
        }
        records.push(Record {
            kind,
            value: &rest[..length],
        });
        let padded = length.next_multiple_of(4).min(rest.len());
        bytes = &rest[padded..];
    }
    Ok(records)
}

//! Stored SKA requests (reference 5.3): what an asynchronous call submitted, its state and its
//! result, kept in the `requests` tree so pending and finished requests survive a restart.

use super::KeyStoreError;
use serde::{Deserialize, Serialize};

/// What a request asks the device to do (its submit endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestKind {
    /// `POST /v1/sign`.
    Sign,
    /// `POST /v1/decrypt`.
    Decrypt,
    /// `POST /v1/unwrap`.
    Unwrap,
    /// `POST /v1/block`.
    Block,
    /// `POST /v1/unblock`.
    Unblock,
    /// `POST /v1/modify`.
    Modify,
    /// `POST /v1/certificate/request`.
    CertificateRequest,
    /// `POST /v1/certificate/selfsign`.
    SelfSign,
    /// `POST /v1/certificate/sign`.
    SignCertificate,
    /// `POST /v1/approverManagement/restoreFromBackup/forgotPassword`: an unwrap with the
    /// approver-management backup key, answered `unwrapRequestId` (reference 14).
    ApproverRestore,
}

/// A request's state (`RequestStatus` of reference 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestStatus {
    /// Stored; approvals (or a timelock) outstanding.
    Pending,
    /// Approvals sufficient, waiting for a timelock.
    Approved,
    /// Done; `result` and `execution_time` set.
    Executed,
    /// The device refused it when it ran.
    Failed,
    /// A timeout passed before it could run.
    Expired,
    /// Approvers rejected it so that no token can be fulfilled.
    Rejected,
    /// Cancelled by `DELETE /v1/request/{id}` or by deleting the key.
    Cancelled,
}

impl RequestStatus {
    /// Whether the request can still change (pending or approved).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Approved)
    }
}

/// One stored request. `Debug` leaves out the envelope, which holds the key password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// The request id (a UUID v4 string).
    pub id: String,
    /// What it asks for.
    pub kind: RequestKind,
    /// The key it names, as the request gave it.
    pub key_name: String,
    /// Submission time, seconds since the Unix epoch (timelocks and timeouts count from it).
    pub created_at: u64,
    /// Its state.
    pub status: RequestStatus,
    /// When it ran, seconds since the Unix epoch.
    pub execution_time: Option<u64>,
    /// DER SPKIs of the approvers that approved.
    #[serde(with = "spki_list")]
    pub approved_by: Vec<Vec<u8>>,
    /// DER SPKIs of the approvers that can still approve.
    #[serde(with = "spki_list")]
    pub not_yet_approved_by: Vec<Vec<u8>>,
    /// DER SPKIs of the approvers that rejected.
    #[serde(with = "spki_list")]
    pub rejected_by: Vec<Vec<u8>>,
    /// The result as `GET /v1/request/{id}` reports it (reference 5.3).
    pub result: Option<String>,
    /// The envelope as submitted (what runs once the request is approved).
    #[serde(default)]
    pub envelope: serde_json::Value,
    /// The bytes the request operates on (a task's `payload`).
    #[serde(default, with = "bytes_b64")]
    pub payload: Vec<u8>,
    /// The payload's `payloadType`, if the request has one.
    #[serde(default)]
    pub payload_type: Option<String>,
    /// `metaData` and `metaDataSignature` as submitted.
    #[serde(default)]
    pub meta_data: Option<String>,
    /// See `meta_data`.
    #[serde(default)]
    pub meta_data_signature: Option<String>,
    /// One task per approver still asked (reference 13.1).
    #[serde(default)]
    pub tasks: Vec<TaskRecord>,
}

/// One approver's task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRecord {
    /// The task id (a UUID v4 string).
    pub id: String,
    /// The approver's DER SPKI.
    #[serde(with = "bytes_b64")]
    pub approver: Vec<u8>,
    /// `approvalToBeSigned`.
    #[serde(with = "bytes_b64")]
    pub token: Vec<u8>,
    /// When the task was made, seconds since the Unix epoch.
    pub created_at: u64,
    /// When the task was made, milliseconds since the Unix epoch (auto-decisions count from
    /// it); 0 in tasks stored before it existed, which count from `created_at`.
    #[serde(default)]
    pub created_at_ms: u64,
    /// When it was last returned to an approver (starts as the creation).
    pub last_fetched: u64,
}

impl std::fmt::Debug for RequestRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestRecord")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("key_name", &self.key_name)
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

/// The versioned envelope; a new layout gets a new variant and a migration in `decode`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "format")]
enum Stored {
    #[serde(rename = "request/1")]
    RequestV1(RequestRecord),
}

impl RequestRecord {
    pub(super) fn encode(&self) -> Result<Vec<u8>, KeyStoreError> {
        serde_json::to_vec(&Stored::RequestV1(self.clone())).map_err(|e| KeyStoreError::Corrupt {
            name: self.id.clone(),
            reason: e.to_string(),
        })
    }

    pub(super) fn decode(name: &str, bytes: &[u8]) -> Result<Self, KeyStoreError> {
        match serde_json::from_slice::<Stored>(bytes) {
            Ok(Stored::RequestV1(record)) => Ok(record),
            Err(e) => Err(KeyStoreError::Corrupt {
                name: name.to_owned(),
                reason: e.to_string(),
            }),
        }
    }
}

impl super::KeyStore {
    /// Stores a request, replacing any with its id; durable when it returns.
    pub fn request_put(&self, record: &RequestRecord) -> Result<(), KeyStoreError> {
        self.check()?;
        let bytes = record.encode()?;
        self.write(|| self.requests.insert(record.id.as_bytes(), &bytes))?;
        self.write(|| self.db.flush())?;
        Ok(())
    }

    /// The request with `id`.
    pub fn request_get(&self, id: &str) -> Result<Option<RequestRecord>, KeyStoreError> {
        self.requests
            .get(id.as_bytes())?
            .map(|bytes| RequestRecord::decode(id, &bytes))
            .transpose()
    }

    /// Every stored request, in id order.
    pub fn requests(&self) -> Result<Vec<RequestRecord>, KeyStoreError> {
        self.requests
            .entries()?
            .iter()
            .map(|(id, bytes)| RequestRecord::decode(&String::from_utf8_lossy(id), bytes))
            .collect()
    }

    /// Deletes every request (a reset).
    pub fn requests_clear(&self) -> Result<(), KeyStoreError> {
        self.check()?;
        self.write(|| self.requests.replace_all(Vec::new()))?;
        self.write(|| self.db.flush())?;
        Ok(())
    }
}

pub(super) mod bytes_b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        STANDARD
            .decode(String::deserialize(d)?)
            .map_err(serde::de::Error::custom)
    }
}

mod spki_list {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(value.iter().map(|der| STANDARD.encode(der)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|text| STANDARD.decode(text).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_out_the_envelope_and_its_password() {
        let record = RequestRecord {
            id: "r".to_owned(),
            kind: RequestKind::Sign,
            key_name: "k".to_owned(),
            created_at: 1,
            status: RequestStatus::Pending,
            execution_time: None,
            approved_by: Vec::new(),
            not_yet_approved_by: Vec::new(),
            rejected_by: Vec::new(),
            result: None,
            envelope: serde_json::json!({"signRequest": {"keyPassword": "hunter2-secret"}}),
            payload: b"p".to_vec(),
            payload_type: None,
            meta_data: None,
            meta_data_signature: None,
            tasks: Vec::new(),
        };
        let text = format!("{record:?}");
        assert!(!text.contains("hunter2"), "{text}");
        let decoded = RequestRecord::decode("r", &record.encode().unwrap()).unwrap();
        assert_eq!(decoded, record);
    }
}

//! The emulator's vocabulary: values parsed once at the HTTP edge and trusted everywhere below.
//!
//! Nothing here knows about HTTP, storage or cryptographic libraries; `api` builds these types
//! from request DTOs, and `hsm`, `keystore` and `crypto` consume them without re-validating.

mod attributes;
mod blockchain;
mod certificate;
mod cipher;
mod curve;
mod key;
mod label;
mod password;
mod policy;
mod pqc;
mod secret;
mod signature;
mod time;

pub use attributes::{KeyAttributes, RequestedAttributes};
pub use blockchain::{AddressFormat, DerivationPath, HARDENED, derivation_type};
pub use certificate::{CertSignatureAlgorithm, ExtendedKeyUsage, KeyUsage, SubjectAttributes};
pub use cipher::{CipherAlgorithm, WrapMethod};
pub use curve::Curve;
pub use key::{KeyAlgorithm, KeySpec, RsaBits};
pub use label::{Label, LabelError};
pub use password::{Password, PasswordHash};
pub(crate) use policy::xml_escape;
pub use policy::{
    Approval, ApprovalKind, ApproverKeyType, Evaluation, Group, KeyStatus, ModifyPolicy, Operation,
    Policy, PolicyError, Rule, Token, approver_key_type,
};
pub use pqc::{
    HSS_LMS_OID, LmsHeight, MlDsaParams, MlKemParams, PreHash, SlhDsaParams, XmssParams,
};
pub use secret::SecretBytes;
pub use signature::{HashAlgorithm, Hashing, SignatureAlgorithm, SignatureFormat, SignatureScheme};
pub use time::Timestamp;

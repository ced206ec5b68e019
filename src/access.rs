//! Who may call which path, as the TSB decides it (reference 3): API-key groups per path with
//! the tolerances of 3.3, and bearer tokens (a fixed list or JWTs). Pure decisions: no HTTP
//! types here; `api::auth` turns them into responses.
//!
//! Keys and tokens are kept only as SHA-256 digests and compared in constant time, so neither
//! their value nor (through timing) their length leaks, and `Debug` shows only counts.

use crate::crypto::jwt::{self, JwtKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use subtle::ConstantTimeEq;

/// An API-key group of the TSB's `apiAuthentication` configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyGroup {
    /// `keyManagementToken`: key creation, listing, attributes, import/export, attestation.
    KeyManagement,
    /// `keyOperationToken`: signing, encryption, wrapping, certificates, requests.
    KeyOperation,
    /// `serviceToken`: version, licence, statistics, HSM log.
    Service,
    /// `approverToken`: approval tasks and approvals.
    Approver,
    /// `approverKeyManagementToken`: approver management.
    ApproverKeyManagement,
}

impl ApiKeyGroup {
    /// Every group, in the order of reference 3.2.
    pub const ALL: [Self; 5] = [
        Self::KeyManagement,
        Self::KeyOperation,
        Self::Service,
        Self::Approver,
        Self::ApproverKeyManagement,
    ];

    /// The name used in flags and environment variables (`KEY_MANAGEMENT`, ...).
    pub fn env_name(self) -> &'static str {
        match self {
            Self::KeyManagement => "KEY_MANAGEMENT",
            Self::KeyOperation => "KEY_OPERATION",
            Self::Service => "SERVICE",
            Self::Approver => "APPROVER",
            Self::ApproverKeyManagement => "APPROVER_KEY_MANAGEMENT",
        }
    }

    /// The TSB configuration name (`keyManagementToken`, ...).
    pub fn config_name(self) -> &'static str {
        match self {
            Self::KeyManagement => "keyManagementToken",
            Self::KeyOperation => "keyOperationToken",
            Self::Service => "serviceToken",
            Self::Approver => "approverToken",
            Self::ApproverKeyManagement => "approverKeyManagementToken",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::KeyManagement => 0,
            Self::KeyOperation => 1,
            Self::Service => 2,
            Self::Approver => 3,
            Self::ApproverKeyManagement => 4,
        }
    }
}

impl FromStr for ApiKeyGroup {
    type Err = String;

    /// Accepts the environment names (any case, `-` for `_`) and the TSB configuration names.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let normalized = name.trim().replace('-', "_").to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|group| {
                group.env_name() == normalized
                    || group.config_name().eq_ignore_ascii_case(name.trim())
            })
            .ok_or_else(|| {
                format!(
                    "unknown API-key group {name:?}; use KEY_MANAGEMENT, KEY_OPERATION, SERVICE, APPROVER or APPROVER_KEY_MANAGEMENT"
                )
            })
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDenied {
    /// The path needs an API key and `X-API-KEY` is absent or empty (416).
    MissingApiKey,
    /// The API key is not one of the path's groups' keys (631).
    InvalidApiKey,
    /// Bearer tokens are required and `Authorization: Bearer` is absent (406).
    MissingAccessToken,
    /// The bearer token is not accepted (617); the text says why, without token content.
    InvalidAccessToken(String),
}

/// A secret's SHA-256: what the policy keeps instead of the secret itself.
type SecretDigest = [u8; 32];

fn digest(secret: &[u8]) -> SecretDigest {
    Sha256::digest(secret).into()
}

/// Whether `presented` is one of `accepted`: every candidate is compared (no early exit), each
/// in constant time.
fn contains(accepted: &[SecretDigest], presented: &[u8]) -> bool {
    let presented = digest(presented);
    accepted
        .iter()
        .fold(subtle::Choice::from(0), |found, candidate| {
            found | candidate.ct_eq(&presented)
        })
        .into()
}

/// Clock-skew tolerance on `exp`/`nbf` (Spring Security's default).
pub const JWT_LEEWAY_SECONDS: u64 = 60;

/// The access policy, built once from the configuration. [`AccessPolicy::default`] is a fresh
/// TSB: everything open.
#[derive(Clone, Default)]
pub struct AccessPolicy {
    api_keys: [Vec<SecretDigest>; 5],
    bearer_tokens: Vec<SecretDigest>,
    jwt_key: Option<JwtKey>,
    control_token: Option<SecretDigest>,
}

impl fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts: Vec<(&str, usize)> = ApiKeyGroup::ALL
            .iter()
            .map(|group| (group.config_name(), self.api_keys[group.index()].len()))
            .collect();
        f.debug_struct("AccessPolicy")
            .field("api_keys", &counts)
            .field("bearer_tokens", &self.bearer_tokens.len())
            .field("jwt_key", &self.jwt_key)
            .field("control_token", &self.control_token.is_some())
            .finish()
    }
}

impl AccessPolicy {
    /// Adds an API key to `group` (empty keys are ignored).
    pub fn add_api_key(&mut self, group: ApiKeyGroup, key: &str) {
        if !key.is_empty() {
            self.api_keys[group.index()].push(digest(key.as_bytes()));
        }
    }

    /// Accepts a fixed bearer token (empty tokens are ignored).
    pub fn add_bearer_token(&mut self, token: &str) {
        if !token.is_empty() {
            self.bearer_tokens.push(digest(token.as_bytes()));
        }
    }

    /// Accepts JWTs signed with `key`.
    pub fn set_jwt_key(&mut self, key: JwtKey) {
        self.jwt_key = Some(key);
    }

    /// Makes the control API require `token` (an empty token is ignored).
    pub fn set_control_token(&mut self, token: &str) {
        if !token.is_empty() {
            self.control_token = Some(digest(token.as_bytes()));
        }
    }

    /// Whether the control API needs a token.
    pub fn control_token_enabled(&self) -> bool {
        self.control_token.is_some()
    }

    /// Decides a control-API call carrying `presented` (`None`: no token sent); open when
    /// no control token is configured. Compared in constant time, as API keys are.
    pub fn check_control(&self, presented: Option<&[u8]>) -> Result<(), AccessDenied> {
        let Some(token) = &self.control_token else {
            return Ok(());
        };
        match presented {
            None | Some([]) => Err(AccessDenied::MissingAccessToken),
            Some(presented) if contains(std::slice::from_ref(token), presented) => Ok(()),
            Some(_) => Err(AccessDenied::InvalidAccessToken(
                "the control token is not the configured one".into(),
            )),
        }
    }

    /// Whether any API key is configured (API-key authentication is on).
    pub fn api_keys_enabled(&self) -> bool {
        self.api_keys.iter().any(|keys| !keys.is_empty())
    }

    /// Whether bearer tokens are required.
    pub fn bearer_enabled(&self) -> bool {
        !self.bearer_tokens.is_empty() || self.jwt_key.is_some()
    }

    /// Decides a request to `path`, which keys of `groups` open (the route table's answer;
    /// empty when no group protects it), carrying `api_key` (`X-API-KEY`) and `bearer` (the
    /// token after `Bearer `, `None` when there is no bearer authorization), at `now` (Unix
    /// seconds). Bearer tokens guard every TSB path (`/v1/`); the bearer token is checked
    /// first, then the API key.
    pub fn check(
        &self,
        path: &str,
        groups: &[ApiKeyGroup],
        api_key: Option<&[u8]>,
        bearer: Option<&str>,
        now: u64,
    ) -> Result<(), AccessDenied> {
        if self.bearer_enabled() && path.starts_with("/v1/") {
            self.check_bearer(bearer, now)?;
        }
        let accepted: Vec<SecretDigest> = groups
            .iter()
            .flat_map(|group| self.api_keys[group.index()].iter().copied())
            .collect();
        // A group without keys leaves its paths open, so enabling service keys alone does not
        // lock every other client out.
        if accepted.is_empty() {
            return Ok(());
        }
        match api_key {
            None | Some([]) => Err(AccessDenied::MissingApiKey),
            Some(key) if contains(&accepted, key) => Ok(()),
            Some(_) => Err(AccessDenied::InvalidApiKey),
        }
    }

    fn check_bearer(&self, bearer: Option<&str>, now: u64) -> Result<(), AccessDenied> {
        let token = match bearer {
            Some(token) if !token.is_empty() => token,
            _ => return Err(AccessDenied::MissingAccessToken),
        };
        if contains(&self.bearer_tokens, token.as_bytes()) {
            return Ok(());
        }
        match &self.jwt_key {
            Some(key) => jwt::verify(token, key, now, JWT_LEEWAY_SECONDS)
                .map(|_| ())
                .map_err(|error| AccessDenied::InvalidAccessToken(error.to_string())),
            None => Err(AccessDenied::InvalidAccessToken(
                "the bearer token is not one of the accepted tokens".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApiKeyGroup::*;

    #[test]
    fn group_names_parse_in_both_spellings() {
        for group in ApiKeyGroup::ALL {
            assert_eq!(group.env_name().parse(), Ok(group));
            assert_eq!(group.config_name().parse(), Ok(group));
        }
        assert_eq!("key-operation".parse(), Ok(KeyOperation));
        assert!("KEYS".parse::<ApiKeyGroup>().is_err());
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let mut policy = AccessPolicy::default();
        policy.add_api_key(Service, "s3cr3t-service-key");
        policy.add_bearer_token("s3cr3t-token");
        let debug = format!("{policy:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("serviceToken\", 1"), "{debug}");
    }
}

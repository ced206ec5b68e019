//! Secrets on the command line (API keys, tokens, JWT keys): their redacted type, their
//! checks at start, and the access policy they make.

use super::Config;
use crate::access::{AccessPolicy, ApiKeyGroup};
use crate::crypto::jwt::JwtKey;
use std::fmt;
use std::str::FromStr;

/// Shortest `--jwt-hs256-secret` accepted: a key as long as the hash (RFC 7518 3.2).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// A secret given on the command line or in the environment: redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.trim().to_owned()))
    }
}

/// One `--api-key GROUP=KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyArg {
    /// The group.
    pub group: ApiKeyGroup,
    /// The key.
    pub key: Secret,
}

impl FromStr for ApiKeyArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (group, key) = text
            .split_once('=')
            .ok_or_else(|| "expected GROUP=KEY, e.g. SERVICE=my-key".to_owned())?;
        let key = key.trim();
        if key.is_empty() {
            return Err("the key after GROUP= is empty".into());
        }
        Ok(Self {
            group: group.parse()?,
            key: Secret(key.to_owned()),
        })
    }
}

impl Config {
    /// The access policy these flags describe; an error names the unreadable key file.
    pub fn access_policy(&self) -> Result<AccessPolicy, String> {
        self.check_secrets()?;
        let mut policy = AccessPolicy::default();
        if let Some(token) = &self.control_token {
            policy.set_control_token(token.expose());
        }
        for arg in &self.api_keys {
            policy.add_api_key(arg.group, arg.key.expose());
        }
        for (group, _, keys) in self.key_groups() {
            for key in keys {
                policy.add_api_key(group, key.expose());
            }
        }
        for token in &self.bearer_tokens {
            policy.add_bearer_token(token.expose());
        }
        match (&self.jwt_hs256_secret, &self.jwt_public_key) {
            (Some(_), Some(_)) => {
                return Err("give either --jwt-hs256-secret or --jwt-public-key, not both".into());
            }
            (Some(secret), None) => policy.set_jwt_key(JwtKey::hs256(secret.expose().as_bytes())),
            (None, Some(path)) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read --jwt-public-key {}: {e}", path.display()))?;
                let key = JwtKey::from_public_key(&bytes)
                    .map_err(|e| format!("--jwt-public-key {}: {e}", path.display()))?;
                policy.set_jwt_key(key);
            }
            (None, None) => {}
        }
        Ok(policy)
    }

    /// Refuses empty secrets and HS256 secrets too short to resist guessing: an empty
    /// `--jwt-hs256-secret` would accept any token HMAC-ed with the empty key, an empty
    /// `--bearer-token` would silently leave bearer auth off (issue 22).
    fn check_secrets(&self) -> Result<(), String> {
        let groups = self
            .key_groups()
            .into_iter()
            .map(|(_, name, keys)| (name, keys))
            .chain([(
                "--bearer-token (TSB_EMULATOR_BEARER_TOKENS)",
                &self.bearer_tokens,
            )]);
        for (name, secrets) in groups {
            if secrets.iter().any(|secret| secret.expose().is_empty()) {
                return Err(format!(
                    "{name}: an empty value is not a secret; give a non-empty one or leave it unset"
                ));
            }
        }
        if let Some(secret) = &self.jwt_hs256_secret
            && secret.expose().len() < MIN_HS256_SECRET_BYTES
        {
            return Err(format!(
                "--jwt-hs256-secret (TSB_EMULATOR_JWT_HS256_SECRET) has {} bytes; HS256 needs at least {MIN_HS256_SECRET_BYTES} (RFC 7518 3.2)",
                secret.expose().len()
            ));
        }
        if self
            .control_token
            .as_ref()
            .is_some_and(|token| token.expose().is_empty())
        {
            return Err(
                "--control-token (TSB_EMULATOR_CONTROL_TOKEN) is empty; give a non-empty one or leave it unset"
                    .into(),
            );
        }
        Ok(())
    }

    /// The per-group API-key lists (`--api-keys-*`), each with the variable that sets it.
    fn key_groups(&self) -> [(ApiKeyGroup, &'static str, &Vec<Secret>); 5] {
        [
            (
                ApiKeyGroup::KeyManagement,
                "TSB_EMULATOR_API_KEY_KEY_MANAGEMENT",
                &self.api_keys_key_management,
            ),
            (
                ApiKeyGroup::KeyOperation,
                "TSB_EMULATOR_API_KEY_KEY_OPERATION",
                &self.api_keys_key_operation,
            ),
            (
                ApiKeyGroup::Service,
                "TSB_EMULATOR_API_KEY_SERVICE",
                &self.api_keys_service,
            ),
            (
                ApiKeyGroup::Approver,
                "TSB_EMULATOR_API_KEY_APPROVER",
                &self.api_keys_approver,
            ),
            (
                ApiKeyGroup::ApproverKeyManagement,
                "TSB_EMULATOR_API_KEY_APPROVER_KEY_MANAGEMENT",
                &self.api_keys_approver_key_management,
            ),
        ]
    }
}

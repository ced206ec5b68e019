//! Key attributes (TSB reference section 6.3): what a key may be used for.

use serde::{Deserialize, Serialize};

/// The attributes a client asked for, after the required ones were checked.
///
/// `decrypt`, `sign` and `unwrap` are mandatory in the TSB's request DTO; the others are
/// optional and get the defaults of section 6.3 in [`KeyAttributes::from_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestedAttributes {
    /// May decrypt (required).
    pub decrypt: bool,
    /// May sign (required).
    pub sign: bool,
    /// May unwrap (required).
    pub unwrap: bool,
    /// May encrypt.
    pub encrypt: Option<bool>,
    /// May verify.
    pub verify: Option<bool>,
    /// May wrap other keys.
    pub wrap: Option<bool>,
    /// Derivation allowed (default false).
    pub derive: Option<bool>,
    /// BIP32 derivation (default false).
    pub bip32: Option<bool>,
    /// SLIP-10 derivation (default false).
    pub slip10: Option<bool>,
    /// Exportable (default false).
    pub extractable: Option<bool>,
    /// Attributes may be changed later (default true).
    pub modifiable: Option<bool>,
    /// May be deleted (default false, as in the server DTO).
    pub destroyable: Option<bool>,
    /// Plaintext export forbidden (default true).
    pub sensitive: Option<bool>,
    /// May be stored externally (default false).
    pub copyable: Option<bool>,
}

/// The attributes a key has, with every default applied. Stored with the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttributes {
    /// May decrypt.
    pub decrypt: bool,
    /// May sign.
    pub sign: bool,
    /// May unwrap.
    pub unwrap: bool,
    /// May encrypt (`None`: not set, as the TSB reports it).
    pub encrypt: Option<bool>,
    /// May verify (`None`: not set).
    pub verify: Option<bool>,
    /// May wrap (`None`: not set).
    pub wrap: Option<bool>,
    /// Derivation allowed.
    pub derive: bool,
    /// BIP32 derivation.
    pub bip32: bool,
    /// SLIP-10 derivation.
    pub slip10: bool,
    /// Exportable.
    pub extractable: bool,
    /// Attributes may be changed.
    pub modifiable: bool,
    /// May be deleted.
    pub destroyable: bool,
    /// Plaintext export forbidden.
    pub sensitive: bool,
    /// May be stored externally.
    pub copyable: bool,
}

impl KeyAttributes {
    /// Applies the defaults of reference section 6.3 to a request.
    pub fn from_request(requested: RequestedAttributes) -> Self {
        Self {
            decrypt: requested.decrypt,
            sign: requested.sign,
            unwrap: requested.unwrap,
            encrypt: requested.encrypt,
            verify: requested.verify,
            wrap: requested.wrap,
            derive: requested.derive.unwrap_or(false),
            bip32: requested.bip32.unwrap_or(false),
            slip10: requested.slip10.unwrap_or(false),
            extractable: requested.extractable.unwrap_or(false),
            modifiable: requested.modifiable.unwrap_or(true),
            destroyable: requested.destroyable.unwrap_or(false),
            sensitive: requested.sensitive.unwrap_or(true),
            copyable: requested.copyable.unwrap_or(false),
        }
    }

    /// `alwaysSensitive` as reported for a key that was `generated` here (else imported or
    /// unwrapped): a generated key created sensitive (attributes are never loosened in this
    /// emulator). An imported or unwrapped key was known outside the device, so it is never
    /// "always sensitive", as PKCS#11 has it and the TSB documentation's unwrap sample shows.
    pub fn always_sensitive(&self, generated: bool) -> bool {
        generated && self.sensitive
    }

    /// `neverExtractable` as reported, by the same rule as [`always_sensitive`](Self::always_sensitive).
    pub fn never_extractable(&self, generated: bool) -> bool {
        generated && !self.extractable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_reference() {
        let attributes = KeyAttributes::from_request(RequestedAttributes {
            sign: true,
            ..Default::default()
        });
        assert!(attributes.sign && !attributes.decrypt && !attributes.unwrap);
        assert!(attributes.modifiable, "modifiable defaults to true");
        assert!(!attributes.destroyable, "destroyable defaults to false");
        assert!(attributes.sensitive, "sensitive null means true");
        assert!(!attributes.extractable && attributes.never_extractable(true));
        assert!(!attributes.never_extractable(false) && !attributes.always_sensitive(false));
        assert_eq!(attributes.encrypt, None);
    }
}

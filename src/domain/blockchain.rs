//! Blockchain key properties: the address format of a key (reference 6.13) and its derivation
//! type (6.3, 6.14).

use super::{KeyAlgorithm, KeyAttributes};
use std::fmt;

/// The bit that marks a hardened index (written `'` in a path).
pub const HARDENED: u32 = 1 << 31;

/// The address formats `addressFormat.format` names (reference 6.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AddressFormat {
    /// Bitcoin: HASH160 of the compressed public key (the P2WPKH witness program).
    #[serde(rename = "BTC")]
    Btc,
    /// Ethereum: the last 20 bytes of Keccak-256 over the uncompressed point's `X || Y`.
    #[serde(rename = "ETH")]
    Eth,
    /// Stellar: the Ed25519 public key (the payload of the `G…` StrKey).
    #[serde(rename = "XLM")]
    Xlm,
    /// XRP Ledger: the account id, HASH160 of the secp256k1 or `0xED`-prefixed Ed25519 key.
    #[serde(rename = "XRP")]
    Xrp,
    /// IOTA (encoding undocumented; no address is computed).
    #[serde(rename = "IOTA")]
    Iota,
}

impl AddressFormat {
    /// Every format, in the reference's order.
    pub const ALL: [AddressFormat; 5] = [Self::Btc, Self::Eth, Self::Xlm, Self::Xrp, Self::Iota];

    /// The wire name (`BTC`, `ETH`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Btc => "BTC",
            Self::Eth => "ETH",
            Self::Xlm => "XLM",
            Self::Xrp => "XRP",
            Self::Iota => "IOTA",
        }
    }

    /// The format named `name` (exact spelling).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The `derivationType` a key reports, from the matrix of reference 6.3 (`None`: no
/// derivation). EC: any of `bip32`/`slip10` set is `SLIP-10`; ED: `bip32` alone is `ADA`, with
/// `slip10` `ADA/SLIP-10`.
pub fn derivation_type(
    algorithm: KeyAlgorithm,
    attributes: &KeyAttributes,
) -> Option<&'static str> {
    if !attributes.derive || !(attributes.bip32 || attributes.slip10) {
        return None;
    }
    match algorithm {
        KeyAlgorithm::Ec => Some("SLIP-10"),
        KeyAlgorithm::Ed if attributes.slip10 => Some("ADA/SLIP-10"),
        KeyAlgorithm::Ed => Some("ADA"),
        _ => None,
    }
}

/// A derivation path: indices separated by `/`, `'` (or `h`) marks a hardened one, no `m/`
/// prefix (reference 6.14); `m/` is tolerated as the BIP32 notation.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    /// Parses `44'/60'/0'/0/0`; `None` for an empty element, a number above 2^31 - 1 or junk.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.strip_prefix("m/").unwrap_or(text);
        let mut indices = Vec::new();
        for element in text.split('/') {
            let (digits, hardened) = match element.strip_suffix(['\'', 'h', 'H']) {
                Some(digits) => (digits, true),
                None => (element, false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let index: u32 = digits.parse().ok()?;
            if index >= HARDENED {
                return None;
            }
            indices.push(if hardened { index | HARDENED } else { index });
        }
        Some(Self(indices))
    }

    /// The indices, hardened ones with [`HARDENED`] set.
    pub fn indices(&self) -> &[u32] {
        &self.0
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, index) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            if index & HARDENED != 0 {
                write!(f, "{}'", index & !HARDENED)?;
            } else {
                write!(f, "{index}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivationPath({self})")
    }
}

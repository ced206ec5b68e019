//! Key labels: the name by which every TSB operation addresses a key.

use std::fmt;

/// The longest label accepted, in bytes of UTF-8.
///
/// The TSB documents no limit; PKCS#11 labels on the Primus HSM are bounded, and no real
/// client uses labels anywhere near this long, so 255 keeps storage keys small.
pub const MAX_LABEL_BYTES: usize = 255;

/// A validated key label.
///
/// Rules (the TSB's own are undocumented, see `docs/decisions.md`): 1 to 255 bytes, no
/// control characters, no Unicode direction overrides, no `/` (the TSB reads `/` as a
/// derivation path) or `\`, and not `.` or `..`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

/// Why a string is not a valid label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// The label is empty (or absent).
    #[error("the key name must not be empty")]
    Empty,
    /// The label exceeds `MAX_LABEL_BYTES` (255).
    #[error("the key name is longer than {MAX_LABEL_BYTES} bytes")]
    TooLong,
    /// The label contains a character the emulator refuses.
    #[error("the key name contains a forbidden character ({0})")]
    ForbiddenCharacter(&'static str),
    /// The label is `.` or `..`.
    #[error("the key name must not be '.' or '..'")]
    DotName,
}

impl Label {
    /// Validates `raw` as a key label.
    pub fn parse(raw: &str) -> Result<Self, LabelError> {
        if raw.is_empty() {
            return Err(LabelError::Empty);
        }
        if raw.len() > MAX_LABEL_BYTES {
            return Err(LabelError::TooLong);
        }
        if raw == "." || raw == ".." {
            return Err(LabelError::DotName);
        }
        for c in raw.chars() {
            let why = match c {
                '/' => Some("'/' denotes a derivation path"),
                '\\' => Some("backslash"),
                c if c.is_control() => Some("control character"),
                '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                    Some("Unicode direction override")
                }
                _ => None,
            };
            if let Some(why) = why {
                return Err(LabelError::ForbiddenCharacter(why));
            }
        }
        Ok(Self(raw.to_owned()))
    }

    /// The label of a persisted child key (`POST /v1/derivedKey`): `master/<path>`, the one
    /// form in which a label holds `/` (the path is canonical, so the name is too).
    pub fn derived(master: &Label, path: &super::DerivationPath) -> Self {
        Self(format!("{}/{path}", master.0))
    }

    /// A stored label: a [`Label::parse`] label, or a persisted child's `master/<path>` in
    /// its canonical form (what [`Label::derived`] makes).
    pub fn parse_stored(raw: &str) -> Result<Self, LabelError> {
        match raw.split_once('/') {
            None => Self::parse(raw),
            Some((master, path)) => {
                let master = Self::parse(master)?;
                super::DerivationPath::parse(path)
                    .map(|path| Self::derived(&master, &path))
                    .filter(|label| label.0 == raw)
                    .ok_or(LabelError::ForbiddenCharacter(
                        "'/' denotes a derivation path",
                    ))
            }
        }
    }

    /// The label as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Label({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_labels_are_accepted() {
        for ok in [
            "sub_certificate_key",
            "a",
            "key-1.2",
            "Schlüssel",
            "with space",
        ] {
            assert_eq!(Label::parse(ok).map(|l| l.0), Ok(ok.to_owned()));
        }
        assert!(Label::parse(&"x".repeat(MAX_LABEL_BYTES)).is_ok());
    }

    #[test]
    fn hostile_labels_are_refused() {
        assert_eq!(Label::parse(""), Err(LabelError::Empty));
        assert_eq!(Label::parse(&"x".repeat(256)), Err(LabelError::TooLong));
        assert_eq!(Label::parse(".."), Err(LabelError::DotName));
        for bad in [
            "a/b",
            "a\\b",
            "nul\0",
            "line\nbreak",
            "bidi\u{202E}",
            "iso\u{2066}",
        ] {
            assert!(
                matches!(Label::parse(bad), Err(LabelError::ForbiddenCharacter(_))),
                "{bad:?}"
            );
        }
    }
}

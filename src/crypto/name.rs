//! X.500 subject names as the TSB encodes them (Java's `X500Name` conventions).
//!
//! Observed in a real TSB CSR: one attribute per RDN, in the order C, ST, L, O, OU, CN, every
//! value a PrintableString. Java picks PrintableString when the value allows it and
//! UTF8String otherwise; emailAddress is always an IA5String and C always a PrintableString.

use super::CryptoError;
use crate::domain::SubjectAttributes;
use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Tag};
use spki::ObjectIdentifier;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// How a value must be encoded.
#[derive(Clone, Copy)]
enum Kind {
    /// PrintableString if every character allows it, UTF8String otherwise.
    Directory,
    /// Must be a PrintableString (country).
    Printable,
    /// Must be an IA5String (emailAddress).
    Ia5,
}

/// The subject attributes in encoding order: the observed six in the observed order, then
/// organizationIdentifier after O, then the remaining attributes after CN in the order of
/// the TSB's request DTO (see `docs/decisions.md`).
fn ordered(subject: &SubjectAttributes) -> [(&'static str, &'static str, Kind, Option<&str>); 14] {
    [
        (
            "2.5.4.6",
            "country",
            Kind::Printable,
            subject.country.as_deref(),
        ),
        (
            "2.5.4.8",
            "stateOrProvinceName",
            Kind::Directory,
            subject.state_or_province_name.as_deref(),
        ),
        (
            "2.5.4.7",
            "locality",
            Kind::Directory,
            subject.locality.as_deref(),
        ),
        (
            "2.5.4.10",
            "organizationName",
            Kind::Directory,
            subject.organization_name.as_deref(),
        ),
        (
            "2.5.4.97",
            "organizationIdentifier",
            Kind::Directory,
            subject.organization_identifier.as_deref(),
        ),
        (
            "2.5.4.11",
            "organizationUnitName",
            Kind::Directory,
            subject.organization_unit_name.as_deref(),
        ),
        (
            "2.5.4.3",
            "commonName",
            Kind::Directory,
            Some(subject.common_name.as_str()),
        ),
        (
            "1.2.840.113549.1.9.1",
            "email",
            Kind::Ia5,
            subject.email.as_deref(),
        ),
        (
            "2.5.4.12",
            "title",
            Kind::Directory,
            subject.title.as_deref(),
        ),
        (
            "2.5.4.4",
            "surname",
            Kind::Directory,
            subject.surname.as_deref(),
        ),
        (
            "2.5.4.42",
            "givenName",
            Kind::Directory,
            subject.given_name.as_deref(),
        ),
        (
            "2.5.4.43",
            "initials",
            Kind::Directory,
            subject.initials.as_deref(),
        ),
        (
            "2.5.4.65",
            "pseudonym",
            Kind::Directory,
            subject.pseudonym.as_deref(),
        ),
        (
            "2.5.4.44",
            "generationQualifier",
            Kind::Directory,
            subject.generation_qualifier.as_deref(),
        ),
    ]
}

/// Whether `value` fits the PrintableString alphabet (X.680 41.4).
fn is_printable(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// Whether `c` is a control character (C0, DEL or C1): a NUL in a subject truncates it for C
/// readers, so a certificate with one names someone else to them (issue 22).
fn is_control(c: char) -> bool {
    c.is_control()
}

fn control_refusal(field: &str) -> CryptoError {
    CryptoError::InvalidSubject(format!(
        "the value of '{field}' contains a control character"
    ))
}

/// Refuses a DER `Name` (a CSR's subject) with a control character in any string value.
pub fn check_name(name: &Name) -> Result<(), CryptoError> {
    for atv in name.iter() {
        let value = atv.value.value();
        let control = match der::Tagged::tag(&atv.value) {
            Tag::BmpString => value
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                .any(|unit| unit < 0x20 || (0x7f..0xa0).contains(&unit)),
            Tag::Utf8String
            | Tag::PrintableString
            | Tag::Ia5String
            | Tag::TeletexString
            | Tag::VisibleString => String::from_utf8_lossy(value).chars().any(is_control),
            _ => false,
        };
        if control {
            return Err(control_refusal(&atv.oid.to_string()));
        }
    }
    Ok(())
}

/// Builds the subject `Name` for `subject`.
pub fn subject_name(subject: &SubjectAttributes) -> Result<Name, CryptoError> {
    let mut rdns = Vec::new();
    for (oid, field, kind, value) in ordered(subject) {
        let Some(value) = value else { continue };
        if value.chars().any(is_control) {
            return Err(control_refusal(field));
        }
        let tag = match kind {
            Kind::Directory if is_printable(value) => Tag::PrintableString,
            Kind::Directory => Tag::Utf8String,
            Kind::Printable if is_printable(value) => Tag::PrintableString,
            Kind::Ia5 if value.is_ascii() => Tag::Ia5String,
            Kind::Printable | Kind::Ia5 => {
                return Err(CryptoError::InvalidSubject(format!(
                    "the value of '{field}' contains characters its X.509 string type cannot hold"
                )));
            }
        };
        let atv = AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value: Any::new(tag, value.as_bytes())?,
        };
        let rdn = RelativeDistinguishedName::from(SetOfVec::try_from(vec![atv])?);
        rdns.push(rdn);
    }
    // `Name` can only be built by decoding; round-tripping through DER also proves the
    // sequence is well-formed.
    let der = RdnSequence::from(rdns).to_der()?;
    Ok(Name::from_der(&der)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Tagged;

    /// A one-attribute `Name` with `value` under `tag`, built without the checks.
    fn raw_name(tag: Tag, value: &[u8]) -> Name {
        let atv = AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap("2.5.4.3"),
            value: Any::new(tag, value).expect("any"),
        };
        let rdn = RelativeDistinguishedName::from(SetOfVec::try_from(vec![atv]).expect("set"));
        let der = RdnSequence::from(vec![rdn]).to_der().expect("der");
        Name::from_der(&der).expect("name")
    }

    #[test]
    fn a_csr_subject_with_a_control_character_is_refused() {
        assert!(check_name(&raw_name(Tag::Utf8String, b"good.example")).is_ok());
        assert!(check_name(&raw_name(Tag::BmpString, &[0, b'a', 0, b'b'])).is_ok());
        for (tag, value) in [
            (Tag::Utf8String, &b"good.example\0evil"[..]),
            (Tag::Ia5String, &b"tab\there"[..]),
            (Tag::BmpString, &[0, b'a', 0, 0][..]),
        ] {
            let refused = check_name(&raw_name(tag, value));
            assert!(
                matches!(refused, Err(CryptoError::InvalidSubject(_))),
                "{tag:?} {value:?}"
            );
        }
    }

    #[test]
    fn a_subject_value_with_a_control_character_is_refused() {
        let mut with_nul = subject();
        with_nul.common_name = "good.example\u{0}evil.example".into();
        assert!(matches!(
            subject_name(&with_nul),
            Err(CryptoError::InvalidSubject(_))
        ));
    }

    fn subject() -> SubjectAttributes {
        SubjectAttributes {
            common_name: "SUB-Securosys-001".into(),
            country: Some("CH".into()),
            state_or_province_name: Some("Zürich".into()),
            email: Some("ops@example.com".into()),
            ..Default::default()
        }
    }

    #[test]
    fn string_types_follow_the_value() {
        let name = subject_name(&subject()).expect("valid subject");
        let tags: Vec<Tag> = name.iter().map(|atv| atv.value.tag()).collect();
        assert_eq!(
            tags,
            [
                Tag::PrintableString,
                Tag::Utf8String,
                Tag::PrintableString,
                Tag::Ia5String
            ]
        );
    }

    #[test]
    fn a_country_outside_printable_string_is_refused() {
        let bad = SubjectAttributes {
            country: Some("Ü1".into()),
            ..subject()
        };
        assert!(
            matches!(subject_name(&bad), Err(CryptoError::InvalidSubject(m)) if m.contains("country"))
        );
    }
}

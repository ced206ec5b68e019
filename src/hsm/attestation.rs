//! The emulator's attestation key and the signed key-attestation XML (reference 6.6, 6.7).
//!
//! The key is RSA-2048, created on first start and kept in the store's meta tree; every
//! key-info answer carries an XML description of the key and a base64 SHA256withRSA
//! (PKCS#1 v1.5) signature over the XML's UTF-8 bytes by this key.

use super::KeyInfo;
use super::{Clock, Entropy, HsmError, OperationRng};
use crate::crypto::signer::X509Signer;
use crate::crypto::{ec, pem, rsa, x509};
use crate::domain::xml_escape as escape;
use crate::domain::{
    Curve, HashAlgorithm, KeyAttributes, KeyUsage, RsaBits, SubjectAttributes, Timestamp,
};
use crate::keystore::KeyStore;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt::Write;

/// The meta-tree entry holding the attestation key (PKCS#8 DER).
const META_ENTRY: &str = "attestation-key";

/// The meta-tree entry holding the attestation certificate chain (PEM: the attestation
/// key's certificate, then the root CA's).
const CHAIN_ENTRY: &str = "attestation-chain";

/// The attestation key, loaded once at start.
pub(crate) struct AttestationKey {
    pub(crate) name: String,
    key: rsa::PrivateKey,
    pub(crate) public_key: Vec<u8>,
    /// DER certificates: the attestation key's, then the test root CA's.
    pub(crate) chain: Vec<Vec<u8>>,
}

impl AttestationKey {
    /// Loads the stored attestation key, creating it with `make` on first start.
    pub(crate) fn load_or_create(
        store: &KeyStore,
        name: String,
        entropy: &Entropy,
        clock: &Clock,
        make: impl FnOnce() -> Result<rsa::PrivateKey, HsmError>,
    ) -> Result<Self, HsmError> {
        let stored = match store.meta(META_ENTRY)? {
            Some(bytes) => bytes,
            None => {
                let fresh = rsa::encode_private(&make()?)?;
                store.meta_insert_if_absent(META_ENTRY, fresh.expose())?
            }
        };
        let stored = zeroize::Zeroizing::new(stored);
        let key = rsa::decode_private(&stored)?;
        let public_key = rsa::public_spki_der(&key)?;
        let chain = match store.meta(CHAIN_ENTRY)? {
            Some(pem) => pem,
            None => {
                let fresh = certificate_chain(&name, &public_key, entropy, clock)?;
                store.meta_insert_if_absent(CHAIN_ENTRY, fresh.as_bytes())?
            }
        };
        let chain = pem::decode_all(&chain)?;
        Ok(Self {
            name,
            key,
            public_key,
            chain,
        })
    }

    /// The size a new attestation key gets.
    pub(crate) const BITS: RsaBits = RsaBits::B2048;

    /// Signs `xml` (UTF-8 bytes) with SHA256withRSA; returns the raw signature.
    pub(crate) fn sign(&self, xml: &str, rng: &mut OperationRng) -> Result<Vec<u8>, HsmError> {
        Ok(rsa::sign_pkcs1v15(
            &self.key,
            HashAlgorithm::Sha256,
            xml.as_bytes(),
            rng,
        )?)
    }
}

/// Makes the attestation key's certificate chain: a fresh P-256 test root CA (its private
/// key is dropped once it has signed: it certifies nothing else) and a certificate for the
/// attestation key issued by it. Returns both as PEM, attestation certificate first.
fn certificate_chain(
    name: &str,
    attestation_public_key: &[u8],
    entropy: &Entropy,
    clock: &Clock,
) -> Result<String, HsmError> {
    let mut rng = entropy.rng();
    let (root_key, root_public) = ec::generate(Curve::P256, &mut rng)?;
    let root_signer = X509Signer::Ecdsa {
        curve: Curve::P256,
        pkcs8: root_key.expose(),
    };
    let not_before = clock.now().0;
    let not_before = not_before - not_before % 86_400;
    let root_subject = SubjectAttributes {
        common_name: "tsb-emulator Attestation Root CA".to_owned(),
        organization_name: Some("tsb-emulator".to_owned()),
        ..SubjectAttributes::default()
    };
    let root = x509::build_certificate(
        &root_signer,
        x509::CertificateParams {
            subject: x509::Subject::Attributes(&root_subject),
            subject_public_key: &root_public,
            issuer_certificate: None,
            not_before,
            validity_days: 36_500,
            certificate_authority: true,
            key_usage: &[KeyUsage::KeyCertSign, KeyUsage::CrlSign],
            extended_key_usage: &[],
            digest: HashAlgorithm::Sha256,
        },
        &mut rng,
    )?;
    let leaf_subject = SubjectAttributes {
        common_name: name.to_owned(),
        organization_name: Some("tsb-emulator".to_owned()),
        ..SubjectAttributes::default()
    };
    let leaf = x509::build_certificate(
        &root_signer,
        x509::CertificateParams {
            subject: x509::Subject::Attributes(&leaf_subject),
            subject_public_key: attestation_public_key,
            issuer_certificate: Some(&root),
            not_before,
            validity_days: 36_500,
            certificate_authority: false,
            key_usage: &[KeyUsage::DigitalSignature],
            extended_key_usage: &[],
            digest: HashAlgorithm::Sha256,
        },
        &mut rng,
    )?;
    Ok(pem::encode(pem::CERTIFICATE_LABEL, &leaf) + &pem::encode(pem::CERTIFICATE_LABEL, &root))
}

/// The attestation document for a key (element names as observed on the TSB).
pub(crate) fn xml(info: &KeyInfo, attested_at: Timestamp) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let creation = if info.imported {
        "imported"
    } else {
        "generated"
    };
    let _ = writeln!(xml, "<private_key creation=\"{creation}\">");
    let element = |xml: &mut String, name: &str, value: Option<&str>| {
        let _ = match value {
            Some(value) => writeln!(xml, "  <{name}>{}</{name}>", escape(value)),
            None => writeln!(xml, "  <{name}/>"),
        };
    };
    element(&mut xml, "label", Some(info.label.as_str()));
    element(&mut xml, "create_time", Some(&info.created_at.to_string()));
    element(&mut xml, "attest_time", Some(&attested_at.to_string()));
    element(
        &mut xml,
        "key_use_count",
        Some(&info.usage_count.to_string()),
    );
    element(&mut xml, "algorithm", Some(info.algorithm.tsb_name()));
    element(&mut xml, "algorithm_oid", Some(info.algorithm.oid()));
    element(&mut xml, "curve_oid", info.curve.map(|curve| curve.oid()));
    element(
        &mut xml,
        "key_size",
        info.key_size.map(|s| s.to_string()).as_deref(),
    );
    let public_key = info.public_key.as_ref().map(|der| STANDARD.encode(der));
    element(&mut xml, "public_key", public_key.as_deref());
    // Reference 6.13 and 6.14: `<address_truncated format="ETH">HEX</…>`,
    // `<derivation_value type="SLIP-10">HEX</…>`.
    if let Some((format, address)) = &info.address {
        let _ = writeln!(
            xml,
            "  <address_truncated format=\"{}\">{}</address_truncated>",
            format.name(),
            hex::encode_upper(address)
        );
    }
    if let Some((kind, chain_code)) = &info.derivation {
        let _ = writeln!(
            xml,
            "  <derivation_value type=\"{kind}\">{}</derivation_value>",
            hex::encode_upper(chain_code)
        );
    }
    xml.push_str(&attributes_xml(&info.attributes, !info.imported));
    if let Some(policy) = &info.policy {
        xml.push_str(&policy.attestation_xml());
    }
    xml.push_str("</private_key>\n");
    xml
}

fn attributes_xml(attributes: &KeyAttributes, generated: bool) -> String {
    let rows = [
        ("decrypt", attributes.decrypt),
        ("sign", attributes.sign),
        ("eka_sign", false),
        ("unwrap", attributes.unwrap),
        ("derive", attributes.derive),
        ("sensitive", attributes.sensitive),
        ("always_sensitive", attributes.always_sensitive(generated)),
        ("extractable", attributes.extractable),
        ("never_extractable", attributes.never_extractable(generated)),
        ("modifiable", attributes.modifiable),
        ("copyable", attributes.copyable),
        ("destroyable", attributes.destroyable),
        ("unique", true),
    ];
    let mut xml = String::from("  <attributes>\n");
    for (name, value) in rows {
        let _ = writeln!(xml, "    <{name}>{value}</{name}>");
    }
    xml.push_str("  </attributes>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_labels_is_escaped() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}

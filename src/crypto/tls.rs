//! The certificate of `--tls-self-signed`: a fresh P-256 key and a self-signed server
//! certificate for `localhost`, `127.0.0.1` and `::1`, made with our own X.509 code.

use super::signer::X509Signer;
use super::x509::{self, CertificateParams, Subject};
use super::{CryptoError, ec};
use crate::domain::{Curve, ExtendedKeyUsage, HashAlgorithm, SecretBytes, SubjectAttributes};
use der::Encode;
use der::asn1::{Ia5String, OctetString};
use rand::CryptoRng;
use spki::ObjectIdentifier;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

const ID_CE_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// A server certificate and its key.
pub struct SelfSigned {
    /// The DER certificate.
    pub certificate_der: Vec<u8>,
    /// The PKCS#8 DER private key.
    pub private_key: SecretBytes,
}

/// Makes a localhost certificate valid from an hour before `now` (Unix seconds) for a year.
/// No key-usage extension, so OpenSSL also accepts it as its own trust anchor.
pub fn self_signed_localhost(
    now: u64,
    rng: &mut impl CryptoRng,
) -> Result<SelfSigned, CryptoError> {
    let (private_key, spki) = ec::generate(Curve::P256, rng)?;
    let subject = SubjectAttributes {
        common_name: "localhost".into(),
        organization_name: Some("tsb-emulator".into()),
        ..SubjectAttributes::default()
    };
    let names = SubjectAltName(vec![
        GeneralName::DnsName(Ia5String::new("localhost")?),
        GeneralName::IpAddress(OctetString::new([127u8, 0, 0, 1])?),
        GeneralName::IpAddress(OctetString::new(std::net::Ipv6Addr::LOCALHOST.octets())?),
    ]);
    let alternative_names = Extension {
        extn_id: ID_CE_SUBJECT_ALT_NAME,
        critical: false,
        extn_value: OctetString::new(names.to_der()?)?,
    };
    let signer = X509Signer::Ecdsa {
        curve: Curve::P256,
        pkcs8: private_key.expose(),
    };
    let params = CertificateParams {
        subject: Subject::Attributes(&subject),
        subject_public_key: &spki,
        issuer_certificate: None,
        not_before: now.saturating_sub(3600),
        validity_days: 365,
        certificate_authority: false,
        key_usage: &[],
        extended_key_usage: &[ExtendedKeyUsage::ServerAuth],
        digest: HashAlgorithm::Sha256,
    };
    let certificate_der =
        x509::build_certificate_with(&signer, params, vec![alternative_names], rng)?;
    Ok(SelfSigned {
        certificate_der,
        private_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn openssl(args: &[&str]) -> String {
        let output = Command::new("openssl").args(args).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "openssl {args:?}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    #[test]
    fn openssl_reads_the_names_and_verifies_the_self_signature() {
        let made = self_signed_localhost(1_700_000_000, &mut rand::rng()).unwrap();
        let pem = crate::crypto::pem::encode("CERTIFICATE", &made.certificate_der);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pem");
        std::fs::write(&path, &pem).unwrap();
        let path = path.to_str().unwrap();
        let text = openssl(&["x509", "-in", path, "-noout", "-text"]);
        assert!(text.contains("DNS:localhost"), "{text}");
        assert!(text.contains("IP Address:127.0.0.1"), "{text}");
        assert!(text.contains("TLS Web Server Authentication"), "{text}");
        let verified = openssl(&[
            "verify",
            "-CAfile",
            path,
            "-purpose",
            "sslserver",
            "-attime",
            "1700000000",
            path,
        ]);
        assert!(verified.contains("OK"), "{verified}");
    }
}

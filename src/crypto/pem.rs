//! PEM armour exactly as the TSB writes it: 64-column base64, `\n` line ends, trailing newline.

/// The label the TSB puts on CSRs (the older Java `keytool` spelling).
pub const CSR_LABEL: &str = "NEW CERTIFICATE REQUEST";

/// The label of public keys (DER SPKI).
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

/// The label of certificates.
pub const CERTIFICATE_LABEL: &str = "CERTIFICATE";

/// Armours DER bytes under `label`.
pub fn encode(label: &str, der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(label, der), config)
}

/// The DER contents of every PEM block in `text`, in order.
pub fn decode_all(text: &[u8]) -> Result<Vec<Vec<u8>>, super::CryptoError> {
    ::pem::parse_many(text)
        .map(|blocks| blocks.into_iter().map(::pem::Pem::into_contents).collect())
        .map_err(|e| super::CryptoError::InvalidInput(format!("malformed PEM: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_matches_the_tsb_layout() {
        let text = encode(CSR_LABEL, &[0u8; 100]);
        assert!(text.starts_with("-----BEGIN NEW CERTIFICATE REQUEST-----\n"));
        assert!(text.ends_with("\n-----END NEW CERTIFICATE REQUEST-----\n"));
        assert!(!text.contains('\r'));
        assert!(
            text.lines()
                .all(|line| line.len() <= 64 || line.starts_with("-----"))
        );
    }
}

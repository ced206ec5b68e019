//! Fuzzes a DER/PEM importer directly: it must return an error, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use tsb_emulator::crypto::{bls, dsa, ec, ed25519, rsa};
    use tsb_emulator::domain::Curve;
    let _ = rsa::decode_imported_private(data);
    let _ = rsa::decode_private(data);
    for curve in Curve::ALL {
        let _ = ec::normalize_private(curve, data);
    }
    let _ = ed25519::normalize_private(data);
    let _ = dsa::normalize_private(data);
    let _ = bls::normalize_private(data);
});

//! Fuzzes a DER/PEM importer directly: it must return an error, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = tsb_emulator::crypto::csr::parse_and_verify(data);
});

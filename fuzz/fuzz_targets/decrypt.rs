//! Fuzzes the JSON body of `POST /v1/synchronousDecrypt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tsb_emulator_fuzz::fuzz_post_enveloped("/v1/synchronousDecrypt", "decryptRequest", data);
});

//! Fuzzes the JSON body of `POST /v1/certificate/import/plain`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tsb_emulator_fuzz::fuzz_post("/v1/certificate/import/plain", data);
});

//! Fuzzes the JSON body of `POST /v1/key`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tsb_emulator_fuzz::fuzz_post("/v1/key", data);
});

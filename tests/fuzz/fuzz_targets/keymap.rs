//! Fuzz target: `fluxops_fuzz::keymap` on arbitrary UTF-8 text (see src/lib.rs for what must hold).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fluxops_fuzz::keymap(text);
    }
});

//! A LinkedIn page-analytics `.xlsx` as raw bytes (the ZIP and its XML, as they come).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as("linkedin", "conectart_content_1596146400000.xlsx", data);
});

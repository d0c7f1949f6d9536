//! A LinkedIn page-analytics `.xls` (OLE compound file, BIFF8) as raw bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as("linkedin", "conectart_content_1596146400000.xls", data);
});

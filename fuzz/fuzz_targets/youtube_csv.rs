//! A YouTube Studio CSV on its own (Chart data, Table data, Totals), any language.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as("youtube-studio", "Chart data.csv", data);
});

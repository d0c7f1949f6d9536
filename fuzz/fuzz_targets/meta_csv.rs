//! A Meta Business Suite CSV export (posts or videos, lifetime or daily), any language.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as("meta", "Jul-24-2020_Aug-02-2020_lifetime.csv", data);
});

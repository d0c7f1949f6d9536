//! The YouTube Studio ZIP as raw bytes (the archive's own structure is fuzzed).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as(
        "youtube-studio",
        "Content 2020-07-24_2020-08-02 Conectart.zip",
        data,
    );
});

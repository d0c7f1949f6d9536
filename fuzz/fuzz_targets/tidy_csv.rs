//! viewtally's own tidy CSV (`platform,video,account,metric,kind,at,value`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    viewtally_fuzz::read_as("tidy-csv", "observations.csv", data);
});

//! The YouTube Studio ZIP, built by the harness from three fuzzed CSVs (`Table data.csv`,
//! `Chart data.csv`, `Totals.csv`, split at `\n#####\n`), so the bytes reach the CSV readers
//! behind the archive instead of failing its checksums. The first byte chooses stored or
//! deflated entries and whether the period is in the ZIP's name.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let p = viewtally_fuzz::parts(rest, 3);
    let zip = viewtally_fuzz::zip_of(
        &[
            ("Table data.csv", &p[0]),
            ("Chart data.csv", &p[1]),
            ("Totals.csv", &p[2]),
        ],
        flags & 1 == 1,
    );
    let name = if flags & 2 == 2 {
        "Content 2020-07-24_2020-08-02 Conectart.zip"
    } else {
        "export.zip"
    };
    viewtally_fuzz::read_as("youtube-studio", name, &zip);
});

//! A LinkedIn `.xlsx` rebuilt by the harness from the committed fixture with one of its entries
//! (the first byte picks which: a sheet, shared strings, styles, the workbook …) replaced by the
//! fuzzed bytes, so the XML readers behind the archive get them.
#![no_main]

static TEMPLATE: &[u8] =
    include_bytes!("../../tests/fixtures/exports/linkedin/en/conectart_content_1596146400000.xlsx");

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&which, xml)) = data.split_first() else {
        return;
    };
    let entries = viewtally_fuzz::unzip(TEMPLATE);
    let target = usize::from(which) % entries.len();
    let rebuilt: Vec<(&str, &[u8])> = entries
        .iter()
        .enumerate()
        .map(|(i, (name, content))| {
            (
                name.as_str(),
                if i == target { xml } else { content.as_slice() },
            )
        })
        .collect();
    let zip = viewtally_fuzz::zip_of(&rebuilt, which & 0x80 != 0);
    viewtally_fuzz::read_as("linkedin", "conectart_content_1596146400000.xlsx", &zip);
});

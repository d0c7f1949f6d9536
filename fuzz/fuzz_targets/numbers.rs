//! The small parsers every importer leans on: localized numbers and counts, dates and times in
//! each UI language, periods and export times in file names, Excel serial dates, header and
//! delimiter sniffing, `--as-of`, and video ids and URLs of every platform.
#![no_main]

use viewtally::exports::headers::{self, LANGUAGES};
use viewtally::exports::{self, ids, numbers, table};
use viewtally::model::Platform;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = table::header_of(data);
    let _ = table::sniff_delimiter(data);
    if data.len() >= 8 {
        let _ = table::excel_serial(f64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8])));
    }
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    for decimal in [None, Some('.'), Some(',')] {
        let _ = numbers::parse_number(raw, decimal);
        if let Ok(Some(n)) = numbers::parse_count(raw, decimal) {
            assert!(n >= 0, "negative count {n} from {raw:?}");
        }
    }
    for lang in LANGUAGES {
        let _ = numbers::parse_stamp(raw, lang);
    }
    let _ = numbers::date_range_in(raw);
    let _ = numbers::epoch_ms_in(raw);
    let _ = exports::parse_as_of(raw);
    let _ = exports::clip_quoted(raw);
    let _ = headers::normalize(raw);
    let _ = headers::is_total_row(raw);
    for platform in [
        Platform::Youtube,
        Platform::Facebook,
        Platform::Linkedin,
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Vimeo,
    ] {
        if let Ok(id) = ids::normalize(platform, raw) {
            let _ = ids::match_keys(platform, &id);
        }
    }
    let _ = ids::youtube_id(raw);
    let _ = ids::facebook_id(raw);
    let _ = ids::linkedin_urn(raw);
    let _ = ids::is_instagram(raw);
    if ids::looks_rounded(raw) {
        let _ = ids::rounded_message(raw);
    }
});

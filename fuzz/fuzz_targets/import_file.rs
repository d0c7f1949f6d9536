//! `viewtally import FILE` as a whole: format detection from the content, every importer, the
//! campaign's video list, future dates, the preview, against the demo config (dry run, so the
//! store is not filled). The file's name carries both a period and an export time, as YouTube's
//! and LinkedIn's names do.
#![no_main]

use chrono::{TimeZone, Utc};
use viewtally::config::Config;
use viewtally::exports::{import_file, ImportError, ImportOptions};

static CONFIG: &str = include_str!("../../config/demo.toml");

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let config = Config::parse(CONFIG, "demo.toml").expect("the demo config is valid");
    let mut store = viewtally::store::open("sqlite://:memory:").expect("a scratch store");
    let path = viewtally_fuzz::write_input(
        "Content 2020-07-24_2020-08-02 x_content_1596146400000.csv",
        data,
    );
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("a time");
    for skip_bad_rows in [false, true] {
        let options = ImportOptions {
            skip_bad_rows,
            dry_run: true,
            ..ImportOptions::default()
        };
        match import_file(&path, &config, store.as_mut(), &options, now) {
            // Rows of videos no campaign lists are among the rows read.
            Ok(report) => assert!(report.other_videos_skipped <= report.rows),
            Err(
                e @ (ImportError::BadRow { .. }
                | ImportError::At { .. }
                | ImportError::Format { .. }),
            ) => {
                let m = e.to_string();
                assert!(m.contains("x_content_1596146400000.csv"), "{m}");
                assert!(m.len() < 4096, "a huge message: {} bytes", m.len());
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
});

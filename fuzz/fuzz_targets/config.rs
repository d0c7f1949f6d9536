//! The config loader: TOML text → a validated `Config` (or an error naming the file, line and
//! key), then what the commands read from it.
#![no_main]

use viewtally::config::{parse_cron, Config};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, "fuzz.toml") {
        Ok(config) => {
            for c in &config.campaigns {
                let _ = c.tz();
                let _ = c.milestones();
                for v in &c.videos {
                    let _ = c.video(v.platform, &v.id);
                    let _ = c.takes(v.platform, &v.id);
                }
            }
            let _ = config.report.chart_sizes();
            let _ = config.slugs();
            let _ = config.selected(None);
        }
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.contains("fuzz.toml"),
                "the error does not name the file: {m}"
            );
        }
    }
    let _ = parse_cron(text);
});

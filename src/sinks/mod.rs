//! Export sinks: the timeline and the observations as files for people and BI tools (CSV,
//! JSON, Parquet). The timeline computes; sinks only write what it computed.

pub mod parquet;

use crate::render::rfc3339;
use crate::timeline::Timeline;

/// The timeline as JSON (the same shape as `export --what timeline --format json`).
pub fn timeline_json(tl: &Timeline) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(tl)? + "\n")
}

/// One row per day (campaign time zone): estimated cumulative views per platform and in total
/// as of the end of the day, the new views of that day, then what the readings prove about the
/// total at the day's end (`total_low`, `total_high`, empty where nothing read later bounds it)
/// and whether the day's figures are partly estimated (a gap between readings spread over it).
pub fn timeline_csv(tl: &Timeline) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["date".to_string(), "as_of".to_string()];
    header.extend(tl.platforms.iter().map(|p| p.as_str().to_string()));
    header.push("total".into());
    header.extend(tl.platforms.iter().map(|p| format!("new_{}", p.as_str())));
    header.extend(
        ["new_total", "total_low", "total_high", "estimated"]
            .iter()
            .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    for d in &tl.days {
        let mut row = vec![d.date.to_string(), rfc3339(d.end)];
        row.extend(d.platforms.iter().map(i64::to_string));
        row.push(d.total.to_string());
        row.extend(d.new_platforms.iter().map(i64::to_string));
        row.push(d.new_total.to_string());
        row.push(d.low.to_string());
        row.push(d.high.map(|h| h.to_string()).unwrap_or_default());
        row.push(d.any_estimated().to_string());
        w.write_record(&row)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

//! `viewtally collect`: one API collection of every configured video, now.

use super::*;

pub(super) fn collect(config: &Config, slug: Option<&str>, now: DateTime<Utc>) -> Result<ExitCode> {
    let campaigns = config.selected(slug)?;
    let mut store = open_store(config)?;
    let report = runtime()?.block_on(sources::collect(config, &campaigns, store.as_mut(), now))?;
    print!("{}", report.summary());
    if report.platforms.is_empty() {
        bail!(UsageError(format!(
            "nothing to collect: no YouTube, Facebook or LinkedIn video is listed in {} \
             (add [[campaign.video]] entries)",
            config.origin
        )));
    }
    if !report.collected_any() {
        bail!(UsageError(
            "nothing was collected: no platform could be asked (see the lines above)".into()
        ));
    }
    let failed: Vec<String> = report
        .platforms
        .iter()
        .filter(|p| p.failed())
        .map(|p| {
            format!(
                "{} ({} of {})",
                p.platform,
                p.failed,
                crate::model::counted(p.videos, "video", "videos")
            )
        })
        .collect();
    if !failed.is_empty() {
        bail!(
            "collection failed on {} — see the errors above; the {} that succeeded {} stored",
            failed.join(", "),
            crate::model::counted(report.written.total() as usize, "reading", "readings"),
            if report.written.total() == 1 {
                "was"
            } else {
                "were"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `viewtally report`: the timeline, charts and reports of each campaign.

use super::*;

pub(super) fn report(config: &Config, args: &ReportArgs, now: DateTime<Utc>) -> Result<ExitCode> {
    let until = args
        .until
        .as_deref()
        .map(|s| parse_time(s, "--until"))
        .transpose()?;
    let campaigns = config.selected(args.campaign.campaign.as_deref())?;
    let store = open_existing_store(config)?;
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| config.report.dir.clone());
    for campaign in campaigns {
        let tl = timeline::for_campaign(store.as_ref(), campaign, until)?;
        let mut options =
            ReportOptions::for_campaign(config, campaign, &base, args.lang, until.unwrap_or(now));
        if !args.size.is_empty() {
            options.sizes = args.size.clone();
        }
        if tl.points.is_empty() {
            tracing::warn!(
                campaign = campaign.slug(),
                "no observations yet; the report is empty (import an export file first)"
            );
        }
        for p in render::write_report(campaign, &tl, &options)? {
            println!("{}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

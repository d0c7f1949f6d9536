//! `viewtally report`: the timeline, charts and reports of each campaign.

use super::*;
use crate::model::local_date;

pub(super) fn report(config: &Config, args: &ReportArgs, now: DateTime<Utc>) -> Result<ExitCode> {
    let period = period::PeriodArgs::parse(args.from.as_deref(), args.until.as_deref())?;
    let campaigns = config.selected(args.campaign.campaign.as_deref())?;
    period.check(&campaigns)?;
    let store = open_existing_store(config)?;
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| config.report.dir.clone());
    for campaign in campaigns {
        let bounds = period.resolve(campaign.tz())?;
        let mut tl = timeline::for_campaign(store.as_ref(), campaign, bounds.until)?;
        let mut options = ReportOptions::for_campaign(
            config,
            campaign,
            &base,
            args.lang,
            bounds.until.unwrap_or(now),
        );
        if bounds.from.is_some() || bounds.until.is_some() {
            // A report of a period goes to a folder of its own: the current report (what the
            // daemon and a plain `report` write) is never replaced by it.
            let (dir, p, from) = period_report(store.as_ref(), campaign, &tl, bounds, now)?;
            options.dir = options.dir.join(dir);
            options.period = Some(p);
            if let Some(from) = from {
                tl = tl.within(from);
            }
        }
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

/// A period report's folder (`<from>_<until>`, dates in the campaign's time zone), its views
/// (from every stored reading: one read after `--until` still bounds the count at it), and
/// the `--from` instant the charts start at (None: only `--until` was given, the charts
/// start at the launch or first reading as in the current report).
fn period_report(
    store: &dyn Store,
    campaign: &config::Campaign,
    tl: &timeline::Timeline,
    bounds: period::Bounds,
    now: DateTime<Utc>,
) -> Result<(String, timeline::period::Period, Option<DateTime<Utc>>)> {
    let tz = campaign.tz();
    let full = timeline::for_campaign(store, campaign, None)?;
    let until = match (bounds.until, bounds.from) {
        (Some(u), _) => u,
        (None, Some(f)) => period::open_end_after(&full, f, now),
        (None, None) => now,
    };
    // Only --until: from the launch or the first reading (whichever is earlier).
    let start = || {
        tl.launched
            .into_iter()
            .chain(full.points.first().map(|p| p.at))
            .min()
            .unwrap_or(until)
            .min(until)
    };
    let from = bounds.from.unwrap_or_else(start);
    let until_date = match bounds.until {
        Some(u) => day_of(u, tz),
        None => local_date(now, tz),
    };
    let dir = format!(
        "{}_{}",
        local_date(from, tz),
        until_date.max(local_date(from, tz))
    );
    Ok((dir, full.period(from, until), bounds.from))
}

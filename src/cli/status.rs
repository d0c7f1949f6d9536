//! `viewtally status`: totals, milestones and what else the store and watched folder say.

use super::*;

pub(super) fn status(
    config: &Config,
    slug: Option<&str>,
    json: bool,
    period: period::PeriodArgs,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    // The campaign choice first: a usage error is said before the store is opened.
    let chosen = match json {
        true => vec![config.campaign(slug)?],
        false => config.selected(slug)?,
    };
    period.check(&chosen)?;
    let mut store = open_existing_store(config)?;
    if json {
        let campaign = chosen[0];
        let until = period.resolve(campaign.tz())?.until;
        let tl = timeline::for_campaign(store.as_ref(), campaign, until)?;
        let mut value = serde_json::to_value(Status::new(&tl, until.unwrap_or(now)))?;
        let notes = status_notes(config, store.as_mut(), campaign, now)?;
        let period = status_period(store.as_ref(), campaign, &tl, period, now)?;
        if let Some(obj) = value.as_object_mut() {
            if let Some(p) = &period {
                obj.insert("period".into(), render::period::status_json(p));
            }
            if !notes.refused.is_empty() {
                obj.insert(
                    "watch_dir_refused".into(),
                    serde_json::json!(notes
                        .refused
                        .iter()
                        .map(|(file, error)| serde_json::json!({"file": file, "error": error}))
                        .collect::<Vec<_>>()),
                );
            }
            if let Some(other) = notes.other_campaigns {
                obj.insert("note".into(), serde_json::json!(other));
            }
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for campaign in chosen {
            let until = period.resolve(campaign.tz())?.until;
            let tl = timeline::for_campaign(store.as_ref(), campaign, until)?;
            let loc = Locale::new(campaign.language);
            print!("{}", Status::text(&tl, &loc));
            if let Some(p) = status_period(store.as_ref(), campaign, &tl, period, now)? {
                print!("\n{}", render::period::status_text(&p, &tl, &loc));
            }
            let notes = status_notes(config, store.as_mut(), campaign, now)?;
            if let Some(other) = notes.other_campaigns {
                println!("note: {other}");
            }
            for (file, error) in notes.refused {
                println!("watched folder: {file} is refused (until fixed or removed): {error}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// With `--from`: the period's views, from every stored reading (a reading after `--until`
/// still bounds the count at `--until`); the end is `--until`, else the latest reading.
fn status_period(
    store: &dyn Store,
    campaign: &config::Campaign,
    tl: &timeline::Timeline,
    period: period::PeriodArgs,
    now: DateTime<Utc>,
) -> Result<Option<timeline::period::Period>> {
    let bounds = period.resolve(campaign.tz())?;
    let Some(from) = bounds.from else {
        return Ok(None);
    };
    let full;
    let all = match bounds.until {
        Some(_) => {
            full = timeline::for_campaign(store, campaign, None)?;
            &full
        }
        None => tl,
    };
    let until = bounds
        .until
        .unwrap_or_else(|| period::open_end_after(all, from, now));
    Ok(Some(all.period(from, until)))
}

/// What `status` says besides the numbers.
struct StatusNotes {
    /// Files of the campaign's watched folder that are not imported and that an import
    /// refuses: (file, the import's error).
    refused: Vec<(String, String)>,
    /// When the campaign has no observations but the store holds other campaigns': which.
    other_campaigns: Option<String>,
}

fn status_notes(
    config: &Config,
    store: &mut dyn Store,
    campaign: &config::Campaign,
    now: DateTime<Utc>,
) -> Result<StatusNotes> {
    let other_campaigns = no_observations_note(store, campaign.slug())?;
    let mut refused = Vec::new();
    if let Some(dir) = campaign.schedule.watch_dir.as_ref().filter(|d| d.is_dir()) {
        let options = ImportOptions {
            campaign: Some(campaign.slug().to_string()),
            dry_run: true,
            ..Default::default()
        };
        for file in exports::expand_paths(std::slice::from_ref(dir))? {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let sha = exports::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            if store.imported(campaign.slug(), &sha)? {
                continue;
            }
            if let Err(e) = exports::import_file(&file, config, store, &options, now) {
                refused.push((file.display().to_string(), e.to_string()));
            }
        }
    }
    Ok(StatusNotes {
        refused,
        other_campaigns,
    })
}

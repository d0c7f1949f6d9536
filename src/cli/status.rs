//! `viewtally status`: totals, milestones and what else the store and watched folder say.

use super::*;

pub(super) fn status(
    config: &Config,
    slug: Option<&str>,
    json: bool,
    until: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let until = until.map(|s| parse_time(s, "--until")).transpose()?;
    // The campaign choice first: a usage error is said before the store is opened.
    let chosen = match json {
        true => vec![config.campaign(slug)?],
        false => config.selected(slug)?,
    };
    let mut store = open_existing_store(config)?;
    if json {
        let campaign = chosen[0];
        let tl = timeline::for_campaign(store.as_ref(), campaign, until)?;
        let mut value = serde_json::to_value(Status::new(&tl, until.unwrap_or(now)))?;
        let notes = status_notes(config, store.as_mut(), campaign, now)?;
        if let Some(obj) = value.as_object_mut() {
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
            let tl = timeline::for_campaign(store.as_ref(), campaign, until)?;
            print!("{}", Status::text(&tl, &Locale::new(campaign.language)));
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

//! `viewtally import`: export files into the store.

use super::*;

pub(super) fn import(config: &Config, args: &ImportArgs, now: DateTime<Utc>) -> Result<ExitCode> {
    let files = exports::expand_paths(&args.files)?;
    if files.is_empty() {
        bail!(UsageError("no files to import in the folders given".into()));
    }
    let mut store = open_store(config)?;
    let options = ImportOptions {
        format: args.format.clone(),
        skip_bad_rows: args.skip_bad_rows,
        all_videos: args.all_videos,
        campaign: args.campaign.campaign.clone(),
        dry_run: args.dry_run,
        as_of: args
            .as_of
            .as_deref()
            .map(exports::parse_as_of)
            .transpose()
            .map_err(UsageError)?,
    };
    let mut failures: Vec<ImportError> = Vec::new();
    for file in &files {
        match exports::import_file(file, config, store.as_mut(), &options, now) {
            Ok(r) => print_imported(&r, args.dry_run),
            Err(e) => {
                if files.len() > 1 {
                    eprintln!("error: {e}");
                }
                failures.push(e);
            }
        }
    }
    outcome(failures, files.len())
}

/// The lines about one imported file: what was (or would be) stored, its notes and skips.
fn print_imported(r: &exports::ImportReport, dry_run: bool) {
    let w = &r.written;
    let what = match &r.detail {
        Some(d) => format!("{}: {d}", r.format),
        None => r.format.to_string(),
    };
    if dry_run {
        println!(
            "{} ({what}): {} read; would store:",
            r.path,
            crate::model::counted(r.rows, "row", "rows")
        );
        for l in &r.preview {
            println!(
                "  {:<12} {:<9} {:<36} {:<12} {:<6} {:<40} {:>5} {:<4}  sum {}",
                l.campaign,
                l.platform.as_str(),
                l.video,
                l.metric.as_str(),
                l.kind.as_str(),
                l.span,
                l.count,
                if l.count == 1 { "row" } else { "rows" },
                l.sum
            );
        }
    } else {
        println!(
            "{} ({what}): {} → {} new, {} updated, {} unchanged",
            r.path,
            crate::model::counted(r.rows, "row", "rows"),
            w.inserted,
            w.updated,
            w.unchanged
        );
    }
    for note in &r.notes {
        println!("  note: {note}");
    }
    if r.other_videos_skipped > 0 {
        println!(
            "  skipped {} of videos the campaign does not list (add them as [[campaign.video]] or pass --all-videos): {}",
            crate::model::counted(r.other_videos_skipped, "row", "rows"),
            r.other_videos.join(", ")
        );
    }
    if r.bad_rows_skipped > 0 {
        println!(
            "  skipped {} (see the warnings above)",
            crate::model::counted(r.bad_rows_skipped, "bad row", "bad rows")
        );
    }
}

/// Success, or the first failure (with how many of the `files` failed when there were several).
fn outcome(mut failures: Vec<ImportError>, files: usize) -> Result<ExitCode> {
    match failures.len() {
        0 => Ok(ExitCode::SUCCESS),
        n => {
            let first = failures.remove(0);
            if n == 1 && files == 1 {
                return Err(first.into());
            }
            Err(anyhow::Error::new(first).context(format!(
                "{n} of {files} files {} not imported (nothing from {} was stored)",
                if n == 1 { "was" } else { "were" },
                if n == 1 { "it" } else { "them" }
            )))
        }
    }
}

//! `viewtally export`: observations to CSV, JSON or Parquet.

use super::*;

pub(super) fn export(config: &Config, args: &ExportArgs) -> Result<ExitCode> {
    if args.partition_by.is_some() && args.format != ExportFormat::Parquet {
        bail!(UsageError(
            "--partition-by campaign writes Parquet files: add --format parquet".into()
        ));
    }
    if args.format == ExportFormat::Parquet && args.out.is_none() {
        bail!(UsageError(format!(
            "--format parquet writes a binary file: pass --out {}",
            if args.partition_by.is_some() {
                "DIR"
            } else {
                "FILE (e.g. --out observations.parquet)"
            }
        )));
    }
    // The campaign choice first: a usage error is said before the store is opened.
    let slug = args.campaign.campaign.as_deref();
    match args.partition_by {
        Some(_) => config.selected(slug).map(|_| ())?,
        None => config.campaign(slug).map(|_| ())?,
    }
    let store = open_existing_store(config)?;
    if let (Some(PartitionBy::Campaign), Some(dir)) = (args.partition_by, &args.out) {
        // Every part is written to a temporary file first; they are renamed into place only
        // when all of them are complete, so a failure leaves no partial layout behind.
        let mut parts = Vec::new();
        for campaign in config.selected(args.campaign.campaign.as_deref())? {
            let path = dir
                .join(format!("campaign={}", campaign.slug()))
                .join("part-0.parquet");
            let tmp = export_temp(&path)?;
            export_to(store.as_ref(), campaign, args, tmp.as_file(), false)
                .with_context(|| format!("cannot export to {}", path.display()))?;
            parts.push((tmp, path));
        }
        for (tmp, path) in parts {
            persist_export(tmp, &path)?;
            eprintln!("wrote {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let campaign = config.campaign(args.campaign.campaign.as_deref())?;
    match &args.out {
        Some(path) => {
            let tmp = export_temp(path)?;
            export_to(store.as_ref(), campaign, args, tmp.as_file(), true)
                .with_context(|| format!("cannot export to {}", path.display()))?;
            persist_export(tmp, path)?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let stdout = std::io::stdout();
            export_to(store.as_ref(), campaign, args, stdout.lock(), true)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A temporary file beside `path` for an export (renamed into place by [`persist_export`]).
fn export_temp(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the folder {} for --out; check the path and its permissions",
            dir.display()
        )
    })?;
    tempfile::Builder::new()
        .prefix(".viewtally-export-")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot write in {}; check that the folder is writable",
                dir.display()
            )
        })
}

/// Flush a finished export to disk and rename it into place (readable by others: it is
/// meant for BI tools).
fn persist_export(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    let err = || format!("cannot write {}", path.display());
    tmp.as_file().sync_all().with_context(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(err)?;
    }
    tmp.persist(path).map_err(|e| e.error).with_context(err)?;
    Ok(())
}

/// Write one campaign's export in the asked format. Observations are read in column batches
/// (CSV and Parquet), so a store of millions of rows is never held in memory at once.
fn export_to(
    store: &dyn Store,
    campaign: &config::Campaign,
    args: &ExportArgs,
    out: impl std::io::Write,
    campaign_column: bool,
) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let query = Query {
        campaign: campaign.slug().to_string(),
        ..Default::default()
    };
    match (args.what, args.format) {
        (ExportWhat::Observations, ExportFormat::Csv) => {
            observations_csv(store, campaign, &query, &mut out)?
        }
        (ExportWhat::Observations, ExportFormat::Json) => {
            let obs = store.observations(&query)?;
            serde_json::to_writer_pretty(&mut out, &obs)?;
            writeln!(out)?;
        }
        (ExportWhat::Observations, ExportFormat::Parquet) => {
            let slug = campaign_column.then(|| campaign.slug());
            observations_parquet(store, &query, slug, &mut out)?
        }
        (ExportWhat::Timeline, format) => timeline_to(store, campaign, format, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// The campaign's observations as tidy CSV (re-importable), batch by batch.
fn observations_csv(
    store: &dyn Store,
    campaign: &config::Campaign,
    query: &Query,
    out: impl std::io::Write,
) -> Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(exports::tidy::HEADER)?;
    let tz = campaign.tz();
    let mut failed: Option<anyhow::Error> = None;
    let mut at = String::new();
    let mut value = String::new();
    let scanned = store.scan(query, store::ScanOrder::Sorted, &mut |b| {
        for i in 0..b.len() {
            let (platform, video) = &b.videos[b.video[i] as usize];
            at.clear();
            value.clear();
            use std::fmt::Write as _;
            let t = DateTime::from_timestamp_millis(b.at_ms[i]).unwrap_or_default();
            let _ = match b.kind[i] {
                Kind::Total => write!(at, "{}", render::rfc3339(t)),
                // A day of the campaign's time zone as a date; a day that ends elsewhere
                // (a platform's reporting day) as its end, so it imports back as it was.
                Kind::Daily if day_end(day_of(t, tz), tz) == t => {
                    write!(at, "{}", day_of(t, tz))
                }
                Kind::Daily => write!(at, "{}", render::rfc3339(t)),
            };
            let _ = write!(value, "{}", b.value[i]);
            let account = b.account[i].map_or("", |a| b.accounts[a as usize].as_str());
            if let Err(e) = w.write_record([
                platform.as_str(),
                video,
                account,
                b.metric[i].as_str(),
                b.kind[i].as_str(),
                &at,
                &value,
            ]) {
                failed = Some(e.into());
                return Err(store::StoreError::Query {
                    location: "export".into(),
                    message: "stopped: the output failed".into(),
                });
            }
        }
        Ok(())
    });
    scanned.map_err(|e| failed.take().unwrap_or_else(|| e.into()))?;
    w.flush()?;
    Ok(())
}

/// The campaign's observations as Parquet, batch by batch; `slug` adds a campaign column.
fn observations_parquet(
    store: &dyn Store,
    query: &Query,
    slug: Option<&str>,
    out: impl std::io::Write,
) -> Result<()> {
    let mut writer = crate::sinks::parquet::ParquetObservations::new(out, slug)?;
    let mut failed: Option<crate::sinks::parquet::ParquetError> = None;
    let scanned = store.scan(query, store::ScanOrder::Sorted, &mut |b| {
        writer.push(b).map_err(|e| {
            let message = e.to_string();
            failed = Some(e);
            store::StoreError::Query {
                location: "export".into(),
                message,
            }
        })
    });
    scanned.map_err(|e| failed.take().map_or_else(|| e.into(), anyhow::Error::from))?;
    writer.finish()?;
    Ok(())
}

/// The campaign's daily timeline in `format`.
fn timeline_to(
    store: &dyn Store,
    campaign: &config::Campaign,
    format: ExportFormat,
    mut out: impl std::io::Write,
) -> Result<()> {
    let tl = timeline::for_campaign(store, campaign, None)?;
    match format {
        ExportFormat::Csv => out.write_all(crate::sinks::timeline_csv(&tl)?.as_bytes())?,
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &tl)?;
            writeln!(out)?;
        }
        ExportFormat::Parquet => crate::sinks::parquet::write_timeline_parquet(&tl, &mut out)?,
    }
    Ok(())
}

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
    let period = period::PeriodArgs::parse(args.from.as_deref(), args.until.as_deref())?;
    // The campaign choice first: a usage error is said before the store is opened.
    let slug = args.campaign.campaign.as_deref();
    match args.partition_by {
        Some(_) => period.check(&config.selected(slug)?)?,
        None => period.check(&[config.campaign(slug)?])?,
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
            export_to(store.as_ref(), campaign, args, period, tmp.as_file(), false)
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
            export_to(store.as_ref(), campaign, args, period, tmp.as_file(), true)
                .with_context(|| format!("cannot export to {}", path.display()))?;
            persist_export(tmp, path)?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let stdout = std::io::stdout();
            export_to(store.as_ref(), campaign, args, period, stdout.lock(), true)?;
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
    period: period::PeriodArgs,
    out: impl std::io::Write,
    campaign_column: bool,
) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let bounds = period.resolve(campaign.tz())?;
    let query = Query {
        campaign: campaign.slug().to_string(),
        until: bounds.until,
        ..Default::default()
    };
    let from = FromFilter(bounds.from.map(|t| t.timestamp_millis()));
    match (args.what, args.format) {
        (ExportWhat::Observations, ExportFormat::Csv) => {
            observations_csv(store, campaign, &query, from, &mut out)?
        }
        (ExportWhat::Observations, ExportFormat::Json) => {
            let mut obs = store.observations(&query)?;
            obs.retain(|o| from.keeps(o.kind, o.at.timestamp_millis()));
            serde_json::to_writer_pretty(&mut out, &obs)?;
            writeln!(out)?;
        }
        (ExportWhat::Observations, ExportFormat::Parquet) => {
            let slug = campaign_column.then(|| campaign.slug());
            observations_parquet(store, &query, from, slug, &mut out)?
        }
        (ExportWhat::Timeline, format) => timeline_to(store, campaign, bounds, format, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// `export --from`: which observations lie in the period (a `total` read at or after the
/// instant, a `daily` row whose day ends after it); None keeps every one.
#[derive(Debug, Clone, Copy)]
struct FromFilter(Option<i64>);

impl FromFilter {
    fn keeps(self, kind: Kind, at_ms: i64) -> bool {
        match (self.0, kind) {
            (None, _) => true,
            (Some(f), Kind::Total) => at_ms >= f,
            (Some(f), Kind::Daily) => at_ms > f,
        }
    }
}

/// The campaign's observations as tidy CSV (re-importable), batch by batch.
fn observations_csv(
    store: &dyn Store,
    campaign: &config::Campaign,
    query: &Query,
    from: FromFilter,
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
            if !from.keeps(b.kind[i], b.at_ms[i]) {
                continue;
            }
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
    from: FromFilter,
    slug: Option<&str>,
    out: impl std::io::Write,
) -> Result<()> {
    let mut writer = crate::sinks::parquet::ParquetObservations::new(out, slug)?;
    let mut failed: Option<crate::sinks::parquet::ParquetError> = None;
    let mut kept = store::ObservationBatch::default();
    let scanned = store.scan(query, store::ScanOrder::Sorted, &mut |b| {
        let b = match from.0 {
            None => b,
            Some(_) => {
                kept.clone_from(b);
                kept.retain_rows(|i| from.keeps(b.kind[i], b.at_ms[i]));
                &kept
            }
        };
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

/// The campaign's daily timeline in `format` (with `--from`/`--until`: the days that end in
/// the period, their values from every stored reading).
fn timeline_to(
    store: &dyn Store,
    campaign: &config::Campaign,
    bounds: period::Bounds,
    format: ExportFormat,
    mut out: impl std::io::Write,
) -> Result<()> {
    let mut tl = timeline::for_campaign(store, campaign, None)?;
    let inside =
        |t: DateTime<Utc>| bounds.from.is_none_or(|f| t > f) && bounds.until.is_none_or(|u| t <= u);
    if bounds.from.is_some() || bounds.until.is_some() {
        tl.days.retain(|d| inside(d.end));
        tl.points.retain(|p| {
            bounds.from.is_none_or(|f| p.at >= f) && bounds.until.is_none_or(|u| p.at <= u)
        });
    }
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

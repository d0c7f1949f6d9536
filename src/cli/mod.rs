//! Command-line interface: clap definitions and dispatch. Every command calls the same library
//! functions the daemon will.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, ChartSize, Config, Language};
use crate::exports::{self, ImportError, ImportOptions};
use crate::model::{day_end, day_of, Kind};
use crate::render::{self, locale::Locale, ReportOptions, Status};
use crate::sources;
use crate::store::{self, Query, Store};
use crate::timeline;

mod args;
mod export;
pub use args::*;
use export::export;

pub use crate::error::{exit_code, UsageError};

/// Parse the command line and run it.
pub fn run() -> Result<ExitCode> {
    match run_command() {
        // `viewtally export … | head`: the reader has what it wanted; end quietly.
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// Whether an error is a write to a pipe whose reader has gone (`| head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |ce| matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe),
            )
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|je| je.io_error_kind() == Some(BrokenPipe))
    })
}

fn run_command() -> Result<ExitCode> {
    let cli = Cli::parse();
    init_logging(&cli);
    load_env(cli.env_file.as_deref())?;
    let now = match &cli.now {
        Some(s) => parse_time(s, "--now")?,
        None => Utc::now(),
    };
    match &cli.command {
        Command::Demo => demo(now),
        Command::Init { force } => init(*force),
        Command::Check { online } => check(
            &load_config(&cli)?,
            *online,
            cli.env_file.as_deref().unwrap_or(Path::new(".env")),
            now,
        ),
        Command::Collect { campaign } => {
            collect(&load_config(&cli)?, campaign.campaign.as_deref(), now)
        }
        Command::Import(args) => import(&load_config(&cli)?, args, now),
        Command::Report(args) => report(&load_config(&cli)?, args, now),
        Command::Status {
            campaign,
            json,
            until,
        } => status(
            &load_config(&cli)?,
            campaign.campaign.as_deref(),
            *json,
            until.as_deref(),
            now,
        ),
        Command::Export(args) => export(&load_config(&cli)?, args),
        Command::Daemon { listen } => {
            let config = load_config(&cli)?;
            let clock = match &cli.now {
                Some(_) => crate::daemon::schedule::Clock::starting_at(now),
                None => crate::daemon::schedule::Clock::System,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(crate::daemon::run(
                config,
                crate::daemon::DaemonOptions {
                    listen: listen.clone(),
                    clock,
                },
            ))
        }
    }
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn,viewtally=info",
            1 => "info,viewtally=debug",
            _ => "debug,viewtally=trace",
        }
    };
    let filter = EnvFilter::try_from_env("VIEWTALLY_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match cli.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .without_time()
            .try_init(),
    };
}

fn load_env(path: Option<&Path>) -> Result<()> {
    match path {
        Some(p) => {
            dotenvy::from_path(p).map_err(|e| {
                UsageError(format!("--env-file {}: {}", p.display(), env_error(p, &e)))
            })?;
        }
        None => match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => bail!(UsageError(format!(
                ".env{}; fix the line or pass --env-file PATH",
                match env_error(Path::new(".env"), &e) {
                    m if m.starts_with("line ") => format!(" {m}"),
                    m => format!(": {m}"),
                }
            ))),
        },
    }
    Ok(())
}

/// What is wrong with an env file, without quoting the line: dotenvy's own message repeats
/// it whole, and a line of a secrets file holds a secret.
fn env_error(path: &Path, e: &dotenvy::Error) -> String {
    let dotenvy::Error::LineParse(line, index) = e else {
        return e.to_string();
    };
    let number = std::fs::read_to_string(path).ok().and_then(|text| {
        let first = line.lines().next().unwrap_or("").trim();
        text.lines().position(|l| l.trim() == first).map(|i| i + 1)
    });
    let name: String = line
        .trim_start()
        .trim_start_matches("export ")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let what = match name.is_empty() {
        true => String::new(),
        false => format!(" (the line of {name})"),
    };
    match number {
        Some(n) => format!(
            "line {n}{what} cannot be parsed at character {}: write NAME=value (the value is not shown here)",
            index + 1
        ),
        None => format!(
            "a line{what} cannot be parsed at character {}: write NAME=value (the value is not shown here)",
            index + 1
        ),
    }
}

fn load_config(cli: &Cli) -> Result<Config> {
    let path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_CONFIG_PATH));
    let mut config = Config::load(&path)?;
    if let Ok(url) = std::env::var("VIEWTALLY_STORE") {
        if !url.trim().is_empty() {
            config.store.url = url;
        }
    }
    Ok(config)
}

fn parse_time(s: &str, what: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(23, 59, 59).expect("valid").and_utc());
    }
    Err(UsageError(format!(
        "{what} `{s}` is not a time; write RFC 3339 like 2020-07-27T12:00:00+02:00 (or a date, YYYY-MM-DD, meaning its end in UTC)"
    ))
    .into())
}

fn open_store(config: &Config) -> Result<Box<dyn Store>> {
    Ok(store::open(&config.store.url)?)
}

fn demo(now: DateTime<Utc>) -> Result<ExitCode> {
    // The sample exports in config/demo/ (tests/fixtures/make_demo.py writes them).
    const SAMPLES: &[(&str, &[u8])] = &[
        (
            "Content 2020-07-24_2020-09-30 Conectart.zip",
            include_bytes!("../../config/demo/Content 2020-07-24_2020-09-30 Conectart.zip"),
        ),
        (
            "Jul-24-2020_Aug-07-2020_1106412345678901.csv",
            include_bytes!("../../config/demo/Jul-24-2020_Aug-07-2020_1106412345678901.csv"),
        ),
        (
            "conectart_content_1595617200000.xls",
            include_bytes!("../../config/demo/conectart_content_1595617200000.xls"),
        ),
        (
            "conectart_content_1595692800000.xls",
            include_bytes!("../../config/demo/conectart_content_1595692800000.xls"),
        ),
        (
            "conectart_content_1595779200000.xls",
            include_bytes!("../../config/demo/conectart_content_1595779200000.xls"),
        ),
        (
            "conectart_content_1595865600000.xls",
            include_bytes!("../../config/demo/conectart_content_1595865600000.xls"),
        ),
        (
            "conectart_content_1595952000000.xls",
            include_bytes!("../../config/demo/conectart_content_1595952000000.xls"),
        ),
        (
            "conectart_content_1596211200000.xls",
            include_bytes!("../../config/demo/conectart_content_1596211200000.xls"),
        ),
        (
            "conectart_content_1597420800000.xlsx",
            include_bytes!("../../config/demo/conectart_content_1597420800000.xlsx"),
        ),
        (
            "conectart_content_1601492400000.xlsx",
            include_bytes!("../../config/demo/conectart_content_1601492400000.xlsx"),
        ),
        (
            "facebook-api-readings.csv",
            include_bytes!("../../config/demo/facebook-api-readings.csv"),
        ),
    ];
    let config = Config::parse(config::DEMO_CONFIG, "config/demo.toml (built in)")?;
    let db = PathBuf::from("data/demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot reset the demo store {}", p.display()))
            }
        }
    }
    let mut store = store::open(&config.store.url)?;
    let samples =
        tempfile::tempdir().context("cannot create a temporary folder for the samples")?;
    println!("viewtally demo — synthetic sample data, no network, no credentials");
    for (name, content) in SAMPLES {
        let path = samples.path().join(name);
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let report = exports::import_file(
            &path,
            &config,
            store.as_mut(),
            &ImportOptions::default(),
            now,
        )?;
        println!(
            "  imported config/demo/{name}: {} ({}), {} stored",
            crate::model::counted(report.rows, "row", "rows"),
            report.format,
            report.written.inserted
        );
    }
    let campaign = &config.campaigns[0];
    let tl = timeline::for_campaign(store.as_ref(), campaign, None)?;
    let options = ReportOptions {
        dir: PathBuf::from("reports/demo"),
        ..ReportOptions::for_campaign(&config, campaign, Path::new("reports"), None, now)
    };
    let written = render::write_report(campaign, &tl, &options)?;
    print!("\n{}", Status::text(&tl, &Locale::new(campaign.language)));
    println!(
        "\nstore: {} ({})",
        store.location(),
        crate::model::counted(store.count(None)? as usize, "observation", "observations")
    );
    println!("report:");
    for p in written {
        println!("  {}", p.display());
    }
    println!("\nnext: viewtally --config config/demo.toml status --json");
    Ok(ExitCode::SUCCESS)
}

fn init(force: bool) -> Result<ExitCode> {
    let files = [
        (
            PathBuf::from(config::DEFAULT_CONFIG_PATH),
            config::EXAMPLE_CONFIG.to_string(),
        ),
        (PathBuf::from(".env.example"), env_example()),
    ];
    for (path, _) in &files {
        if path.exists() && !force {
            bail!(UsageError(format!(
                "{} already exists; edit it, or pass --force to overwrite it",
                path.display()
            )));
        }
    }
    for (path, content) in &files {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: edit {}, copy .env.example to .env and fill in the tokens you have, then `viewtally check`",
        config::DEFAULT_CONFIG_PATH
    );
    Ok(ExitCode::SUCCESS)
}

/// The `.env.example` that `init` writes: every API platform's secrets.
fn env_example() -> String {
    let mut out = String::from(
        "# Secrets for viewtally. Copy to .env (never commit .env) and fill in what you have.\n",
    );
    for source in sources::platform::registry() {
        out.push_str(source.env_example());
    }
    out
}

fn check(config: &Config, online: bool, env_file: &Path, now: DateTime<Utc>) -> Result<ExitCode> {
    let (problems, warnings) = check_more(config)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if !problems.is_empty() {
        bail!(UsageError(format!(
            "{} is not ready: {}",
            config.origin,
            problems.join("; ")
        )));
    }
    println!("{}: valid", config.origin);
    println!("store: {}", store::redact_url(&config.store.url));
    for c in &config.campaigns {
        println!(
            "campaign {} — {} ({}, {} video{}, milestones {:?})",
            c.slug(),
            c.name,
            c.tz().name(),
            c.videos.len(),
            if c.videos.len() == 1 { "" } else { "s" },
            c.milestones()
        );
        for v in &c.videos {
            println!("  {:<9} {}", v.platform.as_str(), v.id);
        }
    }
    for source in sources::platform::registry() {
        let name = source.platform().display_name();
        let vars = source.credential_env(&config.platforms).into_iter();
        for var in vars.chain(source.optional_env(&config.platforms)) {
            match std::env::var(&var) {
                Ok(v) if !v.trim().is_empty() => println!("{name}: {var} is set"),
                _ => println!("{name}: {var} is not set (needed only for `collect`)"),
            }
        }
    }
    warn_env_permissions(env_file);
    if !warnings.is_empty() {
        println!(
            "{} (see above); the config is valid",
            crate::model::counted(warnings.len(), "warning", "warnings")
        );
    }
    if !online {
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = open_store(config)?;
    println!(
        "store (online): ok, {} in {}",
        crate::model::counted(store.count(None)? as usize, "observation", "observations"),
        store.location()
    );
    let probes = runtime()?.block_on(async {
        sources::Collector::new(config)?
            .probe(config, store.as_mut(), now)
            .await
    })?;
    if probes.is_empty() {
        println!("online: no [platforms.*] section to probe");
    }
    let mut failed = Vec::new();
    for probe in &probes {
        println!(
            "{} (online): {}",
            probe.platform.display_name(),
            match (probe.probed, probe.ok) {
                (false, _) => "not probed",
                (true, true) => "ok",
                (true, false) => "FAILED",
            }
        );
        for line in &probe.lines {
            println!("  {line}");
        }
        if !probe.ok {
            failed.push(probe.platform.as_str());
        }
    }
    if !failed.is_empty() {
        bail!(
            "the online check failed for {} (see above)",
            failed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What `check` finds beyond the config's syntax, before anything runs: problems (refused:
/// exit 2) and warnings (exit 0: a variable may be set only where the daemon runs).
fn check_more(config: &Config) -> Result<(Vec<String>, Vec<String>)> {
    use crate::model::Platform;
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let unset = |var: &str| std::env::var(var).map_or(true, |v| v.trim().is_empty());
    for c in &config.campaigns {
        let slug = c.slug();
        if c.milestones().is_empty() {
            problems.push(format!(
                "campaign `{slug}`: milestones = [] lists no milestone, so nothing would ever be \
                 announced or marked; list at least one, e.g. milestones = [10000]"
            ));
        }
        for v in &c.videos {
            let id = v.id.as_str();
            let bad = match v.platform {
                Platform::Tiktok | Platform::Vimeo => Some(format!(
                    "platform `{}` is not supported (yet); supported platforms: {}",
                    v.platform,
                    config::SUPPORTED_PLATFORMS
                )),
                p => sources::platform::find(p).and_then(|s| s.config_id_doubt(id)),
            };
            // An unknown platform is refused; an id that does not look like one is a warning
            // (collection and imports would find nothing for it).
            match bad {
                Some(why) if matches!(v.platform, Platform::Tiktok | Platform::Vimeo) => {
                    problems.push(format!("campaign `{slug}`: [[campaign.video]] {why}"))
                }
                Some(why) => warnings.push(format!(
                    "campaign `{slug}`: [[campaign.video]] platform = \"{}\", id: {why}; \
                     collection and imports would find nothing for it",
                    v.platform
                )),
                None => {}
            }
        }
        if c.schedule.collect.is_some() {
            let mut platforms: Vec<Platform> = c.videos.iter().map(|v| v.platform).collect();
            platforms.sort();
            platforms.dedup();
            for platform in platforms {
                let Some(source) = sources::platform::find(platform) else {
                    continue;
                };
                let var = source.schedule_env(&config.platforms);
                match var {
                    None => warnings.push(format!(
                        "campaign `{slug}` collects on a schedule from {} but the config has no \
                         [platforms.{}] section: add one naming the variable that holds the \
                         credential",
                        platform.display_name(),
                        platform.as_str()
                    )),
                    Some(var) if unset(&var) => warnings.push(format!(
                        "campaign `{slug}` collects on a schedule from {}, but {var} is not set: \
                         put it in .env (or the daemon's environment) before the daemon runs",
                        platform.display_name()
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    for n in &config.notify {
        if unset(&n.url_env) {
            warnings.push(format!(
                "[[notify]] url_env = \"{0}\": {0} is not set, so milestone announcements to \
                 this webhook would fail; put the webhook URL in .env (or the daemon's \
                 environment) as {0}=…",
                n.url_env
            ));
        }
    }
    // A store that exists (never created by `check`): campaigns without observations.
    let existing = config
        .store
        .url
        .strip_prefix("sqlite://")
        .or_else(|| config.store.url.strip_prefix("sqlite:"))
        .is_some_and(|db| db != ":memory:" && Path::new(db).is_file());
    if existing {
        let store = open_store(config)?;
        for c in &config.campaigns {
            if let Some(note) = no_observations_note(store.as_ref(), c.slug())? {
                warnings.push(note);
            }
        }
    }
    Ok((problems, warnings))
}

/// A small runtime for the async API code (the daemon brings its own).
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn collect(config: &Config, slug: Option<&str>, now: DateTime<Utc>) -> Result<ExitCode> {
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

/// Warn when a .env file can be read by other users of the machine.
fn warn_env_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    "{} can be read by other users; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
}

fn import(config: &Config, args: &ImportArgs, now: DateTime<Utc>) -> Result<ExitCode> {
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
            Ok(r) => {
                let w = r.written;
                let what = match &r.detail {
                    Some(d) => format!("{}: {d}", r.format),
                    None => r.format.to_string(),
                };
                if args.dry_run {
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
            Err(e) => {
                if files.len() > 1 {
                    eprintln!("error: {e}");
                }
                failures.push(e);
            }
        }
    }
    match failures.len() {
        0 => Ok(ExitCode::SUCCESS),
        n => {
            let first = failures.remove(0);
            if n == 1 && files.len() == 1 {
                return Err(first.into());
            }
            Err(anyhow::Error::new(first).context(format!(
                "{n} of {} files {} not imported (nothing from {} was stored)",
                files.len(),
                if n == 1 { "was" } else { "were" },
                if n == 1 { "it" } else { "them" }
            )))
        }
    }
}

fn report(config: &Config, args: &ReportArgs, now: DateTime<Utc>) -> Result<ExitCode> {
    let until = args
        .until
        .as_deref()
        .map(|s| parse_time(s, "--until"))
        .transpose()?;
    let campaigns = config.selected(args.campaign.campaign.as_deref())?;
    let store = open_store(config)?;
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

fn status(
    config: &Config,
    slug: Option<&str>,
    json: bool,
    until: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let until = until.map(|s| parse_time(s, "--until")).transpose()?;
    let mut store = open_store(config)?;
    if json {
        let campaign = config.campaign(slug)?;
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
        for campaign in config.selected(slug)? {
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

/// When campaign `slug` has no observations while the store holds other campaigns', a note
/// that says which (a renamed slug, or a config pointed at another campaign's store).
pub fn no_observations_note(store: &dyn Store, slug: &str) -> Result<Option<String>> {
    let held = store.campaigns()?;
    if held.is_empty() || held.iter().any(|(c, _)| c == slug) {
        return Ok(None);
    }
    Ok(Some(format!(
        "campaign `{slug}` has no observations in the store, which holds {}; if the campaign \
         was renamed, set its slug back (observations are stored under the slug) or import its \
         data again",
        held.iter()
            .take(10)
            .map(|(c, n)| format!(
                "`{c}` ({})",
                crate::model::counted(*n as usize, "observation", "observations")
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests;

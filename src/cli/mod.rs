//! Command-line interface: dispatch and the helpers commands share. The clap definitions are
//! in `args.rs`, each command in its own file. Every command calls the same library functions
//! the daemon will.

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
mod check;
mod collect;
mod compare;
mod daemon;
mod demo;
mod export;
mod import;
mod init;
mod period;
mod report;
mod status;
pub use args::*;
use check::check;
use collect::collect;
use compare::compare;
use daemon::daemon;
use demo::demo;
use export::export;
use import::import;
use init::init;
use report::report;
use status::status;

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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return Err(usage_error(e)),
    };
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
        Command::Compare(args) => compare(&load_config(&cli)?, args, now),
        Command::Status {
            campaign,
            json,
            until,
            from,
        } => status(
            &load_config(&cli)?,
            campaign.campaign.as_deref(),
            *json,
            period::PeriodArgs::parse(from.as_deref(), until.as_deref())?,
            now,
        ),
        Command::Export(args) => export(&load_config(&cli)?, args),
        Command::Daemon { listen } => daemon(
            load_config(&cli)?,
            listen.clone(),
            cli.now.as_ref().map(|_| now),
        ),
    }
}

/// Whether log lines (and the fatal error line) are JSON: set once logging is set up.
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--log-format json` is in effect.
pub fn json_logs() -> bool {
    JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether stderr goes to journald (systemd sets `JOURNAL_STREAM` for a unit's output),
/// which stamps every line itself.
fn under_journald() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some_and(|v| !v.is_empty())
}

/// A command line clap refuses: help and version print as usual; with `--log-format json` on
/// the line the refusal becomes one JSON line (a usage error, exit 2), else clap prints it.
fn usage_error(e: clap::Error) -> anyhow::Error {
    use clap::error::ErrorKind;
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|w| w[0] == "--log-format" && w[1] == "json")
        || args.iter().any(|a| a == "--log-format=json");
    if !json
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        e.exit()
    }
    JSON_LOGS.store(true, std::sync::atomic::Ordering::Relaxed);
    let text = e.render().to_string();
    UsageError(text.trim().trim_start_matches("error: ").to_string()).into()
}

/// The one line a fatal error prints on stderr: `error: …`, or with `--log-format json` a JSON
/// object shaped like the log lines (`timestamp`, `level`, `message`).
pub fn print_fatal(e: &anyhow::Error) {
    if json_logs() {
        eprintln!("{}", json_line("ERROR", &format!("{e:#}")));
    } else {
        eprintln!("error: {e:#}");
    }
}

/// One log line in the JSON log format, for lines written outside `tracing`.
pub fn json_line(level: &str, message: &str) -> String {
    serde_json::json!({
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level,
        "message": message,
    })
    .to_string()
}

/// Logging on stderr. Text: a timestamp, the level and the message (no timestamp under
/// journald, which adds its own). JSON: one object a line with `timestamp`, `level`,
/// `message` and the fields at the top level, plus the job's span; no source paths.
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
        .with_target(false)
        .with_file(false)
        .with_line_number(false);
    let _ = match cli.log_format {
        LogFormat::Json => {
            JSON_LOGS.store(true, std::sync::atomic::Ordering::Relaxed);
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .try_init()
        }
        LogFormat::Text if under_journald() => builder.with_ansi(false).without_time().try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
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
            // Like a command-line path: a relative one is read from the current folder.
            config.store.url = url;
            config.relative_store = None;
        }
    }
    if let Some(what_to_do) = config.store_moved() {
        bail!(UsageError(what_to_do));
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

/// The store for a command that only reads (`status`, `report`, `export`): never created here
/// ("no store at …; `viewtally import` or `viewtally collect` creates it").
fn open_existing_store(config: &Config) -> Result<Box<dyn Store>> {
    Ok(store::open_existing(&config.store.url)?)
}

/// A small runtime for the async API code (the daemon brings its own).
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
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

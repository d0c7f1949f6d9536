//! Scale benchmarks of the `viewtally` binary, and the synthetic data they run on.
//!
//! ```text
//! cargo build --release
//! cargo bench --bench scale -- gen 1m            # store of 1M observations (300 videos × 3 platforms, hourly)
//! cargo bench --bench scale -- report 1m         # wall time and peak RSS of `viewtally report`
//! cargo bench --bench scale -- import-tidy 1m    # rows/s importing a 1M-row tidy CSV
//! cargo bench --bench scale -- import-studio 1m  # rows/s importing a 1M-row YouTube Studio Chart data.csv
//! cargo bench --bench scale -- collect           # 5 000 + 1 000 + 500 videos against 50 ms mock APIs
//! cargo bench --bench scale -- daemon-idle       # RSS and wake-ups of an idle daemon
//! ```
//! Everything is written under `target/bench-data/` (override with `--data DIR`). `gen` and
//! `report` take `--store URL` (default `sqlite://target/bench-data/<size>.db`) so that the
//! same figures can be taken on another store (e.g. `postgres://…`). The binary measured is
//! `target/release/viewtally` unless `--bin PATH` says otherwise. Each measured command runs in
//! a child process; wall time is taken around it and peak RSS comes from `wait4`'s rusage.
//! BENCHMARKS.md has the method and the figures.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, TimeZone, Utc};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use viewtally::model::{Kind, Metric, Observation, Platform, Source};

// The tests' config builder (tests/support/config.rs).
#[path = "../tests/support/config.rs"]
mod config;
use config::ConfigBuilder;

#[derive(Debug, Parser)]
#[command(
    name = "scale",
    about = "viewtally scale benchmarks (see BENCHMARKS.md)"
)]
struct Args {
    /// Where generated data and outputs go
    #[arg(long, global = true, default_value = "target/bench-data")]
    data: PathBuf,
    /// The viewtally binary to measure
    #[arg(long, global = true, default_value = "target/release/viewtally")]
    bin: PathBuf,
    /// `cargo bench` passes this; ignored
    #[arg(long, global = true, hide = true)]
    bench: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Write a store of N observations (e.g. 1m, 10m, 250k) and a config for it
    Gen {
        size: String,
        /// Store URL [default: sqlite://DATA/<size>.db]
        #[arg(long)]
        store: Option<String>,
    },
    /// Time `viewtally report` (full chart set, HTML, CSV/JSON) over a generated store
    Report {
        size: String,
        #[arg(long)]
        store: Option<String>,
        /// How many runs (the figures of each are printed, then the median)
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Time `viewtally import` of an N-row tidy CSV into a fresh store
    ImportTidy { size: String },
    /// Time `viewtally import` of an N-row YouTube Studio `Chart data.csv` into a fresh store
    ImportStudio { size: String },
    /// Time one `viewtally collect` of many videos against local mock APIs
    Collect {
        #[arg(long, default_value_t = 5000)]
        youtube: usize,
        #[arg(long, default_value_t = 1000)]
        facebook: usize,
        #[arg(long, default_value_t = 500)]
        linkedin: usize,
        /// Latency of every mock answer, in milliseconds
        #[arg(long, default_value_t = 50)]
        latency_ms: u64,
        /// `[platforms.http] concurrency` (default: viewtally's default)
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Import and report one N-row tidy CSV with viewtally and with the Python references in
    /// benches/reference/ (pandas, Python polars), and print the ratios
    Compare {
        size: String,
        /// Runs of each command (the median is compared)
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The Python interpreter of the references (skipped when it lacks their packages)
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// Start `viewtally daemon` with nothing due, and measure it while it idles
    DaemonIdle {
        /// Seconds to watch it
        #[arg(long, default_value_t = 60)]
        secs: u64,
    },
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("cannot create {}", args.data.display()))?;
    match &args.command {
        Cmd::Gen { size, store } => gen(&args, parse_size(size)?, &store_url(&args, size, store)),
        Cmd::Report { size, store, runs } => {
            report(&args, size, &store_url(&args, size, store), *runs)
        }
        Cmd::ImportTidy { size } => import_tidy(&args, parse_size(size)?),
        Cmd::ImportStudio { size } => import_studio(&args, parse_size(size)?),
        Cmd::Collect {
            youtube,
            facebook,
            linkedin,
            latency_ms,
            concurrency,
        } => collect(
            &args,
            [*youtube, *facebook, *linkedin],
            *latency_ms,
            *concurrency,
        ),
        Cmd::Compare { size, runs, python } => compare(&args, parse_size(size)?, *runs, python),
        Cmd::DaemonIdle { secs } => daemon_idle(&args, *secs),
    }
}

/// `1m` → 1 000 000, `250k` → 250 000, `1234` → 1234.
fn parse_size(s: &str) -> Result<u64> {
    let lower = s.to_ascii_lowercase();
    let (digits, factor) = match lower.strip_suffix('m') {
        Some(d) => (d, 1_000_000),
        None => match lower.strip_suffix('k') {
            Some(d) => (d, 1_000),
            None => (lower.as_str(), 1),
        },
    };
    let n: u64 = digits
        .parse()
        .with_context(|| format!("size `{s}`: write a count like 1m, 10m, 250k or 5000"))?;
    Ok(n * factor)
}

/// The store URL (absolute: the measured binary runs in another folder).
fn store_url(args: &Args, size: &str, store: &Option<String>) -> String {
    store.clone().unwrap_or_else(|| {
        let data = std::fs::canonicalize(&args.data).unwrap_or_else(|_| args.data.clone());
        format!("sqlite://{}", data.join(format!("{size}.db")).display())
    })
}

// ───────────────────────────── synthetic campaign ─────────────────────────────

const VIDEOS_PER_PLATFORM: usize = 300;
const PLATFORMS: [Platform; 3] = [Platform::Youtube, Platform::Facebook, Platform::Linkedin];
const CAMPAIGN: &str = "scale";

fn video_id(platform: Platform, i: usize) -> String {
    match platform {
        Platform::Youtube => format!("yt{i:09}"),
        Platform::Facebook => format!("{}", 100_000_000_000_000u64 + i as u64),
        _ => format!("urn:li:ugcPost:{}", 7_000_000_000_000_000_000u64 + i as u64),
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

/// A config for the synthetic campaign: 900 listed videos, every chart size and format the
/// defaults render.
fn scale_config(store: &str) -> String {
    let mut config = ConfigBuilder::with_store(store)
        .section("report")
        .key("dir", "reports")
        .campaign(CAMPAIGN, "Scale benchmark campaign")
        .key("launched", "2025-01-01T00:00:00+01:00")
        .key("milestones", vec![1000000, 10000000, 100000000, 1000000000])
        .key("language", "en");
    for p in PLATFORMS {
        for i in 0..VIDEOS_PER_PLATFORM {
            config = config
                .video(p.as_str(), &video_id(p, i))
                .key("account", format!("{} account {}", p.display_name(), i % 7))
                .key("title", format!("Video {i}"));
        }
    }
    config.build()
}

/// The synthetic observations, hour by hour: every video's lifetime views read by the API each
/// hour, except LinkedIn's first 30 days, which come as daily rows from an export (so the
/// timeline merges both kinds). Counters mostly grow; now and then one drops (spam removal).
struct Synthetic {
    rng: fastrand::Rng,
    counters: Vec<i64>,
    hour: i64,
    series: Vec<(Platform, String, String)>,
    daily_acc: Vec<i64>,
}

impl Synthetic {
    fn new() -> Synthetic {
        let series: Vec<_> = PLATFORMS
            .iter()
            .flat_map(|&p| {
                (0..VIDEOS_PER_PLATFORM).map(move |i| {
                    (
                        p,
                        video_id(p, i),
                        format!("{} account {}", p.display_name(), i % 7),
                    )
                })
            })
            .collect();
        Synthetic {
            rng: fastrand::Rng::with_seed(7),
            counters: vec![0; series.len()],
            daily_acc: vec![0; series.len()],
            hour: 0,
            series,
        }
    }

    /// The next hour's rows (900 for API readings; fewer during LinkedIn's export period).
    fn next_hour(&mut self, out: &mut Vec<Observation>) {
        self.hour += 1;
        let at = start() + chrono::Duration::hours(self.hour);
        let export = Source::export("0123456789abcdef");
        for (s, (platform, video, account)) in self.series.iter().enumerate() {
            let growth = self.rng.i64(0..(20 + (s as i64 % 13) * 10));
            let mut value = self.counters[s] + growth;
            if self.rng.u32(0..5000) == 0 {
                value = (value - self.rng.i64(1..50)).max(0);
            }
            self.counters[s] = value;
            let linkedin_export = *platform == Platform::Linkedin && self.hour <= 30 * 24;
            if linkedin_export {
                self.daily_acc[s] += growth;
                if self.hour % 24 != 0 {
                    continue;
                }
            }
            out.push(Observation {
                campaign: CAMPAIGN.into(),
                platform: *platform,
                video: video.clone(),
                account: Some(account.clone()),
                metric: Metric::Views,
                kind: if linkedin_export {
                    Kind::Daily
                } else {
                    Kind::Total
                },
                at,
                value: if linkedin_export {
                    std::mem::take(&mut self.daily_acc[s])
                } else {
                    value
                },
                source: if linkedin_export {
                    export.clone()
                } else {
                    Source::api()
                },
                collected_at: at,
            });
        }
    }
}

fn gen(args: &Args, rows: u64, url: &str) -> Result<()> {
    let config = args.data.join(format!("scale-{}.toml", url_slug(url)));
    std::fs::write(&config, scale_config(url))
        .with_context(|| format!("cannot write {}", config.display()))?;
    let mut store = viewtally::store::open(url)?;
    let existing = store.count(Some(CAMPAIGN))?;
    if existing > 0 {
        bail!("{url} already holds {existing} observations of `{CAMPAIGN}`; delete it first");
    }
    let started = Instant::now();
    let mut synthetic = Synthetic::new();
    let mut chunk = Vec::with_capacity(250_000);
    let mut written = 0u64;
    while written < rows {
        while (chunk.len() as u64) < (rows - written).min(200_000) {
            synthetic.next_hour(&mut chunk);
        }
        chunk.truncate((rows - written) as usize);
        store.write(&chunk, &[])?;
        written += chunk.len() as u64;
        chunk.clear();
        eprint!(
            "\r{written} / {rows} observations ({:.0} rows/s)",
            written as f64 / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    println!(
        "gen: {rows} observations in {:.1} s into {url}; config {}",
        started.elapsed().as_secs_f64(),
        config.display()
    );
    Ok(())
}

/// A file-name-safe form of a store URL (for the config written beside it).
fn url_slug(url: &str) -> String {
    let tail = url.rsplit(['/', '@']).next().unwrap_or(url);
    tail.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

// ───────────────────────────── measuring a child ─────────────────────────────

/// What one run of the binary cost.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    max_rss_kb: i64,
    user: Duration,
    sys: Duration,
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wall {:.2} s, user {:.2} s, sys {:.2} s, peak RSS {:.1} MB",
            self.wall.as_secs_f64(),
            self.user.as_secs_f64(),
            self.sys.as_secs_f64(),
            self.max_rss_kb as f64 / 1024.0
        )
    }
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Run `cmd` to its end; its wall time and (via wait4) its peak RSS and CPU times.
fn measure(cmd: &mut Command) -> Result<(Measured, String)> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("cannot run {cmd:?}"))?;
    // Read the pipes on threads so a chatty child never blocks.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if r != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let (stdout, stderr) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed (status {status}):\n{stdout}\n{stderr}");
    }
    Ok((
        Measured {
            wall,
            max_rss_kb: usage.ru_maxrss,
            user: tv(usage.ru_utime),
            sys: tv(usage.ru_stime),
        },
        stdout + &stderr,
    ))
}

fn viewtally(args: &Args, dir: &Path) -> Result<Command> {
    let bin = std::fs::canonicalize(&args.bin).with_context(|| {
        format!(
            "{} not found; run `cargo build --release` first or pass --bin",
            args.bin.display()
        )
    })?;
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VIEWTALLY_NOW", "2026-11-25T12:00:00Z");
    Ok(cmd)
}

fn median(mut xs: Vec<Measured>) -> Measured {
    xs.sort_by_key(|m| m.wall);
    xs[xs.len() / 2]
}

// ───────────────────────────── report ─────────────────────────────

fn report(args: &Args, size: &str, url: &str, runs: usize) -> Result<()> {
    let data = std::fs::canonicalize(&args.data)?;
    let config = data.join(format!("scale-{}.toml", url_slug(url)));
    if !config.exists() {
        bail!(
            "{} is missing; run `cargo bench --bench scale -- gen {size}` first",
            config.display()
        );
    }
    let out = data.join(format!("reports-{}", url_slug(url)));
    let mut all = Vec::new();
    for run in 1..=runs.max(1) {
        let (m, output) = measure(
            viewtally(args, &data)?
                .arg("--config")
                .arg(&config)
                .args(["report", "--out"])
                .arg(&out),
        )?;
        let files = output.lines().filter(|l| l.starts_with('/')).count();
        if output.contains("no observations yet") {
            bail!("the store {url} holds no observations of `{CAMPAIGN}`; run `gen {size}` first");
        }
        println!("report {size} run {run}: {m} ({files} files)");
        all.push(m);
    }
    println!("report {size} median: {}", median(all));
    Ok(())
}

// ───────────────────────────── import ─────────────────────────────

fn import_config() -> String {
    ConfigBuilder::with_store("sqlite://import.db")
        .campaign("imports", "Import benchmark")
        .key("launched", "2018-01-01T00:00:00+01:00")
        .key("language", "en")
        .build()
}

fn fresh_import_dir(args: &Args, name: &str) -> Result<PathBuf> {
    let dir = std::fs::canonicalize(&args.data)?.join(name);
    std::fs::create_dir_all(&dir)?;
    for f in ["import.db", "import.db-wal", "import.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::write(dir.join("viewtally.toml"), import_config())?;
    Ok(dir)
}

fn time_import(args: &Args, dir: &Path, file: &Path, rows: u64, what: &str) -> Result<()> {
    let (m, output) = measure(
        viewtally(args, dir)?
            .args(["--config", "viewtally.toml", "import"])
            .arg(file),
    )?;
    println!("{}", output.trim());
    println!(
        "import {what}: {rows} rows, {m}, {:.0} rows/s",
        rows as f64 / m.wall.as_secs_f64()
    );
    Ok(())
}

/// The synthetic campaign as an N-row tidy CSV (the format `export` writes and `import`
/// reads), written once and reused.
fn write_tidy(file: &Path, rows: u64) -> Result<()> {
    if file.exists() {
        return Ok(());
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(file)?);
    writeln!(w, "platform,video,account,metric,kind,at,value")?;
    let mut synthetic = Synthetic::new();
    let mut chunk = Vec::new();
    let mut n = 0u64;
    while n < rows {
        synthetic.next_hour(&mut chunk);
        for o in chunk.drain(..) {
            if n == rows {
                break;
            }
            let at = match o.kind {
                Kind::Total => o.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                Kind::Daily => {
                    viewtally::model::day_of(o.at, chrono_tz::Europe::Prague).to_string()
                }
            };
            writeln!(
                w,
                "{},{},{},views,{},{at},{}",
                o.platform,
                o.video,
                o.account.unwrap_or_default(),
                o.kind.as_str(),
                o.value
            )?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(())
}

fn import_tidy(args: &Args, rows: u64) -> Result<()> {
    let dir = fresh_import_dir(args, "import-tidy")?;
    let file = dir.join(format!("tidy-{rows}.csv"));
    write_tidy(&file, rows)?;
    time_import(args, &dir, &file, rows, "tidy CSV")
}

fn import_studio(args: &Args, rows: u64) -> Result<()> {
    let dir = fresh_import_dir(args, "import-studio")?;
    let file = dir.join(format!("Chart data {rows}.csv"));
    if !file.exists() {
        // One row per day and video, as YouTube Studio's "Chart data.csv" has them.
        let videos = 1000u64;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file)?);
        writeln!(
            w,
            "Date,Content,Video title,Video publish time,Duration,Views"
        )?;
        let first = chrono::NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid");
        let mut rng = fastrand::Rng::with_seed(11);
        for n in 0..rows {
            let (day, v) = (n / videos, n % videos);
            let date = first + chrono::Duration::days(day as i64);
            writeln!(
                w,
                "{date},vid{v:08},\"Video {v}, part {}\",\"Jan 1, 2018\",{},{}",
                v % 9,
                60 + v % 600,
                rng.u32(0..5000)
            )?;
        }
        w.flush()?;
    }
    time_import(args, &dir, &file, rows, "YouTube Studio Chart data.csv")
}

// ───────────────────────────── collect ─────────────────────────────

#[derive(Default)]
struct Counts {
    youtube: AtomicU64,
    youtube_ids_max: AtomicU64,
    facebook: AtomicU64,
    facebook_subs_max: AtomicU64,
    linkedin: AtomicU64,
    linkedin_in_flight: AtomicU64,
    linkedin_in_flight_max: AtomicU64,
}

struct Mock {
    latency: Duration,
    counts: Counts,
}

fn collect(
    args: &Args,
    [youtube, facebook, linkedin]: [usize; 3],
    latency_ms: u64,
    concurrency: Option<usize>,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mock = Arc::new(Mock {
        latency: Duration::from_millis(latency_ms),
        counts: Counts::default(),
    });
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = mock_router(mock.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });

    let dir = std::fs::canonicalize(&args.data)?.join("collect");
    std::fs::create_dir_all(&dir)?;
    for f in ["collect.db", "collect.db-wal", "collect.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut config = ConfigBuilder::with_store("sqlite://collect.db")
        .platform("youtube", &base)
        .platform("facebook", &base)
        .platform("linkedin", &base);
    if let Some(c) = concurrency {
        config = config
            .section("platforms.http")
            .key("concurrency", c as i64);
    }
    config = config
        .campaign("collect", "Collect benchmark")
        .key("language", "en");
    for (platform, n) in [
        (Platform::Youtube, youtube),
        (Platform::Facebook, facebook),
        (Platform::Linkedin, linkedin),
    ] {
        for i in 0..n {
            config = config.video(platform.as_str(), &video_id(platform, i));
        }
    }
    let config = config.build();
    std::fs::write(dir.join("viewtally.toml"), config)?;
    let (m, output) = measure(
        viewtally(args, &dir)?
            .args(["--config", "viewtally.toml", "collect"])
            .env("YOUTUBE_API_KEY", "bench-youtube-key")
            .env("FACEBOOK_ACCESS_TOKEN", "bench-facebook-token")
            .env("LINKEDIN_ACCESS_TOKEN", "bench-linkedin-token"),
    )?;
    println!("{}", output.trim());
    let c = &mock.counts;
    let load = |a: &AtomicU64| a.load(Ordering::SeqCst);
    println!(
        "collect {youtube} YouTube + {facebook} Facebook + {linkedin} LinkedIn videos, {latency_ms} ms latency, concurrency {}: {m}",
        concurrency.map_or("default".to_string(), |c| c.to_string())
    );
    println!(
        "requests: YouTube {} (⌈{youtube}/50⌉ = {}, ≤ {} ids each), Facebook {} batches (≤ {} sub-requests each), LinkedIn {} (≤ {} in flight)",
        load(&c.youtube),
        youtube.div_ceil(50),
        load(&c.youtube_ids_max),
        load(&c.facebook),
        load(&c.facebook_subs_max),
        load(&c.linkedin),
        load(&c.linkedin_in_flight_max),
    );
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}

fn fetch_max(a: &AtomicU64, v: u64) {
    a.fetch_max(v, Ordering::SeqCst);
}

/// Views that depend on the id, so that answers differ per video.
fn views_of(id: &str) -> u64 {
    id.bytes().map(u64::from).sum::<u64>() * 37 % 100_000
}

/// The three APIs for thousands of videos, answering every id with its own views and counting
/// ids per request, batch sizes and requests in flight. Not the tests' wiremock upstream
/// (tests/support/upstream.rs): that keeps every request it matched and answers fixed
/// fixtures, where this measures throughput and concurrency.
fn mock_router(mock: Arc<Mock>) -> axum::Router {
    use axum::extract::{Path as UrlPath, Query, State};
    use axum::routing::{get, post};
    type Q = Query<HashMap<String, String>>;

    async fn youtube(State(m): State<Arc<Mock>>, Query(q): Q) -> axum::Json<Value> {
        m.counts.youtube.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(m.latency).await;
        let ids: Vec<&str> = q
            .get("id")
            .map(|s| s.split(',').collect())
            .unwrap_or_default();
        fetch_max(&m.counts.youtube_ids_max, ids.len() as u64);
        let items: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({"kind": "youtube#videoStats", "id": id, "statistics": {
                    "viewCount": views_of(id).to_string(), "likeCount": "12", "commentCount": "3"}})
            })
            .collect();
        axum::Json(json!({"kind": "youtube#batchGetStatsResponse", "items": items}))
    }

    async fn facebook(State(m): State<Arc<Mock>>, body: String) -> axum::Json<Value> {
        m.counts.facebook.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(m.latency).await;
        let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
        let batch: Vec<Value> = form
            .iter()
            .find(|(k, _)| k == "batch")
            .and_then(|(_, v)| serde_json::from_str(v).ok())
            .unwrap_or_default();
        fetch_max(&m.counts.facebook_subs_max, batch.len() as u64);
        let answers: Vec<Value> = batch
            .iter()
            .map(|sub| {
                let url = sub["relative_url"].as_str().unwrap_or_default();
                let (video, rest) = url.split_once(['/', '?']).unwrap_or((url, ""));
                let body = match rest.split_once("metric=") {
                    Some((_, metrics)) => json!({"data": metrics.split(',').map(|name| json!({
                        "name": name, "period": "lifetime",
                        "values": [{"value": views_of(video)}],
                        "id": format!("{video}/video_insights/{name}/lifetime")})).collect::<Vec<_>>()}),
                    None => json!({"views": views_of(video), "id": video}),
                };
                json!({"code": 200, "headers": [], "body": body.to_string()})
            })
            .collect();
        axum::Json(Value::Array(answers))
    }

    struct InFlight<'a>(&'a Counts);
    impl<'a> InFlight<'a> {
        fn new(c: &'a Counts) -> Self {
            c.linkedin.fetch_add(1, Ordering::SeqCst);
            let now = c.linkedin_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            fetch_max(&c.linkedin_in_flight_max, now);
            InFlight(c)
        }
    }
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.linkedin_in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }

    async fn video_analytics(State(m): State<Arc<Mock>>, Query(q): Q) -> axum::Json<Value> {
        let _f = InFlight::new(&m.counts);
        tokio::time::sleep(m.latency).await;
        let urn = q.get("entity").cloned().unwrap_or_default();
        axum::Json(json!({
            "paging": {"start": 0, "count": 10, "links": []},
            "elements": [{"entity": urn, "timeRange": {"start": 1595574000000u64, "end": 1764072000000u64},
                          "type": "VIDEO_VIEW", "value": views_of(&urn)}]
        }))
    }

    async fn social_metadata(
        State(m): State<Arc<Mock>>,
        UrlPath(urn): UrlPath<String>,
    ) -> axum::Json<Value> {
        let _f = InFlight::new(&m.counts);
        tokio::time::sleep(m.latency).await;
        axum::Json(json!({
            "reactionSummaries": {"LIKE": {"reactionType": "LIKE", "count": 4}},
            "commentsState": "OPEN",
            "commentSummary": {"count": 2, "topLevelCount": 2},
            "entity": urn
        }))
    }

    axum::Router::new()
        .route("/youtube/v3/videos:batchGetStats", get(youtube))
        .route("/youtube/v3/videos", get(youtube))
        .route("/{version}/", post(facebook))
        .route("/rest/videoAnalytics", get(video_analytics))
        .route("/rest/socialMetadata/{urn}", get(social_metadata))
        .with_state(mock)
}

// ───────────────────────────── daemon idle ─────────────────────────────

/// CPU ticks (user + system) of a process, from /proc/PID/stat.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // fields 14 and 15 of stat are 12 and 13 after the `)`.
    Ok(f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0))
}

/// Context switches of each thread of a process (each wake-up is at least one).
fn context_switches(pid: u32) -> Result<HashMap<String, u64>> {
    let mut out = HashMap::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let task = task?;
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue; // the thread ended meanwhile
        };
        let total = out
            .entry(task.file_name().to_string_lossy().into_owned())
            .or_insert(0);
        for line in status.lines() {
            if line.starts_with("voluntary_ctxt_switches")
                || line.starts_with("nonvoluntary_ctxt_switches")
            {
                *total += line
                    .split_whitespace()
                    .last()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Ok(out)
}

fn status_field(pid: u32, name: &str) -> Result<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(status
        .lines()
        .find(|l| l.starts_with(name))
        .map(|l| l[name.len()..].trim().to_string())
        .unwrap_or_default())
}

fn daemon_idle(args: &Args, secs: u64) -> Result<()> {
    let dir = std::fs::canonicalize(&args.data)?.join("daemon-idle");
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    // Nothing is due while it is watched: jobs run on 1 January only.
    let config = ConfigBuilder::with_store("sqlite://idle.db")
        .campaign("idle", "Idle daemon")
        .key("language", "en")
        .schedule()
        .key("report", "0 0 3 1 1 *")
        .video("youtube", "abc")
        .build();
    std::fs::write(dir.join("viewtally.toml"), config)?;
    let mut cmd = viewtally(args, &dir)?;
    cmd.env_remove("VIEWTALLY_NOW")
        .args(["--config", "viewtally.toml", "daemon", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn()?;
    let pid = child.id();
    // Let start-up settle (tokio's blocking threads end after 10 s idle).
    std::thread::sleep(Duration::from_secs(15));
    let result = (|| -> Result<()> {
        let (t0, c0) = (cpu_ticks(pid)?, context_switches(pid)?);
        std::thread::sleep(Duration::from_secs(secs));
        let (t1, c1) = (cpu_ticks(pid)?, context_switches(pid)?);
        // Threads that ended while watched are not counted; new ones count from 0.
        let switches: u64 = c1
            .iter()
            .map(|(tid, n)| n.saturating_sub(c0.get(tid).copied().unwrap_or(0)))
            .sum();
        let ended = c0.keys().filter(|t| !c1.contains_key(*t)).count();
        println!(
            "daemon idle {secs} s: {} CPU ticks, {switches} context switches ({} threads, {ended} ended meanwhile), RSS {}, peak RSS {}",
            t1 - t0,
            c1.len(),
            status_field(pid, "VmRSS:")?,
            status_field(pid, "VmHWM:")?
        );
        Ok(())
    })();
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let _ = child.wait();
    result
}

// ───────────────────────────── compare with the Python references ─────────────────────────────

const COMPARE_CONFIG: &str = r#"[store]
url = "sqlite://compare.db"

[report]
sizes = ["web"]

[[campaign]]
slug = "compare"
name = "Reference comparison"
timezone = "Europe/Prague"
launched = "2018-01-01T00:00:00+01:00"
language = "en"
"#;

/// One reference script, or why it was skipped.
struct Reference {
    name: &'static str,
    script: &'static str,
    packages: &'static str,
}

const REPORT_REFERENCES: &[Reference] = &[
    Reference {
        name: "pandas + matplotlib",
        script: "report_pandas.py",
        packages: "pandas, matplotlib",
    },
    Reference {
        name: "Python polars + matplotlib",
        script: "report_polars.py",
        packages: "polars, pandas, matplotlib",
    },
];

const IMPORT_REFERENCE: Reference = Reference {
    name: "pandas read_csv + sqlite3 executemany",
    script: "import_pandas.py",
    packages: "pandas",
};

/// `None` when `python` can import the reference's packages, else why not.
fn missing_packages(python: &str, r: &Reference) -> Option<String> {
    let status = Command::new(python)
        .args(["-c", &format!("import {}", r.packages)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => None,
        Ok(_) => Some(format!(
            "skipped: {python} lacks {} (pip install {})",
            r.packages,
            r.packages.replace(',', "")
        )),
        Err(e) => Some(format!("skipped: cannot run {python}: {e}")),
    }
}

fn median_of(runs: usize, mut run: impl FnMut() -> Result<Measured>) -> Result<Measured> {
    let mut all = Vec::new();
    for _ in 0..runs.max(1) {
        all.push(run()?);
    }
    Ok(median(all))
}

fn cpu(m: &Measured) -> f64 {
    (m.user + m.sys).as_secs_f64()
}

fn row(step: &str, who: &str, m: &Measured, base: &Measured) -> String {
    format!(
        "| {step} | {who} | {:.2} s | {:.2} s | {:.0} MB | {:.1}× | {:.1}× |",
        m.wall.as_secs_f64(),
        cpu(m),
        m.max_rss_kb as f64 / 1024.0,
        m.wall.as_secs_f64() / base.wall.as_secs_f64(),
        cpu(m) / cpu(base),
    )
}

/// `compare SIZE`: the same generated tidy CSV imported and reported by viewtally and by the
/// references, each `runs` times; a Markdown table of medians with ratios (reference ÷ viewtally:
/// above 1× means viewtally is faster).
fn compare(args: &Args, rows: u64, runs: usize, python: &str) -> Result<()> {
    let data = std::fs::canonicalize(&args.data)?;
    let dir = data.join("compare");
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join(format!("tidy-{rows}.csv"));
    write_tidy(&csv, rows)?;
    std::fs::write(dir.join("viewtally.toml"), COMPARE_CONFIG)?;
    let refs = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference");
    let fresh = |names: &[&str]| {
        for f in names {
            let _ = std::fs::remove_file(dir.join(f));
        }
    };
    let mut lines = vec![
        format!("{rows} observations, median of {runs} runs; ratio = that tool ÷ viewtally"),
        String::new(),
        "| step | tool | wall | CPU (user+sys) | peak RSS | wall ratio | CPU ratio |".into(),
        "|---|---|--:|--:|--:|--:|--:|".into(),
    ];

    // import
    let ours = median_of(runs, || {
        fresh(&["compare.db", "compare.db-wal", "compare.db-shm"]);
        let (m, _) = measure(
            viewtally(args, &dir)?
                .args([
                    "--config",
                    "viewtally.toml",
                    "import",
                    "--campaign",
                    "compare",
                ])
                .arg(&csv),
        )?;
        Ok(m)
    })?;
    let store_bytes = std::fs::metadata(dir.join("compare.db"))?.len();
    lines.push(row("import", "viewtally", &ours, &ours));
    let mut notes = vec![format!(
        "viewtally store: {:.1} bytes per observation",
        store_bytes as f64 / rows as f64
    )];
    match missing_packages(python, &IMPORT_REFERENCE) {
        Some(why) => notes.push(format!("{}: {why}", IMPORT_REFERENCE.name)),
        None => {
            let db = dir.join("reference.db");
            let m = median_of(runs, || {
                fresh(&["reference.db", "reference.db-wal", "reference.db-shm"]);
                let (m, _) = measure(
                    Command::new(python)
                        .arg(refs.join(IMPORT_REFERENCE.script))
                        .arg(&csv)
                        .arg(&db),
                )?;
                Ok(m)
            })?;
            notes.push(format!(
                "{} store: {:.1} bytes per observation",
                IMPORT_REFERENCE.name,
                std::fs::metadata(&db)?.len() as f64 / rows as f64
            ));
            lines.push(row("import", IMPORT_REFERENCE.name, &m, &ours));
        }
    }

    // report
    let out = dir.join("reports");
    let ours = median_of(runs, || {
        let (m, _) = measure(
            viewtally(args, &dir)?
                .args(["--config", "viewtally.toml", "report", "--out"])
                .arg(&out),
        )?;
        Ok(m)
    })?;
    lines.push(row("report", "viewtally", &ours, &ours));
    for r in REPORT_REFERENCES {
        match missing_packages(python, r) {
            Some(why) => notes.push(format!("{}: {why}", r.name)),
            None => {
                let target = dir.join(format!("reference-{}", r.script.trim_end_matches(".py")));
                let m = median_of(runs, || {
                    let (m, _) = measure(
                        Command::new(python)
                            .arg(refs.join(r.script))
                            .arg(&csv)
                            .arg(&target),
                    )?;
                    Ok(m)
                })?;
                lines.push(row("report", r.name, &m, &ours));
            }
        }
    }
    for l in lines {
        println!("{l}");
    }
    println!();
    for n in notes {
        println!("- {n}");
    }
    Ok(())
}

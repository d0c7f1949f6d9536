//! `viewtally daemon`: cron-scheduled tokio jobs per campaign, an HTTP endpoint, milestone
//! notifications, graceful stop.
//!
//! Each (campaign, job) is one tokio task looping over its schedule; a job runs inline in its
//! loop, so it never overlaps itself, and ticks that pass while it runs are skipped and logged.
//! Between ticks the daemon sleeps: it does not poll.

mod deliveries;
pub mod http;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod schedule;
pub mod spool;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tracing::Instrument;

use crate::config::{Campaign, Config};
use crate::exports::{self, ImportOptions};
use crate::store::{self, NoticeState};
use http::{AppState, JobHealth};
use metrics::Metrics;
use notify::Notice;
use schedule::{Clock, JobSchedule};

/// The jobs a campaign can schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    Collect,
    Report,
    ImportDir,
}

impl Job {
    pub fn as_str(self) -> &'static str {
        match self {
            Job::Collect => "collect",
            Job::Report => "report",
            Job::ImportDir => "import_dir",
        }
    }
    /// Whether the job can change the numbers (and so cross a milestone).
    fn writes_data(self) -> bool {
        matches!(self, Job::Collect | Job::ImportDir)
    }
}

/// How long a dropped file must stay unchanged before `import_dir` reads it.
const SETTLE: Duration = Duration::from_secs(2);

/// Options from the command line.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub listen: Option<String>,
    pub clock: Clock,
}

/// A running daemon's shared state.
struct Ctx {
    config: Arc<Config>,
    clock: Clock,
    metrics: Arc<Metrics>,
    app: Arc<AppState>,
    http: reqwest::Client,
    /// One collector for the life of the daemon: reused connections, refreshed tokens.
    collector: Option<crate::sources::Collector>,
    /// Per campaign: after a failed webhook delivery, no new attempt before this time (and the
    /// current back-off), so a broken webhook is not hammered at every tick.
    notice_backoff: Mutex<std::collections::HashMap<String, (DateTime<Utc>, chrono::Duration)>>,
    /// This daemon's name among a fleet sharing one store (host, pid and a random part): the
    /// owner of the ticks and notices it claims.
    owner: String,
    /// Per campaign: held by the job announcing its milestones, from the claim to `sent`.
    announcing: AnnounceLocks,
    /// The campaigns whose milestones the delivery task should look at.
    deliveries: deliveries::Queue,
}

/// One lock per campaign that makes the jobs of one daemon announce its milestones one after
/// the other. The store's claim ([`store::Store::claim_notice`]) keeps daemons of a fleet (and
/// a restarted daemon) apart, but it is per daemon: two jobs of one daemon (`collect` and
/// `import_dir` crossing a milestone in the same second) hold the same claim, and without this
/// lock both would send while the first is still waiting for a slow webhook. Held from reading
/// the notice states to marking the milestone `sent`, the second job finds it sent.
#[derive(Default)]
struct AnnounceLocks(Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl AnnounceLocks {
    /// Wait until no other job of this daemon announces `slug`'s milestones.
    async fn hold(&self, slug: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = match self.0.lock() {
            Ok(mut m) => m.entry(slug.to_string()).or_default().clone(),
            // A job that panicked while holding the map left it as it was: use it.
            Err(e) => e.into_inner().entry(slug.to_string()).or_default().clone(),
        };
        lock.lock_owned().await
    }
}

/// How long a daemon's claim on a milestone announcement holds before another daemon may
/// send it (a daemon that died while sending).
const NOTICE_LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// A name for this daemon that no other daemon of a fleet has.
fn daemon_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    format!(
        "{}/{}/{:08x}",
        host.trim(),
        std::process::id(),
        fastrand::u32(..)
    )
}

/// A held single-instance lock; released when dropped (the process ends).
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

/// Take the store's daemon lock, or say who holds it.
pub fn lock_store(url: &str, listen: &str) -> Result<Option<InstanceLock>> {
    let Some(db) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(None);
    };
    if db == ":memory:" {
        return Ok(None);
    }
    let path = PathBuf::from(format!("{db}.daemon.lock"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // The file is removed on a clean stop; a daemon that locked it just before that holds a
    // lock on a removed file, so after locking, check that the path still names the file
    // locked (else open it again).
    let mut attempts = 0;
    let mut file = loop {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the daemon lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) if attempts < 5 && !same_file(&file, &path) => attempts += 1,
            Ok(()) => break file,
            Err(e) => break lock_failed(e, &path)?,
        }
    };
    file.set_len(0)?;
    writeln!(
        file,
        "pid {} since {} listening on {listen}",
        std::process::id(),
        crate::render::rfc3339(Utc::now())
    )?;
    Ok(Some(InstanceLock { _file: file, path }))
}

/// Whether `path` still names the open `file` (it was not removed or replaced).
fn same_file(file: &File, path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// The error for a lock that could not be taken: who holds it, or why not.
fn lock_failed(e: std::fs::TryLockError, path: &std::path::Path) -> Result<File> {
    match e {
        std::fs::TryLockError::WouldBlock => {
            let holder = std::fs::read_to_string(path).unwrap_or_default();
            anyhow::bail!(crate::error::UsageError(format!(
                "another viewtally daemon already runs on this store ({}); holder: {}; stop it first \
                 (systemctl stop viewtally, or kill that pid)",
                path.display(),
                holder.trim()
            )));
        }
        std::fs::TryLockError::Error(e) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

impl Drop for InstanceLock {
    /// A clean stop removes the lock file (while still holding the lock); a killed daemon
    /// leaves it, unlocked, and the next start takes it.
    fn drop(&mut self) {
        match std::fs::remove_file(&self.path) {
            Ok(()) => tracing::debug!(lock = %self.path.display(), "removed the daemon lock"),
            Err(e) => {
                tracing::warn!(lock = %self.path.display(), "cannot remove the daemon lock: {e}")
            }
        }
    }
}

/// Run the daemon until SIGTERM or SIGINT.
pub async fn run(config: Config, options: DaemonOptions) -> Result<ExitCode> {
    let listen = options
        .listen
        .clone()
        .unwrap_or_else(|| config.daemon.listen.clone());
    let mut signals = StopSignals::new();
    let _lock = lock_store(&config.store.url, &listen)?;
    let config = Arc::new(config);

    // Schedules first: a bad expression stops the start, not a job later.
    let jobs = schedules(&config)?;
    if jobs.is_empty() {
        tracing::warn!("no [campaign.schedule] jobs configured; serving the endpoint only");
    }
    let ctx = Ctx::new(config.clone(), options.clock.clone())?;
    // Readings a previous run (or a previous daemon) could not store: said at once.
    for c in &config.campaigns {
        if c.schedule.collect.is_some() {
            note_pending(
                &ctx,
                c.slug(),
                spool::Spool::for_campaign(&config, c.slug()).pending(),
            );
        }
    }

    // Current numbers, and milestones already crossed before the daemon first ran. A store
    // that cannot be reached yet does not stop the start: see `wait_for_store`.
    let first = start_baseline(&ctx).await;
    if let Err(e) = &first {
        if !store_unreachable(e) {
            return Err(first.unwrap_err());
        }
        store_down(&ctx, Some(format!("{e:#}")));
    } else {
        ctx.metrics.store_up.set(1);
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let (addr, server) = serve(&listen, ctx.app.clone(), stop_rx.clone()).await?;
    tracing::info!(%addr, jobs = jobs.len(), owner = %ctx.owner, "viewtally daemon started");
    let listening = format!(
        "viewtally daemon listening on http://{addr} ({})",
        crate::model::counted(jobs.len(), "job", "jobs")
    );
    // On stdout, for whoever started the daemon; a JSON line under `--log-format json`.
    match crate::cli::json_logs() {
        true => println!("{}", crate::cli::json_line("INFO", &listening)),
        false => println!("{listening}"),
    }
    if first.is_err() {
        tokio::select! {
            waited = wait_for_store(&ctx) => waited?,
            _ = signals.recv() => {
                tracing::info!("stopping before the store could be reached");
                let _ = stop_tx.send(true);
                let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
                return Ok(ExitCode::SUCCESS);
            }
        }
    }

    // Milestone notifications go out from a task of their own: a slow webhook never holds up
    // a job; pending ones (also those a killed daemon left) are resumed at start.
    let (drain_tx, drain_rx) = watch::channel(false);
    let deliveries = tokio::spawn(
        deliveries::run(ctx.clone(), drain_rx).instrument(tracing::info_span!("deliveries")),
    );

    let mut tasks = Vec::new();
    for (campaign, job, schedule) in jobs {
        let ctx = ctx.clone();
        let stop = stop_rx.clone();
        let span = tracing::info_span!("job", campaign = %campaign, job = job.as_str());
        tasks.push(tokio::spawn(
            job_loop(ctx, campaign, job, schedule, stop).instrument(span),
        ));
    }

    signals.recv().await;
    stop(
        signals,
        stop_tx,
        tasks,
        server,
        &config,
        (drain_tx, deliveries),
    )
    .await;
    Ok(ExitCode::SUCCESS)
}

/// The start-up baseline (see [`baseline`]), off the async threads.
async fn start_baseline(ctx: &Arc<Ctx>) -> Result<()> {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || baseline(&ctx)).await?
}

/// Whether an error is a store that cannot be reached (down, refusing, not answering).
fn store_unreachable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<store::StoreError>()
            .is_some_and(|s| s.is_unreachable())
    })
}

/// Say on /healthz (503) that the store cannot be reached (`Some(why)`), or that it can.
fn store_down(ctx: &Ctx, why: Option<String>) {
    if let Some(why) = &why {
        tracing::error!("{why}; the daemon serves /healthz (503) and retries until it can connect");
    }
    ctx.metrics.store_up.set(i64::from(why.is_none()));
    if let Ok(mut s) = ctx.app.store_unreachable.lock() {
        *s = why;
    }
}

/// A daemon started while its store cannot be reached: try again, with a growing pause (1 s,
/// 2 s, 4 s … up to 15 s), until the baseline is taken; then the jobs start. Another store
/// error (a schema too new, a wrong password) ends the daemon as it would at start.
async fn wait_for_store(ctx: &Arc<Ctx>) -> Result<()> {
    let mut pause = Duration::from_secs(1);
    let mut tries = 1u32;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(15));
        tries += 1;
        match start_baseline(ctx).await {
            Ok(()) => {
                tracing::info!(tries, "connected to the store; starting the jobs");
                store_down(ctx, None);
                return Ok(());
            }
            Err(e) if store_unreachable(&e) => {
                tracing::warn!(tries, "store still unreachable: {e:#}");
                if let Ok(mut s) = ctx.app.store_unreachable.lock() {
                    *s = Some(format!("{e:#}"));
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Every configured (campaign, job, schedule); a bad cron expression is a usage error.
fn schedules(config: &Config) -> Result<Vec<(String, Job, JobSchedule)>> {
    let mut jobs = Vec::new();
    for c in &config.campaigns {
        let s = &c.schedule;
        for (job, expr) in [
            (Job::Collect, &s.collect),
            (Job::Report, &s.report),
            (Job::ImportDir, &s.import_dir),
        ] {
            if let Some(expr) = expr {
                let schedule = JobSchedule::new(expr.get_ref(), c.tz()).map_err(|e| {
                    crate::error::UsageError(format!(
                        "campaign {}: {} schedule: {e}",
                        c.slug(),
                        job.as_str()
                    ))
                })?;
                jobs.push((c.slug().to_string(), job, schedule));
            }
        }
    }
    for cmp in &config.comparisons {
        if let Some(expr) = &cmp.schedule.report {
            let tz = config
                .campaigns
                .iter()
                .find(|c| Some(c.slug()) == cmp.campaigns().first().map(|s| s.as_str()))
                .map_or(chrono_tz::UTC, |c| c.tz());
            let schedule = JobSchedule::new(expr.get_ref(), tz).map_err(|e| {
                crate::error::UsageError(format!("comparison {}: report schedule: {e}", cmp.slug()))
            })?;
            jobs.push((
                format!("{COMPARISON_JOB}{}", cmp.slug()),
                Job::Report,
                schedule,
            ));
        }
    }
    Ok(jobs)
}

impl Ctx {
    /// The daemon's shared state for `config`, its endpoint's state included.
    fn new(config: Arc<Config>, clock: Clock) -> Result<Arc<Ctx>> {
        let metrics = Arc::new(Metrics::new());
        let app = Arc::new(AppState {
            campaigns: config
                .campaigns
                .iter()
                .map(|c| (c.slug().to_string(), c.name.clone()))
                .collect(),
            comparisons: config.comparisons.iter().map(|c| c.slug()).collect(),
            report_dir: config.report.dir.clone(),
            metrics: metrics.clone(),
            health: Mutex::new(BTreeMap::new()),
            unhealthy_after: config.daemon.unhealthy_after_failures,
            failed_files: Mutex::new(BTreeMap::new()),
            store_unreachable: Mutex::new(None),
            pending_readings: Mutex::new(BTreeMap::new()),
            live: Arc::new(live::Live::new(config.clone(), clock.clone())),
        });
        Ok(Arc::new(Ctx {
            clock,
            metrics,
            app,
            http: reqwest::Client::builder()
                .user_agent(concat!("viewtally/", env!("CARGO_PKG_VERSION")))
                .build()
                .context("cannot build the HTTP client")?,
            collector: match crate::sources::Collector::new(&config) {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::error!("API collection unavailable: {e}");
                    None
                }
            },
            config,
            notice_backoff: Mutex::new(std::collections::HashMap::new()),
            owner: daemon_owner(),
            announcing: AnnounceLocks::default(),
            deliveries: deliveries::Queue::default(),
        }))
    }
}

/// Bind `listen` and serve the endpoint until `stop` turns true.
async fn serve(
    listen: &str,
    app: Arc<AppState>,
    mut stop: watch::Receiver<bool>,
) -> Result<(
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        crate::error::UsageError(format!(
            "cannot listen on {listen}: {e}; choose another address with --listen or [daemon] listen"
        ))
    })?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        axum::serve(listener, http::router(app))
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await
    });
    Ok((addr, server))
}

/// After the first stop signal: no new runs, running jobs finish (up to the shutdown timeout),
/// then the endpoint stops. A second signal exits at once.
async fn stop(
    mut signals: StopSignals,
    stop_tx: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    config: &Config,
    (drain, deliveries): (watch::Sender<bool>, tokio::task::JoinHandle<()>),
) {
    tracing::info!("stopping: no new runs; waiting for running jobs to finish");
    let _ = stop_tx.send(true);
    // A second signal exits at once; SQLite's transactions keep the store consistent.
    tokio::spawn(async move {
        signals.recv().await;
        tracing::warn!("second signal: exiting now");
        std::process::exit(130);
    });
    let timeout = Duration::from_secs(config.daemon.shutdown_timeout_s);
    let all = futures_util::future::join_all(tasks);
    let started = std::time::Instant::now();
    if tokio::time::timeout(timeout, all).await.is_err() {
        tracing::warn!(
            timeout_s = timeout.as_secs(),
            "jobs still running at the shutdown timeout; exiting"
        );
    }
    // The jobs are done: deliver what they crossed, within what is left of the timeout.
    let _ = drain.send(true);
    let left = timeout.saturating_sub(started.elapsed());
    if tokio::time::timeout(left, deliveries).await.is_err() {
        tracing::warn!(
            "milestone notifications still being delivered at the shutdown timeout; they stay pending and the next start sends them"
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    tracing::info!("viewtally daemon stopped");
}

/// SIGTERM and SIGINT, listened for from the moment this is made: made before the daemon
/// says it is listening, so a stop request that comes right after start is never missed (the
/// default action would kill the process mid-start).
struct StopSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn new() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            StopSignals {
                unix: signal(SignalKind::terminate())
                    .and_then(|t| Ok((t, signal(SignalKind::interrupt())?)))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some((term, int)) = self.unix.as_mut() {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One job's loop: catch up once if ticks were missed while the daemon was down, then run at
/// every tick until told to stop.
async fn job_loop(
    ctx: Arc<Ctx>,
    campaign: String,
    job: Job,
    schedule: JobSchedule,
    mut stop: watch::Receiver<bool>,
) {
    if ctx.config.daemon.catch_up {
        let last = {
            let (ctx, c) = (ctx.clone(), campaign.clone());
            tokio::task::spawn_blocking(move || {
                store::open(&ctx.config.store.url).and_then(|s| s.job_state(&c, job.as_str()))
            })
            .await
        };
        if let Ok(Ok(state)) = last {
            if let Some(last) = state.last_started {
                match schedule::catch_up(&schedule, last, ctx.clock.now()) {
                    schedule::CatchUp::NothingMissed => {}
                    schedule::CatchUp::NextTickClose { missed, next } => tracing::info!(
                        missed,
                        next = %crate::render::rfc3339(next),
                        "ticks were missed while the daemon was down; no catch-up run: the next tick is close"
                    ),
                    schedule::CatchUp::Run {
                        missed,
                        first_missed,
                    } => {
                        tracing::info!(
                            missed,
                            "ticks were missed while the daemon was down; one catch-up run"
                        );
                        run_once(&ctx, &campaign, job, first_missed).await;
                    }
                }
            }
        }
    }
    let jitter = ctx.config.daemon.jitter_s;
    schedule::run_schedule(&ctx.clock.clone(), &schedule, jitter, &mut stop, |tick| {
        run_once(&ctx, &campaign, job, tick)
    })
    .await;
}

/// Run a job's scheduled `tick` once, unless another daemon sharing the store claimed it: record
/// it, count it, then (for data jobs) refresh numbers and notify.
async fn run_once(ctx: &Arc<Ctx>, campaign: &str, job: Job, tick: DateTime<Utc>) {
    let claimed = {
        let (ctx2, c) = (ctx.clone(), campaign.to_string());
        tokio::task::spawn_blocking(move || {
            store::open(&ctx2.config.store.url).and_then(|mut s| {
                s.claim_tick(&c, job.as_str(), tick, &ctx2.owner, ctx2.clock.now())
            })
        })
        .await
    };
    ctx.metrics
        .store_up
        .set(i64::from(matches!(claimed, Ok(Ok(_)))));
    match claimed {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => {
            tracing::debug!(tick = %crate::render::rfc3339(tick), "tick runs on another daemon");
            return;
        }
        // The store is unreachable: another daemon of a fleet may hold the tick, so it does
        // not run here; the failure counts in /healthz and /metrics like a failed run.
        Ok(Err(e)) => return claim_failed(ctx, campaign, job, tick, &format!("{e:#}")),
        Err(e) => return claim_failed(ctx, campaign, job, tick, &e.to_string()),
    }
    let started = ctx.clock.now();
    let timer = std::time::Instant::now();
    tracing::info!("run started");
    let result = {
        let (ctx2, c) = (ctx.clone(), campaign.to_string());
        let blocking = tokio::task::spawn_blocking(move || {
            let mut store = store::open(&ctx2.config.store.url)?;
            let _ = store.record_job(&c, job.as_str(), started, None, None);
            drop(store);
            run_job(&ctx2, &c, job, started)
        });
        match blocking.await {
            Ok(r) => r,
            Err(e) => Err(anyhow::anyhow!("job task failed: {e}")),
        }
    };
    let finished = ctx.clock.now();
    let ok = result.is_ok();
    let error = result.as_ref().err().map(|e| format!("{e:#}"));
    let duration_ms = timer.elapsed().as_millis() as u64;
    match &result {
        Ok(summary) => tracing::info!(duration_ms, result = "ok", "{summary}"),
        Err(e) => tracing::error!(duration_ms, result = "error", "{e:#}"),
    }
    ctx.metrics.job_finished(
        campaign,
        job.as_str(),
        ok,
        finished.timestamp_millis() as f64 / 1000.0,
    );
    ctx.metrics
        .job_took(campaign, job.as_str(), timer.elapsed().as_secs_f64());
    if let Ok(mut h) = ctx.app.health.lock() {
        let entry: &mut JobHealth = h
            .entry((campaign.to_string(), job.as_str().to_string()))
            .or_default();
        if ok {
            *entry = JobHealth::default();
        } else {
            entry.consecutive_failures += 1;
            entry.last_error = error.clone();
        }
    }
    let (ctx2, c, e) = (ctx.clone(), campaign.to_string(), error.clone());
    let _ = tokio::task::spawn_blocking(move || {
        store::open(&ctx2.config.store.url)
            .and_then(|mut s| s.record_job(&c, job.as_str(), started, Some(finished), e.as_deref()))
    })
    .await;
    if job.writes_data() {
        // Delivered by the delivery task, never inside the job's run (issue 18).
        ctx.deliveries.wake(campaign);
    }
}

/// A tick whose claim failed (the store was unreachable): skipped, logged and counted as a
/// failed run, so that /healthz turns red after `unhealthy_after_failures` of them.
fn claim_failed(ctx: &Ctx, campaign: &str, job: Job, tick: DateTime<Utc>, error: &str) {
    let error = format!("cannot claim the tick, so it did not run: {error}");
    tracing::error!(tick = %crate::render::rfc3339(tick), result = "skipped", "{error}");
    if job == Job::Collect {
        note_pending(
            ctx,
            campaign,
            spool::Spool::for_campaign(&ctx.config, campaign).pending(),
        );
    }
    ctx.metrics.job_finished(
        campaign,
        job.as_str(),
        false,
        ctx.clock.now().timestamp_millis() as f64 / 1000.0,
    );
    if let Ok(mut h) = ctx.app.health.lock() {
        let entry = h
            .entry((campaign.to_string(), job.as_str().to_string()))
            .or_default();
        entry.consecutive_failures += 1;
        entry.last_error = Some(error);
    }
}

fn campaign<'a>(config: &'a Config, slug: &str) -> Result<&'a Campaign> {
    config
        .campaigns
        .iter()
        .find(|c| c.slug() == slug)
        .ok_or_else(|| anyhow::anyhow!("campaign {slug} is no longer configured"))
}

/// The body of one job run (blocking: store and files).
fn run_job(ctx: &Ctx, slug: &str, job: Job, now: DateTime<Utc>) -> Result<String> {
    if let Some(name) = slug.strip_prefix(COMPARISON_JOB) {
        return comparison(ctx, name, now);
    }
    let c = campaign(&ctx.config, slug)?;
    match job {
        Job::Report => report(ctx, c, now),
        Job::ImportDir => import_dir(ctx, c, now),
        Job::Collect => collect(ctx, c, now),
    }
}

/// The `report` job: the campaign's report files.
fn report(ctx: &Ctx, c: &Campaign, now: DateTime<Utc>) -> Result<String> {
    let config = &ctx.config;
    let store = store::open(&config.store.url)?;
    let tl = crate::timeline::for_campaign(store.as_ref(), c, None)?;
    let options =
        crate::render::ReportOptions::for_campaign(config, c, &config.report.dir, None, now);
    let written = crate::render::write_report(c, &tl, &options)?;
    drop(store);
    let compared = comparisons_after(ctx, c, now);
    Ok(format!(
        "report written ({}){compared}",
        crate::model::counted(written.len(), "file", "files")
    ))
}

/// The job name of a `[[comparison]]` with a cron of its own: `compare/<slug>` (no campaign
/// slug has a `/`).
const COMPARISON_JOB: &str = "compare/";

/// After campaign `c`'s report: re-render each `[[comparison]]` that includes it and has no
/// cron of its own. A comparison that fails is logged; the campaign's report stands.
fn comparisons_after(ctx: &Ctx, c: &Campaign, now: DateTime<Utc>) -> String {
    let mut done = Vec::new();
    for cmp in &ctx.config.comparisons {
        if cmp.schedule.report.is_some() || !cmp.campaigns().iter().any(|s| s == c.slug()) {
            continue;
        }
        match comparison(ctx, &cmp.slug(), now) {
            Ok(_) => done.push(cmp.slug()),
            Err(e) => tracing::warn!(comparison = cmp.slug(), "comparison not rendered: {e:#}"),
        }
    }
    match done.is_empty() {
        true => String::new(),
        false => format!("; comparison {} rendered", done.join(", ")),
    }
}

/// Render the `[[comparison]]` named `slug` into `<report dir>/compare/<slug>/`.
fn comparison(ctx: &Ctx, slug: &str, now: DateTime<Utc>) -> Result<String> {
    let config = &ctx.config;
    let cmp = config
        .comparisons
        .iter()
        .find(|c| c.slug() == slug)
        .ok_or_else(|| anyhow::anyhow!("comparison {slug} is no longer configured"))?;
    let campaigns: Vec<&Campaign> = cmp
        .campaigns()
        .iter()
        .map(|s| campaign(config, s))
        .collect::<Result<_>>()?;
    let store = store::open(&config.store.url)?;
    let compared = crate::render::compare::load(store.as_ref(), &campaigns, None)?;
    let options =
        crate::render::compare::CompareOptions::configured(config, cmp, campaigns[0], now);
    let (_, written) = crate::render::compare::write(&compared, &options)?;
    Ok(format!(
        "comparison {slug} written ({})",
        crate::model::counted(written.len(), "file", "files")
    ))
}

/// The `import_dir` job: import the settled files of the campaign's watched folder that are
/// new and not already refused.
fn import_dir(ctx: &Ctx, c: &Campaign, now: DateTime<Utc>) -> Result<String> {
    let slug = c.slug();
    let dir = c
        .schedule
        .watch_dir
        .clone()
        .ok_or_else(|| anyhow::anyhow!("import_dir needs watch_dir"))?;
    if !dir.is_dir() {
        anyhow::bail!(
            "the watched folder {} does not exist; create it or fix watch_dir in [campaign.schedule]",
            dir.display()
        );
    }
    let files = exports::expand_paths(std::slice::from_ref(&dir))
        .with_context(|| format!("cannot read the watched folder {}", dir.display()))?;
    let mut store = store::open(&ctx.config.store.url)?;
    let options = ImportOptions {
        campaign: Some(slug.to_string()),
        ..Default::default()
    };
    // A refused file stays listed (in /healthz, /metrics and the run's summary) until it
    // is fixed (its content changes) or removed; it is not read again until then.
    if let Ok(mut f) = ctx.app.failed_files.lock() {
        f.retain(|(c, path), _| {
            c != slug || files.iter().any(|p| p.display().to_string() == *path)
        });
    }
    let (mut imported, mut failed) = (0, 0);
    for file in files {
        match import_watched(ctx, slug, &file, store.as_mut(), &options, now)? {
            Some(true) => imported += 1,
            Some(false) => failed += 1,
            None => {}
        }
    }
    let tl = crate::timeline::for_campaign(store.as_ref(), c, None)?;
    ctx.metrics.observe(&tl);
    if failed > 0 {
        anyhow::bail!(
            "{} in {} could not be imported (see above); fix or remove {}",
            crate::model::counted(failed, "file", "files"),
            dir.display(),
            if failed == 1 { "it" } else { "them" }
        );
    }
    let mut summary = format!(
        "{} imported",
        crate::model::counted(imported, "new file", "new files")
    );
    let still = refused_files(ctx, slug);
    if !still.is_empty() {
        summary.push_str(&format!(
            "; {} still refused until fixed or removed (see /healthz): {}",
            crate::model::counted(still.len(), "file", "files"),
            still.join(", ")
        ));
    }
    Ok(summary)
}

/// One file of a watched folder: `None` when it is skipped (still being written, unreadable,
/// already imported or refused as it is), else whether it imported. A refused file is listed
/// in `failed_files`, an imported one taken off it.
fn import_watched(
    ctx: &Ctx,
    slug: &str,
    file: &std::path::Path,
    store: &mut dyn store::Store,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<Option<bool>> {
    // A file still being written (modified in the last seconds) waits for the next tick.
    let settled = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .map(|m| m.elapsed().unwrap_or_default() >= SETTLE)
        .unwrap_or(false);
    if !settled {
        return Ok(None);
    }
    let Ok(bytes) = std::fs::read(file) else {
        return Ok(None);
    };
    let sha = exports::hex(&Sha256::digest(&bytes));
    let key = (slug.to_string(), file.display().to_string());
    let known_bad = ctx
        .app
        .failed_files
        .lock()
        .map(|f| f.get(&key).is_some_and(|b| b.sha256 == sha))
        .unwrap_or(false);
    if known_bad || store.imported(slug, &sha)? {
        return Ok(None);
    }
    match exports::import_file(file, &ctx.config, store, options, now) {
        Ok(r) => {
            if let Ok(mut f) = ctx.app.failed_files.lock() {
                f.remove(&key);
            }
            tracing::info!(file = %r.path, rows = r.rows, inserted = r.written.inserted, "imported");
            Ok(Some(true))
        }
        Err(e) => {
            tracing::error!("{e}");
            // A bad file stays bad until it changes; a store error is retried.
            if !matches!(e, exports::ImportError::Store { .. }) {
                if let Ok(mut f) = ctx.app.failed_files.lock() {
                    f.insert(
                        key,
                        http::FailedFile {
                            sha256: sha,
                            error: e.to_string(),
                            since: now,
                        },
                    );
                }
            }
            Ok(Some(false))
        }
    }
}

/// The files of `slug`'s watched folder that stay refused until fixed or removed.
fn refused_files(ctx: &Ctx, slug: &str) -> Vec<String> {
    ctx.app
        .failed_files
        .lock()
        .map(|f| {
            f.keys()
                .filter(|(c, _)| c == slug)
                .map(|(_, p)| p.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// API collection of one campaign (blocking thread: drives the async collector to the end).
fn collect(ctx: &Ctx, c: &Campaign, now: DateTime<Utc>) -> Result<String> {
    let collector = ctx.collector.as_ref().ok_or_else(|| {
        anyhow::anyhow!("the HTTP client could not be built; see the error at start")
    })?;
    let spool = spool::Spool::for_campaign(&ctx.config, c.slug());
    let mut store = match store::open(&ctx.config.store.url) {
        Ok(s) => s,
        Err(e) => {
            note_pending(ctx, c.slug(), spool.pending());
            return Err(e.into());
        }
    };
    // Readings kept from runs whose store write failed go first.
    let flushed = match spool.flush(store.as_mut()) {
        Ok(0) => None,
        Ok(n) => {
            tracing::info!(
                written = n,
                spool = %spool.path().display(),
                "wrote the readings kept from runs whose store write failed"
            );
            Some(n)
        }
        Err(e) => {
            tracing::warn!("{e:#}");
            None
        }
    };
    let collected = tokio::runtime::Handle::current().block_on(collector.collect(
        &ctx.config,
        &[c],
        store.as_mut(),
        now,
    ));
    let report = match collected {
        Ok(r) => r,
        Err(crate::sources::CollectError::Unstored {
            source,
            observations,
        }) => {
            let kept = spool.add(&observations).with_context(|| {
                format!(
                    "{} of this run are lost: the store failed ({source}) and the spool cannot keep them",
                    crate::model::counted(observations.len(), "reading", "readings")
                )
            })?;
            note_pending(ctx, c.slug(), kept);
            anyhow::bail!(
                "the store failed ({source}); {} of this run kept in {}, {} pending, written at the next tick the store takes them",
                crate::model::counted(observations.len(), "reading", "readings"),
                spool.path().display(),
                kept
            );
        }
        Err(e) => {
            note_pending(ctx, c.slug(), spool.pending());
            return Err(e.into());
        }
    };
    note_pending(ctx, c.slug(), spool.pending());
    for p in &report.platforms {
        for (status, n) in &p.statuses {
            ctx.metrics
                .api_requests
                .get_or_create(&metrics::ApiLabels {
                    platform: p.platform.as_str().into(),
                    status: status.clone(),
                })
                .inc_by(*n);
        }
    }
    let tl = crate::timeline::for_campaign(store.as_ref(), c, None)?;
    ctx.metrics.observe(&tl);
    credential_health(ctx, c, store.as_ref(), now);
    let summary = report.summary();
    let failed = report.failed_platforms();
    if !failed.is_empty() {
        anyhow::bail!(
            "collection failed on {}: {}",
            failed
                .iter()
                .map(|p| p.display_name())
                .collect::<Vec<_>>()
                .join(", "),
            summary.trim().replace('\n', "; ")
        );
    }
    Ok(format!(
        "collected {}{}: {}",
        crate::model::counted(report.written.total() as usize, "reading", "readings"),
        match flushed {
            Some(n) => format!(" and {n} kept from earlier runs"),
            None => String::new(),
        },
        summary.trim().replace('\n', "; ")
    ))
}

/// Publish how many of a campaign's readings wait in the spool (/healthz), and log it.
fn note_pending(ctx: &Ctx, slug: &str, pending: usize) {
    if pending > 0 {
        tracing::warn!(
            pending_readings = pending,
            "{} wait in the spool until the store takes them",
            crate::model::counted(pending, "reading", "readings")
        );
    }
    if let Ok(mut p) = ctx.app.pending_readings.lock() {
        match pending {
            0 => p.remove(slug),
            n => p.insert(slug.to_string(), n),
        };
    }
}

/// A credential that expires within 7 days turns /healthz red until it is renewed.
fn credential_health(ctx: &Ctx, c: &Campaign, store: &dyn store::Store, now: DateTime<Utc>) {
    for platform in crate::sources::platform::registry() {
        let Some(expiry) = platform.credential_expiry(store) else {
            continue;
        };
        let p = platform.platform();
        let key = (c.slug().to_string(), format!("credential:{}", p.as_str()));
        if let Ok(mut h) = ctx.app.health.lock() {
            match expiry {
                Some(exp) if exp - now < chrono::Duration::days(7) => {
                    h.insert(
                        key,
                        JobHealth {
                            consecutive_failures: u32::MAX,
                            last_error: Some(format!(
                                "the {} refresh token expires {}; authorise the app again and update the refresh token in the environment",
                                p.display_name(),
                                crate::render::rfc3339(exp)
                            )),
                        },
                    );
                }
                _ => {
                    h.remove(&key);
                }
            }
        }
    }
}

/// At start: publish the current numbers and mark milestones that were crossed before the
/// daemon ever ran as `baseline` (not announced).
fn baseline(ctx: &Ctx) -> Result<()> {
    let mut store = store::open(&ctx.config.store.url)?;
    let now = ctx.clock.now();
    for c in &ctx.config.campaigns {
        let tl = crate::timeline::for_campaign(store.as_ref(), c, None)?;
        ctx.metrics.observe(&tl);
        if store.notices(c.slug())?.is_empty() {
            for m in tl.milestones.iter().filter(|m| m.crossed_at.is_some()) {
                store.set_notice(c.slug(), m.threshold, NoticeState::Baseline, now)?;
            }
            // An explicit marker that the baseline was taken, even with nothing crossed.
            store.set_notice(c.slug(), 0, NoticeState::Baseline, now)?;
        }
    }
    Ok(())
}

/// Announce every crossed milestone of a campaign not yet announced (exactly once: the state
/// lives in the store; a failed delivery stays `pending`, its claim is released and the
/// delivery task retries it after the back-off). Whether nothing is left to deliver.
async fn announce(ctx: &Arc<Ctx>, slug: &str) -> bool {
    // Exactly once within this daemon: see [`AnnounceLocks`] (issue 13).
    let _one_job_at_a_time = ctx.announcing.hold(slug).await;
    let now = ctx.clock.now();
    let waiting = ctx
        .notice_backoff
        .lock()
        .ok()
        .and_then(|b| b.get(slug).map(|(until, _)| *until > now))
        .unwrap_or(false);
    if waiting {
        return false;
    }
    let prepared = {
        let (ctx2, slug2) = (ctx.clone(), slug.to_string());
        tokio::task::spawn_blocking(move || due_notices(&ctx2, &slug2)).await
    };
    let notices = match prepared {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            ctx.metrics.store_up.set(0);
            tracing::error!("milestone check failed: {e:#}");
            return false;
        }
        Err(e) => {
            tracing::error!("milestone check failed: {e}");
            return false;
        }
    };
    let pending = |n: usize| {
        ctx.metrics
            .webhook_pending
            .get_or_create(&metrics::CampaignLabels {
                campaign: slug.to_string(),
            })
            .set(n as i64)
    };
    pending(notices.len());
    if !notices.is_empty() {
        tracing::info!(
            pending = notices.len(),
            "delivering milestone notifications"
        );
    }
    for (i, notice) in notices.iter().enumerate() {
        let delivered = deliver(ctx, slug, notice).await;
        back_off(ctx, slug, delivered);
        if !delivered {
            // Let another daemon of a fleet, or this one after a restart, take them at once.
            let thresholds: Vec<i64> = notices[i..].iter().map(|n| n.threshold).collect();
            let ctx2 = ctx.clone();
            let slug2 = slug.to_string();
            let _ = tokio::task::spawn_blocking(move || release_claims(&ctx2, &slug2, &thresholds))
                .await;
            tracing::warn!(
                pending = notices.len() - i,
                "milestone notifications kept pending in the store"
            );
            return false;
        }
        pending(notices.len() - i - 1);
        let (ctx2, slug2, t) = (ctx.clone(), slug.to_string(), notice.threshold);
        let (after, by) = (notice.after.map(|r| r.at), notice.by.at);
        let _ = tokio::task::spawn_blocking(move || {
            store::open(&ctx2.config.store.url).and_then(|mut s| {
                s.set_notice(&slug2, t, NoticeState::Sent, ctx2.clock.now())?;
                // The bracket it stated, so that a later correction is never silent.
                s.record_announced(&slug2, t, after, by)
            })
        })
        .await;
    }
    true
}

/// Give up this daemon's claim on `thresholds` (still pending): re-claimed as of one lease
/// ago, the claim has expired for every other owner.
fn release_claims(ctx: &Ctx, slug: &str, thresholds: &[i64]) {
    let expired = ctx.clock.now() - NOTICE_LEASE - chrono::Duration::seconds(1);
    match store::open(&ctx.config.store.url) {
        Ok(mut s) => {
            for &t in thresholds {
                if let Err(e) = s.claim_notice(slug, t, &ctx.owner, expired, NOTICE_LEASE) {
                    tracing::warn!("cannot release the claim on a milestone notice: {e}");
                }
            }
        }
        Err(e) => tracing::warn!("cannot release the claims on milestone notices: {e:#}"),
    }
}

/// The notices of `slug`'s crossed milestones that are neither sent nor baseline, each claimed
/// in the store for this daemon (blocking: store).
fn due_notices(ctx: &Ctx, slug: &str) -> Result<Vec<Notice>> {
    let c = campaign(&ctx.config, slug)?;
    let mut store = store::open(&ctx.config.store.url)?;
    let tl = crate::timeline::for_campaign(store.as_ref(), c, None)?;
    ctx.metrics.observe(&tl);
    let states = store.notices(slug)?;
    let done = |t: i64| {
        states
            .iter()
            .any(|(th, s)| *th == t && matches!(s, NoticeState::Sent | NoticeState::Baseline))
    };
    let mut out = Vec::new();
    for m in &tl.milestones {
        // Only a proven crossing (ΣL ≥ m) is announced, dated as rule 4 allows, and only one
        // whose bracket starts after monitoring began (issue 18: no stale announcements).
        let (Some(at), Some(by)) = (m.crossed_at, m.by) else {
            continue;
        };
        if m.before_monitoring {
            continue;
        }
        // Claimed, so that of a fleet sharing the store one daemon announces it.
        if done(m.threshold)
            || !store.claim_notice(slug, m.threshold, &ctx.owner, ctx.clock.now(), NOTICE_LEASE)?
        {
            continue;
        }
        let chart_url = ctx
            .config
            .daemon
            .public_url
            .as_ref()
            .map(|u| format!("{}/reports/{slug}/cumulative.png", u.trim_end_matches('/')));
        out.push(Notice {
            campaign: slug.to_string(),
            name: c.name.clone(),
            threshold: m.threshold,
            crossed_at: at,
            after: m.after,
            by,
            total_views: tl.total(),
            text: format!(
                "{}\n{}",
                Notice::sentence(&c.name, m, tl.total(), c.tz(), c.language),
                crate::render::snippet::snippet(
                    &tl,
                    &crate::render::locale::Locale::new(c.language)
                )
                .trim()
            ),
            chart_url,
        });
    }
    Ok(out)
}

/// Send one notice to every webhook of the campaign: whether all of them took it.
async fn deliver(ctx: &Ctx, slug: &str, notice: &Notice) -> bool {
    let hooks = notify::webhooks_for(&ctx.config.notify, slug);
    let mut delivered = true;
    for (hook, url) in &hooks {
        let result = match url {
            Ok(url) => notify::send(&ctx.http, url, hook.format, notice, &hook.url_env).await,
            Err(e) => Err(e.clone()),
        };
        ctx.metrics.webhook_delivered(
            &hook.url_env,
            result.as_ref().map(|_| ()).map_err(|e| e.as_str()),
        );
        if let Err(e) = result {
            delivered = false;
            tracing::error!(
                threshold = notice.threshold,
                "milestone notification not delivered: {e}"
            );
        }
    }
    tracing::info!(
        threshold = notice.threshold,
        webhooks = hooks.len(),
        delivered,
        "{}",
        notice.text
    );
    delivered
}

/// After a delivery: clear the campaign's back-off, or double it (1 minute to 1 hour).
fn back_off(ctx: &Ctx, slug: &str, delivered: bool) {
    if let Ok(mut b) = ctx.notice_backoff.lock() {
        if delivered {
            b.remove(slug);
        } else {
            let wait = b
                .get(slug)
                .map(|(_, w)| (*w * 2).min(chrono::Duration::hours(1)))
                .unwrap_or_else(|| chrono::Duration::minutes(1));
            tracing::warn!(
                retry_in_s = wait.num_seconds(),
                "milestone notification will be retried"
            );
            b.insert(slug.to_string(), (ctx.clock.now() + wait, wait));
        }
    }
}

#[cfg(test)]
mod tests;

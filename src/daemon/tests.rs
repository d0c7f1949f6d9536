//! The daemon's unit tests: a simulated month of ticks against a mock API.

use super::*;
use std::sync::atomic::{AtomicU64, Ordering};

// The shared test support (tests/support/), included file by file.
#[path = "../../tests/support/config.rs"]
mod config;
#[path = "../../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../../tests/support/upstream.rs"]
mod upstream;
use config::ConfigBuilder;

/// Resident memory of this process in KiB (Linux), for the record.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4)
        .unwrap_or(0)
}

/// The sizes of everything the daemon keeps in memory between ticks.
#[derive(Debug, PartialEq, Eq)]
struct Held {
    health_entries: usize,
    failed_files: usize,
    notice_backoffs: usize,
    metric_series: usize,
}

fn held(ctx: &Ctx) -> Held {
    Held {
        health_entries: ctx.app.health.lock().unwrap().len(),
        failed_files: ctx.app.failed_files.lock().unwrap().len(),
        notice_backoffs: ctx.notice_backoff.lock().unwrap().len(),
        metric_series: ctx
            .metrics
            .encode()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count(),
    }
}

/// 15-minute collections on tokio's paused clock against a mock API: what the daemon holds
/// in memory is the same size after day 1 and at the end. `VIEWTALLY_SOAK_DAYS` sets the
/// simulated days: 4 by default (384 ticks; a debug build spends ~50 ms of CPU a tick on
/// the store and the timeline), 30 for the month (2880 ticks, a few minutes).
#[tokio::test(start_paused = true)]
async fn memory_stays_flat_over_a_simulated_month_of_ticks() {
    let days: i64 = std::env::var("VIEWTALLY_SOAK_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(4)
        .max(2);
    let answered = Arc::new(AtomicU64::new(0));
    let base = upstream::lean_youtube(answered.clone());
    // In memory-backed /dev/shm where there is one: the ticks' fsyncs would otherwise
    // make this test take minutes (and it measures memory, not disks).
    let shm = std::path::Path::new("/dev/shm");
    let dir = match shm.is_dir() {
        true => tempfile::tempdir_in(shm).unwrap(),
        false => tempfile::tempdir().unwrap(),
    };
    // The key variable only has to be set: PATH always is (the mock checks no key).
    // The webhook variable is never set, so every milestone notice fails and backs off.
    let db = dir.path().join("soak.db");
    let text = ConfigBuilder::with_store(&format!("sqlite://{}", db.display()))
        .platform("youtube", &base)
        .key("api_key_env", "PATH")
        .key("method", "videos_list")
        .section("platforms.http")
        .key("retries", 0)
        .raw("\n[[notify]]\n")
        .key("url_env", "VIEWTALLY_SOAK_UNSET_HOOK")
        .campaign("soak", "Soak")
        .key("milestones", vec![1000, 10000, 100000, 1000000])
        .schedule()
        .key("collect", "0 */15 * * * *")
        .video("youtube", "vid1")
        .build();
    let config = Arc::new(Config::parse(&text, "soak.toml").unwrap());
    let t0 = DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let clock = Clock::starting_at(t0);
    let ctx = Ctx::new(config.clone(), clock.clone()).unwrap();
    {
        let ctx = ctx.clone();
        tokio::task::spawn_blocking(move || baseline(&ctx))
            .await
            .unwrap()
            .unwrap();
    }
    let schedule = JobSchedule::new("0 */15 * * * *", chrono_tz::Europe::Prague).unwrap();
    let (stop_tx, stop_rx) = watch::channel(false);
    // Notices go out from the delivery task (issue 18), as in `run`.
    let (drain_tx, drain_rx) = watch::channel(false);
    let delivering = tokio::spawn(deliveries::run(ctx.clone(), drain_rx));
    let job = tokio::spawn(job_loop(
        ctx.clone(),
        "soak".into(),
        Job::Collect,
        schedule,
        stop_rx,
    ));
    let runs = |ctx: &Ctx| -> u64 {
        ["ok", "error"]
            .iter()
            .map(|r| {
                ctx.metrics
                    .job_runs
                    .get_or_create(&metrics::JobResultLabels {
                        campaign: "soak".into(),
                        job: "collect".into(),
                        result: (*r).into(),
                    })
                    .get()
            })
            .sum()
    };

    // Day 1 settles every label set and map entry; from then on nothing may grow.
    clock
        .sleep_until(t0 + chrono::Duration::days(1) + chrono::Duration::minutes(1))
        .await;
    let (after_day_1, rss_1) = (held(&ctx), rss_kib());
    assert_eq!(runs(&ctx), 96);
    clock
        .sleep_until(t0 + chrono::Duration::days(days / 2) + chrono::Duration::minutes(1))
        .await;
    let rss_half = rss_kib();
    clock
        .sleep_until(t0 + chrono::Duration::days(days) + chrono::Duration::minutes(1))
        .await;
    let (after_month, rss_n) = (held(&ctx), rss_kib());
    stop_tx.send(true).unwrap();
    job.await.unwrap();
    drain_tx.send(true).unwrap();
    delivering.await.unwrap();

    let ticks = runs(&ctx);
    assert_eq!(ticks, 96 * days as u64, "one run per tick");
    assert_eq!(after_day_1, after_month, "daemon state grew with ticks");
    // Resident memory is flat too, up to allocator noise and the (tiny) growing store: at
    // most 2 KiB a tick plus 2 MiB after day 1. The month measured 81.9 → 83.1 (day 15) →
    // 83.7 MB; a mock that kept 5 KB a request broke it at once. Checked only in the
    // explicit soak run (`VIEWTALLY_SOAK_DAYS=30 cargo test --lib memory_stays_flat`, one
    // test in the process): under `cargo test` other tests share this process's RSS.
    if std::env::var_os("VIEWTALLY_SOAK_DAYS").is_some() {
        let allowed = 2 * (ticks - 96) + 2048;
        assert!(
            rss_n.saturating_sub(rss_1) <= allowed,
            "RSS grew from {rss_1} KiB to {rss_n} KiB over {ticks} ticks (allowed {allowed} KiB)"
        );
    }
    assert!(after_month.metric_series > 0 && after_month.notice_backoffs == 1);
    // Every tick really went to the API and stored what it read.
    let requests = answered.load(Ordering::SeqCst);
    assert_eq!(requests, ticks);
    let store = store::open(&config.store.url).unwrap();
    let stored = store.count(Some("soak")).unwrap();
    assert!(stored > ticks, "{stored} readings for {ticks} ticks");
    eprintln!(
        "daemon soak: {ticks} ticks over {days} simulated days, {requests} API requests, \
         {stored} readings stored; held after day 1 {after_day_1:?}, after day {days} \
         {after_month:?}; RSS day 1 {rss_1} KiB, day {} {rss_half} KiB, day {days} {rss_n} KiB",
        days / 2
    );
}

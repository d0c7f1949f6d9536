//! Issue 18, points 1, 6 and 8: no announcements of milestones crossed before monitoring
//! began; webhooks delivered from a queue of their own (a slow one holds up no job, a restart
//! resumes what is pending, exactly once); /metrics in both text formats; failing webhooks in
//! /healthz.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::{get, Daemon};
use super::pg::Postgres;
use crate::support::upstream::{rising_youtube, Hook};

/// YouTube answering 28 500 views at the first request and 30 500 after.
struct AlreadyFar(AtomicI64);

impl wiremock::Respond for AlreadyFar {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let views = if n == 0 { 28_500 } else { 30_500 };
        wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "kind": "youtube#videoListResponse",
            "items": [{"kind": "youtube#video", "id": "vid1",
                       "statistics": {"viewCount": views.to_string()}}]
        }))
    }
}

fn wait_until(what: &str, d: &Daemon, limit_s: u64, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(limit_s),
            "{what} did not happen; stderr:\n{}",
            d.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn fresh_store_announces_only_what_it_saw(store: &str) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/youtube/v3/videos"))
        .respond_with(AlreadyFar(AtomicI64::new(0)))
        .mount(&server)
        .await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store(store)
            .small_report()
            .platform("youtube", &server.uri())
            .key("method", "videos_list")
            .notify_json("HOOK_URL")
            .campaign("c1", "Late start")
            .key("milestones", vec![8000, 10000, 20000, 30000])
            .schedule()
            .key("collect", "* * * * * *")
            .video("youtube", "vid1")
            .build(),
    );
    let hook = Hook::start();
    let vars = [("YOUTUBE_API_KEY", "AIza-late-start-key")];
    let d = tokio::task::block_in_place(|| Daemon::start_with(&env, &hook.url, &vars));
    tokio::task::block_in_place(|| {
        wait_until("the announcement of 30 000", &d, 30, || {
            hook.thresholds().contains(&30000)
        });
        std::thread::sleep(Duration::from_secs(3));
    });
    let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert_eq!(code, 0, "{stderr}");
    // 8 000, 10 000 and 20 000 were crossed before the first reading: never announced.
    assert_eq!(hook.thresholds(), vec![30000], "{stderr}");
    let status = env.run(&["status"]).ok().stdout;
    for m in ["8,000", "10,000", "20,000"] {
        let line = status
            .lines()
            .find(|l| l.contains(&format!(" {m}:")))
            .unwrap_or_else(|| panic!("no line of {m} in\n{status}"));
        assert!(
            line.ends_with("(crossed before monitoring began)"),
            "{line}\n{status}"
        );
    }
    let line30 = status.lines().find(|l| l.contains(" 30,000:")).unwrap();
    assert!(!line30.contains("before monitoring"), "{status}");
    let json = env.run(&["status", "--json"]).ok().stdout;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ms = json["milestones"].as_array().unwrap();
    assert_eq!(ms[0]["before_monitoring"], true, "{json}");
    assert_eq!(ms[2]["before_monitoring"], true, "{json}");
    assert!(ms[3].get("before_monitoring").is_none(), "{json}");
    env.run(&["report"]).ok();
    let md = env.read("reports/c1/summary.md");
    assert!(md.contains("(crossed before monitoring began)"), "{md}");
    let html = env.read("reports/c1/report.html");
    assert!(html.contains("(crossed before monitoring began)"));
    let tl: serde_json::Value =
        serde_json::from_str(&env.read("reports/c1/timeline.json")).unwrap();
    let flags: Vec<bool> = tl["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["before_monitoring"] == true)
        .collect();
    assert_eq!(flags, vec![true, true, true, false], "{tl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_store_does_not_announce_milestones_crossed_before_monitoring() {
    fresh_store_announces_only_what_it_saw("sqlite://data/late.db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_postgres_store_does_not_announce_milestones_crossed_before_monitoring() {
    let Some(pg) = tokio::task::block_in_place(Postgres::start) else {
        return;
    };
    let url = tokio::task::block_in_place(|| pg.database());
    fresh_store_announces_only_what_it_saw(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_webhook_holds_up_no_collect_tick() {
    let server = rising_youtube().await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store("sqlite://data/slow.db")
            .platform("youtube", &server.uri())
            .key("method", "videos_list")
            .notify_json("HOOK_URL")
            .campaign("c1", "Slow hook")
            .key("milestones", vec![100, 100_000])
            .schedule()
            .key("collect", "* * * * * *")
            .video("youtube", "vid1")
            .build(),
    );
    // The webhook takes 8 s to answer.
    let hook = Hook::start_with_delay(|_| 8000);
    let vars = [("YOUTUBE_API_KEY", "AIza-slow-hook-key")];
    let d = tokio::task::block_in_place(|| Daemon::start_with(&env, &hook.url, &vars));
    tokio::time::sleep(Duration::from_secs(12)).await;
    let requests = server.received_requests().await.unwrap_or_default().len();
    let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert_eq!(code, 0, "{stderr}");
    // One collection a second kept running while the webhook took its time (inline delivery
    // skipped the ticks of 8 s after each crossing).
    assert!(
        requests >= 9,
        "only {requests} collections in 12 s\n{stderr}"
    );
    assert!(!stderr.contains("ticks skipped"), "{stderr}");
    assert_eq!(hook.thresholds(), vec![100], "{stderr}");
}

/// GET with an `Accept` header: (status, content type, body).
fn scrape(addr: &str, path: &str, accept: Option<&str>) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let accept = accept
        .map(|a| format!("accept: {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {path} HTTP/1.0\r\nhost: {addr}\r\n{accept}\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let out = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, ctype, body.to_string())
}

/// `# TYPE` lines of a text exposition: (name, type).
fn types(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| {
            let (n, t) = l.split_once(' ')?;
            Some((n.to_string(), t.to_string()))
        })
        .collect()
}

fn check_metrics(addr: &str) {
    // Prometheus text 0.0.4 unless OpenMetrics is asked for.
    let (status, ctype, text) = scrape(addr, "/metrics", None);
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    let t = types(&text);
    assert!(!text.contains("# EOF"), "{text}");
    for (name, kind) in &t {
        match kind.as_str() {
            "gauge" => assert!(!name.ends_with("_total"), "gauge {name}\n{text}"),
            // 0.0.4: a counter's TYPE names its sample.
            "counter" => assert!(name.ends_with("_total"), "counter {name}\n{text}"),
            _ => {}
        }
    }
    for (name, kind) in [
        ("viewtally_campaign_views", "gauge"),
        ("viewtally_store_up", "gauge"),
        ("viewtally_job_duration_seconds", "gauge"),
        ("viewtally_webhook_pending", "gauge"),
        ("viewtally_webhook_delivery_failures_total", "counter"),
        ("viewtally_job_runs_total", "counter"),
    ] {
        assert!(
            t.contains(&(name.to_string(), kind.to_string())),
            "no {kind} {name} in\n{text}"
        );
    }
    assert!(text.contains("viewtally_store_up 1\n"), "{text}");
    assert!(
        text.contains("viewtally_webhook_delivery_failures_total{sink=\"HOOK_URL\"} "),
        "{text}"
    );
    assert!(
        text.contains("viewtally_job_duration_seconds{campaign=\"c1\",job=\"import_dir\"} "),
        "{text}"
    );
    assert!(
        text.contains("viewtally_webhook_pending{campaign=\"c1\"} 1\n"),
        "{text}"
    );
    assert!(!text.contains("viewtally_views_total"), "{text}");

    // OpenMetrics when asked, as Prometheus asks.
    let (_, ctype, om) = scrape(
        addr,
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
    );
    assert_eq!(
        ctype,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    let t = types(&om);
    for (name, kind) in &t {
        // OpenMetrics: a metric family has no `_total`; its counter samples do.
        assert!(!name.ends_with("_total"), "{kind} {name}\n{om}");
    }
    assert!(t.contains(&(
        "viewtally_webhook_delivery_failures".into(),
        "counter".into()
    )));
    assert!(om.contains("viewtally_webhook_delivery_failures_total{sink=\"HOOK_URL\"} "));
}

#[test]
fn a_restart_resumes_a_pending_delivery_exactly_once() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store("sqlite://data/resume.db")
            .notify_json("HOOK_URL")
            .campaign("c1", "Resume")
            .key("milestones", vec![100, 1000])
            .schedule()
            .key("import_dir", "* * * * * *")
            .key("watch_dir", "inbox")
            .build(),
    );
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    // Nothing listens on port 9: the delivery fails and stays pending.
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/hook", &[]);
    let tmp = env.write(
        "inbox/.a.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,v1,,views,total,2020-07-24T10:00:00Z,50\n\
         youtube,v1,,views,total,2020-07-25T10:00:00Z,150\n",
    );
    std::fs::rename(tmp, env.path("inbox/a.csv")).unwrap();
    wait_until("a failed delivery", &d, 30, || {
        d.stderr
            .lock()
            .unwrap()
            .contains("milestone notifications kept pending in the store")
    });
    // A failing webhook shows in /healthz without turning it red.
    let (status, health) = get(&d.addr, "/healthz");
    assert_eq!(status, 200, "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(
        health["failing_webhooks"][0]["url_env"], "HOOK_URL",
        "{health}"
    );
    assert!(
        health["failing_webhooks"][0]["consecutive_failures"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(!health.to_string().contains("127.0.0.1:9"), "{health}");
    check_metrics(&d.addr);

    // Killed without warning while the notice is pending; restarted with a working webhook.
    let mut d = d;
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    let hook = Hook::start();
    let d = Daemon::start_with(&env, &hook.url, &[]);
    wait_until("the resumed delivery", &d, 20, || {
        !hook.thresholds().is_empty()
    });
    std::thread::sleep(Duration::from_secs(3));
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(hook.thresholds(), vec![100], "{stderr}");
}

//! The daemon end to end: the built binary with a seconds-level schedule, a folder it watches,
//! a local webhook receiver, /metrics scraped over HTTP, SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::*;
use crate::support::upstream::{rising_youtube, Hook};

/// GET a path; returns (status, body).
pub(super) fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nhost: {addr}\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let out = String::from_utf8_lossy(&raw).into_owned();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

pub(super) struct Daemon {
    pub(super) child: Child,
    pub(super) addr: String,
    pub(super) stderr: Arc<Mutex<String>>,
}

impl Daemon {
    fn start(env: &Env, hook: &str) -> Daemon {
        Daemon::start_with(env, hook, &[])
    }

    pub(super) fn start_with(env: &Env, hook: &str, vars: &[(&str, &str)]) -> Daemon {
        let mut child = env
            .command(&["daemon", "--listen", "127.0.0.1:0"])
            .env("HOOK_URL", hook)
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (e, mut pipe) = (stderr.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                e.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}; stderr: {}", stderr.lock().unwrap()))
            .to_string();
        Daemon {
            child,
            addr,
            stderr,
        }
    }

    fn total(&self) -> Option<i64> {
        let (_, body) = get(&self.addr, "/metrics");
        body.lines()
            .find(|l| l.starts_with("viewtally_campaign_views{campaign=\"c1\"}"))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
    }

    fn wait_for_total(&self, want: i64) {
        let start = Instant::now();
        loop {
            let now = self.total();
            if now == Some(want) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "total never reached {want} (now {now:?}); stderr:\n{}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(super) fn terminate(mut self) -> (i32, String) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (
                    status.code().unwrap_or(-1),
                    self.stderr.lock().unwrap().clone(),
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "daemon did not stop"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

const CONFIG: &str = r#"
[store]
url = "sqlite://data/d.db"

[report]
sizes = ["web"]
formats = ["svg"]

[[notify]]
url_env = "HOOK_URL"
format = "json"

[[campaign]]
slug = "c1"
name = "Daemon test"
timezone = "Europe/Prague"
milestones = [100, 200, 1000]

[campaign.schedule]
import_dir = "* * * * * *"
report = "*/2 * * * * *"
watch_dir = "inbox"
"#;

fn drop_file(env: &Env, name: &str, rows: &str) {
    let tmp = env.write(
        &format!("inbox/.{name}"),
        &format!("platform,video,account,metric,kind,at,value\n{rows}"),
    );
    std::fs::rename(tmp, env.path(&format!("inbox/{name}"))).unwrap();
}

#[test]
fn daemon_imports_on_schedule_notifies_once_and_stops_cleanly() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    let hook = Hook::start();
    let d = Daemon::start(&env, &hook.url);
    assert_eq!(get(&d.addr, "/healthz").0, 200);
    drop_file(
        &env,
        "a.csv",
        "youtube,v1,,views,total,2020-07-25T10:00:00Z,150\n",
    );
    d.wait_for_total(150);
    drop_file(
        &env,
        "b.csv",
        "youtube,v1,,views,total,2020-07-26T10:00:00Z,250\n",
    );
    d.wait_for_total(250);

    // exactly one notification per milestone crossed after monitoring began: 100 was already
    // passed at the first reading (nothing bounds it from below), so it is not announced
    // (issue 18, point 1)
    let start = Instant::now();
    while hook.thresholds().is_empty() && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(hook.thresholds(), vec![200]);
    let of = |threshold: i64| {
        hook.bodies()
            .iter()
            .find(|b| b["threshold"] == threshold)
            .cloned()
            .unwrap()
    };
    let body = of(200);
    assert_eq!(body["event"], "milestone_crossed");
    assert_eq!(body["campaign"], "c1");
    // 200: proven below at the first reading (150), proven above at the second (250), a day
    // apart: "by" the second's day
    let body = of(200);
    assert_eq!(
        body["after"],
        serde_json::json!({"at": "2020-07-25T10:00:00Z", "total": 150})
    );
    let text = body["text"].as_str().unwrap().replace('\u{a0}', " ");
    assert!(
        text.contains("had passed 200 views by 26 Jul 2020"),
        "{text}"
    );

    let (_, metrics) = get(&d.addr, "/metrics");
    for needle in [
        "viewtally_views{campaign=\"c1\",platform=\"youtube\",video=\"v1\"} 250",
        "viewtally_milestone_crossed{campaign=\"c1\",threshold=\"200\"} 1",
        "viewtally_milestone_crossed{campaign=\"c1\",threshold=\"1000\"} 0",
        "viewtally_job_runs_total{campaign=\"c1\",job=\"import_dir\",result=\"ok\"}",
        "viewtally_last_success_timestamp_seconds{campaign=\"c1\",job=\"report\"}",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    // the report job rendered; the index links it
    let (status, index) = get(&d.addr, "/");
    assert_eq!(status, 200);
    assert!(index.contains("/reports/c1/summary.md"), "{index}");
    let (status, summary) = get(&d.addr, "/reports/c1/summary.md");
    assert_eq!(status, 200);
    assert!(summary.contains("250"), "{summary}");
    assert_eq!(get(&d.addr, "/reports/c1/..%2Fd.db").0, 404);

    // a second daemon on the same store is refused and names the holder
    let r = env.run(&["daemon", "--listen", "127.0.0.1:0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("another viewtally daemon already runs on this store"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("pid {}", d.child.id())),
        "{}",
        r.stderr
    );

    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("viewtally daemon stopped"), "{stderr}");

    // after a restart nothing is announced twice, and the store is intact
    let d = Daemon::start(&env, &hook.url);
    d.wait_for_total(250);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(hook.thresholds(), vec![200]);
    let (code, _) = d.terminate();
    assert_eq!(code, 0);
    let s = env.run(&["status", "--json"]).ok();
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(s["total_views"], 250);
}

#[test]
fn a_failing_job_turns_healthz_red() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &CONFIG
            .replace("watch_dir = \"inbox\"", "watch_dir = \"missing-folder\"")
            .replace(
                "[[campaign]]",
                "[daemon]\nunhealthy_after_failures = 2\n\n[[campaign]]",
            ),
    );
    let d = Daemon::start(&env, "http://127.0.0.1:9/unused");
    let start = Instant::now();
    loop {
        let (status, body) = get(&d.addr, "/healthz");
        if status == 503 {
            assert!(body.contains("\"job\":\"import_dir\""), "{body}");
            assert!(body.contains("missing-folder"), "{body}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never unhealthy: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(d.terminate().0, 0);
}

/// YouTube answers with a view count that rises by 50 at every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_collects_from_the_api_on_schedule() {
    let server = rising_youtube().await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store("sqlite://data/c.db")
            .platform("youtube", &server.uri())
            .key("method", "videos_list")
            .raw("\n[[notify]]\n")
            .key("url_env", "HOOK_URL")
            .campaign("c1", "Collect test")
            .key("milestones", vec![100, 200])
            .schedule()
            .key("collect", "* * * * * *")
            .video("youtube", "vid1")
            .build(),
    );
    let hook = Hook::start();
    let d = tokio::task::block_in_place(|| {
        Daemon::start_with(
            &env,
            &hook.url,
            &[("YOUTUBE_API_KEY", "AIza-daemon-test-key")],
        )
    });
    // counts rise at every tick: wait until both milestones are crossed
    let start = Instant::now();
    loop {
        let total = tokio::task::block_in_place(|| d.total()).unwrap_or(0);
        if total >= 250 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "total stuck at {total}: {}",
            d.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, metrics) = tokio::task::block_in_place(|| get(&d.addr, "/metrics"));
    assert!(
        metrics.contains("viewtally_api_requests_total{platform=\"youtube\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("viewtally_job_runs_total{campaign=\"c1\",job=\"collect\",result=\"ok\"}"),
        "{metrics}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(hook.thresholds(), vec![100, 200]);
    let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("AIza-daemon-test-key"),
        "the key leaked into the log"
    );
    let s = env.run(&["status", "--json"]).ok();
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    assert!(s["total_views"].as_i64().unwrap() >= 250);
}

#[test]
fn a_correction_that_moves_an_announced_crossing_is_never_silent() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    let hook = Hook::start();
    let d = Daemon::start(&env, &hook.url);
    drop_file(
        &env,
        "a.csv",
        "youtube,v1,,views,total,2020-07-24T10:00:00Z,50\n\
         youtube,v1,,views,total,2020-07-25T10:00:00Z,150\n",
    );
    d.wait_for_total(150);
    let start = Instant::now();
    while hook.thresholds().is_empty() && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(hook.thresholds(), vec![100]);

    // A newer export corrects the reading of 25 Jul (80, not 150) and adds 26 Jul: 100 was
    // crossed after the bracket the announcement stated (24 Jul 50 – 25 Jul 150).
    let fixed = env.write(
        "fixed.csv",
        "platform,video,account,metric,kind,at,value\n\
         youtube,v1,,views,total,2020-07-25T10:00:00Z,80\n\
         youtube,v1,,views,total,2020-07-26T10:00:00Z,250\n",
    );
    env.run(&["import", fixed.to_str().unwrap()]).ok();
    let status = env.run(&["status"]).ok().stdout.replace('\u{a0}', " ");
    assert!(
        status.contains(
            "! Announcements that a correction has overtaken: 100 views: announced as crossed between 24 Jul 2020 12:00 and 25 Jul 2020 12:00; the readings now say: passed by 26 Jul 2020 — between 25 Jul 2020 12:00 (at most 80) and 26 Jul 2020 12:00 (at least 250)"
        ),
        "{status}"
    );
    env.run(&["report"]).ok();
    let md = env.read("reports/c1/summary.md").replace('\u{a0}', " ");
    assert!(
        md.contains("**Announcements that a correction has overtaken**"),
        "{md}"
    );
    assert!(
        md.contains(
            "- 100 views: announced as crossed between 24 Jul 2020 12:00 and 25 Jul 2020 12:00;"
        ),
        "{md}"
    );
    // a past state shows what was proven then, without the later correction's verdict
    let past = env
        .run(&["status", "--until", "2020-07-25T12:00:00Z"])
        .ok()
        .stdout;
    assert!(!past.contains("Announcements"), "{past}");
}

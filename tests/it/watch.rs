//! Issue 13: a file in `watch_dir` that fails to import stays visible (/metrics, /healthz,
//! `status`) until it is fixed or removed; the lock file goes on a clean stop.

use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::{get, Daemon};

const CONFIG: &str = r#"
[store]
url = "sqlite://data/w.db"

[[campaign]]
slug = "c1"
name = "Watch test"
timezone = "Europe/Prague"
milestones = [100]

[campaign.schedule]
import_dir = "* * * * * *"
watch_dir = "inbox"
"#;

const HEADER: &str = "platform,video,account,metric,kind,at,value\n";

fn drop_file(env: &Env, name: &str, rows: &str) {
    let tmp = env.write(&format!("inbox/.{name}"), &format!("{HEADER}{rows}"));
    std::fs::rename(tmp, env.path(&format!("inbox/{name}"))).unwrap();
}

/// Poll `/healthz` and `/metrics` until `done` says yes (20 s at most).
fn wait_for(d: &Daemon, what: &str, done: impl Fn(u16, &str, &str) -> bool) -> (String, String) {
    let start = Instant::now();
    loop {
        let (status, health) = get(&d.addr, "/healthz");
        let (_, metrics) = get(&d.addr, "/metrics");
        if done(status, &health, &metrics) {
            return (health, metrics);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never {what}: {status} {health}\n{metrics}\n{}",
            d.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_refused_file_stays_visible_until_fixed_or_removed() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);
    assert!(env.path("data/w.db.daemon.lock").exists());
    drop_file(
        &env,
        "bad.csv",
        "youtube,v1,,views,total,2020-07-25T10:00:00Z,n/a\n",
    );
    drop_file(
        &env,
        "good.csv",
        "youtube,v1,,views,total,2020-07-25T10:00:00Z,50\n",
    );
    let gauge = |n: u32| format!("viewtally_import_failed_files{{campaign=\"c1\"}} {n}");
    let (health, _) = wait_for(&d, "listed", |status, health, metrics| {
        status == 200 && health.contains("bad.csv") && metrics.contains(&gauge(1))
    });
    let h: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(h["status"], "degraded", "{health}");
    assert!(
        h["failed_files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("bad.csv:2:7: column `value`: `n/a` is not a whole number"),
        "{health}"
    );
    // Later runs (which skip the file) do not make it vanish, nor turn /healthz red.
    std::thread::sleep(Duration::from_secs(3));
    let (status, health) = get(&d.addr, "/healthz");
    assert_eq!(status, 200, "{health}");
    assert!(health.contains("bad.csv"), "{health}");
    // `status` says so too, with the same reason.
    let s = env.run(&["status"]).ok();
    assert!(
        s.stdout
            .contains("bad.csv is refused (until fixed or removed)")
            && s.stdout.contains("`n/a` is not a whole number"),
        "{}",
        s.stdout
    );
    let s = env.run(&["status", "--json"]).ok();
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    assert!(
        s["watch_dir_refused"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("bad.csv"),
        "{s}"
    );
    // Fixed: imported, and no longer listed.
    drop_file(
        &env,
        "bad.csv",
        "youtube,v1,,views,total,2020-07-26T10:00:00Z,70\n",
    );
    let (health, _) = wait_for(&d, "cleared after the fix", |status, health, metrics| {
        status == 200 && !health.contains("bad.csv") && metrics.contains(&gauge(0))
    });
    assert!(health.contains("\"ok\""), "{health}");
    // Another bad file, then removed: listed, then gone.
    drop_file(
        &env,
        "worse.csv",
        "youtube,v1,,views,total,2020-07-27T10:00:00Z,—\n",
    );
    wait_for(&d, "listed", |_, health, metrics| {
        health.contains("worse.csv") && metrics.contains(&gauge(1))
    });
    std::fs::remove_file(env.path("inbox/worse.csv")).unwrap();
    wait_for(&d, "cleared after removal", |_, health, metrics| {
        !health.contains("worse.csv") && metrics.contains(&gauge(0))
    });
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !env.path("data/w.db.daemon.lock").exists(),
        "the lock file is removed on a clean stop"
    );
    let s = env.run(&["status", "--json"]).ok();
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(s["total_views"], 70, "{s}");
    assert!(s.get("watch_dir_refused").is_none(), "{s}");
}

#[test]
fn status_names_the_campaigns_the_store_holds() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let f = env.write(
        "in.csv",
        &format!("{HEADER}youtube,v1,,views,total,2020-07-25T10:00:00Z,50\n"),
    );
    env.run(&["import", f.to_str().unwrap()]).ok();
    env.write(
        "config/viewtally.toml",
        &CONFIG.replace("slug = \"c1\"", "slug = \"c2\""),
    );
    let s = env.run(&["status"]).ok();
    assert!(
        s.stdout.contains(
            "campaign `c2` has no observations in the store, which holds `c1` (1 observation)"
        ),
        "{}",
        s.stdout
    );
    let c = env.run(&["check"]);
    assert!(
        c.stdout
            .contains("campaign `c2` has no observations in the store, which holds `c1`")
            || c.stderr
                .contains("campaign `c2` has no observations in the store, which holds `c1`"),
        "{}{}",
        c.stdout,
        c.stderr
    );
}

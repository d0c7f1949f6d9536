//! Issue 18, operations: a store outage mid-run loses no reading (the spool), a tick whose
//! claim failed does not run (points 5), the systemd unit (point 3), JSON and text logs
//! (point 7). The catch-up rule (point 9) is tested on times in `src/daemon/schedule.rs`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

use super::common::*;
use super::daemon::{get, Daemon};
use crate::support::upstream::rising_youtube;

const KEY: (&str, &str) = ("YOUTUBE_API_KEY", "AIza-ops-test-key");

/// A config collecting `vid1` from `api` every second into `data/o.db`.
fn collect_config(api: &str) -> String {
    ConfigBuilder::with_store("sqlite://data/o.db")
        .platform("youtube", api)
        .key("method", "videos_list")
        .campaign("c1", "Ops test")
        .key("milestones", vec![1_000_000])
        .schedule()
        .key("collect", "* * * * * *")
        .video("youtube", "vid1")
        .build()
}

fn db(env: &Env) -> Connection {
    let c = Connection::open(env.path("data/o.db")).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c
}

/// Make every write of readings fail (or work again), as a store gone mid-run would.
fn outage(env: &Env, on: bool) {
    let sql = match on {
        true => "CREATE TRIGGER outage BEFORE INSERT ON points BEGIN SELECT RAISE(ABORT, 'injected outage'); END;",
        false => "DROP TRIGGER outage;",
    };
    db(env).execute_batch(sql).unwrap();
}

/// The stored view counts of `vid1`.
fn stored_views(env: &Env) -> Vec<i64> {
    let c = db(env);
    let mut q = c
        .prepare(
            "SELECT p.value FROM points p JOIN series s ON s.id = p.series \
             WHERE s.video = 'vid1' AND s.metric = 'views' ORDER BY p.value",
        )
        .unwrap();
    q.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The view counts waiting in the spool file (empty when there is none).
fn spooled_views(env: &Env) -> Vec<i64> {
    let Ok(text) = std::fs::read_to_string(env.path("data/spool/collect-c1.json")) else {
        return Vec::new();
    };
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.iter()
        .filter(|o| o["metric"] == "views")
        .map(|o| o["value"].as_i64().unwrap())
        .collect()
}

#[track_caller]
fn wait(what: &str, d: &Daemon, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "{what}: never happened; stderr:\n{}",
            d.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_of_a_failed_store_write_wait_in_a_spool_across_a_restart() {
    let server = rising_youtube().await;
    let env = Env::new();
    env.write("config/viewtally.toml", &collect_config(&server.uri()));
    tokio::task::block_in_place(|| {
        let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[KEY]);
        wait("a first reading", &d, || {
            env.path("data/o.db").exists() && !stored_views(&env).is_empty()
        });

        // The store fails mid-run: the readings are kept, counted and said.
        outage(&env, true);
        wait("two readings in the spool", &d, || {
            spooled_views(&env).len() >= 2
        });
        let (_, health) = get(&d.addr, "/healthz");
        let health: Value = serde_json::from_str(&health).unwrap();
        assert!(
            health["pending_readings"]["c1"].as_u64().unwrap_or(0) >= 2,
            "{health}"
        );
        assert!(
            d.stderr.lock().unwrap().contains("wait in the spool"),
            "{}",
            d.stderr.lock().unwrap()
        );
        // The store is back: the next tick writes them, and the spool goes.
        let kept = spooled_views(&env);
        outage(&env, false);
        wait("the spool written", &d, || {
            !env.path("data/spool/collect-c1.json").exists()
        });
        let stored = stored_views(&env);
        assert!(
            kept.iter().all(|v| stored.contains(v)),
            "spooled {kept:?}, stored {stored:?}"
        );

        // Down again, and the daemon stopped before the store comes back.
        outage(&env, true);
        wait("a reading in the spool", &d, || {
            !spooled_views(&env).is_empty()
        });
        let (code, stderr) = d.terminate();
        assert_eq!(code, 0, "{stderr}");
        let kept = spooled_views(&env);
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|v| !stored_views(&env).contains(v)));
        assert!(!stderr.contains(KEY.1), "the key leaked into the log");
        let leftovers: Vec<_> = std::fs::read_dir(env.path("data/spool"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, vec!["collect-c1.json"], "no temp file left");

        // A new daemon writes them once the store takes them.
        outage(&env, false);
        let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[KEY]);
        wait("the spool written after the restart", &d, || {
            !env.path("data/spool/collect-c1.json").exists()
        });
        let stored = stored_views(&env);
        assert!(
            kept.iter().all(|v| stored.contains(v)),
            "spooled {kept:?}, stored {stored:?}"
        );
        let (code, stderr) = d.terminate();
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains("kept from runs whose store write failed"),
            "{stderr}"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_whose_claim_failed_does_not_run() {
    let server = rising_youtube().await;
    let env = Env::new();
    env.write("config/viewtally.toml", &collect_config(&server.uri()));
    let requests = || {
        let server = &server;
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current()
                .block_on(async { server.received_requests().await.map_or(0, |r| r.len()) })
        })
    };
    let d = tokio::task::block_in_place(|| {
        Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[KEY])
    });
    tokio::task::block_in_place(|| wait("a first request", &d, || requests() > 0));
    // The store refuses the claims (as a store that is down would).
    tokio::task::block_in_place(|| {
        db(&env)
            .execute_batch(
                "CREATE TRIGGER no_claims BEFORE INSERT ON job_ticks \
                 BEGIN SELECT RAISE(ABORT, 'injected outage'); END;",
            )
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = requests();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        requests(),
        before,
        "a tick ran without its claim; stderr:\n{}",
        d.stderr.lock().unwrap()
    );
    let (status, body) = tokio::task::block_in_place(|| get(&d.addr, "/healthz"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cannot claim the tick"), "{body}");
    assert!(d
        .stderr
        .lock()
        .unwrap()
        .contains("cannot claim the tick, so it did not run"));
    // The store takes claims again: the ticks run again.
    tokio::task::block_in_place(|| db(&env).execute_batch("DROP TRIGGER no_claims;").unwrap());
    tokio::task::block_in_place(|| wait("a request after the outage", &d, || requests() > before));
    let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert_eq!(code, 0, "{stderr}");
}

/// The `RestartPreventExitStatus=` values of the unit.
fn restart_prevented(unit: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix("RestartPreventExitStatus="))
        .flat_map(|v| v.split_whitespace().map(str::to_string))
        .collect()
}

#[test]
fn the_systemd_unit_verifies_and_does_not_restart_on_usage_errors() {
    let unit = std::fs::read_to_string(repo("config/viewtally.service")).unwrap();
    assert_eq!(
        restart_prevented(&unit),
        vec![viewtally::error::EXIT_USAGE.to_string()],
        "RestartPreventExitStatus= must list the usage/config exit code"
    );
    assert!(unit.contains("\nRestart=on-failure\n"));
    assert_ne!(viewtally::error::EXIT_USAGE, viewtally::error::EXIT_RUNTIME);
    // The install steps leave the secrets readable by the service's group, not root-only.
    assert!(
        unit.contains("install -o root -g viewtally -m 0640 .env /etc/viewtally/.env"),
        "{unit}"
    );
    assert!(!unit.contains("chmod 600"), "{unit}");

    // A config error and an unreadable env file exit with the code the unit does not restart.
    let env = Env::new();
    env.write("config/viewtally.toml", "[store\n");
    let r = env.run(&["check"]);
    assert_eq!(r.code, viewtally::error::EXIT_USAGE as i32, "{}", r.stderr);
    env.write(
        "config/viewtally.toml",
        &collect_config("http://127.0.0.1:9"),
    );
    let r = env.run(&["--env-file", "/nonexistent/viewtally/.env", "daemon"]);
    assert_eq!(r.code, viewtally::error::EXIT_USAGE as i32, "{}", r.stderr);
    assert!(
        r.stderr.contains("/nonexistent/viewtally/.env"),
        "{}",
        r.stderr
    );

    let found = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("note: systemd-analyze is not installed; `verify` of the unit skipped");
        return;
    }
    // The unit as shipped, with the binary just built in place of /usr/local/bin/viewtally.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("viewtally.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/viewtally", env!("CARGO_BIN_EXE_viewtally")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "systemd-analyze verify: {said}");
    assert!(
        !said.contains("viewtally.service:"),
        "systemd-analyze verify complains about the unit: {said}"
    );
}

/// Run the daemon with `args` before `daemon` and `vars` for about a second, then stop it:
/// its first stdout line and its stderr.
fn brief_daemon(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> (String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["daemon", "--listen", "127.0.0.1:0"]);
    let mut child: Child = env
        .command(&all)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (e, mut pipe) = (stderr.clone(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        e.lock().unwrap().push_str(&s);
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let stderr = stderr.lock().unwrap().clone();
    assert_eq!(status.code(), Some(0), "{stderr}");
    (line, stderr)
}

/// Every line is a JSON object with `timestamp`, `level` and a top-level `message`, and no
/// source path or target.
#[track_caller]
fn all_json(text: &str) -> Vec<Value> {
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "{text}");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\nin:\n{text}"));
            assert!(v["message"].is_string(), "no top-level message: {l}");
            assert!(v["timestamp"].is_string() && v["level"].is_string(), "{l}");
            for key in ["fields", "file", "line_number", "target"] {
                assert!(v.get(key).is_none(), "`{key}` in {l}");
            }
            v
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_json_on_every_line_fatal_errors_included() {
    let env = Env::new();
    // A fatal config error.
    env.write("config/viewtally.toml", "[store\n");
    let r = env.run(&["--log-format", "json", "status"]);
    assert_eq!(r.code, 2);
    let lines = all_json(&r.stderr);
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert_eq!(lines[0]["level"], "ERROR");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("viewtally.toml"),
        "{}",
        r.stderr
    );
    // A command line clap refuses.
    let r = env.run(&["--log-format=json", "daemon", "--bogus"]);
    assert_eq!(r.code, 2);
    let lines = all_json(&r.stderr);
    assert!(
        lines[0]["message"].as_str().unwrap().contains("--bogus"),
        "{}",
        r.stderr
    );
    // A daemon's start, its runs and its stop; the "listening" line on stdout too.
    let server = rising_youtube().await;
    env.write("config/viewtally.toml", &collect_config(&server.uri()));
    let (listening, stderr) =
        tokio::task::block_in_place(|| brief_daemon(&env, &["--log-format", "json"], &[KEY]));
    let listening = &all_json(&listening)[0];
    assert!(
        listening["message"]
            .as_str()
            .unwrap()
            .contains("listening on http://127.0.0.1:"),
        "{listening}"
    );
    let lines = all_json(&stderr);
    assert!(
        lines.iter().any(|l| l["message"] == "run started"
            && l["span"]["job"] == "collect"
            && l["span"]["campaign"] == "c1"),
        "{stderr}"
    );
    assert!(lines
        .iter()
        .any(|l| l["message"] == "viewtally daemon stopped"));
}

#[test]
fn text_logs_carry_timestamps_except_under_journald() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &collect_config("http://127.0.0.1:9"),
    );
    let stamped = |line: &str| {
        let b = line.as_bytes();
        b.len() > 20 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b'T'
    };
    let (_, stderr) = brief_daemon(&env, &[], &[]);
    let started = stderr
        .lines()
        .find(|l| l.contains("viewtally daemon started"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(stamped(started), "no timestamp: {started}");
    let (_, stderr) = brief_daemon(&env, &[], &[("JOURNAL_STREAM", "8:12345")]);
    let started = stderr
        .lines()
        .find(|l| l.contains("viewtally daemon started"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(!stamped(started), "journald stamps lines itself: {started}");
    assert!(started.trim_start().starts_with("INFO"), "{started}");
}

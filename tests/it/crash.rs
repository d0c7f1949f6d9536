//! Crash safety: the binary is killed with SIGKILL at random moments during `import` of a large
//! file, `collect` against slow mock APIs, and `report`; after every kill the store must open
//! without repair (`PRAGMA integrity_check` = ok), an import must be wholly present or absent,
//! a collection run's readings all there or none, and every report file a complete one.
//!
//! `VIEWTALLY_CRASH_KILLS` (default 100) is the number of kills across the three commands,
//! `VIEWTALLY_CRASH_SEED` the random seed, `VIEWTALLY_CRASH_ROWS` (default 20 000) the rows of
//! the imported file. Run with `--nocapture` to see the figures.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::collect::{config as api_config, fixture, secrets_env, Batch};
use super::common::*;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The kills of one command: its share of `VIEWTALLY_CRASH_KILLS`.
fn kills_for(phase: usize) -> usize {
    let total = env_number("VIEWTALLY_CRASH_KILLS", 100) as usize;
    total / 3 + usize::from(phase < total % 3)
}

fn rng(phase: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(env_number("VIEWTALLY_CRASH_SEED", 0x5eed_c0de) ^ phase)
}

/// How one attempt ended.
enum Ended {
    /// SIGKILL landed while the command ran.
    Killed,
    /// The command had already exited (with this code) when the kill was due.
    Finished(i32),
}

/// Start viewtally in `dir` and SIGKILL it after `delay` unless it has exited by then.
fn run_and_kill(dir: &Path, args: &[&str], env: &[(&str, &str)], delay: Duration) -> Ended {
    let mut child = command(dir, args, env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start viewtally");
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Ended::Finished(status.code().unwrap_or(-1));
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(2)));
    }
    // Child::kill sends SIGKILL on Unix.
    // (an error here means it exited between try_wait and kill)
    let _ = child.kill();
    let status = child.wait().expect("wait");
    match status.signal() {
        Some(9) => Ended::Killed,
        _ => Ended::Finished(status.code().unwrap_or(-1)),
    }
}

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = viewtally_fixed(dir, args);
    cmd.envs(env.iter().copied());
    cmd
}

/// Run to the end; returns how long it took.
#[track_caller]
fn run_timed(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Duration {
    let start = Instant::now();
    let out = command(dir, args, env).output().expect("run viewtally");
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

/// A kill delay spread over the measured run time.
fn delay(rng: &mut fastrand::Rng, run_time: Duration) -> Duration {
    run_time.mul_f64(rng.f64())
}

/// Open the store as any SQLite client would (a hot WAL is replayed, nothing is repaired) and
/// check it.
#[track_caller]
fn open_checked(db: &Path) -> Connection {
    let conn = Connection::open(db).unwrap_or_else(|e| panic!("{}: {e}", db.display()));
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "{} after a kill", db.display());
    conn
}

#[derive(Default)]
struct Tally {
    killed: usize,
    finished: usize,
    present: usize,
    absent: usize,
}

impl Tally {
    fn print(&self, what: &str, run_time: Duration, extra: &str) {
        println!(
            "crash {what}: {} kills ({} mid-run, {} after it had finished); clean run {} ms; \
             after the kill: {} complete, {} absent, 0 partial{extra}",
            self.killed + self.finished,
            self.killed,
            self.finished,
            run_time.as_millis(),
            self.present,
            self.absent
        );
    }
}

/// A tidy CSV of `rows` daily rows: 40 videos × rows/40 days.
fn big_tidy_csv(rows: usize) -> String {
    let videos = 40;
    let days = rows.div_ceil(videos);
    let start = chrono::NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
    let mut out = String::with_capacity(rows * 48);
    out.push_str("platform,video,account,metric,kind,at,value\n");
    let mut n = 0;
    'all: for v in 0..videos {
        for d in 0..days {
            if n == rows {
                break 'all;
            }
            let day = start + chrono::Duration::days(d as i64);
            out.push_str(&format!(
                "youtube,vid{v:02},Channel,views,daily,{day},{}\n",
                (v * 7 + d) % 97
            ));
            n += 1;
        }
    }
    out
}

#[test]
fn killed_imports_are_all_or_nothing() {
    let kills = kills_for(0);
    let rows = env_number("VIEWTALLY_CRASH_ROWS", 20_000) as usize;
    let env = Env::new();
    // One campaign per attempt (no video list: it takes every video of the file), so each
    // attempt's rows and import record are its own.
    let mut config = String::from("[store]\nurl = \"sqlite://data/crash.db\"\n");
    for i in 0..=kills {
        config.push_str(&format!(
            "\n[[campaign]]\nslug = \"a{i}\"\nname = \"Attempt {i}\"\ntimezone = \"UTC\"\n"
        ));
    }
    env.write("config/viewtally.toml", &config);
    env.write("big.csv", &big_tidy_csv(rows));
    let dir = env.dir.path();
    let db = env.path("data/crash.db");

    // a0: a clean run, to time it and to have something a later kill must not damage.
    let run_time = run_timed(dir, &["import", "--campaign", "a0", "big.csv"], &[]);
    let mut rng = rng(1);
    let mut tally = Tally::default();
    let mut expected = vec![(String::from("a0"), rows)];
    for i in 1..=kills {
        let slug = format!("a{i}");
        match run_and_kill(
            dir,
            &["import", "--campaign", &slug, "big.csv"],
            &[],
            delay(&mut rng, run_time),
        ) {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "import into {slug} failed without a kill");
                tally.finished += 1;
            }
        }
        let conn = open_checked(&db);
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM observations WHERE campaign = ?1",
                [&slug],
                |r| r.get(0),
            )
            .unwrap();
        let record: Option<i64> = conn
            .query_row(
                "SELECT rows FROM imports WHERE campaign = ?1",
                [&slug],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        match (n, record) {
            (0, None) => {
                tally.absent += 1;
                expected.push((slug, 0));
            }
            (n, Some(r)) if n as usize == rows && r as usize == rows => {
                tally.present += 1;
                expected.push((slug, rows));
            }
            other => panic!(
                "import into {slug} is half there after a kill: {} of {rows} rows, import record {:?}",
                other.0, other.1
            ),
        }
    }

    // Nothing a kill did touched another attempt's rows.
    let conn = open_checked(&db);
    for (slug, want) in &expected {
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM observations WHERE campaign = ?1",
                [slug],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, *want, "{slug}");
    }
    drop(conn);
    // The binary itself opens the store as it was left, and a killed import can be redone.
    let absent = expected
        .iter()
        .find(|(_, n)| *n == 0)
        .map(|(s, _)| s.clone());
    if let Some(slug) = &absent {
        run_timed(dir, &["import", "--campaign", slug, "big.csv"], &[]);
        let conn = open_checked(&db);
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM observations WHERE campaign = ?1",
                [slug],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, rows, "re-import of {slug}");
    }
    tally.print(
        &format!("import ({rows}-row tidy CSV)"),
        run_time,
        &format!(
            "; a killed import redone afterwards: {}",
            if absent.is_some() {
                "complete"
            } else {
                "none to redo"
            }
        ),
    );
    assert_eq!(tally.killed + tally.finished, kills);
}

/// Wraps a responder with a delay, so that a kill can land while requests are in flight.
struct Slow<R>(R, Duration);

impl<R: Respond> Respond for Slow<R> {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        self.0.respond(r).set_delay(self.1)
    }
}

fn reply(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_collections_store_a_whole_run_or_nothing() {
    let kills = kills_for(1);
    let server = MockServer::start().await;
    let slow = Duration::from_millis(120);
    Mock::given(path("/youtube/v3/videos:batchGetStats"))
        .respond_with(Slow(reply("youtube/batch_get_stats.json"), slow))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v25.0/"))
        .respond_with(Slow(
            Batch(200, fixture("facebook/video_insights.json")),
            slow,
        ))
        .mount(&server)
        .await;
    Mock::given(path("/rest/videoAnalytics"))
        .respond_with(Slow(reply("linkedin/video_analytics.json"), slow))
        .mount(&server)
        .await;
    Mock::given(path(
        "/rest/socialMetadata/urn%3Ali%3AugcPost%3A7000000000000000001",
    ))
    .respond_with(Slow(reply("linkedin/social_metadata.json"), slow))
    .mount(&server)
    .await;
    let env = Env::new();
    env.write("config/viewtally.toml", &api_config(&server.uri(), ""));
    let dir = env.dir.path().to_path_buf();
    let db = env.path("data/test.db");
    let base = chrono::DateTime::parse_from_rfc3339(FIXED_NOW).unwrap();
    // Each attempt reads at its own minute, so its readings are told apart by their time.
    let at = |i: usize| base + chrono::Duration::minutes(i as i64);
    let secrets = secrets_env();

    let (tally, run_time, full) = tokio::task::block_in_place(|| {
        let count_at = |i: usize| -> i64 {
            open_checked(&db)
                .query_row(
                    "SELECT COUNT(*) FROM observations WHERE at_ms = ?1",
                    [at(i).timestamp_millis()],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let now0 = at(0).to_rfc3339();
        let mut vars = secrets.clone();
        vars.push(("VIEWTALLY_NOW", &now0));
        let run_time = run_timed(&dir, &["collect"], &vars);
        let full = count_at(0);
        assert_eq!(full, 10, "a clean collection stores 10 readings");
        let mut rng = rng(2);
        let mut tally = Tally::default();
        let mut runs = vec![full];
        for i in 1..=kills {
            let now = at(i).to_rfc3339();
            let mut vars = secrets.clone();
            vars.push(("VIEWTALLY_NOW", &now));
            match run_and_kill(&dir, &["collect"], &vars, delay(&mut rng, run_time)) {
                Ended::Killed => tally.killed += 1,
                Ended::Finished(code) => {
                    assert_eq!(code, 0, "collect at {now} failed without a kill");
                    tally.finished += 1;
                }
            }
            match count_at(i) {
                0 => tally.absent += 1,
                n if n == full => tally.present += 1,
                n => panic!("collection at {now} is half stored after a kill: {n} of {full}"),
            }
            runs.push(count_at(i));
        }
        // Earlier runs are untouched by later kills.
        for (i, want) in runs.iter().enumerate() {
            assert_eq!(count_at(i), *want, "run {i}");
        }
        (tally, run_time, full)
    });
    // The binary opens what the kills left.
    let s = env.run_env(&["status", "--json"], &secrets).ok();
    assert!(s.stdout.contains("\"total_views\""), "{}", s.stdout);
    tally.print(
        &format!("collect ({full} readings a run, 3 mock APIs answering in {slow:?})"),
        run_time,
        "",
    );
    assert_eq!(tally.killed + tally.finished, kills);
}

/// Whether a report file is complete, judged by its kind.
fn check_report_file(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = || String::from_utf8(bytes.clone()).map_err(|e| e.to_string());
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "png" => image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .map(|_| ())
            .map_err(|e| format!("PNG does not decode: {e}")),
        "svg" => {
            let t = text()?;
            let doc = roxmltree::Document::parse(&t).map_err(|e| format!("SVG: {e}"))?;
            if doc.root_element().has_tag_name("svg") {
                Ok(())
            } else {
                Err("SVG without <svg> root".into())
            }
        }
        "html" => {
            let t = text()?;
            if t.trim_end().ends_with("</html>") {
                Ok(())
            } else {
                Err("HTML does not end with </html>".into())
            }
        }
        "json" => serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|_| ())
            .map_err(|e| format!("JSON: {e}")),
        "csv" => {
            let t = text()?;
            let mut lines = t.lines();
            let header = lines.next().unwrap_or("");
            let fields = header.split(',').count();
            if !header.starts_with("date,as_of") || !t.ends_with('\n') {
                return Err("CSV header or final newline missing".into());
            }
            match lines.find(|l| l.split(',').count() != fields) {
                Some(l) => Err(format!("CSV line `{l}` has the wrong number of fields")),
                None => Ok(()),
            }
        }
        // summary.md's last line is the "generated" note.
        "md" => match text()?.trim_end().ends_with("</sub>") {
            true => Ok(()),
            false => Err("summary.md does not end with its generated note".into()),
        },
        "txt" => {
            let t = text()?;
            if t.trim().is_empty() || !t.ends_with('\n') {
                Err("empty or cut short".into())
            } else {
                Ok(())
            }
        }
        other => Err(format!("unexpected file type {other}")),
    }
}

/// (report files, leftover temporary files) in a report folder.
fn report_files(dir: &Path) -> (BTreeSet<String>, Vec<PathBuf>) {
    let mut files = BTreeSet::new();
    let mut temps = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            temps.push(p);
        } else {
            files.insert(name);
        }
    }
    (files, temps)
}

#[test]
fn killed_reports_never_replace_a_good_file_with_a_partial_one() {
    let kills = kills_for(2);
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        "[store]\nurl = \"sqlite://data/r.db\"\n\n[report]\nsizes = [\"480x270\"]\n\n\
         [[campaign]]\nslug = \"c1\"\nname = \"Crash report\"\ntimezone = \"Europe/Prague\"\n\
         milestones = [1000, 5000]\nlanguage = \"en\"\n",
    );
    let mut csv = String::from("platform,video,account,metric,kind,at,value\n");
    let start = chrono::NaiveDate::from_ymd_opt(2020, 7, 24).unwrap();
    for (p, v) in [("youtube", "yt1"), ("facebook", "fb1"), ("youtube", "yt2")] {
        for d in 0..60 {
            let day = start + chrono::Duration::days(d);
            csv.push_str(&format!("{p},{v},Acct,views,daily,{day},{}\n", 10 + d * 3));
        }
    }
    env.write("views.csv", &csv);
    env.run(&["import", "views.csv"]).ok();
    let dir = env.dir.path();
    let out = env.path("reports/c1");

    let run_time = run_timed(dir, &["report"], &[]);
    let (good, temps) = report_files(&out);
    assert!(temps.is_empty(), "{temps:?}");
    assert!(good.len() >= 14, "{good:?}");
    for f in &good {
        check_report_file(&out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }

    let base = chrono::DateTime::parse_from_rfc3339(FIXED_NOW).unwrap();
    let mut rng = rng(3);
    let mut tally = Tally::default();
    for i in 1..=kills {
        // A different "generated" time each run, so the files really change.
        let now = (base + chrono::Duration::minutes(i as i64)).to_rfc3339();
        match run_and_kill(
            dir,
            &["report"],
            &[("VIEWTALLY_NOW", &now)],
            delay(&mut rng, run_time),
        ) {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "report failed without a kill");
                tally.finished += 1;
            }
        }
        let (files, _) = report_files(&out);
        assert_eq!(files, good, "a report file went missing after a kill");
        for f in &files {
            check_report_file(&out.join(f))
                .unwrap_or_else(|e| panic!("{f} is not a complete file after kill {i}: {e}"));
        }
        tally.present += 1;
    }
    // The store the report reads is unharmed, and the next report sweeps temporary files a
    // killed run left behind (once they are old enough not to belong to a running report).
    open_checked(&env.path("data/r.db"));
    let (_, temps) = report_files(&out);
    let left = temps.len();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for t in &temps {
        std::fs::File::options()
            .write(true)
            .open(t)
            .and_then(|f| f.set_modified(old))
            .unwrap();
    }
    run_timed(dir, &["report"], &[]);
    let (files, temps) = report_files(&out);
    assert_eq!(files, good);
    assert!(temps.is_empty(), "stale temporary files stayed: {temps:?}");
    tally.print(
        &format!("report ({} files)", good.len()),
        run_time,
        &format!(
            " ({} files checked each time); temporary files left by kills: {left}, all swept \
             by the next report",
            good.len()
        ),
    );
    assert_eq!(tally.killed + tally.finished, kills);
}

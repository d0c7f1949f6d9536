use super::common::*;

const HEADER: &str = "platform,video,account,metric,kind,at,value\n";

fn setup() -> Env {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env
}

fn count(env: &Env) -> usize {
    let r = env.run(&["export", "--format", "csv"]).ok();
    r.stdout.lines().count() - 1
}

fn status(env: &Env) -> serde_json::Value {
    let r = env.run(&["status", "--json"]).ok();
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn importing_twice_adds_nothing() {
    let env = setup();
    let file = env.write(
        "in.csv",
        &format!(
            "{HEADER}youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
             youtube,yt1,,views,total,2020-07-26T10:00:00Z,150\n\
             facebook,fb1,,views,daily,2020-07-24,70\n"
        ),
    );
    let f = file.to_str().unwrap();
    let r = env.run(&["import", f]).ok();
    assert!(
        r.stdout.contains("3 rows → 3 new, 0 updated, 0 unchanged"),
        "{}",
        r.stdout
    );
    assert_eq!(count(&env), 3);
    let r = env.run(&["import", f]).ok();
    assert!(
        r.stdout.contains("3 rows → 0 new, 0 updated, 3 unchanged"),
        "{}",
        r.stdout
    );
    assert_eq!(count(&env), 3);
    let s = status(&env);
    assert_eq!(s["total_views"], 220);
    assert_eq!(s["platforms"]["youtube"], 150);
    assert_eq!(s["milestones"][0]["threshold"], 100);
    assert!(s["milestones"][0]["crossed_at"].is_string());
}

#[test]
fn a_newer_export_replaces_the_same_days() {
    let env = setup();
    let a = env.write(
        "a.csv",
        &format!("{HEADER}facebook,fb1,,views,daily,2020-07-24,70\n"),
    );
    let b = env.write(
        "b.csv",
        &format!("{HEADER}facebook,fb1,,views,daily,2020-07-24,75\nfacebook,fb1,,views,daily,2020-07-25,10\n"),
    );
    env.run(&["import", a.to_str().unwrap()]).ok();
    let r = env.run(&["import", b.to_str().unwrap()]).ok();
    assert!(
        r.stdout.contains("2 rows → 1 new, 1 updated, 0 unchanged"),
        "{}",
        r.stdout
    );
    assert_eq!(count(&env), 2);
    assert_eq!(status(&env)["total_views"], 85);
}

#[test]
fn one_bad_row_rejects_the_whole_file() {
    let env = setup();
    let file = env.write(
        "bad.csv",
        &format!(
            "{HEADER}youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
             youtube,yt1,,views,total,2020-07-26T10:00:00Z,lots\n"
        ),
    );
    let f = file.to_str().unwrap();
    let r = env.run(&["import", f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{f}:3:7: column `value`: `lots` is not a whole number of views; nothing from this file was stored"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(count(&env), 0);

    let r = env.run(&["import", "--skip-bad-rows", f]).ok();
    assert!(r.stdout.contains("skipped 1 bad row "), "{}", r.stdout);
    assert_eq!(count(&env), 1);
}

#[test]
fn rows_of_unlisted_videos_are_skipped_unless_asked() {
    let env = setup();
    let file = env.write(
        "mixed.csv",
        &format!(
            "{HEADER}youtube,yt1,,views,total,2020-07-25T10:00:00Z,50\n\
             youtube,other,,views,total,2020-07-25T10:00:00Z,999\n"
        ),
    );
    let f = file.to_str().unwrap();
    let r = env.run(&["import", f]).ok();
    assert!(
        r.stdout
            .contains("skipped 1 row of videos the campaign does not list"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("pass --all-videos): youtube other"),
        "the unlisted video is named: {}",
        r.stdout
    );
    assert_eq!(count(&env), 1);
    env.run(&["import", "--all-videos", f]).ok();
    assert_eq!(count(&env), 2);
}

#[test]
fn dry_run_stores_nothing() {
    let env = setup();
    let file = env.write("d.csv", &format!("{HEADER}facebook,fb1,,views,daily,2020-07-24,70\nfacebook,fb1,,views,daily,2020-07-25,30\n"));
    let r = env
        .run(&["import", "--dry-run", file.to_str().unwrap()])
        .ok();
    assert!(
        r.stdout.contains("2 rows read; would store:"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2 rows  sum 100"), "{}", r.stdout);
    assert_eq!(count(&env), 0);
}

#[test]
fn unknown_file_format_lists_what_it_found() {
    let env = setup();
    let file = env.write("x.csv", "Date,Views\n2020-07-24,5\n");
    let r = env.run(&["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("not a format viewtally knows (first line: `Date,Views`)"),
        "{}",
        r.stderr
    );
}

#[test]
fn exported_csv_imports_back_the_same() {
    let env = setup();
    let file = env.write(
        "in.csv",
        &format!(
            "{HEADER}youtube,yt1,Chan,views,total,2020-07-25T10:00:00Z,50\n\
             facebook,fb1,,views,daily,2020-07-24,70\n"
        ),
    );
    env.run(&["import", file.to_str().unwrap()]).ok();
    let out = env.run(&["export", "--format", "csv"]).ok().stdout;
    assert!(
        out.contains("facebook,fb1,,views,daily,2020-07-24,70"),
        "{out}"
    );
    assert!(
        out.contains("youtube,yt1,Chan,views,total,2020-07-25T10:00:00Z,50"),
        "{out}"
    );
    env.write("again.csv", &out);
    let r = env
        .run(&["import", env.path("again.csv").to_str().unwrap()])
        .ok();
    assert!(
        r.stdout.contains("0 new, 0 updated, 2 unchanged"),
        "{}",
        r.stdout
    );
}

#[test]
fn unreadable_store_is_a_runtime_error() {
    let env = setup();
    env.write(
        "data/test.db",
        "garbage garbage garbage garbage garbage garbage garbage garbage",
    );
    let r = env.run(&["status"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("store data/test.db: cannot open"),
        "{}",
        r.stderr
    );
}

/// A hidden setting: hand the store chunks of 2 rows, so that a small file is written in many.
const SMALL_CHUNKS: &[(&str, &str)] = &[("VIEWTALLY_IMPORT_CHUNK_ROWS", "2")];

/// A file of 23 rows: totals of a listed video, a day given twice (70, then 75: the later
/// wins) across chunk boundaries, a row of an unlisted video.
fn many_rows() -> String {
    let mut s = HEADER.to_string();
    for i in 0..10 {
        s.push_str(&format!(
            "youtube,yt1,Chan,views,total,2020-07-25T{:02}:00:00Z,{}\n",
            i,
            50 + i * 10
        ));
    }
    s.push_str("facebook,fb1,,views,daily,2020-07-24,70\n");
    for d in 25..30 {
        s.push_str(&format!("facebook,fb1,,views,daily,2020-07-{d},{d}\n"));
    }
    s.push_str("youtube,other,,views,total,2020-07-25T10:00:00Z,999\n");
    s.push_str("facebook,fb1,,views,daily,2020-07-24,75\n");
    for i in 0..5 {
        s.push_str(&format!(
            "youtube,yt1,Chan,likes,total,2020-07-26T{:02}:00:00Z,{i}\n",
            i
        ));
    }
    s
}

fn export_csv(env: &Env) -> String {
    env.run(&["export", "--format", "csv"]).ok().stdout
}

#[test]
fn many_chunks_import_like_one() {
    let one = setup();
    let many = setup();
    for env in [&one, &many] {
        env.write("in.csv", &many_rows());
        env.write(
            "newer.csv",
            &format!(
                "{HEADER}facebook,fb1,,views,daily,2020-07-25,26\n\
                 facebook,fb1,,views,daily,2020-07-26,26\n\
                 facebook,fb1,,views,daily,2020-07-30,1\n"
            ),
        );
    }
    let runs = [
        &["import", "--dry-run", "in.csv"][..],
        &["import", "in.csv"],
        &["import", "in.csv"],
        &["import", "newer.csv"],
    ];
    for args in runs {
        let a = one.run(args).ok();
        let b = many.run_env(args, SMALL_CHUNKS).ok();
        assert_eq!(a.stdout, b.stdout, "{args:?}");
        assert_eq!(export_csv(&one), export_csv(&many), "{args:?}");
    }
    let first = one.run(&["import", "--dry-run", "in.csv"]).ok().stdout;
    assert!(first.contains("23 rows read; would store:"), "{first}");
    assert!(
        first.contains("7 rows  sum 280"),
        "the day given twice counts twice in the preview: {first}"
    );
    let out = export_csv(&many);
    assert!(
        out.contains("facebook,fb1,,views,daily,2020-07-24,75"),
        "{out}"
    );
    assert!(
        out.contains("facebook,fb1,,views,daily,2020-07-25,26"),
        "{out}"
    );
    assert!(!out.contains("other"), "{out}");
    assert_eq!(out.lines().count() - 1, 10 + 7 + 5);
}

#[test]
fn a_file_written_in_chunks_is_all_or_nothing() {
    let env = setup();
    env.write("in.csv", &many_rows());
    env.run_env(&["import", "in.csv"], SMALL_CHUNKS).ok();
    let stored = export_csv(&env);
    let rows = many_rows()
        .replace(",50\n", ",51\n")
        .replace(",999\n", ",1000\n");
    // A bad row near the end, after many chunks were written.
    let bad = format!("{rows}youtube,yt1,,views,total,2020-07-27T10:00:00Z,lots\n");
    env.write("bad.csv", &bad);
    let r = env.run_env(&["import", "bad.csv"], SMALL_CHUNKS);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad.csv:25:7: column `value`: `lots`")
            && r.stderr.contains("nothing from this file was stored"),
        "{}",
        r.stderr
    );
    assert_eq!(export_csv(&env), stored);
    // A check of the whole file that fails at its end: two lifetime totals for one instant.
    let contradictory = format!("{rows}youtube,yt1,,views,total,2020-07-25T03:00:00Z,7\n");
    env.write("contradictory.csv", &contradictory);
    let r = env.run_env(&["import", "contradictory.csv"], SMALL_CHUNKS);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "2 different lifetime values for video yt1 in one file (`views` on lines 5, 25)"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(export_csv(&env), stored);
    // A row from the future, refused once the file is read.
    let future = format!("{rows}youtube,yt1,,views,total,2030-01-01T00:00:00Z,7\n");
    env.write("future.csv", &future);
    let r = env.run_env(&["import", "future.csv"], SMALL_CHUNKS);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("future.csv:25:6: "), "{}", r.stderr);
    assert_eq!(export_csv(&env), stored);
    // A store error mid-file (a trigger refuses one value): nothing of the file is stored.
    rusqlite::Connection::open(env.path("data/test.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON points WHEN NEW.value = 4242
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;
             CREATE TRIGGER boom2 BEFORE UPDATE ON points WHEN NEW.value = 4242
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;",
        )
        .unwrap();
    let failing = rows.replace(",26\n", ",4242\n");
    env.write("failing.csv", &failing);
    let r = env.run_env(&["import", "failing.csv"], SMALL_CHUNKS);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("failing.csv: store") && r.stderr.contains("refused by a test trigger"),
        "{}",
        r.stderr
    );
    assert_eq!(export_csv(&env), stored);
    // and the same file without the refused value imports
    let r = env
        .run_env(&["import", "bad.csv", "--skip-bad-rows"], SMALL_CHUNKS)
        .ok();
    assert!(r.stdout.contains("skipped 1 bad row "), "{}", r.stdout);
    assert_ne!(export_csv(&env), stored);
}

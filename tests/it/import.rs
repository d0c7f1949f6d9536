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

//! Paths and names: campaign slugs cannot lead a report or the store outside their folders,
//! the daemon serves nothing outside a report folder, and every string that came from a
//! platform, an export file or the config is escaped in report.html, summary.md and the SVG
//! charts.

use std::collections::BTreeSet;
use std::path::Path;

use super::common::*;
use super::daemon::{get, Daemon};

fn config_with_slug(slug_toml: &str) -> String {
    format!(
        "[store]\nurl = \"sqlite://data/test.db\"\n\n[[campaign]]\nslug = {slug_toml}\nname = \"X\"\ntimezone = \"UTC\"\n"
    )
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    entries(dir, false)
}

/// Every file under `dir` (and every folder, with `folders`), relative to it.
pub(super) fn entries(dir: &Path, folders: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let is_dir = p.is_dir();
            if !is_dir || folders {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            }
            if is_dir {
                dirs.push(p);
            }
        }
    }
    out
}

#[test]
fn slugs_that_could_leave_the_report_folder_are_refused_with_their_line() {
    // (TOML value, how the message shows it)
    let cases = [
        (r#""../escape""#, "../escape"),
        (r#""..""#, ".."),
        (r#""/etc/cron.d""#, "/etc/cron.d"),
        (r#""a/b""#, "a/b"),
        (r#""a\\b""#, "a\\\\b"),
        (r#""nul\u0000byte""#, "nul\\0byte"),
        (r#""rtl\u202Eexe.lmth""#, "rtl\\u{202e}exe.lmth"),
        (r#""．．""#, "．．"),
        (r#""x\n../y""#, "x\\n../y"),
        (r#""""#, ""),
        (r#"" c1""#, " c1"),
    ];
    for (toml, shown) in cases {
        let env = Env::new();
        env.write("config/viewtally.toml", &config_with_slug(toml));
        let before = tree(env.dir.path());
        for args in [&["check"][..], &["report"], &["status"]] {
            let r = env.run(args);
            assert_eq!(r.code, 2, "{toml} {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!(
                    "config/viewtally.toml:5:8: campaign slug `{shown}` must be letters, digits, `-` or `_` (it names a folder)"
                )),
                "{toml}: {}",
                r.stderr
            );
        }
        assert_eq!(
            tree(env.dir.path()),
            before,
            "{toml}: something was written"
        );
    }
}

#[test]
fn a_campaign_named_on_the_command_line_must_be_a_configured_one() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let before = tree(env.dir.path());
    for slug in ["../c1", "/tmp/x", "c1/../../x"] {
        let r = env.run(&["report", "--campaign", slug]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("c1"), "{}", r.stderr);
    }
    assert_eq!(tree(env.dir.path()), before);
}

#[test]
fn reports_are_written_inside_their_folder_only() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &CONFIG.replace(
            "[[campaign]]",
            "[report]\nsizes = [\"480x270\"]\n\n[[campaign]]",
        ),
    );
    env.write(
        "v.csv",
        "platform,video,account,metric,kind,at,value\nyoutube,yt1,Chan,views,daily,2020-07-24,50\n",
    );
    env.run(&["import", "v.csv"]).ok();
    let before = tree(env.dir.path());
    env.run(&["report"]).ok();
    env.run(&["report", "--out", "elsewhere"]).ok();
    let new: Vec<String> = tree(env.dir.path()).difference(&before).cloned().collect();
    assert!(!new.is_empty());
    for f in &new {
        assert!(
            f.starts_with("reports/c1/")
                || f.starts_with("elsewhere/c1/")
                || f.starts_with("data/"),
            "{f} written outside the report folders"
        );
    }
}

#[test]
fn the_daemon_serves_no_file_outside_a_report_folder() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    env.write("reports/c1/summary.md", "# ok\n");
    env.write("reports/secret.txt", "not for the web\n");
    let d = Daemon::start_with(&env, "", &[]);
    assert_eq!(get(&d.addr, "/reports/c1/summary.md").0, 200);
    for p in [
        "/reports/c1/..%2Fsecret.txt",
        "/reports/c1/..%2F..%2Fconfig%2Fviewtally.toml",
        "/reports/..%2Fconfig/viewtally.toml",
        "/reports/c1/%2Fetc%2Fpasswd",
        "/reports/c1/.%2E%2Fsecret.txt",
        "/reports/c1/..",
        "/reports/c1/%00summary.md",
        "/reports/..%2Fdata/test.db",
        "/reports/c1/.viewtally-abc.png",
    ] {
        let (code, body) = get(&d.addr, p);
        assert_eq!(code, 404, "{p}: {body}");
        assert!(!body.contains("not for the web") && !body.contains("[store]"));
    }
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
}

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";

/// Raw markup that would run or load something if these strings were not escaped.
fn raw_markup(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    [
        "<script",
        "<img",
        "<svg onload",
        "<b>",
        "<iframe",
        "](javascript:",
    ]
    .into_iter()
    .filter(|m| lower.contains(m))
    .collect()
}

#[test]
fn strings_from_files_and_config_are_escaped_in_every_report() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &format!(
            r#"
[store]
url = "sqlite://data/x.db"

[report]
sizes = ["480x270"]

[[campaign]]
slug = "c1"
name = {name}
timezone = "UTC"
language = "en"
milestones = [100, 1000]

[campaign.style]
title = {title}
subtitle = {subtitle}
source = "Src <b>bold</b>"
note = {note}
logo = "Logo <svg onload=alert(7)>"

[[campaign.video]]
platform = "youtube"
id = "yt1"
title = {video_title}

[[campaign.video]]
platform = "facebook"
id = "fb1"

[[campaign.video]]
platform = "linkedin"
id = "li`<img src=x onerror=alert(3)>`|x"
"#,
            name = toml_str(&format!("Name {SCRIPT} {IMG} [l](javascript:alert(0))")),
            title = toml_str(&format!("Title {SCRIPT}")),
            subtitle = toml_str(&format!("Sub {IMG}")),
            note = toml_str(&format!("Note {SCRIPT}\n> quoted | pipe")),
            video_title = toml_str(&format!("Video {SCRIPT} *x*")),
        ),
    );
    let q = |s: &str| s.replace('"', "\"\"");
    env.write(
        "v.csv",
        &format!(
            "platform,video,account,metric,kind,at,value\n\
             youtube,yt1,\"Acct {script}\",views,daily,2020-07-24,50\n\
             youtube,yt1,\"Acct {script}\",views,daily,2020-07-25,80\n\
             facebook,fb1,\"FB {img}\",views,daily,2020-07-24,500\n\
             facebook,fb1,\"FB {img}\",views,daily,2020-07-26,700\n\
             linkedin,\"li`<img src=x onerror=alert(3)>`|x\",\"LI {script}\",views,daily,2020-07-25,40\n",
            script = q(SCRIPT),
            img = q(IMG),
        ),
    );
    let r = env.run(&["import", "v.csv"]).ok();
    assert!(r.stdout.contains("5 rows"), "{}", r.stdout);
    env.run(&["report"]).ok();
    let dir = env.path("reports/c1");

    // report.html: everything escaped, the payload visible as text.
    let html = env.read("reports/c1/report.html");
    assert_eq!(raw_markup(&html), Vec::<&str>::new(), "report.html");
    assert!(html.contains("Title &lt;script&gt;alert(1)&lt;"), "title");
    assert!(
        html.contains("Acct &lt;script&gt;alert(1)&lt;"),
        "account from the file"
    );
    assert!(
        html.contains("FB &quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "account"
    );

    // summary.md: no raw HTML, no link, no table row or quote broken out of.
    let md = env.read("reports/c1/summary.md");
    // (inside a code span, markup is shown as text)
    let code_span = "``li`<img src=x onerror=alert(3)>`\\|x``";
    assert_eq!(
        raw_markup(
            &md.replace(code_span, "")
                .replace("\\<", "")
                .replace("\\]", "")
        ),
        Vec::<&str>::new(),
        "summary.md:\n{md}"
    );
    assert!(
        md.contains("# Title \\<script\\>alert(1)\\</script\\>\n"),
        "{md}"
    );
    assert!(
        md.contains("> Note \\<script\\>alert(1)\\</script\\> \\> quoted \\| pipe\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "| Video \\<script\\>alert(1)\\</script\\> \\*x\\* (`yt1`) | Acct \\<script\\>"
        ),
        "{md}"
    );
    assert!(
        md.contains("| ``li`<img src=x onerror=alert(3)>`\\|x`` | LI \\<script\\>"),
        "{md}"
    );
    for line in md.lines().filter(|l| l.starts_with('|')) {
        // Every row of the videos table has its 6 cells (+ the two outer bars).
        if line.contains("yt1") || line.contains("fb1") || line.contains("li`") {
            let bars = line.replace("\\|", "").matches('|').count();
            assert_eq!(bars, 7, "{line}");
        }
    }

    // SVG charts: well-formed XML, no script or image elements, the payload kept as text.
    let mut texts = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            let svg = std::fs::read_to_string(&p).unwrap();
            let doc =
                roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            for n in doc.descendants().filter(|n| n.is_element()) {
                let tag = n.tag_name().name().to_lowercase();
                assert!(
                    !["script", "img", "foreignobject", "iframe", "b"].contains(&tag.as_str()),
                    "{}: <{tag}>",
                    p.display()
                );
                assert!(
                    n.attributes()
                        .all(|a| !a.name().to_lowercase().starts_with("on")),
                    "{}: event attribute on <{tag}>",
                    p.display()
                );
            }
            for t in doc.descendants().filter_map(|n| n.text()) {
                texts.push_str(t);
                texts.push('\n');
            }
        }
    }
    assert!(
        texts.contains(SCRIPT) || texts.contains("Title <script>"),
        "{texts}"
    );
    assert!(texts.contains("Logo <svg onload=alert(7)>"), "{texts}");

    // The inline charts of report.html are parsed the same way by a browser: no element
    // from the payload (checked above by `raw_markup` on the whole page).
    assert!(
        html.contains("Logo &lt;svg onload=alert(7)&gt;"),
        "logo in the inline SVG"
    );
}

/// A TOML basic string holding `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

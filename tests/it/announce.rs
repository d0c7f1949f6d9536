//! Issue 13: every crossed milestone reaches every webhook exactly once, when several jobs of
//! one daemon (collect, import_dir, report, all every second) cross milestones at the same
//! time and the webhooks take 1–2 s to answer, across a restart.

use std::collections::BTreeMap;
use std::time::Duration;

use super::common::*;
use super::daemon::Daemon;
use crate::support::upstream::{rising_youtube, Hook};

/// A webhook that answers after 1 to 2 seconds, as chat services sometimes do, and records
/// the threshold of every announcement it received.
fn slow_hook() -> Hook {
    Hook::start_with_delay(|i| 1000 + (i as u64 % 3) * 500)
}

const MILESTONES: [i64; 11] = [100, 200, 300, 450, 600, 800, 1000, 1300, 1700, 2100, 2500];

fn config(api: &str) -> String {
    ConfigBuilder::with_store("sqlite://data/a.db")
        .small_report()
        .section("daemon")
        .key("shutdown_timeout_s", 90)
        .platform("youtube", api)
        .key("method", "videos_list")
        .notify_json("HOOK_URL")
        .notify_json("HOOK2_URL")
        .campaign("c1", "Announce test")
        .key("milestones", MILESTONES.to_vec())
        .schedule()
        .key("collect", "* * * * * *")
        .key("import_dir", "* * * * * *")
        .key("report", "* * * * * *")
        .key("watch_dir", "inbox")
        .video("youtube", "vid1")
        .video("facebook", "fb1")
        .build()
}

/// A tidy CSV with one lifetime total of the Facebook video, read a minute ago.
fn drop_total(env: &Env, name: &str, views: i64) {
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let tmp = env.write(
        &format!("inbox/.{name}"),
        &format!(
            "platform,video,account,metric,kind,at,value\nfacebook,fb1,,views,total,{at},{views}\n"
        ),
    );
    std::fs::rename(tmp, env.path(&format!("inbox/{name}"))).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_one_daemon_announce_each_milestone_once_to_every_webhook() {
    let server = rising_youtube().await;
    let env = Env::new();
    env.write("config/viewtally.toml", &config(&server.uri()));
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    let (a, b) = (slow_hook(), slow_hook());
    let vars = [
        ("YOUTUBE_API_KEY", "AIza-announce-test-key"),
        ("HOOK2_URL", b.url.as_str()),
    ];
    let mut logs = Vec::new();
    // Two runs of the same daemon on the same store: a restart must not announce again.
    for (run, seconds) in [(0, 22u64), (1, 16)] {
        let d = tokio::task::block_in_place(|| Daemon::start_with(&env, &a.url, &vars));
        for step in 0..seconds {
            tokio::time::sleep(Duration::from_secs(1)).await;
            // Files that cross milestones while collections do.
            if step % 6 == 3 {
                let views = 25 * (run * 22 + step as i64 + 1);
                drop_total(&env, &format!("fb-{run}-{step}.csv"), views);
            }
        }
        let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("AIza-announce-test-key"));
        logs.push(stderr);
    }
    let logs = logs.join("\n---- restart ----\n");
    let s = env.run(&["status", "--json"]).ok();
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    let total = s["total_views"].as_i64().unwrap();
    let crossed: BTreeMap<i64, usize> = MILESTONES
        .into_iter()
        .filter(|m| *m <= total)
        .map(|m| (m, 1))
        .collect();
    assert!(
        crossed.len() >= 5,
        "only {} milestones crossed (total {total}): too few to test\n{logs}",
        crossed.len()
    );
    // Every crossed milestone reached every webhook exactly once.
    assert_eq!(a.counts(), crossed, "first webhook (total {total})\n{logs}");
    assert_eq!(
        b.counts(),
        crossed,
        "second webhook (total {total})\n{logs}"
    );
}

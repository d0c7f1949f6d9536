//! Issue 13: every crossed milestone reaches every webhook exactly once, when several jobs of
//! one daemon (collect, import_dir, report, all every second) cross milestones at the same
//! time and the webhooks take 1–2 s to answer, across a restart.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::common::*;
use super::daemon::{Daemon, Rising};

/// A webhook that answers after 1 to 2 seconds, as chat services sometimes do, and records
/// the threshold of every announcement it received.
struct SlowHook {
    url: String,
    thresholds: Arc<Mutex<Vec<i64>>>,
}

impl SlowHook {
    fn start() -> SlowHook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let thresholds = Arc::new(Mutex::new(Vec::new()));
        let t = thresholds.clone();
        std::thread::spawn(move || {
            for (i, stream) in listener.incoming().flatten().enumerate() {
                let t = t.clone();
                std::thread::spawn(move || answer_slowly(stream, &t, 1000 + (i as u64 % 3) * 500));
            }
        });
        SlowHook { url, thresholds }
    }

    fn counts(&self) -> BTreeMap<i64, usize> {
        let mut out = BTreeMap::new();
        for t in self.thresholds.lock().unwrap().iter() {
            *out.entry(*t).or_insert(0) += 1;
        }
        out
    }
}

fn answer_slowly(mut stream: TcpStream, thresholds: &Mutex<Vec<i64>>, delay_ms: u64) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut len = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    thresholds
        .lock()
        .unwrap()
        .push(v["threshold"].as_i64().unwrap_or(-1));
    std::thread::sleep(Duration::from_millis(delay_ms));
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
}

const MILESTONES: [i64; 11] = [100, 200, 300, 450, 600, 800, 1000, 1300, 1700, 2100, 2500];

fn config(api: &str) -> String {
    format!(
        r#"
[store]
url = "sqlite://data/a.db"

[report]
sizes = ["web"]
formats = ["svg"]

[daemon]
shutdown_timeout_s = 90

[platforms.youtube]
api_base = "{api}"
method = "videos_list"

[[notify]]
url_env = "HOOK_URL"
format = "json"

[[notify]]
url_env = "HOOK2_URL"
format = "json"

[[campaign]]
slug = "c1"
name = "Announce test"
timezone = "Europe/Prague"
milestones = {MILESTONES:?}

[campaign.schedule]
collect = "* * * * * *"
import_dir = "* * * * * *"
report = "* * * * * *"
watch_dir = "inbox"

[[campaign.video]]
platform = "youtube"
id = "vid1"

[[campaign.video]]
platform = "facebook"
id = "fb1"
"#
    )
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
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/youtube/v3/videos"))
        .respond_with(Rising(std::sync::atomic::AtomicI64::new(0)))
        .mount(&server)
        .await;
    let env = Env::new();
    env.write("config/viewtally.toml", &config(&server.uri()));
    std::fs::create_dir_all(env.path("inbox")).unwrap();
    let (a, b) = (SlowHook::start(), SlowHook::start());
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

//! A fleet: three daemon processes share one PostgreSQL store and one mock YouTube. Each
//! scheduled tick is collected by exactly one of them, a killed daemon's ticks are taken by the
//! others, and every milestone is announced once across the fleet.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::Daemon;
use super::pg::Postgres;
use crate::support::upstream::Hook;

/// YouTube answering with a count that rises by 50 per request, remembering when each came.
struct Recording {
    n: AtomicI64,
    at: Arc<Mutex<Vec<Instant>>>,
}

impl wiremock::Respond for Recording {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.at.lock().unwrap().push(Instant::now());
        let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
        wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "kind": "youtube#videoListResponse",
            "items": [{"kind": "youtube#video", "id": "vid1",
                       "statistics": {"viewCount": (n * 50).to_string()}}]
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_share_the_ticks_and_announce_once() {
    let Some(pg) = tokio::task::block_in_place(Postgres::start) else {
        return;
    };
    let url = tokio::task::block_in_place(|| pg.database());
    let db = Postgres::db_of(&url).to_string();
    let server = wiremock::MockServer::start().await;
    let times = Arc::new(Mutex::new(Vec::new()));
    wiremock::Mock::given(wiremock::matchers::path("/youtube/v3/videos"))
        .respond_with(Recording {
            n: AtomicI64::new(0),
            at: times.clone(),
        })
        .mount(&server)
        .await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::with_store(&url)
            .platform("youtube", &server.uri())
            .key("method", "videos_list")
            .notify_json("HOOK_URL")
            .campaign("c1", "Fleet test")
            .key("milestones", vec![100, 200, 300, 400, 500, 600])
            .schedule()
            .key("collect", "* * * * * *")
            .video("youtube", "vid1")
            .build(),
    );
    let hook = Hook::start();
    let vars = [("YOUTUBE_API_KEY", "AIza-fleet-test-key")];
    let mut fleet: Vec<Daemon> = tokio::task::block_in_place(|| {
        (0..3)
            .map(|_| Daemon::start_with(&env, &hook.url, &vars))
            .collect()
    });

    // Let all three run, then kill (without warning) the daemon that ran the latest tick, so
    // the others must take over its work.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let claims = |pg: &Postgres| -> BTreeMap<i64, u32> {
        pg.sql(
            &db,
            "SELECT tick_ms, owner FROM job_ticks WHERE campaign = 'c1' AND job = 'collect' \
             ORDER BY tick_ms",
        )
        .lines()
        .map(|l| {
            let (t, owner) = l.split_once('|').unwrap();
            // owner = host/pid/random
            (
                t.parse().unwrap(),
                owner.split('/').nth(1).unwrap().parse().unwrap(),
            )
        })
        .collect()
    };
    let busy = tokio::task::block_in_place(|| claims(&pg))
        .values()
        .last()
        .copied()
        .expect("no tick was claimed in 5 s");
    let i = fleet
        .iter()
        .position(|d| d.child.id() == busy)
        .expect("the claiming daemon is one of ours");
    let mut victim = fleet.remove(i);
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    let killed_at = chrono::Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut logs = Vec::new();
    for d in fleet {
        let (code, stderr) = tokio::task::block_in_place(|| d.terminate());
        assert_eq!(code, 0, "{stderr}");
        logs.push(stderr);
    }
    let logs = logs.join("\n----\n");

    let claims = tokio::task::block_in_place(|| claims(&pg));
    let ticks: Vec<i64> = claims.keys().copied().collect();
    assert!(ticks.len() >= 8, "too few ticks ran: {claims:?}\n{logs}");
    // No missed tick: one claim for every second from the first to the last.
    for w in ticks.windows(2) {
        assert_eq!(w[1] - w[0], 1000, "a tick was missed: {ticks:?}\n{logs}");
    }
    // After the kill, the survivors ran every tick.
    let after: Vec<u32> = claims
        .iter()
        .filter(|(t, _)| **t > killed_at)
        .map(|(_, pid)| *pid)
        .collect();
    assert!(after.len() >= 3, "{claims:?}");
    assert!(
        !after.contains(&busy),
        "a killed daemon cannot claim: {claims:?}"
    );

    // Exactly one collection per tick: one request per claim (the killed daemon may have died
    // between its claim and its request), never two in one tick.
    let times = times.lock().unwrap().clone();
    assert!(
        times.len() as i64 >= ticks.len() as i64 - 1 && times.len() <= ticks.len(),
        "{} requests for {} ticks\n{logs}",
        times.len(),
        ticks.len()
    );
    for w in times.windows(2) {
        assert!(
            w[1].duration_since(w[0]) > Duration::from_millis(400),
            "two collections in one tick: {:?} apart",
            w[1].duration_since(w[0])
        );
    }

    // Each crossed milestone announced once across the fleet.
    let total = times.len() as i64 * 50;
    let crossed: Vec<i64> = [100, 200, 300, 400, 500, 600]
        .into_iter()
        .filter(|m| *m <= total)
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got = hook.thresholds();
    got.sort();
    assert_eq!(got, crossed, "announcements across the fleet\n{logs}");
    assert!(!logs.contains("AIza-fleet-test-key"));
}

//! The store suite: the same cases against SQLite and against a real PostgreSQL server
//! (started by the test from Debian's packages; see `pg.rs`).

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use viewtally::model::{Kind, Metric, Observation, Platform, Source};
use viewtally::store::{
    self, Chunks, ImportRecord, NoticeState, Query, Stop, Store, StoreError, VecChunks,
};

use super::pg::Postgres;

/// Where the suite makes fresh stores and runs raw SQL on them.
trait Backend: Sync {
    fn name(&self) -> &'static str;
    /// The URL of a new, empty store.
    fn fresh(&self) -> String;
    /// Run raw SQL on a store (to set up states the API cannot make).
    fn sql(&self, url: &str, sql: &str);
}

struct Sqlite {
    dir: tempfile::TempDir,
    n: AtomicU32,
}

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn fresh(&self) -> String {
        let n = self.n.fetch_add(1, Ordering::SeqCst);
        format!("sqlite://{}/s{n}/v.db", self.dir.path().display())
    }
    fn sql(&self, url: &str, sql: &str) {
        let path = url.strip_prefix("sqlite://").unwrap();
        rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
}

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        if self.tls {
            "postgres+tls"
        } else {
            "postgres"
        }
    }
    fn fresh(&self) -> String {
        self.database()
    }
    fn sql(&self, url: &str, sql: &str) {
        Postgres::sql(self, Postgres::db_of(url), sql);
    }
}

fn t(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).unwrap()
}

fn obs(video: &str, value: i64, at: i64, source: &str) -> Observation {
    Observation {
        campaign: "c".into(),
        platform: Platform::Youtube,
        video: video.into(),
        account: None,
        metric: Metric::Views,
        kind: Kind::Total,
        at: t(at),
        value,
        source: Source::parse(source),
        collected_at: t(0),
    }
}

fn all(s: &dyn Store, campaign: &str) -> Vec<Observation> {
    s.observations(&Query {
        campaign: campaign.into(),
        ..Default::default()
    })
    .unwrap()
}

fn open(url: &str) -> Box<dyn Store> {
    store::open(url).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

fn upsert_is_idempotent_and_replaces_values(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let a = vec![
        obs("v1", 10, 1000, "export:aaa"),
        obs("v1", 20, 2000, "export:aaa"),
    ];
    let w = s.write(&a, &[]).unwrap();
    assert_eq!((w.inserted, w.updated, w.unchanged), (2, 0, 0));
    let w = s.write(&a, &[]).unwrap();
    assert_eq!((w.inserted, w.updated, w.unchanged), (0, 0, 2));
    // a newer export of the same instant replaces the value
    let w = s.write(&[obs("v1", 25, 2000, "export:bbb")], &[]).unwrap();
    assert_eq!(w.updated, 1);
    // an API reading at the same instant is a different source kind
    let w = s.write(&[obs("v1", 30, 2000, "api")], &[]).unwrap();
    assert_eq!(w.inserted, 1);
    assert_eq!(s.count(Some("c")).unwrap(), 3);
    assert_eq!(s.count(Some("other")).unwrap(), 0);
    // The campaigns the store holds, with their counts (issue 13: `status` and `check` name
    // them when a campaign has none).
    assert_eq!(s.campaigns().unwrap(), vec![("c".to_string(), 3)]);
    let got = all(s.as_ref(), "c");
    assert_eq!(
        got.iter().map(|o| o.value).collect::<Vec<_>>(),
        vec![10, 30, 25]
    );
    assert_eq!(got[2].source.as_str(), "export:bbb");
}

fn every_field_round_trips(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let o = Observation {
        campaign: "mdcc-2020".into(),
        platform: Platform::Linkedin,
        video: "urn:li:ugcPost:6693157468235587584".into(),
        account: Some("Conectart – Děkujeme".into()),
        metric: Metric::Impressions,
        kind: Kind::Daily,
        at: t(1_595_548_800_000),
        value: 9_007_199_254_740_993,
        source: Source::parse("export:0123abcd"),
        collected_at: t(1_600_000_000_123),
    };
    s.write(std::slice::from_ref(&o), &[]).unwrap();
    assert_eq!(all(s.as_ref(), "mdcc-2020"), vec![o.clone()]);
    // a later write without an account keeps the known one
    let mut again = o.clone();
    again.account = None;
    again.value += 1;
    s.write(&[again], &[]).unwrap();
    assert_eq!(
        all(s.as_ref(), "mdcc-2020")[0].account.as_deref(),
        Some("Conectart – Děkujeme")
    );
}

fn repeated_keys_in_one_write_last_wins(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let rows = vec![
        obs("v1", 10, 1000, "api"),
        obs("v2", 5, 1000, "api"),
        obs("v1", 12, 1000, "api"),
        obs("v1", 12, 1000, "api"),
    ];
    let w = s.write(&rows, &[]).unwrap();
    assert_eq!((w.inserted, w.updated, w.unchanged), (2, 1, 1));
    let got = all(s.as_ref(), "c");
    assert_eq!(got.len(), 2);
    assert_eq!(got.iter().find(|o| o.video == "v1").unwrap().value, 12);
}

fn a_failing_write_stores_nothing(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let import = ImportRecord {
        sha256: "ab".repeat(32),
        path: "x.csv".into(),
        format: "tidy".into(),
        campaign: "c".into(),
        rows: 2,
        imported_at: t(5),
    };
    let rows = vec![obs("v1", 10, 1000, "api"), obs("v1", -1, 2000, "api")];
    let e = s.write(&rows, std::slice::from_ref(&import)).unwrap_err();
    assert!(matches!(e, StoreError::Query { .. }), "{e}");
    assert_eq!(s.count(None).unwrap(), 0);
    assert!(!s.imported("c", &import.sha256).unwrap());
    // and the store is still usable
    s.write(&rows[..1], std::slice::from_ref(&import)).unwrap();
    assert!(s.imported("c", &import.sha256).unwrap());
    assert!(!s.imported("other", &import.sha256).unwrap());
}

/// Chunks that stop (as an import does on a bad row) after handing on `stop_after` of them.
struct StopAfter {
    chunks: VecChunks,
    stop_after: usize,
}

impl Chunks for StopAfter {
    fn next_chunk(&mut self) -> Result<Option<Vec<Observation>>, Stop> {
        if self.stop_after == 0 {
            return Err(Stop);
        }
        self.stop_after -= 1;
        self.chunks.next_chunk()
    }
    fn finish(&mut self) -> Result<Vec<ImportRecord>, Stop> {
        self.chunks.finish()
    }
}

fn chunks_of(rows: &[Observation], n: usize, imports: Option<Vec<ImportRecord>>) -> VecChunks {
    VecChunks {
        chunks: rows.chunks(n).map(<[Observation]>::to_vec).collect(),
        imports,
    }
}

fn chunked_writes_are_one_write(b: &dyn Backend) {
    let import = ImportRecord {
        sha256: "cd".repeat(32),
        path: "big.csv".into(),
        format: "tidy".into(),
        campaign: "c".into(),
        rows: 3,
        imported_at: t(5),
    };
    // Something already stored, then a file that repeats it, changes it, gives one instant
    // twice (the later value wins, across a chunk boundary too) and adds new series.
    let before = vec![obs("v1", 10, 1000, "api"), obs("v1", 20, 2000, "api")];
    let mut rows: Vec<Observation> = vec![
        obs("v1", 10, 1000, "api"),
        obs("v1", 25, 2000, "api"),
        obs("v2", 1, 1000, "api"),
        obs("v2", 2, 1000, "api"),
        obs("v2", 2, 1000, "api"),
        obs("v3", 7, 3000, "export:ab"),
    ];
    rows.extend((0..40).map(|i| obs(&format!("w{}", i % 3), i, 5000 + i % 7, "api")));
    let whole = {
        let mut s = open(&b.fresh());
        s.write(&before, &[]).unwrap();
        let w = s.write(&rows, std::slice::from_ref(&import)).unwrap();
        (w, all(s.as_ref(), "c"))
    };
    for n in [1, 2, 3, 5, 64] {
        let mut s = open(&b.fresh());
        s.write(&before, &[]).unwrap();
        let w = s
            .write_chunks(&mut chunks_of(&rows, n, Some(vec![import.clone()])))
            .unwrap()
            .expect("not stopped");
        assert_eq!(w, whole.0, "chunks of {n}");
        assert_eq!(all(s.as_ref(), "c"), whole.1, "chunks of {n}");
        assert!(s.imported("c", &import.sha256).unwrap());
    }
    // Stopped mid-file, stopped at the end (a failed check), a store error mid-file: nothing
    // of the chunks is stored, the import is not recorded, the store is still usable.
    let mut s = open(&b.fresh());
    s.write(&before, &[]).unwrap();
    let mut stop = StopAfter {
        chunks: chunks_of(&rows, 4, Some(vec![import.clone()])),
        stop_after: 3,
    };
    assert_eq!(s.write_chunks(&mut stop).unwrap(), None);
    assert_eq!(
        s.write_chunks(&mut chunks_of(&rows, 4, None)).unwrap(),
        None
    );
    let mut bad = rows.clone();
    bad.insert(30, obs("v9", -1, 1000, "api"));
    let e = s
        .write_chunks(&mut chunks_of(&bad, 4, Some(vec![import.clone()])))
        .unwrap_err();
    assert!(matches!(e, StoreError::Query { .. }), "{e}");
    assert_eq!(all(s.as_ref(), "c"), {
        let mut b = before.clone();
        b.sort_by_key(|o| o.at);
        b
    });
    assert!(!s.imported("c", &import.sha256).unwrap());
    let w = s
        .write_chunks(&mut chunks_of(&rows, 4, Some(vec![import.clone()])))
        .unwrap()
        .expect("not stopped");
    assert_eq!(w, whole.0);
    assert_eq!(all(s.as_ref(), "c"), whole.1);
}

fn large_writes_are_chunked_but_atomic(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let rows: Vec<Observation> = (0..12_345)
        .map(|i| obs(&format!("v{}", i % 300), i, 1000 + i, "api"))
        .collect();
    let w = s.write(&rows, &[]).unwrap();
    assert_eq!(w.inserted, 12_345);
    let w = s.write(&rows, &[]).unwrap();
    assert_eq!(w.unchanged, 12_345);
    // one bad row at the very end undoes the chunks before it
    let mut more: Vec<Observation> = (0..11_000)
        .map(|i| obs("w", i, 100_000 + i, "api"))
        .collect();
    more.push(obs("w", -5, 1, "api"));
    assert!(s.write(&more, &[]).is_err());
    assert_eq!(s.count(Some("c")).unwrap(), 12_345);
}

fn queries_filter_by_time_and_metric(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let mut likes = obs("v1", 3, 1500, "api");
    likes.metric = Metric::Likes;
    let mut other = obs("v1", 99, 1000, "api");
    other.campaign = "d".into();
    s.write(
        &[
            obs("v1", 10, 1000, "api"),
            obs("v1", 20, 2000, "api"),
            likes,
            other,
        ],
        &[],
    )
    .unwrap();
    let q = |until: Option<i64>, metric: Option<Metric>| {
        s.observations(&Query {
            campaign: "c".into(),
            until: until.map(t),
            metric,
        })
        .unwrap()
        .iter()
        .map(|o| o.value)
        .collect::<Vec<_>>()
    };
    assert_eq!(q(None, None), vec![10, 3, 20]);
    assert_eq!(q(Some(1500), None), vec![10, 3]);
    assert_eq!(q(None, Some(Metric::Views)), vec![10, 20]);
    assert_eq!(q(Some(999), None), Vec::<i64>::new());
    assert_eq!(s.count(None).unwrap(), 4);
}

fn reopening_keeps_data_and_a_newer_schema_is_refused(b: &dyn Backend) {
    let url = b.fresh();
    open(&url).write(&[obs("v1", 1, 1, "api")], &[]).unwrap();
    assert_eq!(open(&url).count(None).unwrap(), 1);
    b.sql(&url, "UPDATE schema_version SET version = 99");
    // a new process (here: another URL spelling, so a new connection pool) must refuse it
    let other = if url.contains('?') {
        format!("{url}&application_name=second")
    } else {
        url.replace("sqlite://", "sqlite:")
    };
    let e = store::open(&other)
        .err()
        .expect("a newer schema must be refused");
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e}");
    assert!(e.to_string().contains("upgrade viewtally"), "{e}");
}

fn job_state_is_remembered(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    assert_eq!(s.job_state("c", "collect").unwrap(), Default::default());
    s.record_job("c", "collect", t(1000), None, None).unwrap();
    s.record_job("c", "collect", t(1000), Some(t(2000)), Some("boom"))
        .unwrap();
    s.record_job("c", "collect", t(3000), Some(t(4000)), Some("boom again"))
        .unwrap();
    let j = s.job_state("c", "collect").unwrap();
    assert_eq!(j.consecutive_failures, 2);
    assert_eq!(j.last_success, None);
    assert_eq!(j.last_error.as_deref(), Some("boom again"));
    assert_eq!(j.last_started, Some(t(1000)));
    s.record_job("c", "collect", t(5000), Some(t(6000)), None)
        .unwrap();
    let j = s.job_state("c", "collect").unwrap();
    assert_eq!(
        (j.consecutive_failures, j.last_success, j.last_error),
        (0, Some(t(6000)), None)
    );
    assert_eq!(s.job_state("c", "report").unwrap(), Default::default());
}

fn notices_and_sent_is_final(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    s.set_notice("c", 0, NoticeState::Baseline, t(1)).unwrap();
    s.set_notice("c", 8000, NoticeState::Pending, t(1)).unwrap();
    s.set_notice("c", 8000, NoticeState::Sent, t(2)).unwrap();
    // a late `pending` from a slower daemon must not re-open a sent notice
    s.set_notice("c", 8000, NoticeState::Pending, t(3)).unwrap();
    assert_eq!(
        s.notices("c").unwrap(),
        vec![(0, NoticeState::Baseline), (8000, NoticeState::Sent)]
    );
    assert!(s.notices("d").unwrap().is_empty());

    // the bracket a sent announcement stated is kept (the first one recorded), and only for
    // sent notices
    s.record_announced("c", 8000, Some(t(10)), t(20)).unwrap();
    s.record_announced("c", 8000, None, t(30)).unwrap();
    s.record_announced("c", 0, None, t(30)).unwrap();
    assert_eq!(
        s.announced("c").unwrap(),
        vec![viewtally::store::Announced {
            threshold: 8000,
            after: Some(t(10)),
            by: t(20)
        }]
    );
    assert!(s.announced("d").unwrap().is_empty());
}

fn notice_claims_are_exclusive_with_a_lease(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let lease = Duration::minutes(10);
    let now = t(1_000_000_000);
    assert!(s.claim_notice("c", 8000, "a", now, lease).unwrap());
    assert_eq!(s.notices("c").unwrap(), vec![(8000, NoticeState::Pending)]);
    assert!(!s.claim_notice("c", 8000, "b", now, lease).unwrap());
    assert!(s
        .claim_notice("c", 8000, "a", now + Duration::minutes(1), lease)
        .unwrap());
    // the holder died: after the lease another daemon takes over
    assert!(!s
        .claim_notice("c", 8000, "b", now + Duration::minutes(10), lease)
        .unwrap());
    assert!(s
        .claim_notice("c", 8000, "b", now + Duration::minutes(12), lease)
        .unwrap());
    s.set_notice("c", 8000, NoticeState::Sent, now).unwrap();
    assert!(!s
        .claim_notice("c", 8000, "b", now + Duration::days(1), lease)
        .unwrap());
    // a baseline milestone is never announced
    s.set_notice("c", 10000, NoticeState::Baseline, now)
        .unwrap();
    assert!(!s.claim_notice("c", 10000, "a", now, lease).unwrap());
}

fn ticks_are_claimed_once_and_forgotten_after_a_week(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let now = t(1_000_000_000_000);
    let tick = now - Duration::seconds(1);
    assert!(s.claim_tick("c", "collect", tick, "a", now).unwrap());
    assert!(!s.claim_tick("c", "collect", tick, "b", now).unwrap());
    assert!(!s.claim_tick("c", "collect", tick, "a", now).unwrap());
    assert!(s.claim_tick("c", "report", tick, "b", now).unwrap());
    assert!(s.claim_tick("d", "collect", tick, "b", now).unwrap());
    let later = now + Duration::days(8);
    assert!(s.claim_tick("c", "collect", later, "b", later).unwrap());
    // the old claim was pruned by the later one
    assert!(s.claim_tick("c", "collect", tick, "b", later).unwrap());
}

fn concurrent_tick_claims_have_one_winner(b: &dyn Backend) {
    let url = b.fresh();
    open(&url);
    let now = t(1_000_000_000_000);
    let winners: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let url = url.clone();
                scope.spawn(move || {
                    let mut s = open(&url);
                    (0..20)
                        .filter(|k| {
                            s.claim_tick(
                                "c",
                                "collect",
                                now + Duration::seconds(*k),
                                &format!("d{i}"),
                                now,
                            )
                            .unwrap()
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(winners, 20, "each of 20 ticks must be claimed exactly once");
}

fn concurrent_writers_all_land(b: &dyn Backend) {
    let url = b.fresh();
    open(&url);
    std::thread::scope(|scope| {
        for w in 0..4 {
            let url = url.clone();
            scope.spawn(move || {
                let mut s = open(&url);
                for batch in 0..5 {
                    // overlapping keys between writers: same (video, at) upserts
                    let rows: Vec<Observation> = (0..200)
                        .map(|i| {
                            obs(
                                &format!("v{}", i % 7),
                                w * 1000 + i,
                                batch * 1000 + i,
                                "api",
                            )
                        })
                        .collect();
                    s.write(&rows, &[]).unwrap();
                }
            });
        }
    });
    let s = open(&url);
    // keys: (video i%7, at batch*1000+i) for i<200, batch<5: 1000 distinct
    assert_eq!(s.count(Some("c")).unwrap(), 1000);
}

fn api_usage_adds_up_and_state_is_replaced(b: &dyn Backend) {
    let mut s = open(&b.fresh());
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let next = day.succ_opt().unwrap();
    assert_eq!(
        s.api_usage(Platform::Youtube, "videos.list", day).unwrap(),
        0
    );
    s.add_api_usage(Platform::Youtube, "videos.list", day, 3)
        .unwrap();
    s.add_api_usage(Platform::Youtube, "videos.list", day, 2)
        .unwrap();
    s.add_api_usage(Platform::Youtube, "videos.list", next, 1)
        .unwrap();
    assert_eq!(
        s.api_usage(Platform::Youtube, "videos.list", day).unwrap(),
        5
    );
    assert_eq!(
        s.api_usage(Platform::Youtube, "batchGetStats", day)
            .unwrap(),
        0
    );
    assert_eq!(
        s.api_usage(Platform::Facebook, "videos.list", day).unwrap(),
        0
    );
    assert_eq!(s.api_state(Platform::Linkedin, "k").unwrap(), None);
    s.set_api_state(Platform::Linkedin, "k", "a", t(1)).unwrap();
    s.set_api_state(Platform::Linkedin, "k", "b", t(2)).unwrap();
    assert_eq!(
        s.api_state(Platform::Linkedin, "k").unwrap().as_deref(),
        Some("b")
    );
}

fn scans_deliver_the_rows_of_observations_in_batches(b: &dyn Backend) {
    use viewtally::store::{ScanOrder, SCAN_BATCH_ROWS};
    let mut s = open(&b.fresh());
    let rows: Vec<Observation> = (0..(SCAN_BATCH_ROWS as i64 + 10))
        .map(|i| {
            let mut o = obs(
                &format!("v{}", i % 3),
                i,
                1000 + i / 2,
                if i % 2 == 0 { "api" } else { "export:ab" },
            );
            o.account = (i % 5 == 0).then(|| "Chan".to_string());
            o
        })
        .collect();
    s.write(&rows, &[]).unwrap();
    let query = Query {
        campaign: "c".into(),
        ..Default::default()
    };
    let expected = all(s.as_ref(), "c");
    let read = |order: ScanOrder| {
        let (mut got, mut sizes) = (Vec::new(), Vec::new());
        let n = s
            .scan(&query, order, &mut |b| {
                sizes.push(b.len());
                for i in 0..b.len() {
                    let (platform, video) = b.videos[b.video[i] as usize].clone();
                    got.push(Observation {
                        campaign: "c".into(),
                        platform,
                        video,
                        account: b.account[i].map(|a| b.accounts[a as usize].clone()),
                        metric: b.metric[i],
                        kind: b.kind[i],
                        at: t(b.at_ms[i]),
                        value: b.value[i],
                        source: b.sources[b.source[i] as usize].clone(),
                        collected_at: t(b.collected_ms[i]),
                    });
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(n as usize, got.len());
        assert_eq!(sizes, vec![SCAN_BATCH_ROWS, 10]);
        got
    };
    assert_eq!(read(ScanOrder::Sorted), expected);
    let mut any = read(ScanOrder::Any);
    any.sort_by_key(|o| (o.at, o.video.clone(), o.source.as_str().to_string()));
    let mut sorted = expected.clone();
    sorted.sort_by_key(|o| (o.at, o.video.clone(), o.source.as_str().to_string()));
    assert_eq!(any, sorted);
    // an error from the callback stops the scan and comes back
    let e = s
        .scan(&query, ScanOrder::Any, &mut |_| {
            Err(StoreError::Query {
                location: "x".into(),
                message: "stop here".into(),
            })
        })
        .unwrap_err();
    assert!(e.to_string().contains("stop here"), "{e}");
}

type Case = (&'static str, fn(&dyn Backend));

const CASES: &[Case] = &[
    ("chunked_writes_are_one_write", chunked_writes_are_one_write),
    (
        "upsert_is_idempotent_and_replaces_values",
        upsert_is_idempotent_and_replaces_values,
    ),
    ("every_field_round_trips", every_field_round_trips),
    (
        "repeated_keys_in_one_write_last_wins",
        repeated_keys_in_one_write_last_wins,
    ),
    (
        "a_failing_write_stores_nothing",
        a_failing_write_stores_nothing,
    ),
    (
        "large_writes_are_chunked_but_atomic",
        large_writes_are_chunked_but_atomic,
    ),
    (
        "queries_filter_by_time_and_metric",
        queries_filter_by_time_and_metric,
    ),
    (
        "scans_deliver_the_rows_of_observations_in_batches",
        scans_deliver_the_rows_of_observations_in_batches,
    ),
    (
        "reopening_keeps_data_and_a_newer_schema_is_refused",
        reopening_keeps_data_and_a_newer_schema_is_refused,
    ),
    ("job_state_is_remembered", job_state_is_remembered),
    ("notices_and_sent_is_final", notices_and_sent_is_final),
    (
        "notice_claims_are_exclusive_with_a_lease",
        notice_claims_are_exclusive_with_a_lease,
    ),
    (
        "ticks_are_claimed_once_and_forgotten_after_a_week",
        ticks_are_claimed_once_and_forgotten_after_a_week,
    ),
    (
        "concurrent_tick_claims_have_one_winner",
        concurrent_tick_claims_have_one_winner,
    ),
    ("concurrent_writers_all_land", concurrent_writers_all_land),
    (
        "api_usage_adds_up_and_state_is_replaced",
        api_usage_adds_up_and_state_is_replaced,
    ),
];

fn run_suite(b: &dyn Backend, only: Option<&[&str]>) {
    for (name, case) in CASES {
        if only.is_some_and(|o| !o.contains(name)) {
            continue;
        }
        eprintln!("store suite [{}] {name}", b.name());
        case(b);
    }
}

#[test]
fn store_suite_sqlite() {
    let b = Sqlite {
        dir: tempfile::tempdir().unwrap(),
        n: AtomicU32::new(0),
    };
    run_suite(&b, None);
}

#[test]
fn store_suite_postgres() {
    if let Some(pg) = Postgres::start() {
        run_suite(&pg, None);
    }
}

#[test]
fn postgres_over_tls_checks_the_certificate() {
    let Some(pg) = Postgres::start_tls() else {
        return;
    };
    run_suite(
        &pg,
        Some(&[
            "upsert_is_idempotent_and_replaces_values",
            "concurrent_writers_all_land",
        ]),
    );
    let db = Postgres::db_of(&pg.database()).to_string();
    // without the CA the server's certificate is not trusted
    let url = format!(
        "postgres://viewtally@127.0.0.1:{}/{db}?sslmode=require",
        pg.port
    );
    let e = store::open(&url)
        .err()
        .expect("an untrusted certificate must fail")
        .to_string();
    assert!(e.contains("cannot open"), "{e}");
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    // plain connections are refused by this server
    let url = format!(
        "postgres://viewtally@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );
    assert!(store::open(&url).is_err());
}

#[test]
fn postgres_errors_name_the_store_not_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://me:hunter2secret@127.0.0.1:{port}/views?connect_timeout=2");
    let e = store::open(&url)
        .err()
        .expect("nothing listens there")
        .to_string();
    assert!(e.contains(&format!("127.0.0.1:{port}/views")), "{e}");
    assert!(e.contains("refused"), "{e}");
    assert!(!e.contains("hunter2secret"), "{e}");
    let e = store::open("postgres://me@h/db?pool_size=lots")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("pool_size"), "{e}");
    let e = store::open("mysql://me@h/db").err().unwrap().to_string();
    assert!(e.contains("postgres://"), "{e}");
}

/// The whole pipeline (import → status, timeline export, report) gives the same numbers on
/// PostgreSQL as on SQLite, and importing again changes nothing.
#[test]
fn the_cli_gives_the_same_answers_on_postgres_and_sqlite() {
    use super::common::{repo, Env};
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.database();
    let env = Env::new();
    env.write(
        "config/demo.toml",
        &std::fs::read_to_string(repo("config/demo.toml")).unwrap(),
    );
    let demo = repo("config/demo");
    let demo = demo.to_str().unwrap();
    let answers = |vars: &[(&str, &str)]| {
        let run = |args: &[&str]| {
            let mut all = vec!["--config", "config/demo.toml"];
            all.extend_from_slice(args);
            env.run_env(&all, vars).ok().stdout
        };
        let first = run(&["import", demo]);
        let again = run(&["import", demo]);
        assert!(
            !again.contains(" new,") || again.contains("→ 0 new"),
            "{first}\n{again}"
        );
        run(&["report"]);
        (
            run(&["status", "--json"]),
            run(&["export", "--what", "timeline", "--format", "json"]),
            run(&["export", "--format", "csv"]),
        )
    };
    let sqlite = answers(&[]);
    let postgres = answers(&[("VIEWTALLY_STORE", &url)]);
    assert!(
        sqlite.0.contains("\"total_views\": 9917") || sqlite.0.contains("\"total_views\":9917"),
        "{}",
        sqlite.0
    );
    assert_eq!(sqlite.0, postgres.0, "status --json");
    assert_eq!(sqlite.1, postgres.1, "timeline export");
    assert_eq!(sqlite.2, postgres.2, "observations export");
    assert_eq!(
        pg.sql(Postgres::db_of(&url), "SELECT COUNT(*) FROM observations"),
        "409"
    );
}

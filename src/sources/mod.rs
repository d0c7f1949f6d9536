//! Live collection from the platforms' APIs: one file per platform (its config section, reader,
//! probe and [`ApiPlatform`] impl), the [`platform::registry`] of them, the Graph batch protocol,
//! usage watch and `debug_token` probe shared by the Meta platforms ([`graph`]), the typed
//! reading of the platforms' JSON answers ([`answer`]) and the shared HTTP layer ([`http`]).
//!
//! [`collect`] reads every configured video of the chosen campaigns from every platform of the
//! registry (YouTube, Facebook, LinkedIn, Instagram) concurrently and stores all successful
//! readings of the run in one transaction (`source = api`, `kind = total`, `at` = the reading
//! time). A platform that fails does not
//! stop the others; what it could not read is reported, never stored as 0. [`Collector`] keeps
//! what is worth keeping between runs of a long-lived process (the daemon): the HTTP client
//! and a refreshed LinkedIn access token.

pub mod answer;
pub mod facebook;
pub mod graph;
pub mod http;
pub mod instagram;
pub mod linkedin;
pub mod platform;
pub mod youtube;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::config::{secret_from_env, Campaign, Config, Secret};
use crate::model::{Kind, Metric, Observation, Platform, Source};
use crate::store::{Store, StoreError, WriteSummary};
use futures_util::future::join_all;
use http::{Api, Redactor, Tuning};
pub use platform::{ApiPlatform, Job};

/// What became of one video in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The counts the platform gave (a hidden count is absent, not 0).
    Read(Vec<(Metric, i64)>),
    /// The platform does not know the video (deleted, private, a wrong id): a warning.
    Missing(String),
    /// The platform could not be read for this video: an error.
    Failed(String),
}

/// What one platform's reader produced.
#[derive(Debug, Default)]
pub struct PlatformRun {
    /// By video id.
    pub outcomes: BTreeMap<String, Outcome>,
    pub warnings: Vec<String>,
    /// Quota units spent: (bucket, quota day, units).
    pub usage: Vec<(&'static str, NaiveDate, u64)>,
    /// Facts to remember (never secrets): (key, value); e.g. a token's expiry, the media id
    /// of an Instagram reel URL.
    pub state: Vec<(String, String)>,
    /// The id a video's readings are stored under when it is not the configured one (an
    /// Instagram reel URL → its media id), by configured id.
    pub stored_as: BTreeMap<String, String>,
    /// The metric a video's views came from when it is not the platform's usual one (a
    /// Facebook reel: `blue_reels_play_count`), by configured id.
    pub views_from: BTreeMap<String, String>,
}

impl PlatformRun {
    /// Record and log a warning (secrets removed).
    pub fn warn(&mut self, api: &Api, message: String) {
        let message = api.redactor.clean(&message);
        tracing::warn!(platform = %api.platform, "{message}");
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// Every one of `ids` failed with `message`.
    pub fn fail_all(&mut self, ids: &[String], message: &str) {
        for id in ids {
            self.outcomes
                .insert(id.clone(), Outcome::Failed(message.to_string()));
        }
    }

    fn absorb(&mut self, other: PlatformRun) {
        self.outcomes.extend(other.outcomes);
        for w in other.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        self.usage.extend(other.usage);
        self.state.extend(other.state);
        self.stored_as.extend(other.stored_as);
        self.views_from.extend(other.views_from);
    }
}

/// One problem and the videos it hit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorLine {
    pub message: String,
    pub videos: Vec<String>,
}

/// How one platform fared in a run.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformReport {
    pub platform: Platform,
    /// Why the platform was not collected at all (no config, no credential).
    pub skipped: Option<String>,
    /// Distinct videos asked for.
    pub videos: usize,
    pub read: usize,
    pub missing: usize,
    pub failed: usize,
    /// Observations stored (a video in two campaigns counts twice).
    pub readings: usize,
    pub requests: u64,
    /// Answers by HTTP status (`error`: no answer), for /metrics.
    pub statuses: BTreeMap<String, u64>,
    pub retries: u64,
    pub errors: Vec<ErrorLine>,
    pub warnings: Vec<String>,
    /// Where numbers came from when it is not the usual place (e.g. "views from
    /// blue_reels_play_count (a reel)"), with the videos.
    pub notes: Vec<ErrorLine>,
}

impl PlatformReport {
    fn new(platform: Platform, videos: usize) -> Self {
        PlatformReport {
            platform,
            skipped: None,
            videos,
            read: 0,
            missing: 0,
            failed: 0,
            readings: 0,
            requests: 0,
            statuses: BTreeMap::new(),
            retries: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Count the missing and failed videos of `run`, with one error line per message.
    fn count_outcomes(&mut self, ids: &[String], run: &PlatformRun, api: &Api) {
        let platform = self.platform;
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in ids {
            match run.outcomes.get(id) {
                Some(Outcome::Read(_)) => {}
                Some(Outcome::Missing(_)) => self.missing += 1,
                Some(Outcome::Failed(m)) => {
                    self.failed += 1;
                    errors
                        .entry(api.redactor.clean(m))
                        .or_default()
                        .push(id.clone());
                }
                None => {
                    self.failed += 1;
                    errors
                        .entry(format!(
                            "{} gave no answer for this video (a bug in viewtally; please report it)",
                            platform.display_name()
                        ))
                        .or_default()
                        .push(id.clone());
                }
            }
        }
        for (message, videos) in errors {
            // Said once, in the summary (the CLI prints it, the daemon logs it); here
            // only with -v, with the full list of videos.
            tracing::debug!(platform = %platform, videos = %video_list(&videos), "{message}");
            self.errors.push(ErrorLine { message, videos });
        }
    }

    /// Whether some video could not be read because of an error.
    pub fn failed(&self) -> bool {
        self.failed > 0
    }
}

/// What a collection run did.
#[derive(Debug, Clone, Serialize)]
pub struct CollectReport {
    /// The reading time of every observation of the run.
    pub at: DateTime<Utc>,
    pub platforms: Vec<PlatformReport>,
    /// Campaigns or platforms there was nothing to collect for, and why.
    pub notes: Vec<String>,
    pub written: WriteSummary,
    /// Where the readings went (for messages).
    pub store: String,
}

impl CollectReport {
    /// The platforms where some video failed.
    pub fn failed_platforms(&self) -> Vec<Platform> {
        self.platforms
            .iter()
            .filter(|p| p.failed())
            .map(|p| p.platform)
            .collect()
    }

    /// Whether any platform was actually asked.
    pub fn collected_any(&self) -> bool {
        self.platforms.iter().any(|p| p.skipped.is_none())
    }

    /// The human summary, one line per platform plus its errors.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        for p in &self.platforms {
            let name = format!("{}:", p.platform.as_str());
            match &p.skipped {
                Some(why) => out.push_str(&format!("{name:<9} skipped — {why}\n")),
                None => {
                    out.push_str(&format!(
                        "{name:<9} {} video{} → {} read, {} missing, {} failed · {} request{}, {} retr{}\n",
                        p.videos,
                        plural(p.videos),
                        p.read,
                        p.missing,
                        p.failed,
                        p.requests,
                        plural(p.requests as usize),
                        p.retries,
                        if p.retries == 1 { "y" } else { "ies" },
                    ));
                    for e in &p.errors {
                        out.push_str(&format!(
                            "  error ({} video{}): {}\n",
                            e.videos.len(),
                            plural(e.videos.len()),
                            e.message
                        ));
                    }
                    for n in &p.notes {
                        out.push_str(&format!(
                            "  note ({} video{}): {}: {}\n",
                            n.videos.len(),
                            plural(n.videos.len()),
                            n.message,
                            video_list(&n.videos)
                        ));
                    }
                }
            }
        }
        let w = &self.written;
        out.push_str(&format!(
            "stored {} reading{} taken at {}: {} new, {} updated, {} unchanged ({})\n",
            w.total(),
            plural(w.total() as usize),
            self.at.format("%Y-%m-%dT%H:%M:%SZ"),
            w.inserted,
            w.updated,
            w.unchanged,
            self.store
        ));
        out
    }
}

/// Video ids for a log line: the first ten, then how many more.
fn video_list(ids: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut out = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    if ids.len() > SHOWN {
        out.push_str(&format!(" (+{} more)", ids.len() - SHOWN));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A collection that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot set up HTTPS: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Readings were fetched but the store failed before they were written (it went down
    /// mid-run): they are handed back, so that the daemon keeps them for a later run.
    #[error("the readings of this run were not stored")]
    Unstored {
        #[source]
        source: StoreError,
        observations: Vec<Observation>,
    },
}

/// What `check --online` found out about one platform's credential.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub platform: Platform,
    /// Whether a call was made (not when the credential is not set).
    pub probed: bool,
    pub ok: bool,
    pub lines: Vec<String>,
}

impl Probe {
    pub fn new(platform: Platform) -> Probe {
        Probe {
            platform,
            probed: true,
            ok: true,
            lines: Vec::new(),
        }
    }
    pub fn line(&mut self, line: String) {
        self.lines.push(line);
    }
    pub fn fail(mut self, line: String) -> Probe {
        self.ok = false;
        self.lines.push(line);
        self
    }
}

/// Runs collections; keep one for the life of the process (the daemon) to reuse connections
/// and a refreshed LinkedIn access token.
pub struct Collector {
    client: reqwest::Client,
    tuning: Tuning,
    redactor: Redactor,
    /// The API platforms, kept for the life of the collector (LinkedIn caches a refreshed token).
    platforms: Vec<Arc<dyn ApiPlatform>>,
}

/// The videos to read per platform: distinct ids, in config order.
fn wanted(campaigns: &[&Campaign]) -> BTreeMap<Platform, Vec<String>> {
    let mut out: BTreeMap<Platform, Vec<String>> = BTreeMap::new();
    for c in campaigns {
        for v in &c.videos {
            let ids = out.entry(v.platform).or_default();
            if !ids.contains(&v.id) {
                ids.push(v.id.clone());
            }
        }
    }
    out
}

/// The credential of a platform ready to be asked, or why it is skipped.
fn ready(source: &dyn ApiPlatform, config: &Config, redactor: &Redactor) -> Result<Secret, String> {
    let platform = source.platform();
    let Some(env) = source.credential_env(&config.platforms) else {
        return Err(format!(
            "no [platforms.{}] section in {}; add one to collect from the {} API \
             (see config/viewtally.example.toml)",
            platform.as_str(),
            config.origin,
            platform.display_name()
        ));
    };
    match secret_from_env(&env, platform.display_name()) {
        Ok(secret) => {
            redactor.add(&secret);
            Ok(secret)
        }
        Err(e) => Err(e.to_string()),
    }
}

impl Collector {
    pub fn new(config: &Config) -> Result<Collector, CollectError> {
        let tuning = Tuning::from(&config.platforms.http);
        let client = http::client(&tuning).map_err(CollectError::Client)?;
        Ok(Collector {
            client,
            tuning,
            redactor: Redactor::default(),
            platforms: platform::registry(),
        })
    }

    fn api(&self, platform: Platform) -> Api {
        Api::new(
            platform,
            self.client.clone(),
            self.tuning.clone(),
            self.redactor.clone(),
        )
    }

    /// What a run says it did not collect: campaigns without videos, platforms without a
    /// reader.
    fn notes(
        &self,
        campaigns: &[&Campaign],
        wanted: &BTreeMap<Platform, Vec<String>>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for c in campaigns.iter().filter(|c| c.videos.is_empty()) {
            notes.push(format!(
                "campaign {} lists no videos; add [[campaign.video]] entries to collect them",
                c.slug()
            ));
        }
        for (p, ids) in wanted {
            if !self.platforms.iter().any(|s| s.platform() == *p) {
                notes.push(format!(
                "{}: {} video{} not collected — viewtally has no {} API reader yet; import its \
                 export files instead",
                p.as_str(),
                ids.len(),
                plural(ids.len()),
                p.display_name()
            ));
            }
        }
        notes
    }

    /// One collection run over every configured video of `campaigns`, read at `now`.
    pub async fn collect(
        &self,
        config: &Config,
        campaigns: &[&Campaign],
        store: &mut dyn Store,
        now: DateTime<Utc>,
    ) -> Result<CollectReport, CollectError> {
        let wanted = wanted(campaigns);
        let notes = self.notes(campaigns, &wanted);
        // Every platform with videos: its credential (or why it is skipped), then what the
        // store remembers (quota spent today, token expiry), then all of them read at once.
        let mut started = Vec::new();
        for source in &self.platforms {
            let platform = source.platform();
            let Some(ids) = wanted.get(&platform).filter(|ids| !ids.is_empty()) else {
                continue;
            };
            let api = self.api(platform);
            let run = match ready(source.as_ref(), config, &self.redactor) {
                Ok(secret) => {
                    let job = Job {
                        api: api.clone(),
                        config: config.platforms.clone(),
                        secret,
                        ids: ids.iter().filter(|id| source.id_ok(id)).cloned().collect(),
                        now,
                    };
                    Ok(source.read(job, &*store)?)
                }
                Err(why) => Err(why),
            };
            started.push((source, ids, api, run));
        }
        let (plans, runs): (Vec<_>, Vec<_>) = started
            .into_iter()
            .map(|(source, ids, api, run)| match run {
                Ok(f) => ((source, ids, api, None), Some(f)),
                Err(why) => ((source, ids, api, Some(why)), None),
            })
            .unzip();
        let mut runs = join_all(runs.into_iter().map(|f| async move {
            match f {
                Some(f) => Some(f.await),
                None => None,
            }
        }))
        .await;

        let mut reports = Vec::new();
        let mut observations = Vec::new();
        let mut unstored = None;
        for ((source, ids, api, skip), run) in plans.into_iter().zip(runs.drain(..)) {
            let platform = source.platform();
            let mut report = PlatformReport::new(platform, ids.len());
            if let Some(why) = skip {
                // Said once, in the summary (the CLI prints it, the daemon logs it).
                tracing::debug!(platform = %platform, "{why}");
                report.skipped = Some(why);
                reports.push(report);
                continue;
            }
            let Some(run) = run else { continue };
            let mut finished = Finished {
                platform,
                ids,
                api: &api,
                run,
                now,
            };
            // A store that fails here (gone mid-run) fails the write below too: the readings
            // go back to the caller with the first error.
            if let Err(e) = finished.remember(store) {
                unstored.get_or_insert(e);
            }
            finished.report(campaigns, &mut report, &mut observations);
            reports.push(report);
        }
        let written = match unstored {
            None => store.write(&observations, &[]),
            Some(e) => Err(e),
        };
        let written = match written {
            Ok(w) => w,
            Err(source) if !observations.is_empty() => {
                return Err(CollectError::Unstored {
                    source,
                    observations,
                })
            }
            Err(e) => return Err(e.into()),
        };
        Ok(CollectReport {
            at: now,
            platforms: reports,
            notes,
            written,
            store: store.location(),
        })
    }

    /// `check --online`: probe each configured credential with one cheap call.
    pub async fn probe(
        &self,
        config: &Config,
        store: &mut dyn Store,
        now: DateTime<Utc>,
    ) -> Result<Vec<Probe>, CollectError> {
        let campaigns: Vec<&Campaign> = config.campaigns.iter().collect();
        let wanted = wanted(&campaigns);
        let mut probes = Vec::new();
        for source in &self.platforms {
            let platform = source.platform();
            if source.credential_env(&config.platforms).is_none() {
                continue;
            }
            let secret = match ready(source.as_ref(), config, &self.redactor) {
                Ok(secret) => secret,
                Err(why) => {
                    let mut probe = Probe::new(platform);
                    probe.probed = false;
                    probe.line(why);
                    probes.push(probe);
                    continue;
                }
            };
            let job = Job {
                api: self.api(platform),
                config: config.platforms.clone(),
                secret,
                ids: wanted.get(&platform).cloned().unwrap_or_default(),
                now,
            };
            let (probe, run) = source.probe(job, &*store)?.await;
            for (bucket, day, units) in &run.usage {
                store.add_api_usage(platform, bucket, *day, *units)?;
            }
            for (key, value) in &run.state {
                store.set_api_state(platform, key, value, now)?;
            }
            probes.push(probe);
        }
        for probe in &mut probes {
            for line in &mut probe.lines {
                *line = self.redactor.clean(line);
            }
        }
        Ok(probes)
    }
}

/// One platform's finished run in a collection.
struct Finished<'a> {
    platform: Platform,
    ids: &'a [String],
    api: &'a Api,
    run: PlatformRun,
    now: DateTime<Utc>,
}

impl Finished<'_> {
    /// Store what the run spent and learned (quota usage, state).
    fn remember(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        for (bucket, day, units) in &self.run.usage {
            store.add_api_usage(self.platform, bucket, *day, *units)?;
        }
        for (key, value) in &self.run.state {
            store.set_api_state(self.platform, key, value, self.now)?;
        }
        Ok(())
    }

    /// Fail the malformed ids, fill in `report` and add the readings to `observations`.
    fn report(
        &mut self,
        campaigns: &[&Campaign],
        report: &mut PlatformReport,
        observations: &mut Vec<Observation>,
    ) {
        let (platform, ids, api) = (self.platform, self.ids, self.api);
        for id in ids {
            if let Err(m) = check_id(platform, id) {
                self.run.outcomes.insert(id.clone(), Outcome::Failed(m));
            }
        }
        report.requests = api.stats.requests();
        report.statuses = api.stats.statuses();
        report.retries = api.stats.retries();
        report.warnings = self.run.warnings.clone();
        let (read, readings) = observe(campaigns, platform, ids, &self.run, self.now, observations);
        report.read = read;
        report.readings = readings;
        report.count_outcomes(ids, &self.run, api);
        let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in ids {
            if let (Some(Outcome::Read(_)), Some(metric)) =
                (self.run.outcomes.get(id), self.run.views_from.get(id))
            {
                notes
                    .entry(views_from_note(metric))
                    .or_default()
                    .push(id.clone());
            }
        }
        report.notes = notes
            .into_iter()
            .map(|(message, videos)| ErrorLine { message, videos })
            .collect();
    }
}

/// What the collect summary says of views read from another metric.
fn views_from_note(metric: &str) -> String {
    if metric == facebook::REELS_METRIC {
        format!("views from {metric} (a reel)")
    } else {
        format!("views from {metric}")
    }
}

/// Whether `id` has the form of the platform's ids (so that it cannot change the request).
fn check_id(platform: Platform, id: &str) -> Result<(), String> {
    match platform::find(platform) {
        Some(source) if !source.id_ok(id) => Err(format!(
            "{platform} video `{id}` is not {}; fix its id in [[campaign.video]]",
            source.id_form()
        )),
        _ => Ok(()),
    }
}

/// The ids that have the platform's form (the others fail without a request).
#[cfg(test)]
fn well_formed(platform: Platform, ids: &[String]) -> Vec<String> {
    ids.iter()
        .filter(|id| check_id(platform, id).is_ok())
        .cloned()
        .collect()
}

/// The observations of the videos `run` read, one per campaign listing the video and metric;
/// returns (videos read, observations made).
fn observe(
    campaigns: &[&Campaign],
    platform: Platform,
    ids: &[String],
    run: &PlatformRun,
    now: DateTime<Utc>,
    out: &mut Vec<Observation>,
) -> (usize, usize) {
    let (mut read, mut readings) = (0, 0);
    for id in ids {
        let Some(Outcome::Read(values)) = run.outcomes.get(id) else {
            continue;
        };
        read += 1;
        for c in campaigns {
            let Some(v) = c.video(platform, id) else {
                continue;
            };
            for (metric, value) in values {
                // A number read from another metric says so in its source: `api:<metric>`.
                let source = match run.views_from.get(id) {
                    Some(m) if *metric == Metric::Views => Source::api_metric(m),
                    _ => Source::api(),
                };
                out.push(Observation {
                    campaign: c.slug().to_string(),
                    platform,
                    video: run.stored_as.get(id).unwrap_or(id).clone(),
                    account: v.account.clone(),
                    metric: *metric,
                    kind: Kind::Total,
                    at: now,
                    value: *value,
                    source,
                    collected_at: now,
                });
                readings += 1;
            }
        }
    }
    (read, readings)
}

/// One collection run with a fresh [`Collector`] (what `viewtally collect` does).
pub async fn collect(
    config: &Config,
    campaigns: &[&Campaign],
    store: &mut dyn Store,
    now: DateTime<Utc>,
) -> Result<CollectReport, CollectError> {
    Collector::new(config)?
        .collect(config, campaigns, store, now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteStore, StateStore};
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn config(base: &str) -> Config {
        let text = format!(
            "[platforms.youtube]\napi_key_env = \"VT_TEST_MOD_YT_KEY\"\napi_base = \"{base}\"\n\
             [platforms.http]\nbackoff_base_ms = 1\nbackoff_max_ms = 2\n\
             [[campaign]]\nslug = \"a\"\nname = \"A\"\n\
             [[campaign.video]]\nplatform = \"youtube\"\nid = \"vid1\"\naccount = \"Chan A\"\n\
             [[campaign]]\nslug = \"b\"\nname = \"B\"\n\
             [[campaign.video]]\nplatform = \"youtube\"\nid = \"vid1\"\n\
             [[campaign.video]]\nplatform = \"tiktok\"\nid = \"t1\"\n\
             [[campaign]]\nslug = \"c\"\nname = \"C\"\n"
        );
        Config::parse(&text, "test.toml").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn ids_that_could_change_a_request_are_refused() {
        assert!(check_id(Platform::Youtube, "dQw4w9WgXcQ").is_ok());
        assert_eq!(
            check_id(Platform::Youtube, "a,b").unwrap_err(),
            "youtube video `a,b` is not a YouTube video id (letters, digits, `-` and `_`, e.g. \
             dQw4w9WgXcQ); fix its id in [[campaign.video]]"
        );
        assert!(check_id(Platform::Facebook, "1234567890123456").is_ok());
        assert!(check_id(Platform::Facebook, "123/insights?x=1").is_err());
        assert!(check_id(Platform::Linkedin, "urn:li:ugcPost:7000000000000000000").is_ok());
        assert!(check_id(Platform::Linkedin, "https://www.linkedin.com/posts/x").is_err());
        assert_eq!(
            well_formed(Platform::Facebook, &["1".into(), "x".into()]),
            vec!["1".to_string()]
        );
    }

    #[test]
    fn a_collection_can_run_on_a_tokio_task() {
        fn send<T: Send>(_: &T) {}
        let config = config("http://127.0.0.1:9");
        let collector = Collector::new(&config).unwrap();
        let mut store = SqliteStore::open(":memory:").unwrap();
        let campaigns: Vec<&Campaign> = config.campaigns.iter().collect();
        let run = collector.collect(&config, &campaigns, &mut store, now());
        send(&run);
    }

    #[tokio::test]
    async fn a_video_in_two_campaigns_is_read_once_and_stored_for_both() {
        let server = MockServer::start().await;
        Mock::given(path("/youtube/v3/videos:batchGetStats"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                testing::fixture("youtube/batch_get_stats.json"),
                "application/json",
            ))
            .expect(1)
            .mount(&server)
            .await;
        let config = config(&server.uri());
        std::env::set_var("VT_TEST_MOD_YT_KEY", "key-for-the-mod-test");
        let mut store = SqliteStore::open(":memory:").unwrap();
        let campaigns: Vec<&Campaign> = config.campaigns.iter().collect();
        let report = collect(&config, &campaigns, &mut store, now())
            .await
            .unwrap();
        assert_eq!(report.platforms.len(), 1);
        let yt = &report.platforms[0];
        assert_eq!((yt.videos, yt.read, yt.readings, yt.requests), (1, 1, 6, 1));
        assert_eq!(report.written.inserted, 6);
        assert_eq!(
            report.notes,
            vec![
                "campaign c lists no videos; add [[campaign.video]] entries to collect them",
                "tiktok: 1 video not collected — viewtally has no TikTok API reader yet; import its \
                 export files instead"
            ]
        );
        for (slug, account) in [("a", Some("Chan A")), ("b", None)] {
            let obs = store
                .observations(&crate::store::Query {
                    campaign: slug.into(),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(obs.len(), 3, "{slug}");
            assert!(obs.iter().all(|o| o.at == now()
                && o.source == Source::api()
                && o.kind == Kind::Total
                && o.account.as_deref() == account));
        }
        let day = youtube::quota_day(now());
        assert_eq!(
            store
                .api_usage(Platform::Youtube, "videos.batchGetStats", day)
                .unwrap(),
            1
        );
        assert!(!report.summary().is_empty());
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// An API handle with short timeouts and millisecond backoff, for wiremock tests.
    pub fn api(platform: Platform) -> Api {
        let tuning = Tuning {
            connect_timeout: std::time::Duration::from_millis(500),
            timeout: std::time::Duration::from_millis(500),
            retries: 3,
            backoff_base: std::time::Duration::from_millis(1),
            backoff_max: std::time::Duration::from_millis(5),
            retry_budget: std::time::Duration::from_secs(10),
            concurrency: 4,
        };
        Api::new(
            platform,
            http::client(&tuning).unwrap(),
            tuning,
            Redactor::default(),
        )
    }

    /// A finished answer with this status and body (for judging answers without a server).
    pub fn reply(status: u16, body: &str) -> http::Reply {
        http::Reply {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
            attempts: 1,
            retry_after_refused: None,
        }
    }

    /// A documented API answer from `tests/fixtures/api/`.
    pub fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/api")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Decode an `application/x-www-form-urlencoded` body.
    pub fn form_decode(body: &[u8]) -> Vec<(String, String)> {
        form_urlencoded::parse(body).into_owned().collect()
    }

    /// The values read for a video (panics when it was not read).
    pub fn outcome_values(run: &PlatformRun, id: &str) -> Vec<(Metric, i64)> {
        match run.outcomes.get(id) {
            Some(Outcome::Read(v)) => v.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }
}

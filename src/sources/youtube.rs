//! YouTube Data API v3: view, like and comment counts of up to 50 videos per request.
//!
//! `videos:batchGetStats` (its own 10 000-unit quota bucket, not atomic) is preferred; when it is
//! unavailable (404, 405, 501, `methodNotAllowed`, `notImplemented`) or its quota is spent,
//! viewtally switches to `videos.list` for the rest of the run. Both cost 1 unit per call; the
//! units are counted per Pacific-time day in the store and checked against
//! `[platforms.youtube] daily_quota` before each call. Counts are JSON strings; a hidden count
//! is absent, never 0; a video missing from `items` is deleted, private or a wrong id.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::Value;

use super::answer::{decode, decode_answer, Count};
use super::http::{transient, Api, Reply, SendError, UNEXPECTED_ANSWER_ADVICE};
use super::platform::{ApiPlatform, Job};
use super::{Outcome, PlatformRun, Probe};
use crate::config::PlatformsConfig;
use crate::config::{check_base, check_env_name, Problem, Secret};
use crate::model::{Metric, Platform};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;

/// Which YouTube endpoint reads the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YoutubeMethod {
    /// `videos:batchGetStats` (own quota bucket), falling back to `videos.list` when the
    /// endpoint is unavailable or its quota is spent.
    #[default]
    Auto,
    /// Only `videos:batchGetStats`.
    BatchGetStats,
    /// Only `videos.list`.
    VideosList,
}

/// YouTube Data API v3.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YoutubeConfig {
    /// The environment variable that holds the API key.
    #[serde(default = "default_youtube_key_env")]
    pub api_key_env: String,
    /// Scheme + host (+ port); the documented path follows it.
    #[serde(default = "default_youtube_base")]
    pub api_base: String,
    /// Units per day (Pacific time) viewtally may spend in each quota bucket (YouTube's
    /// default quota is 10 000; `videos:batchGetStats` has a bucket of its own).
    #[serde(default = "default_youtube_quota")]
    pub daily_quota: u32,
    /// `auto` (default), `batch_get_stats` or `videos_list`.
    #[serde(default)]
    pub method: YoutubeMethod,
    /// The time zone of the days in YouTube Studio exports (default `America/Los_Angeles`:
    /// YouTube Analytics reports Pacific-time days).
    pub day_timezone: Option<String>,
}

fn default_youtube_key_env() -> String {
    "YOUTUBE_API_KEY".into()
}
fn default_youtube_base() -> String {
    "https://www.googleapis.com".into()
}
fn default_youtube_quota() -> u32 {
    10_000
}

impl YoutubeConfig {
    /// Check what serde cannot; normalise the API bases (no trailing `/`).
    pub(crate) fn validate(&mut self) -> Result<(), Problem> {
        const S: &str = "[platforms.youtube]";
        check_env_name(S, "api_key_env", &self.api_key_env)?;
        check_base(S, "api_base", &mut self.api_base)?;
        if self.daily_quota == 0 {
            return Err((
                S,
                "daily_quota",
                format!("{S} daily_quota must be at least 1 (units per day)"),
            ));
        }
        Ok(())
    }
}

/// Most ids one request may carry.
pub const MAX_IDS: usize = 50;

/// A YouTube endpoint and the quota bucket it draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    BatchGetStats,
    VideosList,
}

impl Endpoint {
    /// The name of the method, which is also the quota bucket in the store.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::BatchGetStats => "videos.batchGetStats",
            Endpoint::VideosList => "videos.list",
        }
    }
    fn path(self) -> &'static str {
        match self {
            Endpoint::BatchGetStats => "/youtube/v3/videos:batchGetStats",
            Endpoint::VideosList => "/youtube/v3/videos",
        }
    }
    pub const ALL: [Endpoint; 2] = [Endpoint::BatchGetStats, Endpoint::VideosList];
}

/// The quota day (YouTube resets quotas at midnight Pacific time).
pub fn quota_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Los_Angeles).date_naive()
}

/// When the current quota day ends, in UTC.
pub fn quota_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let next = quota_day(now).succ_opt().unwrap_or(quota_day(now));
    Los_Angeles
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// Units of one quota day: what the store says was spent before, and what this run spends.
#[derive(Debug)]
pub struct Quota {
    pub day: NaiveDate,
    pub budget: u64,
    used_before: HashMap<Endpoint, u64>,
    spent: HashMap<Endpoint, AtomicU64>,
    reset: DateTime<Utc>,
}

impl Quota {
    /// `used_before(endpoint)`: units the store counted for today.
    pub fn new(budget: u32, now: DateTime<Utc>, used_before: impl Fn(Endpoint) -> u64) -> Quota {
        Quota {
            day: quota_day(now),
            budget: budget as u64,
            used_before: Endpoint::ALL.iter().map(|&e| (e, used_before(e))).collect(),
            spent: Endpoint::ALL
                .iter()
                .map(|&e| (e, AtomicU64::new(0)))
                .collect(),
            reset: quota_reset(now),
        }
    }

    /// Take one unit, or say why not.
    fn take(&self, endpoint: Endpoint) -> Result<(), String> {
        let before = self.used_before.get(&endpoint).copied().unwrap_or(0);
        let spent = &self.spent[&endpoint];
        spent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (before + s < self.budget).then_some(s + 1)
            })
            .map(|_| ())
            .map_err(|_| {
                format!(
                    "the daily budget of {} units for {} ([platforms.youtube] daily_quota) is spent \
                     for {} (Pacific time); it resets at {} — collect less often, or raise \
                     daily_quota if your Google Cloud project has more quota",
                    self.budget,
                    endpoint.name(),
                    self.day,
                    self.reset.format("%Y-%m-%d %H:%M UTC")
                )
            })
    }

    /// Units this run spent, per endpoint.
    pub fn spent(&self) -> Vec<(Endpoint, u64)> {
        Endpoint::ALL
            .iter()
            .map(|&e| (e, self.spent[&e].load(Ordering::SeqCst)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Units counted for today (before this run and in it).
    pub fn used(&self, endpoint: Endpoint) -> u64 {
        self.used_before.get(&endpoint).copied().unwrap_or(0)
            + self.spent[&endpoint].load(Ordering::SeqCst)
    }
}

/// How a failed answer is to be handled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// The endpoint does not exist (here): fall back to `videos.list`.
    Unsupported(String),
    /// The endpoint's quota bucket is spent: fall back to `videos.list`.
    QuotaSpent(String),
    /// Anything else: the videos of this request fail with this message.
    Error(String),
}

struct Reader<'a> {
    api: &'a Api,
    cfg: &'a YoutubeConfig,
    key: &'a Secret,
    quota: &'a Quota,
    /// Set once `videos:batchGetStats` proved unusable in this run.
    fell_back: AtomicBool,
    /// Set when the key or the quota failed: later requests are not sent.
    stopped: Mutex<Option<String>>,
}

/// Read the statistics of `ids`.
pub async fn read(
    api: &Api,
    cfg: &YoutubeConfig,
    key: &Secret,
    ids: &[String],
    quota: &Quota,
) -> PlatformRun {
    let reader = Reader {
        api,
        cfg,
        key,
        quota,
        fell_back: AtomicBool::new(cfg.method == YoutubeMethod::VideosList),
        stopped: Mutex::new(None),
    };
    let mut run = PlatformRun::default();
    let chunks: Vec<&[String]> = ids.chunks(MAX_IDS).collect();
    // The first request alone: it decides whether batchGetStats works here.
    if let Some((first, rest)) = chunks.split_first() {
        reader.chunk(first, &mut run).await;
        // (join_all rather than a buffered stream keeps this future `Send`; the API's
        // semaphore bounds the requests in flight)
        let results: Vec<PlatformRun> = join_all(rest.iter().map(|c| async {
            let mut part = PlatformRun::default();
            reader.chunk(c, &mut part).await;
            part
        }))
        .await;
        for part in results {
            run.absorb(part);
        }
    }
    run.usage = quota
        .spent()
        .into_iter()
        .map(|(e, n)| (e.name(), quota.day, n))
        .collect();
    run
}

impl Reader<'_> {
    async fn chunk(&self, ids: &[String], run: &mut PlatformRun) {
        if !self.fell_back.load(Ordering::SeqCst) {
            match self.call(Endpoint::BatchGetStats, ids, run).await {
                Ok(()) => return,
                Err(Failure::Unsupported(why) | Failure::QuotaSpent(why))
                    if self.cfg.method == YoutubeMethod::Auto =>
                {
                    if !self.fell_back.swap(true, Ordering::SeqCst) {
                        run.warn(
                            self.api,
                            format!(
                                "YouTube videos:batchGetStats cannot be used ({why}); using videos.list \
                                 for the rest of this run"
                            ),
                        );
                    }
                }
                Err(Failure::Unsupported(m) | Failure::QuotaSpent(m) | Failure::Error(m)) => {
                    run.fail_all(ids, &m);
                    return;
                }
            }
        }
        match self.call(Endpoint::VideosList, ids, run).await {
            Ok(()) => {}
            Err(Failure::Unsupported(m) | Failure::QuotaSpent(m) | Failure::Error(m)) => {
                run.fail_all(ids, &m)
            }
        }
    }

    /// One request for up to 50 ids; outcomes for all of them on success.
    async fn call(
        &self,
        endpoint: Endpoint,
        ids: &[String],
        run: &mut PlatformRun,
    ) -> Result<(), Failure> {
        let url = format!("{}{}", self.cfg.api_base, endpoint.path());
        let request = self.api.client().get(url).query(&[
            ("part", "statistics"),
            ("id", &ids.join(",")),
            ("key", self.key.expose()),
        ]);
        let stopped = || {
            self.stopped
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        };
        let gate = || match stopped() {
            Some(why) => Err(why),
            None => self.quota.take(endpoint),
        };
        let what = format!("{} ({} ids)", endpoint.name(), ids.len());
        let reply = match self.api.send(&what, request, &retryable, Some(&gate)).await {
            Ok(r) => r,
            Err(SendError::Refused(m)) if stopped().is_some() => return Err(Failure::Error(m)),
            Err(SendError::Refused(m)) => return Err(Failure::QuotaSpent(m)),
            Err(e) => return Err(Failure::Error(format!("YouTube {}: {e}", endpoint.name()))),
        };
        if !reply.status.is_success() || embedded_error(&reply).is_some() {
            let failure = failure(endpoint, &reply, &self.cfg.api_key_env, self.quota);
            if let Failure::Error(m) = &failure {
                if ends_run(&reply) {
                    let mut s = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
                    s.get_or_insert_with(|| m.clone());
                }
            }
            return Err(failure);
        }
        let items = parse_items(&reply).map_err(|detail| {
            Failure::Error(format!(
                "YouTube answered {} in an unexpected shape ({detail}); nothing from that answer \
                 was stored — {UNEXPECTED_ANSWER_ADVICE}",
                endpoint.name()
            ))
        })?;
        for id in ids {
            let outcome = match items.get(id.as_str()) {
                None => Outcome::Missing(format!(
                    "youtube video {id}: not returned by {} (deleted, private, or a wrong id); \
                     no reading stored — check the id in [[campaign.video]], and remove the video \
                     there if it is gone for good",
                    endpoint.name()
                )),
                Some(Err(detail)) => Outcome::Failed(format!(
                    "YouTube answered {} in an unexpected shape ({detail}); no reading stored for \
                     video {id} — {UNEXPECTED_ANSWER_ADVICE}",
                    endpoint.name()
                )),
                Some(Ok(values)) => {
                    if !values.iter().any(|(m, _)| *m == Metric::Views) {
                        run.warn(
                            self.api,
                            format!(
                                "youtube video {id}: the view count is hidden; no views reading stored"
                            ),
                        );
                    }
                    Outcome::Read(values.clone())
                }
            };
            if let Outcome::Missing(m) = &outcome {
                run.warn(self.api, m.clone());
            }
            run.outcomes.insert(id.clone(), outcome);
        }
        Ok(())
    }
}

/// The `error.code` of a 2xx answer whose body is a Google error object (a 2xx answer is judged
/// by the error it carries, never read as counts).
fn embedded_error(reply: &Reply) -> Option<u16> {
    if !reply.status.is_success() {
        return None;
    }
    let doc = reply.json().ok()?;
    let error = doc.get("error").filter(|e| e.is_object())?;
    Some(
        error["code"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (400..600).contains(c))
            .unwrap_or(500),
    )
}

/// The status an answer is judged by: its own, or that of the error object a 2xx carries.
fn status_of(reply: &Reply) -> u16 {
    embedded_error(reply).unwrap_or(reply.status.as_u16())
}

/// 429, 5xx (also as the error object of a 2xx answer), and 403 `rateLimitExceeded` /
/// `userRateLimitExceeded` are worth retrying.
fn retryable(reply: &Reply) -> bool {
    let status = status_of(reply);
    transient(reply)
        || status == 429
        || status >= 500
        || (status == 403
            && reasons(&reply.json().unwrap_or_default())
                .iter()
                .any(|r| r == "rateLimitExceeded" || r == "userRateLimitExceeded"))
}

/// Answers about the key or the day's quota: asking again for other videos is pointless.
fn ends_run(reply: &Reply) -> bool {
    const KEY_OR_QUOTA: &[&str] = &[
        "keyInvalid",
        "API_KEY_INVALID",
        "accessNotConfigured",
        "SERVICE_DISABLED",
        "ipRefererBlocked",
        "API_KEY_SERVICE_BLOCKED",
        "forbidden",
        "quotaExceeded",
        "dailyLimitExceeded",
    ];
    matches!(status_of(reply), 400 | 403)
        && reasons(&reply.json().unwrap_or_default())
            .iter()
            .any(|r| KEY_OR_QUOTA.contains(&r.as_str()))
}

/// The `reason`s of a Google error body: `error.errors[].reason` (the YouTube style) and
/// `error.details[].reason` (the newer `google.rpc.ErrorInfo` style).
fn reasons(body: &Value) -> Vec<String> {
    let err = &body["error"];
    ["errors", "details"]
        .iter()
        .flat_map(|k| err[*k].as_array().into_iter().flatten())
        .filter_map(|e| e["reason"].as_str().map(str::to_string))
        .collect()
}

/// An invalid key (`keyInvalid`, old; `API_KEY_INVALID`, new), named by its variable.
fn invalid_key(has: &dyn Fn(&str) -> bool, key_env: &str) -> Option<Failure> {
    if !(has("keyInvalid") || has("API_KEY_INVALID")) {
        return None;
    }
    let reason = if has("keyInvalid") {
        "keyInvalid"
    } else {
        "API_KEY_INVALID"
    };
    Some(Failure::Error(format!(
        "YouTube rejected the API key in {key_env} ({reason}): create a key in the Google Cloud \
         console (APIs & Services → Credentials) for a project with the YouTube Data API v3 \
         enabled, put it in .env as {key_env}=…, then run `viewtally check --online`"
    )))
}

/// A key the API refuses for another reason (API not enabled, restrictions, expired or
/// blocked), named by its variable.
fn key_refused(
    has: &dyn Fn(&str) -> bool,
    reasons: &[String],
    first: &str,
    message: &str,
    key_env: &str,
) -> Option<Failure> {
    if has("accessNotConfigured") || has("SERVICE_DISABLED") {
        return Some(Failure::Error(format!(
            "the YouTube Data API v3 is not enabled for the Google Cloud project of the key in \
             {key_env} (accessNotConfigured): enable it under APIs & Services → Library"
        )));
    }
    if has("ipRefererBlocked") || has("forbidden") || has("API_KEY_SERVICE_BLOCKED") {
        return Some(Failure::Error(format!(
            "YouTube refused the key in {key_env} ({first}: {message}): check the key's API and \
             application restrictions in the Google Cloud console"
        )));
    }
    // Any other answer about the key (an expired or blocked key, or a 400 `badRequest` that
    // only says "API key not valid" in its message) names the variable that holds it.
    if reasons.iter().any(|r| r.starts_with("API_KEY_"))
        || message.to_ascii_lowercase().contains("api key")
    {
        return Some(Failure::Error(format!(
            "YouTube rejected the API key in {key_env} ({first}: {message}): check the key in the \
             Google Cloud console (APIs & Services → Credentials), put a valid one in .env as \
             {key_env}=…, then run `viewtally check --online`"
        )));
    }
    None
}

/// The user-facing meaning of a non-2xx answer.
fn failure(endpoint: Endpoint, reply: &Reply, key_env: &str, quota: &Quota) -> Failure {
    let status = status_of(reply);
    // What the answer was, for messages: `HTTP 503`, or `HTTP 200 with error 503`.
    let answered = match embedded_error(reply) {
        Some(code) => format!("HTTP {} with error {code}", reply.status.as_u16()),
        None => format!("HTTP {status}"),
    };
    let body = reply.json().unwrap_or_default();
    let reasons = reasons(&body);
    let message = body["error"]["message"]
        .as_str()
        .map(|m| m.chars().take(300).collect::<String>())
        .unwrap_or_default();
    let has = |r: &str| reasons.iter().any(|x| x == r);
    let first = reasons
        .first()
        .cloned()
        .unwrap_or_else(|| "no reason given".into());
    if let Some(f) = invalid_key(&has, key_env) {
        return f;
    }
    if has("quotaExceeded") || has("dailyLimitExceeded") {
        let text = format!(
            "YouTube's daily quota for {} is used up (quotaExceeded); it resets at midnight Pacific \
             time ({}) — collect less often, or ask for more quota in the Google Cloud console",
            endpoint.name(),
            quota.reset.format("%Y-%m-%d %H:%M UTC")
        );
        return match endpoint {
            Endpoint::BatchGetStats => Failure::QuotaSpent(text),
            Endpoint::VideosList => Failure::Error(text),
        };
    }
    if endpoint == Endpoint::BatchGetStats
        && (matches!(status, 404 | 405 | 501) || has("methodNotAllowed") || has("notImplemented"))
    {
        return Failure::Unsupported(format!("HTTP {status}, {first}"));
    }
    if let Some(f) = key_refused(&has, &reasons, &first, &message, key_env) {
        return f;
    }
    if status == 429 || status >= 500 || status == 403 {
        return Failure::Error(format!(
            "YouTube {} answered {answered} ({first}){}; try again later",
            endpoint.name(),
            reply.gave_up()
        ));
    }
    Failure::Error(if message.is_empty() {
        format!("YouTube {} answered {answered} ({first})", endpoint.name())
    } else {
        format!(
            "YouTube {} answered {answered} ({first}): {message}",
            endpoint.name()
        )
    })
}

type ItemValues = Result<Vec<(Metric, i64)>, String>;

/// A `videos.list` or `batchGetStats` answer; each item is read on its own, so that one bad
/// item does not spoil the others.
#[derive(Deserialize)]
struct ItemsAnswer {
    items: Vec<Value>,
}

#[derive(Deserialize)]
struct ItemId {
    id: String,
}

#[derive(Deserialize)]
struct ItemStatistics {
    statistics: Statistics,
}

/// `statistics`: a count hidden by the owner is absent (no reading, not 0).
#[derive(Deserialize)]
#[serde(expecting = "an object", rename_all = "camelCase")]
struct Statistics {
    view_count: Option<Count>,
    like_count: Option<Count>,
    comment_count: Option<Count>,
}

/// `items[]` of a `videos.list` or `batchGetStats` answer, by id: the counts present, or what
/// is wrong with that item. An answer without `items` is wrong as a whole.
fn parse_items(reply: &Reply) -> Result<BTreeMap<String, ItemValues>, String> {
    let doc = reply.json()?;
    let answer: ItemsAnswer = decode_answer(&doc)?;
    let mut out = BTreeMap::new();
    for (i, item) in answer.items.iter().enumerate() {
        let path = format!("items[{i}]");
        let ItemId { id } = decode(item, &path)?;
        let values = decode(item, &path).map(|ItemStatistics { statistics: s }| {
            [
                (Metric::Views, s.view_count),
                (Metric::Likes, s.like_count),
                (Metric::Comments, s.comment_count),
            ]
            .into_iter()
            .filter_map(|(metric, count)| count.map(|Count(n)| (metric, n)))
            .collect()
        });
        out.insert(id, values);
    }
    Ok(out)
}

/// `check --online`: one cheap `videos.list` call (1 unit) with the configured ids.
pub async fn probe(
    api: &Api,
    cfg: &YoutubeConfig,
    key: &Secret,
    ids: &[String],
    quota: &Quota,
) -> Probe {
    let sample: Vec<String> = ids.iter().take(MAX_IDS).cloned().collect();
    // With no video to ask about, `videoCategories.list` (also 1 unit) tests the key.
    let (what, request) = if sample.is_empty() {
        let url = format!("{}/youtube/v3/videoCategories", cfg.api_base);
        let query = [("part", "id"), ("regionCode", "US"), ("key", key.expose())];
        (
            "videoCategories.list (probe)",
            api.client().get(url).query(&query),
        )
    } else {
        let url = format!("{}{}", cfg.api_base, Endpoint::VideosList.path());
        let ids = sample.join(",");
        let query = [("part", "id"), ("id", ids.as_str()), ("key", key.expose())];
        ("videos.list (probe)", api.client().get(url).query(&query))
    };
    let gate = || quota.take(Endpoint::VideosList);
    let mut probe = Probe::new(crate::model::Platform::Youtube);
    let reply = match api.send(what, request, &retryable, Some(&gate)).await {
        Ok(r) => r,
        Err(e) => return probe.fail(format!("YouTube videos.list: {e}")),
    };
    if !reply.status.is_success() {
        let m = match failure(Endpoint::VideosList, &reply, &cfg.api_key_env, quota) {
            Failure::Unsupported(m) | Failure::QuotaSpent(m) | Failure::Error(m) => m,
        };
        return probe.fail(m);
    }
    let found = reply
        .json()
        .ok()
        .and_then(|d| d["items"].as_array().map(|a| a.len()));
    probe.line(format!(
        "API key in {} accepted (API keys do not expire)",
        cfg.api_key_env
    ));
    match found {
        Some(n) if !sample.is_empty() => probe.line(if ids.len() > sample.len() {
            format!(
                "can read {n} of the first {} configured videos",
                sample.len()
            )
        } else {
            format!("can read {n} of {} configured videos", sample.len())
        }),
        _ => {}
    }
    for e in Endpoint::ALL {
        probe.line(format!(
            "quota spent today ({} Pacific) by viewtally on {}: {} of {} units",
            quota.day,
            e.name(),
            quota.used(e),
            quota.budget
        ));
    }
    probe
}

/// YouTube as an [`ApiPlatform`].
pub struct Youtube;

impl ApiPlatform for Youtube {
    fn platform(&self) -> Platform {
        Platform::Youtube
    }

    fn credential_env(&self, config: &PlatformsConfig) -> Option<String> {
        config.youtube.as_ref().map(|y| y.api_key_env.clone())
    }

    fn id_ok(&self, id: &str) -> bool {
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    fn id_form(&self) -> &'static str {
        "a YouTube video id (letters, digits, `-` and `_`, e.g. dQw4w9WgXcQ)"
    }

    fn config_id_doubt(&self, id: &str) -> Option<String> {
        crate::model::ids::youtube_id(id).is_none().then(|| {
            format!(
                "`{id}` is not a YouTube video id: write the 11-character id (e.g. \
                 dQ8mC2c4Rx0) or the video's youtube.com / youtu.be URL"
            )
        })
    }

    fn env_example(&self) -> &'static str {
        "# YouTube Data API key (Google Cloud console → APIs & Services → Credentials)\n\
         YOUTUBE_API_KEY=\n"
    }

    fn read(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, PlatformRun>, StoreError> {
        let Some(cfg) = job.config.youtube.clone() else {
            return Ok(Box::pin(async { PlatformRun::default() }));
        };
        let quota = stored_quota(store, cfg.daily_quota, job.now)?;
        Ok(Box::pin(async move {
            read(&job.api, &cfg, &job.secret, &job.ids, &quota).await
        }))
    }

    fn probe(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, (Probe, PlatformRun)>, StoreError> {
        let Some(cfg) = job.config.youtube.clone() else {
            return Ok(Box::pin(async {
                (Probe::new(Platform::Youtube), PlatformRun::default())
            }));
        };
        let quota = stored_quota(store, cfg.daily_quota, job.now)?;
        Ok(Box::pin(async move {
            let probe = probe(&job.api, &cfg, &job.secret, &job.ids, &quota).await;
            let run = PlatformRun {
                usage: quota
                    .spent()
                    .into_iter()
                    .map(|(e, n)| (e.name(), quota.day, n))
                    .collect(),
                ..PlatformRun::default()
            };
            (probe, run)
        }))
    }
}

/// Today's quota: the budget and what the store counted so far.
fn stored_quota(store: &dyn Store, budget: u32, now: DateTime<Utc>) -> Result<Quota, StoreError> {
    let day = quota_day(now);
    let mut used = BTreeMap::new();
    for e in Endpoint::ALL {
        used.insert(e, store.api_usage(Platform::Youtube, e.name(), day)?);
    }
    Ok(Quota::new(budget, now, |e| {
        used.get(&e).copied().unwrap_or(0)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::{api, fixture, outcome_values};
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[test]
    fn a_2xx_answer_is_judged_by_the_error_object_it_carries() {
        use crate::sources::testing::reply;
        let error = reply(200, &fixture("youtube/error_backend.json"));
        assert_eq!(embedded_error(&error), Some(503));
        assert!(retryable(&error));
        let key = reply(200, &fixture("youtube/error_key_invalid.json"));
        assert_eq!(status_of(&key), 400);
        assert!(!retryable(&key) && ends_run(&key));
        // ordinary answers and real error statuses are what they say
        let ok = reply(200, &fixture("youtube/batch_get_stats.json"));
        assert_eq!((embedded_error(&ok), status_of(&ok)), (None, 200));
        let no_code = reply(200, r#"{"error": {"message": "x"}}"#);
        assert_eq!(embedded_error(&no_code), Some(500));
        assert_eq!(
            embedded_error(&reply(503, &fixture("youtube/error_backend.json"))),
            None
        );
    }

    const KEY: &str = "AIzaTESTKEY-0123456789";

    fn cfg(server: &MockServer, method: YoutubeMethod) -> YoutubeConfig {
        YoutubeConfig {
            api_key_env: "YOUTUBE_API_KEY".into(),
            api_base: server.uri(),
            daily_quota: 10_000,
            method,
            day_timezone: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn quota(budget: u32) -> Quota {
        Quota::new(budget, now(), |_| 0)
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    async fn mount(server: &MockServer, endpoint: Endpoint, status: u16, body: &str) {
        Mock::given(method("GET"))
            .and(path(endpoint.path()))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json"),
            )
            .mount(server)
            .await;
    }

    async fn run(
        server: &MockServer,
        method: YoutubeMethod,
        videos: &[&str],
        q: &Quota,
    ) -> (PlatformRun, Api) {
        let api = api(crate::model::Platform::Youtube);
        let run = read(
            &api,
            &cfg(server, method),
            &Secret::new(KEY),
            &ids(videos),
            q,
        )
        .await;
        (run, api)
    }

    fn failed(run: &PlatformRun, id: &str) -> String {
        match &run.outcomes[id] {
            Outcome::Failed(m) => m.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_probe_needs_no_video_to_test_the_key() {
        let server = MockServer::start().await;
        Mock::given(path("/youtube/v3/videoCategories"))
            .and(query_param("key", KEY))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"kind": "youtube#videoCategoryListResponse", "items": []}"#,
                "application/json",
            ))
            .expect(1)
            .mount(&server)
            .await;
        let q = quota(10_000);
        let api = api(crate::model::Platform::Youtube);
        let p = probe(
            &api,
            &cfg(&server, YoutubeMethod::Auto),
            &Secret::new(KEY),
            &[],
            &q,
        )
        .await;
        assert!(p.ok, "{:?}", p.lines);
        assert_eq!(
            p.lines[0],
            "API key in YOUTUBE_API_KEY accepted (API keys do not expire)"
        );
        assert_eq!(q.used(Endpoint::VideosList), 1);

        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            400,
            &fixture("youtube/error_key_invalid.json"),
        )
        .await;
        let p = probe(
            &api,
            &cfg(&server, YoutubeMethod::Auto),
            &Secret::new(KEY),
            &ids(&["vid1"]),
            &q,
        )
        .await;
        assert!(!p.ok);
        assert!(
            p.lines[0].starts_with("YouTube rejected the API key in YOUTUBE_API_KEY (keyInvalid)"),
            "{:?}",
            p.lines
        );
    }

    #[test]
    fn quota_day_is_pacific() {
        // 2026-11-25 07:00 UTC is still 24 November in California.
        let t = DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(quota_day(t).to_string(), "2026-11-24");
        assert_eq!(quota_reset(t).to_rfc3339(), "2026-11-25T08:00:00+00:00");
        assert_eq!(quota_day(now()).to_string(), "2026-11-25");
    }

    #[tokio::test]
    async fn batch_get_stats_reads_strings_and_keeps_hidden_counts_absent() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/youtube/v3/videos:batchGetStats"))
            .and(query_param("part", "statistics"))
            .and(query_param("id", "vid1,vid2,gone"))
            .and(query_param("key", KEY))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("youtube/batch_get_stats.json"), "application/json"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let q = quota(10_000);
        let (run, api) = run(&server, YoutubeMethod::Auto, &["vid1", "vid2", "gone"], &q).await;
        assert_eq!(
            outcome_values(&run, "vid1"),
            vec![
                (Metric::Views, 8123),
                (Metric::Likes, 410),
                (Metric::Comments, 37)
            ]
        );
        // likes hidden: no likes reading (not 0)
        assert_eq!(
            outcome_values(&run, "vid2"),
            vec![(Metric::Views, 120), (Metric::Comments, 0)]
        );
        assert_eq!(
            run.outcomes["gone"],
            Outcome::Missing(
                "youtube video gone: not returned by videos.batchGetStats (deleted, private, or a \
                 wrong id); no reading stored — check the id in [[campaign.video]], and remove the \
                 video there if it is gone for good"
                    .into()
            )
        );
        assert_eq!(run.usage, vec![("videos.batchGetStats", q.day, 1)]);
        assert_eq!(api.stats.requests(), 1);
    }

    #[tokio::test]
    async fn videos_list_answers_are_read_the_same_way() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            200,
            &fixture("youtube/videos_list.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1", "vid3"], &q).await;
        assert_eq!(
            outcome_values(&run, "vid1"),
            vec![
                (Metric::Views, 8123),
                (Metric::Likes, 410),
                (Metric::Comments, 37)
            ]
        );
        // every count hidden
        assert_eq!(outcome_values(&run, "vid3"), vec![]);
        assert!(
            run.warnings
                .iter()
                .any(|w| w
                    == "youtube video vid3: the view count is hidden; no views reading stored"),
            "{:?}",
            run.warnings
        );
        assert_eq!(run.usage, vec![("videos.list", q.day, 1)]);
    }

    #[tokio::test]
    async fn batch_404_falls_back_to_videos_list_for_the_rest_of_the_run() {
        let server = MockServer::start().await;
        Mock::given(path(Endpoint::BatchGetStats.path()))
            .respond_with(
                ResponseTemplate::new(404)
                    .set_body_raw(fixture("youtube/error_not_found.json"), "application/json"),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path(Endpoint::VideosList.path()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("youtube/videos_list.json"), "application/json"),
            )
            .expect(2)
            .mount(&server)
            .await;
        let many: Vec<String> = (0..60).map(|i| format!("v{i}")).collect();
        let api = api(crate::model::Platform::Youtube);
        let q = quota(10_000);
        let run = read(
            &api,
            &cfg(&server, YoutubeMethod::Auto),
            &Secret::new(KEY),
            &many,
            &q,
        )
        .await;
        assert_eq!(
            run.warnings[0],
            "YouTube videos:batchGetStats cannot be used (HTTP 404, notFound); using videos.list for the rest of this run"
        );
        assert_eq!(q.used(Endpoint::BatchGetStats), 1);
        assert_eq!(q.used(Endpoint::VideosList), 2);
    }

    #[tokio::test]
    async fn batch_quota_exceeded_falls_back_to_videos_list() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::BatchGetStats,
            403,
            &fixture("youtube/error_quota_exceeded.json"),
        )
        .await;
        mount(
            &server,
            Endpoint::VideosList,
            200,
            &fixture("youtube/videos_list.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, _) = run(&server, YoutubeMethod::Auto, &["vid1"], &q).await;
        assert_eq!(outcome_values(&run, "vid1")[0], (Metric::Views, 8123));
        assert!(
            run.warnings[0].contains("quotaExceeded"),
            "{:?}",
            run.warnings
        );
    }

    #[tokio::test]
    async fn quota_exceeded_on_videos_list_is_a_clear_error() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            403,
            &fixture("youtube/error_quota_exceeded.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(
            failed(&run, "vid1"),
            "YouTube's daily quota for videos.list is used up (quotaExceeded); it resets at \
             midnight Pacific time (2026-11-26 08:00 UTC) — collect less often, or ask for more \
             quota in the Google Cloud console"
        );
    }

    #[tokio::test]
    async fn other_key_answers_name_the_env_var_too() {
        for (status, body, says) in [
            (
                400,
                serde_json::json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                    "errors": [{"reason": "badRequest", "message": "API key not valid. Please pass a valid API key."}]}}),
                "(badRequest: API key not valid. Please pass a valid API key.)",
            ),
            (
                400,
                serde_json::json!({"error": {"code": 400, "message": "API key expired. Please renew the API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_EXPIRED"}]}}),
                "API key expired",
            ),
        ] {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(ResponseTemplate::new(status).set_body_json(body))
                .mount(&server)
                .await;
            let q = quota(10_000);
            let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
            let m = failed(&run, "vid1");
            assert!(
                m.starts_with("YouTube rejected the API key in YOUTUBE_API_KEY (")
                    && m.contains(says),
                "{m}"
            );
            assert!(
                m.contains("put a valid one in .env as YOUTUBE_API_KEY=…"),
                "{m}"
            );
        }
    }

    #[tokio::test]
    async fn bad_keys_old_and_new_style_name_the_env_var() {
        for (file, reason) in [
            ("youtube/error_key_invalid.json", "keyInvalid"),
            ("youtube/error_api_key_invalid.json", "API_KEY_INVALID"),
        ] {
            let server = MockServer::start().await;
            mount(&server, Endpoint::BatchGetStats, 400, &fixture(file)).await;
            let q = quota(10_000);
            let (run, api) = run(&server, YoutubeMethod::Auto, &["vid1"], &q).await;
            assert_eq!(
                failed(&run, "vid1"),
                format!(
                    "YouTube rejected the API key in YOUTUBE_API_KEY ({reason}): create a key in the \
                     Google Cloud console (APIs & Services → Credentials) for a project with the \
                     YouTube Data API v3 enabled, put it in .env as YOUTUBE_API_KEY=…, then run \
                     `viewtally check --online`"
                )
            );
            assert_eq!(
                api.stats.requests(),
                1,
                "a bad key is not retried, nor re-tried on videos.list"
            );
            // nor asked again for the other videos
            let many: Vec<String> = (0..120).map(|i| format!("v{i}")).collect();
            let api = crate::sources::testing::api(crate::model::Platform::Youtube);
            let run = read(
                &api,
                &cfg(&server, YoutubeMethod::Auto),
                &Secret::new(KEY),
                &many,
                &q,
            )
            .await;
            assert_eq!(api.stats.requests(), 1);
            assert!(
                failed(&run, "v119").contains(reason),
                "{}",
                failed(&run, "v119")
            );
        }
    }

    #[tokio::test]
    async fn access_not_configured() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            403,
            &fixture("youtube/error_access_not_configured.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(
            failed(&run, "vid1"),
            "the YouTube Data API v3 is not enabled for the Google Cloud project of the key in \
             YOUTUBE_API_KEY (accessNotConfigured): enable it under APIs & Services → Library"
        );
    }

    #[tokio::test]
    async fn our_own_budget_stops_before_sending() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            200,
            &fixture("youtube/videos_list.json"),
        )
        .await;
        let q = Quota::new(5, now(), |_| 5);
        let (run, api) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(
            failed(&run, "vid1"),
            "the daily budget of 5 units for videos.list ([platforms.youtube] daily_quota) is spent \
             for 2026-11-25 (Pacific time); it resets at 2026-11-26 08:00 UTC — collect less often, \
             or raise daily_quota if your Google Cloud project has more quota"
        );
        assert_eq!(api.stats.requests(), 0);
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_server_error_then_success_is_retried() {
        let server = MockServer::start().await;
        Mock::given(path(Endpoint::VideosList.path()))
            .respond_with(
                ResponseTemplate::new(503)
                    .set_body_raw(fixture("youtube/error_backend.json"), "application/json"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        mount(
            &server,
            Endpoint::VideosList,
            200,
            &fixture("youtube/videos_list.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, api) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(outcome_values(&run, "vid1")[0], (Metric::Views, 8123));
        assert_eq!((api.stats.requests(), api.stats.retries()), (2, 1));
        assert_eq!(
            run.usage,
            vec![("videos.list", q.day, 2)],
            "a retried call costs again"
        );
    }

    #[tokio::test]
    async fn persistent_server_errors_fail_with_the_count() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::VideosList,
            503,
            &fixture("youtube/error_backend.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(
            failed(&run, "vid1"),
            "YouTube videos.list answered HTTP 503 (backendError) (still so after 4 attempts); try again later"
        );
    }

    #[tokio::test]
    async fn malformed_and_unexpected_answers_are_errors_not_zeros() {
        for (body, detail) in [
            (
                "{\"kind\": \"youtube#videoListResponse\", \"items\": [",
                "malformed JSON (EOF while parsing a list at line 1 column 48)",
            ),
            (
                &fixture("youtube/unexpected_shape.json")[..],
                "items[0].statistics.viewCount should be a non-negative whole number, not \"n/a\"",
            ),
            (
                "{\"kind\": \"youtube#videoListResponse\"}",
                "answer.items is missing",
            ),
        ] {
            let server = MockServer::start().await;
            mount(&server, Endpoint::VideosList, 200, body).await;
            let q = quota(10_000);
            let (run, _) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
            let m = failed(&run, "vid1");
            assert!(
                m.starts_with("YouTube answered videos.list in an unexpected shape ("),
                "{m}"
            );
            assert!(m.contains(detail), "{m}");
        }
    }

    #[tokio::test]
    async fn rate_limit_403_is_retried() {
        let server = MockServer::start().await;
        Mock::given(path(Endpoint::VideosList.path()))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_raw(fixture("youtube/error_rate_limit.json"), "application/json"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        mount(
            &server,
            Endpoint::VideosList,
            200,
            &fixture("youtube/videos_list.json"),
        )
        .await;
        let q = quota(10_000);
        let (run, api) = run(&server, YoutubeMethod::VideosList, &["vid1"], &q).await;
        assert_eq!(outcome_values(&run, "vid1")[0], (Metric::Views, 8123));
        assert_eq!(api.stats.retries(), 1);
    }

    #[tokio::test]
    async fn one_hundred_twenty_videos_take_three_requests() {
        let server = MockServer::start().await;
        mount(
            &server,
            Endpoint::BatchGetStats,
            200,
            &fixture("youtube/batch_get_stats.json"),
        )
        .await;
        let many: Vec<String> = (0..120).map(|i| format!("v{i:03}")).collect();
        let api = api(crate::model::Platform::Youtube);
        let q = quota(10_000);
        read(
            &api,
            &cfg(&server, YoutubeMethod::Auto),
            &Secret::new(KEY),
            &many,
            &q,
        )
        .await;
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 3);
        let mut sizes: Vec<usize> = got
            .iter()
            .map(|r| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "id")
                    .map(|(_, v)| v.split(',').count())
                    .unwrap()
            })
            .collect();
        sizes.sort();
        assert_eq!(sizes, vec![20, 50, 50]);
        assert_eq!(q.used(Endpoint::BatchGetStats), 3);
    }
}

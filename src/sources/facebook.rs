//! Facebook Graph API: lifetime `video_insights` of Page videos, many per round trip.
//!
//! Every video becomes a sub-request `{video-id}/video_insights?metric=…` of a Graph **batch**
//! (`POST {api_base}/{version}/`, up to 50 sub-requests, the token in the POST body, never in a
//! URL). Each sub-answer is `{code, headers, body}` with `body` a JSON string, judged on its
//! own: transient ones (codes 1, 2, throttling 4, 17, 32, 613, or `null`) are asked again in a
//! later batch after a backoff; `(#100) The value must be a valid insights metric` drops the
//! retired metric (found by asking each alone) and asks again; 100 otherwise means the video
//! is unknown; 190 is the token, 10 and 200–299 permissions. When `total_video_views` is
//! retired, the video node's `views` field is read instead. Reels keep their plays in
//! `blue_reels_play_count`, asked for alongside `total_video_views`: where a video has no
//! `total_video_views` (absent, no values, or 0 while the reel count is not), the reel count is
//! its views, and the run says so ([`PlatformRun::views_from`]); a #100 on it drops it quietly. `X-App-Usage` and
//! `X-Business-Use-Case-Usage` above 80 % slow the run down; at 100 % it stops asking.

use std::sync::atomic::Ordering;
use std::time::Duration;

use backon::BackoffBuilder;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

use super::answer::{decode, Count};
use super::graph::{
    batch_answers, batch_request, check_scopes, check_version, debug_token, expiry, gave_up,
    retryable, sub_answer, BatchFailure, GraphError, SubAnswer, TokenCheck, UsageWatch, MAX_BATCH,
};
use super::http::{Api, SendError, UNEXPECTED_ANSWER_ADVICE};
use super::platform::{ApiPlatform, Job};
use super::{Outcome, PlatformRun, Probe};
use crate::config::PlatformsConfig;
use crate::config::{check_base, check_env_name, Problem, Secret};
use crate::model::{Metric, Platform};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;

/// Facebook Graph API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacebookConfig {
    /// The environment variable that holds the Page access token.
    #[serde(default = "default_facebook_token_env")]
    pub access_token_env: String,
    #[serde(default = "default_facebook_base")]
    pub api_base: String,
    /// Graph API version, e.g. `v25.0`.
    #[serde(default = "default_facebook_version")]
    pub api_version: String,
    /// `video_insights` metrics to read (lifetime values): `total_video_views` (views),
    /// `total_video_impressions` (impressions), `total_video_impressions_unique` (reach).
    #[serde(default = "default_facebook_metrics")]
    pub metrics: Vec<String>,
    /// Milliseconds to pause before each request once the usage headers pass 80 %.
    #[serde(default = "default_facebook_pause")]
    pub slow_down_ms: u64,
    /// The time zone of the days in Meta Business Suite exports (default
    /// `America/Los_Angeles`: Meta's insights report Pacific-time days).
    pub day_timezone: Option<String>,
}

fn default_facebook_token_env() -> String {
    "FACEBOOK_ACCESS_TOKEN".into()
}
fn default_facebook_base() -> String {
    "https://graph.facebook.com".into()
}
fn default_facebook_version() -> String {
    "v25.0".into()
}
fn default_facebook_metrics() -> Vec<String> {
    vec![
        "total_video_views".into(),
        "total_video_impressions".into(),
        "total_video_impressions_unique".into(),
    ]
}
fn default_facebook_pause() -> u64 {
    5_000
}

/// The `video_insights` metric of a reel's plays: asked for alongside `total_video_views`,
/// read as the views of a video that has no `total_video_views`.
pub const REELS_METRIC: &str = "blue_reels_play_count";

/// The metrics asked for: the configured ones, and [`REELS_METRIC`] when views are among them.
fn asked_metrics(configured: &[String]) -> Vec<String> {
    let mut out = configured.to_vec();
    if out.iter().any(|m| m == "total_video_views") {
        out.push(REELS_METRIC.to_string());
    }
    out
}

/// The `video_insights` metrics viewtally knows, and what they are stored as.
pub const FACEBOOK_METRICS: &[(&str, crate::model::Metric)] = &[
    ("total_video_views", crate::model::Metric::Views),
    ("total_video_impressions", crate::model::Metric::Impressions),
    (
        "total_video_impressions_unique",
        crate::model::Metric::Reach,
    ),
];

impl FacebookConfig {
    /// Check what serde cannot; normalise the API bases (no trailing `/`).
    pub(crate) fn validate(&mut self) -> Result<(), Problem> {
        const S: &str = "[platforms.facebook]";
        check_env_name(S, "access_token_env", &self.access_token_env)?;
        check_base(S, "api_base", &mut self.api_base)?;
        check_version(S, &self.api_version)?;
        if self.metrics.is_empty() {
            return Err((
                S,
                "metrics",
                format!("{S} metrics is empty; list at least \"total_video_views\""),
            ));
        }
        let mut seen = HashSet::new();
        for m in &self.metrics {
            if !FACEBOOK_METRICS.iter().any(|(name, _)| name == m) {
                return Err((
                    S,
                    "metrics",
                    format!(
                        "{S} metrics: unknown metric `{m}`; viewtally reads {}",
                        FACEBOOK_METRICS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if !seen.insert(m) {
                return Err((S, "metrics", format!("{S} metrics lists `{m}` twice")));
            }
        }
        Ok(())
    }
}

/// One question about one video.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    /// `{video}/video_insights?metric=…`
    Insights(Vec<String>),
    /// `{video}?fields=views` (when `total_video_views` is retired)
    Node,
}

#[derive(Debug, Clone)]
struct Sub {
    video: String,
    ask: Ask,
}

impl Sub {
    fn relative_url(&self) -> String {
        match &self.ask {
            Ask::Insights(metrics) => {
                format!("{}/video_insights?metric={}", self.video, metrics.join(","))
            }
            Ask::Node => format!("{}?fields=views", self.video),
        }
    }
}

/// The questions for a video, given the metrics still accepted.
fn asks(video: &str, metrics: &[String]) -> Vec<Sub> {
    let sub = |ask| Sub {
        video: video.to_string(),
        ask,
    };
    let mut out = Vec::new();
    if !metrics.iter().any(|m| m == "total_video_views") {
        out.push(sub(Ask::Node));
    }
    if !metrics.is_empty() {
        out.push(sub(Ask::Insights(metrics.to_vec())));
    }
    out
}

/// What one sub-answer (or a whole failed batch) means.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SubResult {
    /// The values read, and a reel's `blue_reels_play_count` when the answer had one.
    Values(Vec<(Metric, i64)>, Option<i64>),
    /// Ask again later; the message is what to say if the retries run out.
    Retry(String),
    /// `(#100) The value must be a valid insights metric`.
    InvalidMetric(String),
    /// The video is unknown (a warning, not an error).
    Unknown(String),
    Error(String),
}

/// The user-facing meaning of a Graph error.
fn classify(e: &GraphError, token_env: &str, video: Option<&str>) -> SubResult {
    let code = e.code_text();
    let msg = &e.message;
    match e.code {
        190 => {
            let what = match e.subcode {
                Some(463) => "it has expired",
                Some(460) => "it was invalidated because the password changed",
                Some(458) => "the app was removed",
                Some(467) => "it is no longer valid (logged out)",
                _ => "it is not valid",
            };
            SubResult::Error(format!(
                "Facebook rejected the access token in {token_env} ({code}: {what}): get a new Page \
                 access token (Graph API Explorer, or a system-user token that does not expire; see \
                 README, Live collection), put it in .env as {token_env}=…, then run \
                 `viewtally check --online`"
            ))
        }
        10 | 200..=299 => SubResult::Error(format!(
            "{}the token in {token_env} lacks a permission ({code}: {msg}): use a Page access token \
             with pages_read_engagement and read_insights, from someone with the ANALYZE task on \
             the Page{}",
            video
                .map(|v| format!("facebook video {v}: "))
                .unwrap_or_default(),
            if video.is_some() {
                " the video belongs to, or remove the video from [[campaign.video]]"
            } else {
                ""
            }
        )),
        100 if msg.contains("valid insights metric") => SubResult::InvalidMetric(msg.clone()),
        100 => SubResult::Unknown(format!(
            "facebook video {}: Facebook does not know it, or this token cannot see it ({code}: \
             {msg}); check the id in [[campaign.video]] and that the token is the Page's; no reading \
             stored",
            video.unwrap_or("?")
        )),
        1 | 2 => SubResult::Retry(format!(
            "Facebook had a temporary problem ({code}: {msg}); try again later"
        )),
        4 | 17 | 32 | 613 => SubResult::Retry(format!(
            "Facebook rate limit reached ({code}: {msg}); wait an hour before collecting again, or \
             collect less often"
        )),
        _ => SubResult::Error(format!(
            "Facebook error ({code}{}): {msg}{}",
            if e.kind.is_empty() {
                String::new()
            } else {
                format!(", {}", e.kind)
            },
            e.fbtrace_id
                .as_ref()
                .map(|t| format!(" (fbtrace_id {t})"))
                .unwrap_or_default()
        )),
    }
}

/// The video node asked for `views` (absent or `null`: no reading).
#[derive(Deserialize)]
struct NodeAnswer {
    views: Option<Count>,
}

/// An insights answer `{"data": [{"name": …, "values": [{"value": n}]}]}`; a metric's
/// values are read only when viewtally knows the metric.
#[derive(Deserialize)]
struct InsightsAnswer {
    data: Vec<Value>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Series {
    values: Vec<Value>,
}

#[derive(Deserialize)]
struct Valued {
    value: Count,
}

/// The values of one answer, and the reel count (`blue_reels_play_count`) when it has one.
type Parsed = (Vec<(Metric, i64)>, Option<i64>);

/// Read a sub-answer's JSON body for one question.
fn parse_values(ask: &Ask, doc: &Value, path: &str) -> Result<Parsed, String> {
    match ask {
        Ask::Node => {
            let node: NodeAnswer = decode(doc, path)?;
            let values = node
                .views
                .map(|Count(n)| (Metric::Views, n))
                .into_iter()
                .collect();
            Ok((values, None))
        }
        Ask::Insights(_) => {
            let answer: InsightsAnswer = decode(doc, path)?;
            let mut out = Vec::new();
            let mut reel = None;
            for (i, item) in answer.data.iter().enumerate() {
                let p = format!("{path}.data[{i}]");
                let Named { name } = decode(item, &p)?;
                let metric = FACEBOOK_METRICS.iter().find(|(n, _)| *n == name);
                if metric.is_none() && name != REELS_METRIC {
                    continue;
                }
                let Series { values } = decode(item, &p)?;
                // Lifetime metrics carry one value; take the latest if there are more.
                let Some(last) = values.last() else { continue };
                let n = values.len() - 1;
                let Valued { value: Count(v) } = decode(last, &format!("{p}.values[{n}]"))?;
                match metric {
                    Some((_, metric)) => out.push((*metric, v)),
                    None => reel = Some(v),
                }
            }
            Ok((out, reel))
        }
    }
}

struct Reader<'a> {
    api: &'a Api,
    cfg: &'a FacebookConfig,
    token: &'a Secret,
    usage: UsageWatch,
}

/// Answers gathered per video while the questions are asked (and some asked again).
type Results = BTreeMap<String, Vec<SubResult>>;

/// Read the insights of `ids`.
pub async fn read(api: &Api, cfg: &FacebookConfig, token: &Secret, ids: &[String]) -> PlatformRun {
    let reader = Reader {
        api,
        cfg,
        token,
        usage: UsageWatch::new(cfg.slow_down_ms),
    };
    let mut run = PlatformRun::default();
    let mut metrics = asked_metrics(&cfg.metrics);
    let mut results = Results::new();
    let mut pending: Vec<Sub> = ids.iter().flat_map(|v| asks(v, &metrics)).collect();
    let mut delays = api.tuning().backoff().build();
    let mut metric_rounds = 0;
    while !pending.is_empty() {
        let answers = reader.ask(&pending).await;
        let mut retry: Vec<(Sub, String)> = Vec::new();
        let mut invalid: Vec<(Sub, String)> = Vec::new();
        for (sub, answer) in pending.drain(..).zip(answers) {
            match answer {
                SubResult::Retry(why) => retry.push((sub, why)),
                SubResult::InvalidMetric(why) => invalid.push((sub, why)),
                other => results.entry(sub.video).or_default().push(other),
            }
        }
        if !invalid.is_empty() {
            let bad = if metric_rounds < 2 {
                reader.retired_metrics(&invalid[0].0.video, &metrics).await
            } else {
                Vec::new()
            };
            metric_rounds += 1;
            pending.extend(drop_metrics(
                api,
                invalid,
                &bad,
                &mut metrics,
                &mut run,
                &mut results,
            ));
        }
        if !retry.is_empty() {
            match delays.next() {
                Some(wait) => pending.extend(ask_again_after(api, retry, wait).await),
                None => give_up(api, retry, &mut results),
            }
        }
    }
    for w in reader.usage.into_warnings() {
        run.warn(api, w);
    }
    for id in ids {
        let answers = results.remove(id).unwrap_or_default();
        let outcome = outcome(api, id, answers, &mut run);
        run.outcomes.insert(id.clone(), outcome);
    }
    run
}

/// Questions refused for a retired metric (`invalid`, with why): drop the `bad` metrics (each
/// with a warning) and return the questions to ask again, or, when viewtally could not tell
/// which metric is retired, fail them.
fn drop_metrics(
    api: &Api,
    invalid: Vec<(Sub, String)>,
    bad: &[String],
    metrics: &mut Vec<String>,
    run: &mut PlatformRun,
    results: &mut Results,
) -> Vec<Sub> {
    let why = invalid[0].1.clone();
    let mut again = Vec::new();
    // Not valid for this app or Page: reels are read like other videos, as before.
    let (reels, bad): (Vec<String>, Vec<String>) =
        bad.iter().cloned().partition(|m| m == REELS_METRIC);
    let bad = &bad[..];
    if !reels.is_empty() {
        tracing::info!(
            platform = %Platform::Facebook,
            "Facebook does not accept the video_insights metric `{REELS_METRIC}` here ({why}); \
             reading views from total_video_views only"
        );
        metrics.retain(|m| m != REELS_METRIC);
    }
    if bad.is_empty() && reels.is_empty() {
        for (sub, _) in invalid {
            results
                .entry(sub.video)
                .or_default()
                .push(SubResult::Error(format!(
                    "Facebook refuses the video_insights metrics {} ({why}) and viewtally could \
                 not tell which; check [platforms.facebook] metrics",
                    metrics.join(", ")
                )));
        }
        return again;
    }
    for m in bad {
        run.warn(
            api,
            format!(
                "Facebook no longer accepts the video_insights metric `{m}` ({why}); \
                 dropped it for this run — remove it from [platforms.facebook] metrics"
            ),
        );
    }
    metrics.retain(|m| !bad.contains(m));
    // Ask the refused videos again: views from the node once `total_video_views`
    // is gone, the remaining metrics from the insights.
    let views_gone_now = bad.iter().any(|m| m == "total_video_views");
    for (sub, _) in invalid {
        if views_gone_now {
            again.push(Sub {
                video: sub.video.clone(),
                ask: Ask::Node,
            });
        }
        if !metrics.is_empty() {
            again.push(Sub {
                video: sub.video,
                ask: Ask::Insights(metrics.clone()),
            });
        }
    }
    again
}

/// Wait `wait`, counting the batch requests asked again as retries; the questions to ask.
async fn ask_again_after(api: &Api, retry: Vec<(Sub, String)>, wait: Duration) -> Vec<Sub> {
    // one more batch request per 50 questions asked again
    let batches = retry.len().div_ceil(MAX_BATCH) as u64;
    api.stats.retries.fetch_add(batches, Ordering::Relaxed);
    tracing::warn!(
        platform = %Platform::Facebook,
        questions = retry.len(),
        wait_ms = wait.as_millis() as u64,
        "Facebook: asking {} question(s) again after {} ms ({})",
        retry.len(),
        wait.as_millis(),
        api.redactor.clean(&retry[0].1)
    );
    tokio::time::sleep(wait).await;
    retry.into_iter().map(|(s, _)| s).collect()
}

/// The retries ran out: each question fails with why it was asked again.
fn give_up(api: &Api, retry: Vec<(Sub, String)>, results: &mut Results) {
    for (sub, why) in retry {
        results
            .entry(sub.video)
            .or_default()
            .push(SubResult::Error(gave_up(
                &why,
                &format!(" (still so after {} retries)", api.tuning().retries),
            )));
    }
}

/// What the answers about one video come to: its first error, else its first "unknown" (a
/// warning), else the values read (one per metric; a warning when views are absent).
fn outcome(api: &Api, id: &str, answers: Vec<SubResult>, run: &mut PlatformRun) -> Outcome {
    if let Some(SubResult::Error(m)) = answers.iter().find(|a| matches!(a, SubResult::Error(_))) {
        return Outcome::Failed(m.clone());
    }
    if let Some(SubResult::Unknown(m)) = answers.iter().find(|a| matches!(a, SubResult::Unknown(_)))
    {
        run.warn(api, m.clone());
        return Outcome::Missing(m.clone());
    }
    let mut reel = None;
    let mut values: Vec<(Metric, i64)> = Vec::new();
    for a in answers {
        if let SubResult::Values(v, r) = a {
            values.extend(v);
            reel = reel.or(r);
        }
    }
    values.sort();
    values.dedup_by_key(|(m, _)| *m);
    // A reel: no total_video_views (or 0 while it was played), its plays are its views.
    let views = values.iter().position(|(m, _)| *m == Metric::Views);
    let use_reel = match (views.map(|i| values[i].1), reel) {
        (None, Some(_)) => true,
        (Some(0), Some(r)) => r > 0,
        _ => false,
    };
    if let (true, Some(r)) = (use_reel, reel) {
        match views {
            Some(i) => values[i].1 = r,
            None => {
                values.push((Metric::Views, r));
                values.sort();
            }
        }
        tracing::info!(
            platform = %Platform::Facebook,
            video = %id,
            "facebook video {id}: views from {REELS_METRIC} (a reel): {r}"
        );
        run.views_from
            .insert(id.to_string(), REELS_METRIC.to_string());
    }
    if !values.iter().any(|(m, _)| *m == Metric::Views) {
        run.warn(
            api,
            format!("facebook video {id}: Facebook gave no view count; no views reading stored"),
        );
    }
    Outcome::Read(values)
}

impl Reader<'_> {
    /// Ask all questions, in batches of 50 (several batches at once), answers in order.
    async fn ask(&self, subs: &[Sub]) -> Vec<SubResult> {
        let batches: Vec<Vec<SubResult>> =
            join_all(subs.chunks(MAX_BATCH).map(|chunk| self.batch(chunk))).await;
        batches.into_iter().flatten().collect()
    }

    /// Which of `metrics` Facebook refuses, asking each alone for one video.
    async fn retired_metrics(&self, video: &str, metrics: &[String]) -> Vec<String> {
        let subs: Vec<Sub> = metrics
            .iter()
            .map(|m| Sub {
                video: video.to_string(),
                ask: Ask::Insights(vec![m.clone()]),
            })
            .collect();
        let answers = self.ask(&subs).await;
        metrics
            .iter()
            .zip(answers)
            .filter(|(_, a)| matches!(a, SubResult::InvalidMetric(_)))
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// One batch request.
    async fn batch(&self, subs: &[Sub]) -> Vec<SubResult> {
        let all = |r: SubResult| vec![r; subs.len()];
        let urls: Vec<String> = subs.iter().map(Sub::relative_url).collect();
        let request = batch_request(
            self.api,
            &self.cfg.api_base,
            &self.cfg.api_version,
            self.token,
            &urls,
        );
        let what = format!("batch of {}", subs.len());
        // Checked when the request's turn comes: usage may have hit 100 % meanwhile.
        let gate = || self.usage.stopped();
        let reply = match self.api.send(&what, request, &retryable, Some(&gate)).await {
            Ok(r) => r,
            Err(SendError::Refused(why)) => return all(SubResult::Error(why)),
            Err(e) => return all(SubResult::Error(format!("Facebook: {e}"))),
        };
        self.usage.watch(self.api, &reply);
        let env = &self.cfg.access_token_env;
        let answers = match batch_answers(&reply, subs.len()) {
            Ok(a) => a,
            // An error object is an error whatever the status (Graph also sends them with 200).
            Err(BatchFailure::Graph(e)) => {
                return all(match classify(&e, env, None) {
                    // the HTTP layer already retried the whole batch
                    SubResult::Retry(m) => SubResult::Error(gave_up(&m, &reply.gave_up())),
                    // an error about the whole batch (no video named) is an error
                    SubResult::Unknown(_) | SubResult::InvalidMetric(_) => {
                        SubResult::Error(format!(
                            "Facebook refused the batch request ({}: {}); check api_base and \
                             api_version in [platforms.facebook]",
                            e.code_text(),
                            e.message
                        ))
                    }
                    other => other,
                });
            }
            Err(BatchFailure::Status { status, transient }) => {
                return all(SubResult::Error(if transient {
                    format!(
                        "Facebook answered HTTP {status}{}; try again later",
                        reply.gave_up()
                    )
                } else {
                    format!(
                        "Facebook answered HTTP {status} to the batch request; check api_base and \
                         api_version in [platforms.facebook]"
                    )
                }))
            }
            Err(BatchFailure::Shape(detail)) => {
                return all(SubResult::Error(format!(
                    "Facebook answered the batch request in an unexpected shape ({detail}); \
                     nothing from that answer was stored — {UNEXPECTED_ANSWER_ADVICE}"
                )))
            }
        };
        subs.iter()
            .zip(&answers)
            .enumerate()
            .map(|(i, (sub, answer))| self.sub_answer(i, sub, answer))
            .collect()
    }

    /// One element of a batch answer: `{code, headers, body}` or `null`.
    fn sub_answer(&self, i: usize, sub: &Sub, answer: &Value) -> SubResult {
        let path = format!("answer[{i}]");
        let shape_error = |detail: String| {
            SubResult::Error(format!(
                "Facebook answered about video {} in an unexpected shape ({detail}); no reading \
                 stored — {UNEXPECTED_ANSWER_ADVICE}",
                sub.video
            ))
        };
        match sub_answer(i, answer) {
            // Facebook did not get to this one (batch timeout): ask again.
            Ok(SubAnswer::Unanswered) => SubResult::Retry(
                "Facebook left requests of a batch unanswered; try again later".into(),
            ),
            Ok(SubAnswer::Error(e)) => classify(&e, &self.cfg.access_token_env, Some(&sub.video)),
            Ok(SubAnswer::Ok(doc)) => match parse_values(&sub.ask, &doc, &format!("{path}.body")) {
                Ok((v, reel)) => SubResult::Values(v, reel),
                Err(d) => shape_error(d),
            },
            Ok(SubAnswer::Status(code @ (429 | 500..))) => SubResult::Retry(format!(
                "Facebook answered HTTP {code} about video {}; try again later",
                sub.video
            )),
            Ok(SubAnswer::Status(code)) => {
                shape_error(format!("{path}: code {code} without an error object"))
            }
            Err(d) => shape_error(d),
        }
    }
}

/// `check --online`: `debug_token` tells whether the token is valid, whose it is, its
/// permissions and when it (and its data access) expire.
pub async fn probe(api: &Api, cfg: &FacebookConfig, token: &Secret, now: DateTime<Utc>) -> Probe {
    let mut probe = Probe::new(Platform::Facebook);
    let env = &cfg.access_token_env;
    let refusal = |e: &GraphError| match classify(e, env, None) {
        SubResult::Error(m) | SubResult::Retry(m) => Some(m),
        _ => None,
    };
    let check = TokenCheck {
        api_base: &cfg.api_base,
        api_version: &cfg.api_version,
        env,
        new_token: "Page access token",
        refusal: &refusal,
    };
    let data = match debug_token(api, &check, token).await {
        Ok(data) => data,
        Err(m) => return probe.fail(m),
    };
    let kind = data["type"].as_str().unwrap_or("unknown");
    let profile = data["profile_id"]
        .as_str()
        .or_else(|| data["user_id"].as_str())
        .unwrap_or("?");
    let app = data["application"].as_str().unwrap_or("?");
    probe.line(format!(
        "token in {env} is valid: {kind} token of {profile} (app {app})"
    ));
    if kind != "PAGE" {
        probe.line(format!(
            "note: video insights need a PAGE token; this is a {kind} token"
        ));
    }
    check_scopes(
        &mut probe,
        &data,
        &["pages_read_engagement", "read_insights"],
        "video insights",
    );
    let expires = data["expires_at"].as_i64();
    probe.line(format!("expires: {}", expiry(expires, now)));
    if let Some(d) = data["data_access_expires_at"].as_i64() {
        probe.line(format!("data access expires: {}", expiry(Some(d), now)));
    }
    if let Some(t) = expires
        .filter(|s| *s > 0)
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
    {
        if t - now < chrono::Duration::days(7) {
            probe.line(format!(
                "renew it soon: after {} collection from Facebook stops",
                t.format("%Y-%m-%d")
            ));
        }
    }
    probe
}

/// Facebook as an [`ApiPlatform`].
pub struct Facebook;

impl ApiPlatform for Facebook {
    fn platform(&self) -> Platform {
        Platform::Facebook
    }

    fn credential_env(&self, config: &PlatformsConfig) -> Option<String> {
        config.facebook.as_ref().map(|f| f.access_token_env.clone())
    }

    fn id_ok(&self, id: &str) -> bool {
        id.chars().all(|c| c.is_ascii_digit() || c == '_')
    }

    fn id_form(&self) -> &'static str {
        "a Facebook video id (digits, e.g. 1234567890123456)"
    }

    fn config_id_doubt(&self, id: &str) -> Option<String> {
        (crate::model::ids::facebook_id(id).is_none()
            && !id.starts_with("pfbid")
            && !id.starts_with("fb.watch/"))
        .then(|| {
            format!(
                "`{id}` is not a Facebook video id: write the numeric id (e.g. \
                 3112749605483751) or the video's facebook.com URL"
            )
        })
    }

    fn env_example(&self) -> &'static str {
        "# Facebook Page access token (Meta for Developers → Graph API Explorer, or a system user)\n\
         FACEBOOK_ACCESS_TOKEN=\n"
    }

    fn read(
        &self,
        job: Job,
        _store: &dyn Store,
    ) -> Result<BoxFuture<'static, PlatformRun>, StoreError> {
        let Some(cfg) = job.config.facebook.clone() else {
            return Ok(Box::pin(async { PlatformRun::default() }));
        };
        Ok(Box::pin(async move {
            read(&job.api, &cfg, &job.secret, &job.ids).await
        }))
    }

    fn probe(
        &self,
        job: Job,
        _store: &dyn Store,
    ) -> Result<BoxFuture<'static, (Probe, PlatformRun)>, StoreError> {
        let Some(cfg) = job.config.facebook.clone() else {
            return Ok(Box::pin(async {
                (Probe::new(Platform::Facebook), PlatformRun::default())
            }));
        };
        Ok(Box::pin(async move {
            let probe = probe(&job.api, &cfg, &job.secret, job.now).await;
            (probe, PlatformRun::default())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::{api, fixture, form_decode, outcome_values};
    use serde_json::json;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    #[test]
    fn why_viewtally_gave_up_comes_before_the_advice() {
        assert_eq!(
            gave_up(
                "Facebook had a temporary problem (code 2: retry; later); try again later",
                " (still so after 3 attempts)"
            ),
            "Facebook had a temporary problem (code 2: retry; later) (still so after 3 attempts); \
             try again later"
        );
        assert_eq!(gave_up("no advice", " (x)"), "no advice (x)");
    }

    const TOKEN: &str = "EAAGtestPAGEtoken0123456789";

    fn cfg(server: &MockServer) -> FacebookConfig {
        FacebookConfig {
            access_token_env: "FACEBOOK_ACCESS_TOKEN".into(),
            api_base: server.uri(),
            api_version: "v25.0".into(),
            metrics: vec!["total_video_views".into(), "total_video_impressions".into()],
            slow_down_ms: 1,
            day_timezone: None,
        }
    }

    /// `read` of these ids with the test config and token (and the client it used).
    async fn read_ids(server: &MockServer, v: &[&str]) -> (Api, PlatformRun) {
        let api = api(Platform::Facebook);
        let run = read(&api, &cfg(server), &Secret::new(TOKEN), &ids(v)).await;
        (api, run)
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The sub-requests of a received batch.
    fn batch_of(r: &Request) -> Vec<String> {
        let form = form_decode(&r.body);
        let batch = &form.iter().find(|(k, _)| k == "batch").unwrap().1;
        let v: Vec<Value> = serde_json::from_str(batch).unwrap();
        v.iter()
            .map(|s| s["relative_url"].as_str().unwrap().to_string())
            .collect()
    }

    /// Answers each sub-request from a table of relative URL prefixes → (code, body).
    struct Graph(Vec<(&'static str, u16, String)>);

    impl Respond for Graph {
        fn respond(&self, r: &Request) -> ResponseTemplate {
            let answers: Vec<Value> = batch_of(r)
                .iter()
                .map(|url| {
                    match self.0.iter().find(|(prefix, _, _)| url.starts_with(prefix)) {
                        Some((_, code, body)) => json!({"code": code, "headers": [], "body": body}),
                        None => json!({"code": 200, "headers": [], "body": fixture("facebook/video_insights.json")}),
                    }
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(answers)
        }
    }

    async fn graph(server: &MockServer, table: Vec<(&'static str, u16, String)>) {
        Mock::given(method("POST"))
            .and(path("/v25.0/"))
            .respond_with(Graph(table))
            .mount(server)
            .await;
    }

    fn failed(run: &PlatformRun, id: &str) -> String {
        match &run.outcomes[id] {
            Outcome::Failed(m) => m.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_batch_mixing_success_and_errors() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![
                ("222/", 400, fixture("facebook/error_unknown_video.json")),
                ("333/", 400, fixture("facebook/error_permission.json")),
                ("444/", 200, fixture("facebook/video_insights_empty.json")),
            ],
        )
        .await;
        let (api, run) = read_ids(&server, &["111", "222", "333", "444"]).await;
        assert_eq!(
            outcome_values(&run, "111"),
            vec![(Metric::Views, 6850), (Metric::Impressions, 21034)]
        );
        assert_eq!(
            run.outcomes["222"],
            Outcome::Missing(
                "facebook video 222: Facebook does not know it, or this token cannot see it (code \
                 100, subcode 33: Unsupported get request. Object with ID '222' does not exist, \
                 cannot be loaded due to missing permissions, or does not support this operation); \
                 check the id in [[campaign.video]] and that the token is the Page's; no reading stored"
                    .into()
            )
        );
        assert_eq!(
            failed(&run, "333"),
            "facebook video 333: the token in FACEBOOK_ACCESS_TOKEN lacks a permission (code 10: \
             (#10) Application does not have permission for this action): use a Page access token \
             with pages_read_engagement and read_insights, from someone with the ANALYZE task on the \
             Page the video belongs to, or remove the video from [[campaign.video]]"
        );
        assert_eq!(outcome_values(&run, "444"), vec![]);
        assert!(run.warnings.contains(
            &"facebook video 444: Facebook gave no view count; no views reading stored".to_string()
        ));
        assert_eq!(api.stats.requests(), 1);
        // the token went in the POST body, not in the URL
        let got = server.received_requests().await.unwrap();
        assert_eq!(got[0].url.query(), None);
        assert!(String::from_utf8_lossy(&got[0].body).contains(&format!("access_token={TOKEN}")));
        assert_eq!(
            batch_of(&got[0])[0],
            "111/video_insights?metric=total_video_views,total_video_impressions,blue_reels_play_count"
        );
    }

    #[tokio::test]
    async fn expired_and_password_changed_tokens_say_how_to_renew() {
        for (file, what) in [
            (
                "facebook/error_token_expired.json",
                "code 190, subcode 463: it has expired",
            ),
            (
                "facebook/error_password_changed.json",
                "code 190, subcode 460: it was invalidated because the password changed",
            ),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(400).set_body_raw(fixture(file), "application/json"),
                )
                .mount(&server)
                .await;
            let (api, run) = read_ids(&server, &["111", "222"]).await;
            assert_eq!(
                failed(&run, "222"),
                format!(
                    "Facebook rejected the access token in FACEBOOK_ACCESS_TOKEN ({what}): get a new \
                     Page access token (Graph API Explorer, or a system-user token that does not \
                     expire; see README, Live collection), put it in .env as FACEBOOK_ACCESS_TOKEN=…, \
                     then run `viewtally check --online`"
                )
            );
            assert_eq!(api.stats.requests(), 1, "a bad token is not retried");
        }
    }

    #[tokio::test]
    async fn throttled_sub_requests_are_asked_again() {
        let server = MockServer::start().await;
        // First batch: video 222 is throttled; second batch answers normally.
        Mock::given(method("POST"))
            .respond_with(Graph(vec![(
                "222/",
                400,
                fixture("facebook/error_rate_limited.json"),
            )]))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        graph(&server, vec![]).await;
        let (api, run) = read_ids(&server, &["111", "222"]).await;
        assert_eq!(outcome_values(&run, "222")[0], (Metric::Views, 6850));
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            batch_of(&got[1]).len(),
            1,
            "only the throttled one is asked again"
        );
        assert_eq!(api.stats.retries(), 1);
    }

    #[tokio::test]
    async fn transient_errors_and_server_errors_in_a_batch_are_asked_again() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(Graph(vec![
                ("222/", 500, fixture("facebook/error_transient.json")),
                ("333/", 503, "{}".into()),
            ]))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        graph(&server, vec![]).await;
        let (_, run) = read_ids(&server, &["111", "222", "333"]).await;
        for id in ["111", "222", "333"] {
            assert_eq!(outcome_values(&run, id)[0], (Metric::Views, 6850));
        }
        let got = server.received_requests().await.unwrap();
        assert_eq!(batch_of(&got[1]).len(), 2);
    }

    #[tokio::test]
    async fn persistent_throttling_is_reported() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![("111/", 400, fixture("facebook/error_rate_limited.json"))],
        )
        .await;
        let api = api(Platform::Facebook);
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &ids(&["111"])).await;
        assert_eq!(
            failed(&run, "111"),
            "Facebook rate limit reached (code 17, subcode 2446079: (#17) User request limit \
             reached) (still so after 3 retries); wait an hour before collecting again, or collect \
             less often"
        );
        assert_eq!(api.stats.requests(), 4);
    }

    #[tokio::test]
    async fn a_throttled_batch_request_is_retried_by_the_http_layer() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(403).set_body_raw(
                fixture("facebook/error_app_rate_limited.json"),
                "application/json",
            ))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        graph(&server, vec![]).await;
        let api = api(Platform::Facebook);
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &ids(&["111"])).await;
        assert_eq!(outcome_values(&run, "111")[0], (Metric::Views, 6850));
        assert_eq!((api.stats.requests(), api.stats.retries()), (2, 1));
    }

    #[tokio::test]
    async fn a_retired_metric_is_dropped_and_the_rest_read() {
        let server = MockServer::start().await;
        let invalid = fixture("facebook/error_invalid_metric.json");
        // Any question naming total_video_impressions is refused.
        struct Picky(String);
        impl Respond for Picky {
            fn respond(&self, r: &Request) -> ResponseTemplate {
                let answers: Vec<Value> = batch_of(r)
                    .iter()
                    .map(|url| {
                        if url.contains("total_video_impressions") {
                            json!({"code": 400, "headers": [], "body": self.0})
                        } else {
                            json!({"code": 200, "headers": [], "body": fixture("facebook/video_insights_views_only.json")})
                        }
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(answers)
            }
        }
        Mock::given(method("POST"))
            .respond_with(Picky(invalid))
            .mount(&server)
            .await;
        let (_, run) = read_ids(&server, &["111", "222"]).await;
        assert_eq!(outcome_values(&run, "111"), vec![(Metric::Views, 6850)]);
        assert_eq!(outcome_values(&run, "222"), vec![(Metric::Views, 6850)]);
        assert_eq!(
            run.warnings[0],
            "Facebook no longer accepts the video_insights metric `total_video_impressions` ((#100) \
             The value must be a valid insights metric); dropped it for this run — remove it from \
             [platforms.facebook] metrics"
        );
        // all, then each metric alone for one video, then the two again
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            batch_of(&got[2]),
            vec![
                "111/video_insights?metric=total_video_views,blue_reels_play_count",
                "222/video_insights?metric=total_video_views,blue_reels_play_count"
            ]
        );
    }

    #[tokio::test]
    async fn a_reel_without_total_video_views_reads_its_plays_and_says_so() {
        let server = MockServer::start().await;
        let zero = r#"{"data": [
            {"name": "total_video_views", "period": "lifetime", "values": [{"value": 0}]},
            {"name": "blue_reels_play_count", "period": "lifetime", "values": [{"value": 912}]}
        ]}"#;
        let none = r#"{"data": [
            {"name": "blue_reels_play_count", "period": "lifetime", "values": [{"value": 77}]}
        ]}"#;
        graph(
            &server,
            vec![
                ("555/", 200, fixture("facebook/video_insights_reel.json")),
                ("666/", 200, zero.into()),
                ("777/", 200, none.into()),
            ],
        )
        .await;
        let (_, run) = read_ids(&server, &["111", "555", "666", "777"]).await;
        assert_eq!(outcome_values(&run, "555"), vec![(Metric::Views, 48213)]);
        assert_eq!(outcome_values(&run, "666"), vec![(Metric::Views, 912)]);
        assert_eq!(outcome_values(&run, "777"), vec![(Metric::Views, 77)]);
        // a normal video: total_video_views, as before
        assert_eq!(
            outcome_values(&run, "111"),
            vec![(Metric::Views, 6850), (Metric::Impressions, 21034)]
        );
        let from: Vec<(&str, &str)> = run
            .views_from
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            from,
            vec![
                ("555", REELS_METRIC),
                ("666", REELS_METRIC),
                ("777", REELS_METRIC)
            ]
        );
        assert!(run.warnings.is_empty(), "{:?}", run.warnings);
    }

    #[tokio::test]
    async fn a_refused_reels_metric_is_dropped_quietly_and_views_still_read() {
        let server = MockServer::start().await;
        struct NoReels;
        impl Respond for NoReels {
            fn respond(&self, r: &Request) -> ResponseTemplate {
                let answers: Vec<Value> = batch_of(r)
                    .iter()
                    .map(|url| {
                        if url.contains(REELS_METRIC) {
                            json!({"code": 400, "headers": [], "body": fixture("facebook/error_invalid_metric.json")})
                        } else {
                            json!({"code": 200, "headers": [], "body": fixture("facebook/video_insights.json")})
                        }
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(answers)
            }
        }
        Mock::given(method("POST"))
            .respond_with(NoReels)
            .mount(&server)
            .await;
        let (_, run) = read_ids(&server, &["111", "222"]).await;
        for id in ["111", "222"] {
            assert_eq!(
                outcome_values(&run, id),
                vec![(Metric::Views, 6850), (Metric::Impressions, 21034)]
            );
        }
        assert!(run.views_from.is_empty());
        // not the user's metric: nothing to remove from the config, so no warning
        assert!(run.warnings.is_empty(), "{:?}", run.warnings);
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            batch_of(&got[2]),
            vec![
                "111/video_insights?metric=total_video_views,total_video_impressions",
                "222/video_insights?metric=total_video_views,total_video_impressions"
            ]
        );
    }

    #[tokio::test]
    async fn a_retired_views_metric_falls_back_to_the_video_node() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![
                (
                    "111/video_insights",
                    400,
                    fixture("facebook/error_invalid_metric.json"),
                ),
                ("111?fields=views", 200, fixture("facebook/video_node.json")),
            ],
        )
        .await;
        let mut c = cfg(&server);
        c.metrics = vec!["total_video_views".into()];
        let api = api(Platform::Facebook);
        let run = read(&api, &c, &Secret::new(TOKEN), &ids(&["111"])).await;
        assert_eq!(outcome_values(&run, "111"), vec![(Metric::Views, 7012)]);
    }

    #[tokio::test]
    async fn malformed_answers_are_errors() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![
                ("111/", 200, "{\"data\": [".into()),
                (
                    "222/",
                    200,
                    fixture("facebook/video_insights_bad_value.json"),
                ),
            ],
        )
        .await;
        let (api, run) = read_ids(&server, &["111", "222"]).await;
        assert!(
            failed(&run, "111").starts_with("Facebook answered about video 111 in an unexpected shape (answer[0].body is malformed JSON ("),
            "{}",
            failed(&run, "111")
        );
        assert_eq!(
            failed(&run, "222"),
            "Facebook answered about video 222 in an unexpected shape (answer[1].body.data[0].values[0].value \
             should be a non-negative whole number, not an object); no reading stored — try again \
             later; if it keeps happening, check api_base and any proxy in between, or update \
             viewtally (the API may have changed)"
        );

        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
            .mount(&server)
            .await;
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &ids(&["111"])).await;
        assert!(
            failed(&run, "111").starts_with(
                "Facebook answered the batch request in an unexpected shape (malformed JSON"
            ),
            "{}",
            failed(&run, "111")
        );
    }

    #[tokio::test]
    async fn unanswered_sub_requests_are_asked_again() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("facebook/batch_with_null.json"), "application/json"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        graph(&server, vec![]).await;
        let (_, run) = read_ids(&server, &["111", "222"]).await;
        assert_eq!(outcome_values(&run, "111")[0], (Metric::Views, 6850));
        assert_eq!(outcome_values(&run, "222")[0], (Metric::Views, 6850));
        let got = server.received_requests().await.unwrap();
        assert_eq!(
            batch_of(&got[1]),
            vec!["222/video_insights?metric=total_video_views,total_video_impressions,blue_reels_play_count"]
        );
    }

    /// A Graph responder that also sends a usage header.
    struct WithUsage(Graph, &'static str, &'static str);

    impl Respond for WithUsage {
        fn respond(&self, r: &Request) -> ResponseTemplate {
            self.0.respond(r).insert_header(self.1, self.2)
        }
    }

    #[tokio::test]
    async fn high_usage_slows_down() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(WithUsage(
                Graph(vec![]),
                "X-App-Usage",
                r#"{"call_count":85,"total_cputime":20,"total_time":30}"#,
            ))
            .mount(&server)
            .await;
        let api = api(Platform::Facebook);
        let many: Vec<String> = (0..60).map(|i| format!("{}", 1000 + i)).collect();
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &many).await;
        assert_eq!(
            run.warnings,
            vec!["Facebook usage is at 85 % of the rate limit (X-App-Usage); slowing down (1 ms between requests)"]
        );
        assert!(run.outcomes.values().all(|o| matches!(o, Outcome::Read(_))));
    }

    #[tokio::test]
    async fn full_usage_stops_asking() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(WithUsage(
                Graph(vec![]),
                "X-Business-Use-Case-Usage",
                r#"{"1234567890":[{"type":"pages","call_count":100,"total_cputime":30,"total_time":40,"estimated_time_to_regain_access":12}]}"#,
            ))
            .mount(&server)
            .await;
        // one batch at a time, so the second is not sent once the first reports 100 %
        let base = api(Platform::Facebook);
        let mut t = base.tuning().clone();
        t.concurrency = 1;
        let api = Api::new(
            Platform::Facebook,
            base.client().clone(),
            t,
            base.redactor.clone(),
        );
        let many: Vec<String> = (0..100).map(|i| format!("{}", 1000 + i)).collect();
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &many).await;
        assert_eq!(api.stats.requests(), 1);
        assert_eq!(outcome_values(&run, "1000")[0], (Metric::Views, 6850));
        assert_eq!(
            failed(&run, "1099"),
            "Facebook usage is at 100 % of the rate limit (X-Business-Use-Case-Usage); viewtally \
             stopped asking to avoid being blocked — try again in about 12 minutes"
        );
    }

    #[tokio::test]
    async fn one_hundred_twenty_videos_take_three_batches() {
        let server = MockServer::start().await;
        graph(&server, vec![]).await;
        let api = api(Platform::Facebook);
        let many: Vec<String> = (0..120).map(|i| format!("{}", 10_000 + i)).collect();
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &many).await;
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 3);
        let mut sizes: Vec<usize> = got.iter().map(|r| batch_of(r).len()).collect();
        sizes.sort();
        assert_eq!(sizes, vec![20, 50, 50]);
        assert_eq!(run.outcomes.len(), 120);
        assert!(run.outcomes.values().all(|o| matches!(o, Outcome::Read(_))));
    }

    #[tokio::test]
    async fn debug_token_shows_what_the_token_can_do_and_when_it_expires() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v25.0/debug_token"))
            .and(query_param("input_token", TOKEN))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("facebook/debug_token.json"), "application/json"),
            )
            .mount(&server)
            .await;
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = probe(
            &api(Platform::Facebook),
            &cfg(&server),
            &Secret::new(TOKEN),
            now,
        )
        .await;
        assert!(p.ok, "{:?}", p.lines);
        assert_eq!(
            p.lines,
            vec![
                "token in FACEBOOK_ACCESS_TOKEN is valid: PAGE token of 1234567890 (app viewtally-collector)",
                "permissions: pages_show_list, pages_read_engagement, read_insights",
                "expires: never",
                "data access expires: 2027-02-23 12:00 UTC (in 90 days)",
            ]
        );
    }
}

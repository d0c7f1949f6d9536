//! Instagram (Graph API, same host and versions as Facebook): the lifetime `views` of media.
//!
//! Every media id becomes a sub-request `{ig-media-id}/insights?metric=views` of a Graph batch
//! ([`super::graph`]; `views` replaced `plays` and `video_views` in 2025). Transient answers
//! (codes 1, 2, throttling 4, 17, 32, 613, or `null`) are asked again in a later batch after a
//! backoff; 100 means the media is unknown (a warning), `(#10) Not enough viewers` that it has
//! no insights yet (a warning), 190 is the token, 10 and 200–299 permissions. Usage headers
//! above 80 % slow the run down; at 100 % it stops asking. A video is configured by its media
//! id (digits) or by its reel or post URL, whose media id is looked up once on the account of
//! `user_id` ([`media`]); readings are stored under the media id.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use backon::BackoffBuilder;
use chrono::{DateTime, Utc};
use futures_util::future::{join_all, BoxFuture};
use serde::Deserialize;
use serde_json::Value;

mod media;

use super::answer::{decode, Count};
use super::graph::{
    batch_answers, batch_request, check_scopes, check_version, debug_token, expiry, gave_up,
    retryable, sub_answer, BatchFailure, GraphError, SubAnswer, TokenCheck, UsageWatch, MAX_BATCH,
};
use super::http::{Api, SendError, UNEXPECTED_ANSWER_ADVICE};
use super::platform::{ApiPlatform, Job};
use super::{Outcome, PlatformRun, Probe};
use crate::config::{check_base, check_env_name, PlatformsConfig, Problem, Secret};
use crate::model::ids::{instagram_shortcode, is_instagram};
use crate::model::{Metric, Platform};
use crate::store::{Store, StoreError};

/// Instagram Graph API (`[platforms.instagram]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstagramConfig {
    /// The environment variable that holds the access token (instagram_basic and
    /// instagram_manage_insights).
    #[serde(default = "default_instagram_token_env")]
    pub access_token_env: String,
    /// Scheme + host (+ port): the Facebook Graph host.
    #[serde(default = "default_instagram_base")]
    pub api_base: String,
    /// Graph API version, e.g. `v25.0`.
    #[serde(default = "default_instagram_version")]
    pub api_version: String,
    /// Milliseconds to pause before each request once the usage headers pass 80 %.
    #[serde(default = "default_instagram_pause")]
    pub slow_down_ms: u64,
    /// The numeric id of the Instagram account (ig-user-id) whose media a reel or post URL in
    /// `[[campaign.video]] id` is looked up in; only needed for such URLs.
    pub user_id: Option<String>,
    /// The time zone of the days in Instagram exports (default: `[platforms.facebook]
    /// day_timezone`, else `America/Los_Angeles`: Meta's insights report Pacific-time days).
    pub day_timezone: Option<String>,
}

fn default_instagram_token_env() -> String {
    "INSTAGRAM_ACCESS_TOKEN".into()
}
fn default_instagram_base() -> String {
    "https://graph.facebook.com".into()
}
fn default_instagram_version() -> String {
    "v25.0".into()
}
fn default_instagram_pause() -> u64 {
    5_000
}

impl InstagramConfig {
    /// Check what serde cannot; normalise the API base (no trailing `/`).
    pub(crate) fn validate(&mut self) -> Result<(), Problem> {
        const S: &str = "[platforms.instagram]";
        check_env_name(S, "access_token_env", &self.access_token_env)?;
        check_base(S, "api_base", &mut self.api_base)?;
        check_version(S, &self.api_version)?;
        match self.user_id.as_deref() {
            Some(id) if !media::is_media_id(id) => Err((
                S,
                "user_id",
                format!(
                    "{S} user_id `{id}` is not an Instagram account id: write the numeric \
                     ig-user-id, e.g. \"17841400000000000\" (Graph API Explorer: \
                     me/accounts?fields=instagram_business_account)"
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// What one sub-answer (or a whole failed batch) means for one media.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// The views (absent when Instagram gave none).
    Views(Option<i64>),
    /// Ask again later; the message is what to say if the retries run out.
    Retry(String),
    /// Unknown media, or no insights for it (a warning, not an error).
    Missing(String),
    Error(String),
}

/// The user-facing meaning of a Graph error.
fn classify(e: &GraphError, token_env: &str, media: Option<&str>) -> Answer {
    let code = e.code_text();
    let msg = &e.message;
    let about = media
        .map(|m| format!("instagram media {m}: "))
        .unwrap_or_default();
    match e.code {
        190 => Answer::Error(format!(
            "Instagram rejected the access token in {token_env} ({code}: {}): get a new access token \
             with instagram_basic and instagram_manage_insights (see README, Live collection), put \
             it in .env as {token_env}=…, then run `viewtally check --online`",
            match e.subcode {
                Some(463) => "it has expired",
                Some(460) => "it was invalidated because the password changed",
                _ => "it is not valid",
            }
        )),
        10 if msg.contains("Not enough viewers") => Answer::Missing(format!(
            "{about}Instagram shows no insights for it yet ({code}: {msg}); no reading stored"
        )),
        10 | 200..=299 => Answer::Error(format!(
            "{about}the token in {token_env} lacks a permission ({code}: {msg}): use a token with \
             instagram_basic and instagram_manage_insights of the Instagram professional account{}",
            if media.is_some() {
                " that posted the media, or remove the media from [[campaign.video]]"
            } else {
                ""
            }
        )),
        100 => Answer::Missing(format!(
            "{about}Instagram does not know it, or this token cannot see it ({code}: {msg}); check \
             the media id in [[campaign.video]] and that the token is the account's; no reading \
             stored"
        )),
        1 | 2 => Answer::Retry(format!(
            "Instagram had a temporary problem ({code}: {msg}); try again later"
        )),
        4 | 17 | 32 | 613 => Answer::Retry(format!(
            "Instagram rate limit reached ({code}: {msg}); wait an hour before collecting again, \
             or collect less often"
        )),
        _ => Answer::Error(format!(
            "Instagram error ({code}{}): {msg}{}",
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

/// An insights answer; its items are read up to the first named `views`.
#[derive(Deserialize)]
struct InsightsAnswer {
    data: Vec<Value>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

/// Newer answers carry `total_value: {value: n}`.
#[derive(Deserialize)]
struct Total {
    total_value: Option<Valued>,
}

#[derive(Deserialize)]
struct Series {
    values: Vec<Value>,
}

#[derive(Deserialize)]
struct Valued {
    value: Count,
}

/// The `views` of an insights answer `{"data": [{"name": "views", "values": [{"value": n}]}]}`
/// (newer answers may carry `total_value: {value: n}` instead); `None` when the data is empty.
fn parse_views(doc: &Value, path: &str) -> Result<Option<i64>, String> {
    let answer: InsightsAnswer = decode(doc, path)?;
    for (i, item) in answer.data.iter().enumerate() {
        let p = format!("{path}.data[{i}]");
        let Named { name } = decode(item, &p)?;
        if name != "views" {
            continue;
        }
        if let Total {
            total_value: Some(Valued { value: Count(n) }),
        } = decode(item, &p)?
        {
            return Ok(Some(n));
        }
        let Series { values } = decode(item, &p)?;
        // A lifetime metric carries one value; take the latest if there are more.
        let Some(last) = values.last() else {
            return Ok(None);
        };
        let n = values.len() - 1;
        let Valued { value: Count(v) } = decode(last, &format!("{p}.values[{n}]"))?;
        return Ok(Some(v));
    }
    Ok(None)
}

struct Reader<'a> {
    api: &'a Api,
    cfg: &'a InstagramConfig,
    token: &'a Secret,
    usage: UsageWatch,
}

/// Read the views of the media `ids`.
pub async fn read(api: &Api, cfg: &InstagramConfig, token: &Secret, ids: &[String]) -> PlatformRun {
    let reader = Reader {
        api,
        cfg,
        token,
        usage: UsageWatch::new(cfg.slow_down_ms),
    };
    let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
    let mut pending: Vec<String> = ids.to_vec();
    let mut delays = api.tuning().backoff().build();
    while !pending.is_empty() {
        let batches = join_all(pending.chunks(MAX_BATCH).map(|c| reader.batch(c))).await;
        let mut retry: Vec<(String, String)> = Vec::new();
        for (id, answer) in pending.drain(..).zip(batches.into_iter().flatten()) {
            match answer {
                Answer::Retry(why) => retry.push((id, why)),
                other => {
                    answers.insert(id, other);
                }
            }
        }
        if retry.is_empty() {
            break;
        }
        match delays.next() {
            Some(wait) => {
                // one more batch request per 50 questions asked again
                let batches = retry.len().div_ceil(MAX_BATCH) as u64;
                api.stats.retries.fetch_add(batches, Ordering::Relaxed);
                tracing::warn!(
                    platform = %Platform::Instagram,
                    questions = retry.len(),
                    wait_ms = wait.as_millis() as u64,
                    "Instagram: asking {} question(s) again after {} ms ({})",
                    retry.len(),
                    wait.as_millis(),
                    api.redactor.clean(&retry[0].1)
                );
                tokio::time::sleep(wait).await;
                pending.extend(retry.into_iter().map(|(id, _)| id));
            }
            None => {
                let why = format!(" (still so after {} retries)", api.tuning().retries);
                for (id, message) in retry {
                    answers.insert(id, Answer::Error(gave_up(&message, &why)));
                }
            }
        }
    }
    let mut run = PlatformRun::default();
    for w in reader.usage.into_warnings() {
        run.warn(api, w);
    }
    for id in ids {
        let outcome = match answers.remove(id) {
            Some(Answer::Views(Some(views))) => Outcome::Read(vec![(Metric::Views, views)]),
            Some(Answer::Views(None)) => {
                run.warn(
                    api,
                    format!(
                        "instagram media {id}: Instagram gave no view count (its insights are \
                         empty); no views reading stored"
                    ),
                );
                Outcome::Read(Vec::new())
            }
            Some(Answer::Missing(m)) => {
                run.warn(api, m.clone());
                Outcome::Missing(m)
            }
            Some(Answer::Error(m)) | Some(Answer::Retry(m)) => Outcome::Failed(m),
            None => continue,
        };
        run.outcomes.insert(id.clone(), outcome);
    }
    run
}

impl Reader<'_> {
    /// One batch request for `ids`, answers in order.
    async fn batch(&self, ids: &[String]) -> Vec<Answer> {
        let all = |a: Answer| vec![a; ids.len()];
        let urls: Vec<String> = ids
            .iter()
            .map(|id| format!("{id}/insights?metric=views"))
            .collect();
        let request = batch_request(
            self.api,
            &self.cfg.api_base,
            &self.cfg.api_version,
            self.token,
            &urls,
        );
        let what = format!("batch of {}", ids.len());
        // Checked when the request's turn comes: usage may have hit 100 % meanwhile.
        let gate = || self.usage.stopped();
        let reply = match self.api.send(&what, request, &retryable, Some(&gate)).await {
            Ok(r) => r,
            Err(SendError::Refused(why)) => return all(Answer::Error(why)),
            Err(e) => return all(Answer::Error(format!("Instagram: {e}"))),
        };
        self.usage.watch(self.api, &reply);
        let env = &self.cfg.access_token_env;
        let answers = match batch_answers(&reply, ids.len()) {
            Ok(a) => a,
            Err(BatchFailure::Graph(e)) => {
                return all(match classify(&e, env, None) {
                    // the HTTP layer already retried the whole batch
                    Answer::Retry(m) => Answer::Error(gave_up(&m, &reply.gave_up())),
                    // an error about the whole batch (no media named) is an error
                    Answer::Missing(_) => Answer::Error(format!(
                        "Instagram refused the batch request ({}: {}); check api_base and \
                         api_version in [platforms.instagram]",
                        e.code_text(),
                        e.message
                    )),
                    other => other,
                });
            }
            Err(BatchFailure::Status { status, transient }) => {
                return all(Answer::Error(if transient {
                    format!(
                        "Instagram answered HTTP {status}{}; try again later",
                        reply.gave_up()
                    )
                } else {
                    format!(
                        "Instagram answered HTTP {status} to the batch request; check api_base \
                         and api_version in [platforms.instagram]"
                    )
                }))
            }
            Err(BatchFailure::Shape(detail)) => {
                return all(Answer::Error(format!(
                    "Instagram answered the batch request in an unexpected shape ({detail}); \
                     nothing from that answer was stored — {UNEXPECTED_ANSWER_ADVICE}"
                )))
            }
        };
        ids.iter()
            .zip(&answers)
            .enumerate()
            .map(|(i, (id, answer))| self.sub_answer(i, id, answer))
            .collect()
    }

    /// One element of a batch answer.
    fn sub_answer(&self, i: usize, id: &str, answer: &Value) -> Answer {
        let shape_error = |detail: String| {
            Answer::Error(format!(
                "Instagram answered about media {id} in an unexpected shape ({detail}); no \
                 reading stored — {UNEXPECTED_ANSWER_ADVICE}"
            ))
        };
        match sub_answer(i, answer) {
            Ok(SubAnswer::Unanswered) => Answer::Retry(
                "Instagram left requests of a batch unanswered; try again later".into(),
            ),
            Ok(SubAnswer::Error(e)) => classify(&e, &self.cfg.access_token_env, Some(id)),
            Ok(SubAnswer::Ok(doc)) => match parse_views(&doc, &format!("answer[{i}].body")) {
                Ok(v) => Answer::Views(v),
                Err(d) => shape_error(d),
            },
            Ok(SubAnswer::Status(code @ (429 | 500..))) => Answer::Retry(format!(
                "Instagram answered HTTP {code} about media {id}; try again later"
            )),
            Ok(SubAnswer::Status(code)) => {
                shape_error(format!("answer[{i}]: code {code} without an error object"))
            }
            Err(d) => shape_error(d),
        }
    }
}

/// `check --online`: `debug_token` tells whether the token is valid, its permissions and when
/// it expires.
pub async fn probe(api: &Api, cfg: &InstagramConfig, token: &Secret, now: DateTime<Utc>) -> Probe {
    let mut probe = Probe::new(Platform::Instagram);
    let env = &cfg.access_token_env;
    let refusal = |e: &GraphError| match classify(e, env, None) {
        Answer::Error(m) | Answer::Retry(m) => Some(m),
        _ => None,
    };
    let check = TokenCheck {
        api_base: &cfg.api_base,
        api_version: &cfg.api_version,
        env,
        new_token: "access token",
        refusal: &refusal,
    };
    let data = match debug_token(api, &check, token).await {
        Ok(data) => data,
        Err(m) => return probe.fail(m),
    };
    let kind = data["type"].as_str().unwrap_or("unknown");
    let app = data["application"].as_str().unwrap_or("?");
    probe.line(format!("token in {env} is valid: {kind} token (app {app})"));
    check_scopes(
        &mut probe,
        &data,
        &["instagram_basic", "instagram_manage_insights"],
        "media insights",
    );
    probe.line(format!(
        "expires: {}",
        expiry(data["expires_at"].as_i64(), now)
    ));
    probe
}

/// Instagram as an [`ApiPlatform`].
pub struct Instagram;

impl ApiPlatform for Instagram {
    fn platform(&self) -> Platform {
        Platform::Instagram
    }

    fn credential_env(&self, config: &PlatformsConfig) -> Option<String> {
        config
            .instagram
            .as_ref()
            .map(|c| c.access_token_env.clone())
    }

    fn id_ok(&self, id: &str) -> bool {
        media::is_media_id(id) || instagram_shortcode(id).is_some()
    }

    fn id_form(&self) -> &'static str {
        "an Instagram media id (digits, e.g. 17895695668004550) or a reel or post URL \
         (https://www.instagram.com/reel/{shortcode}/)"
    }

    fn config_id_doubt(&self, id: &str) -> Option<String> {
        if self.id_ok(id) {
            return None;
        }
        Some(if is_instagram(id) {
            format!(
                "`{id}` is an Instagram URL but not of a reel or post: give the reel or post URL \
                 (https://www.instagram.com/reel/{{shortcode}}/) or the media id (digits)"
            )
        } else {
            format!(
                "`{id}` is not an Instagram media id: write the numeric media id (e.g. \
                 17895695668004550) or the reel or post URL"
            )
        })
    }

    fn env_example(&self) -> &'static str {
        "# Instagram access token with instagram_basic and instagram_manage_insights (Meta for\n\
         # Developers → Graph API Explorer, the Page linked to the Instagram professional account)\n\
         INSTAGRAM_ACCESS_TOKEN=\n"
    }

    fn read(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, PlatformRun>, StoreError> {
        let Some(cfg) = job.config.instagram.clone() else {
            return Ok(Box::pin(async { PlatformRun::default() }));
        };
        // Reel and post URLs: their media ids as the store remembers them, or looked up.
        let mut plan = media::Plan::new(&job.ids, store)?;
        Ok(Box::pin(async move {
            let mut run = PlatformRun::default();
            media::resolve(&job.api, &cfg, &job.secret, &mut plan, &mut run).await;
            let read = read(&job.api, &cfg, &job.secret, &plan.media()).await;
            media::by_configured_id(&plan, read, &mut run);
            run
        }))
    }

    fn probe(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, (Probe, PlatformRun)>, StoreError> {
        let Some(cfg) = job.config.instagram.clone() else {
            return Ok(Box::pin(async {
                (Probe::new(Platform::Instagram), PlatformRun::default())
            }));
        };
        let plan = media::Plan::new(&job.ids, store)?;
        Ok(Box::pin(async move {
            let mut probe = probe(&job.api, &cfg, &job.secret, job.now).await;
            let run = if probe.ok {
                media::check(&job.api, &cfg, &job.secret, plan, &mut probe).await
            } else {
                PlatformRun::default()
            };
            (probe, run)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::{api, fixture, form_decode, outcome_values};
    use serde_json::json;
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    const TOKEN: &str = "IGQWtestINSTAGRAMtoken0123456789";

    fn cfg(server: &MockServer) -> InstagramConfig {
        InstagramConfig {
            access_token_env: "INSTAGRAM_ACCESS_TOKEN".into(),
            api_base: server.uri(),
            api_version: "v25.0".into(),
            slow_down_ms: 1,
            user_id: None,
            day_timezone: None,
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Answers each sub-request from a table of relative URL prefixes → (code, body); the
    /// others get the documented insights answer. Checks what a batch must look like.
    struct Graph(Vec<(&'static str, u16, String)>);

    impl Respond for Graph {
        fn respond(&self, r: &Request) -> ResponseTemplate {
            let form = form_decode(&r.body);
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            assert_eq!(get("access_token").as_deref(), Some(TOKEN));
            assert!(!r.url.as_str().contains(TOKEN), "token in the URL");
            let batch: Vec<Value> = serde_json::from_str(&get("batch").unwrap()).unwrap();
            let answers: Vec<Value> = batch
                .iter()
                .map(|s| {
                    assert_eq!(s["method"], "GET");
                    let url = s["relative_url"].as_str().unwrap();
                    assert!(url.ends_with("/insights?metric=views"), "{url}");
                    match self.0.iter().find(|(prefix, _, _)| url.starts_with(prefix)) {
                        Some((_, code, body)) => json!({"code": code, "headers": [], "body": body}),
                        None => json!({"code": 200, "headers": [],
                            "body": fixture("instagram/media_insights.json")}),
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
    async fn a_batch_mixing_views_and_errors() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![
                (
                    "17800000000000002/",
                    400,
                    fixture("instagram/error_unknown_media.json"),
                ),
                (
                    "17800000000000003/",
                    400,
                    fixture("instagram/error_permission.json"),
                ),
                (
                    "17800000000000004/",
                    200,
                    fixture("instagram/media_insights_empty.json"),
                ),
                (
                    "17800000000000005/",
                    400,
                    fixture("instagram/error_not_enough_viewers.json"),
                ),
                (
                    "17800000000000006/",
                    200,
                    fixture("instagram/media_insights_total_value.json"),
                ),
            ],
        )
        .await;
        let api = api(Platform::Instagram);
        let run = read(
            &api,
            &cfg(&server),
            &Secret::new(TOKEN),
            &ids(&[
                "17800000000000001",
                "17800000000000002",
                "17800000000000003",
                "17800000000000004",
                "17800000000000005",
                "17800000000000006",
            ]),
        )
        .await;
        assert_eq!(
            outcome_values(&run, "17800000000000001"),
            vec![(Metric::Views, 4210)]
        );
        assert_eq!(
            outcome_values(&run, "17800000000000006"),
            vec![(Metric::Views, 5120)]
        );
        assert_eq!(
            run.outcomes["17800000000000002"],
            Outcome::Missing(
                "instagram media 17800000000000002: Instagram does not know it, or this token \
                 cannot see it (code 100, subcode 33: Unsupported get request. Object with ID \
                 '17800000000000002' does not exist, cannot be loaded due to missing permissions, \
                 or does not support this operation); check the media id in [[campaign.video]] \
                 and that the token is the account's; no reading stored"
                    .into()
            )
        );
        assert_eq!(
            failed(&run, "17800000000000003"),
            "instagram media 17800000000000003: the token in INSTAGRAM_ACCESS_TOKEN lacks a \
             permission (code 10: (#10) Application does not have permission for this action): \
             use a token with instagram_basic and instagram_manage_insights of the Instagram \
             professional account that posted the media, or remove the media from \
             [[campaign.video]]"
        );
        assert_eq!(outcome_values(&run, "17800000000000004"), vec![]);
        assert!(run.warnings.contains(
            &"instagram media 17800000000000004: Instagram gave no view count (its insights are \
              empty); no views reading stored"
                .to_string()
        ));
        assert_eq!(
            run.outcomes["17800000000000005"],
            Outcome::Missing(
                "instagram media 17800000000000005: Instagram shows no insights for it yet (code \
                 10: (#10) Not enough viewers for the media to show insights); no reading stored"
                    .into()
            )
        );
        assert_eq!(api.stats.requests(), 1);
    }

    #[tokio::test]
    async fn sixty_media_take_two_batches() {
        let server = MockServer::start().await;
        graph(&server, vec![]).await;
        let api = api(Platform::Instagram);
        let many: Vec<String> = (0..60).map(|i| format!("178{i:014}")).collect();
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &many).await;
        assert_eq!(run.outcomes.len(), 60);
        assert!(many
            .iter()
            .all(|id| outcome_values(&run, id) == vec![(Metric::Views, 4210)]));
        assert_eq!(api.stats.requests(), 2);
    }

    #[tokio::test]
    async fn an_expired_token_fails_every_media_and_names_the_variable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v25.0/"))
            .respond_with(ResponseTemplate::new(400).set_body_raw(
                fixture("instagram/error_token_expired.json"),
                "application/json",
            ))
            .mount(&server)
            .await;
        let api = api(Platform::Instagram);
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &ids(&["1", "2"])).await;
        let expected = "Instagram rejected the access token in INSTAGRAM_ACCESS_TOKEN (code 190, \
                        subcode 463: it has expired): get a new access token with instagram_basic \
                        and instagram_manage_insights (see README, Live collection), put it in .env \
                        as INSTAGRAM_ACCESS_TOKEN=…, then run `viewtally check --online`";
        assert_eq!(failed(&run, "1"), expected);
        assert_eq!(failed(&run, "2"), expected);
    }

    #[tokio::test]
    async fn a_throttled_media_is_asked_again_then_given_up_with_the_advice() {
        let server = MockServer::start().await;
        graph(
            &server,
            vec![("9/", 400, fixture("instagram/error_rate_limited.json"))],
        )
        .await;
        let api = api(Platform::Instagram);
        let run = read(&api, &cfg(&server), &Secret::new(TOKEN), &ids(&["1", "9"])).await;
        assert_eq!(outcome_values(&run, "1"), vec![(Metric::Views, 4210)]);
        assert_eq!(
            failed(&run, "9"),
            "Instagram rate limit reached (code 4: (#4) Application request limit reached) (still \
             so after 3 retries); wait an hour before collecting again, or collect less often"
        );
        // the first batch, then one per retry with only the throttled media
        assert_eq!(api.stats.requests(), 4);
    }

    #[tokio::test]
    async fn the_probe_reads_debug_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v25.0/debug_token"))
            .and(query_param("input_token", TOKEN))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("instagram/debug_token.json"), "application/json"),
            )
            .mount(&server)
            .await;
        let api = api(Platform::Instagram);
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 25, 12, 0, 0).unwrap();
        let probe = probe(&api, &cfg(&server), &Secret::new(TOKEN), now).await;
        assert!(probe.ok, "{:?}", probe.lines);
        assert_eq!(
            probe.lines,
            vec![
                "token in INSTAGRAM_ACCESS_TOKEN is valid: USER token (app viewtally-collector)",
                "permissions: pages_show_list, instagram_basic, instagram_manage_insights",
                "expires: 2027-01-15 08:00 UTC (in 50 days)",
            ]
        );
    }

    #[test]
    fn user_id_must_be_an_account_id() {
        let server_less = |user_id: &str| InstagramConfig {
            access_token_env: "INSTAGRAM_ACCESS_TOKEN".into(),
            api_base: "https://graph.facebook.com".into(),
            api_version: "v25.0".into(),
            slow_down_ms: 1,
            user_id: Some(user_id.into()),
            day_timezone: None,
        };
        assert!(server_less("17841400000000000").validate().is_ok());
        let (section, key, message) = server_less("@some.user").validate().unwrap_err();
        assert_eq!((section, key), ("[platforms.instagram]", "user_id"));
        assert_eq!(
            message,
            "[platforms.instagram] user_id `@some.user` is not an Instagram account id: write the \
             numeric ig-user-id, e.g. \"17841400000000000\" (Graph API Explorer: \
             me/accounts?fields=instagram_business_account)"
        );
    }

    #[test]
    fn ids_and_urls() {
        let ig = Instagram;
        assert!(ig.id_ok("17895695668004550"));
        assert!(ig.id_ok("https://www.instagram.com/reel/Cabc123/"));
        assert!(!ig.id_ok("17895695668004550/insights"));
        assert!(!ig.id_ok(""));
        assert!(ig
            .config_id_doubt("https://www.instagram.com/reel/Cabc123/")
            .is_none());
        assert_eq!(
            ig.config_id_doubt("https://www.instagram.com/some.user/")
                .unwrap(),
            "`https://www.instagram.com/some.user/` is an Instagram URL but not of a reel or \
             post: give the reel or post URL (https://www.instagram.com/reel/{shortcode}/) or the \
             media id (digits)"
        );
        assert_eq!(
            ig.config_id_doubt("abc").unwrap(),
            "`abc` is not an Instagram media id: write the numeric media id (e.g. \
             17895695668004550) or the reel or post URL"
        );
        assert!(ig.config_id_doubt("17895695668004550").is_none());
    }
}

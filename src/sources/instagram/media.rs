//! Reel and post URLs → media ids.
//!
//! A `[[campaign.video]]` may name an Instagram video by its reel or post URL; the media id
//! behind its shortcode is found by listing the media of the account in `[platforms.instagram]
//! user_id` (`GET /{ig-user-id}/media?fields=id,permalink,shortcode`, page by page following
//! `paging.cursors.after` while `paging.next` says there is more) and remembered in the store
//! (`api_state` key `media_id:{shortcode}`), so each URL is looked up once. Readings are
//! stored under the media id.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{classify, Answer, InstagramConfig};
use crate::config::Secret;
use crate::model::ids::instagram_shortcode;
use crate::model::Platform;
use crate::sources::answer::{decode_answer, kind};
use crate::sources::graph::{retryable, GraphError};
use crate::sources::http::{Api, UNEXPECTED_ANSWER_ADVICE};
use crate::sources::{Outcome, PlatformRun, Probe};
use crate::store::{Store, StoreError};

/// Media asked for per page (Graph's maximum for this edge).
const PAGE_SIZE: &str = "100";

/// Pages listed at most in one lookup (10 000 media): a bound against a paging loop.
const MAX_PAGES: usize = 100;

/// The `api_state` key remembering a shortcode's media id.
pub fn state_key(shortcode: &str) -> String {
    format!("media_id:{shortcode}")
}

/// Whether `id` is a media id (digits).
pub fn is_media_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The configured ids of one run, sorted out: media ids as they are, URLs whose media id the
/// store remembers, and the shortcodes still to look up.
#[derive(Debug, Default)]
pub struct Plan {
    /// Configured id → media id (itself for a media id).
    pub known: BTreeMap<String, String>,
    /// Configured URL → its shortcode, media id not yet known.
    pub unknown: BTreeMap<String, String>,
}

impl Plan {
    pub fn new(ids: &[String], store: &dyn Store) -> Result<Plan, StoreError> {
        let mut plan = Plan::default();
        for id in ids {
            if is_media_id(id) {
                plan.known.insert(id.clone(), id.clone());
            } else if let Some(code) = instagram_shortcode(id) {
                match store.api_state(Platform::Instagram, &state_key(&code))? {
                    Some(media) if is_media_id(&media) => {
                        plan.known.insert(id.clone(), media);
                    }
                    _ => {
                        plan.unknown.insert(id.clone(), code);
                    }
                }
            }
        }
        Ok(plan)
    }

    /// The distinct media ids known, in order.
    pub fn media(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.known.values().collect();
        set.into_iter().cloned().collect()
    }
}

/// Why a configured URL has no media id.
pub fn no_user_id(url: &str) -> String {
    format!(
        "instagram video `{url}` is a reel or post URL: set user_id in [platforms.instagram] (the \
         numeric id of the Instagram account that posted it) so that viewtally can find its \
         media id, or give the media id instead"
    )
}

/// Why a shortcode was not found on the account.
pub fn not_found(url: &str, code: &str, user_id: &str) -> String {
    format!(
        "instagram video `{url}`: account {user_id} ([platforms.instagram] user_id) has no media \
         with shortcode {code}; is the post on another account? give its media id instead"
    )
}

/// One page of `GET /{ig-user-id}/media`.
#[derive(Deserialize)]
struct MediaPage {
    data: Vec<Media>,
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Media {
    id: String,
    shortcode: Option<String>,
    permalink: Option<String>,
}

#[derive(Deserialize)]
struct Paging {
    cursors: Option<Cursors>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct Cursors {
    after: Option<String>,
}

/// The media ids of the `wanted` shortcodes among the media of `user_id` (those found); an
/// error is the message for every one of them.
pub async fn find(
    api: &Api,
    cfg: &InstagramConfig,
    token: &Secret,
    user_id: &str,
    wanted: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = page(api, cfg, token, user_id, after.as_deref()).await?;
        for m in page.data {
            let code = m
                .shortcode
                .or_else(|| m.permalink.as_deref().and_then(instagram_shortcode));
            if let Some(code) = code.filter(|c| wanted.contains(c)) {
                if is_media_id(&m.id) {
                    found.insert(code, m.id);
                }
            }
        }
        let next = page
            .paging
            .filter(|p| p.next.is_some())
            .and_then(|p| p.cursors)
            .and_then(|c| c.after);
        if found.len() == wanted.len() || next.is_none() || next == after {
            break;
        }
        after = next;
    }
    Ok(found)
}

/// One page of the account's media, after the cursor `after`.
async fn page(
    api: &Api,
    cfg: &InstagramConfig,
    token: &Secret,
    user_id: &str,
    after: Option<&str>,
) -> Result<MediaPage, String> {
    let mut query = vec![("fields", "id,permalink,shortcode"), ("limit", PAGE_SIZE)];
    if let Some(after) = after {
        query.push(("after", after));
    }
    let request = api
        .client()
        .get(format!(
            "{}/{}/{user_id}/media",
            cfg.api_base, cfg.api_version
        ))
        .query(&query)
        .bearer_auth(token.expose());
    let what = format!("media of account {user_id}");
    let reply = api
        .send(&what, request, &retryable, None)
        .await
        .map_err(|e| format!("Instagram {what}: {e}"))?;
    let shape = |d: String| {
        format!(
            "Instagram answered the list of the {what} in an unexpected shape ({d}); \
             {UNEXPECTED_ANSWER_ADVICE}"
        )
    };
    let doc = reply.json();
    if let Some(e) = doc.as_ref().ok().and_then(GraphError::from_doc) {
        return Err(match classify(&e, &cfg.access_token_env, None) {
            Answer::Missing(_) if e.code == 100 => format!(
                "Instagram does not know account {user_id}, or this token cannot see its media \
                 ({}: {}); check user_id in [platforms.instagram]",
                e.code_text(),
                e.message
            ),
            Answer::Error(m) | Answer::Retry(m) | Answer::Missing(m) => m,
            Answer::Views(_) => e.message,
        });
    }
    if !reply.status.is_success() {
        return Err(format!(
            "Instagram answered HTTP {} to the list of the {what}{}; try again later",
            reply.status.as_u16(),
            reply.gave_up()
        ));
    }
    let doc = doc.map_err(shape)?;
    if !doc.is_object() {
        return Err(shape(format!(
            "the answer should be an object, not {}",
            kind(&doc)
        )));
    }
    decode_answer(&doc).map_err(shape)
}

/// Look up the media ids of `plan.unknown` on the account: found ones move to `plan.known`
/// and are remembered through `run.state`; each URL still unknown fails in `run` with why.
pub async fn resolve(
    api: &Api,
    cfg: &InstagramConfig,
    token: &Secret,
    plan: &mut Plan,
    run: &mut PlatformRun,
) {
    if plan.unknown.is_empty() {
        return;
    }
    let unknown = std::mem::take(&mut plan.unknown);
    let Some(user_id) = cfg.user_id.as_deref() else {
        for url in unknown.keys() {
            run.outcomes
                .insert(url.clone(), Outcome::Failed(no_user_id(url)));
        }
        return;
    };
    let wanted: BTreeSet<String> = unknown.values().cloned().collect();
    let found = match find(api, cfg, token, user_id, &wanted).await {
        Ok(found) => found,
        Err(why) => {
            for url in unknown.keys() {
                run.outcomes
                    .insert(url.clone(), Outcome::Failed(why.clone()));
            }
            return;
        }
    };
    for (code, media) in &found {
        run.state.push((state_key(code), media.clone()));
    }
    for (url, code) in unknown {
        match found.get(&code) {
            Some(media) => {
                plan.known.insert(url, media.clone());
            }
            None => {
                let why = not_found(&url, &code, user_id);
                run.outcomes.insert(url, Outcome::Failed(why));
            }
        }
    }
}

/// The outcomes of `read` (by media id) as outcomes of the configured ids of `plan`, stored
/// under the media id.
pub fn by_configured_id(plan: &Plan, read: PlatformRun, run: &mut PlatformRun) {
    for (id, media) in &plan.known {
        if let Some(outcome) = read.outcomes.get(media) {
            run.outcomes.insert(id.clone(), outcome.clone());
        }
        if id != media {
            run.stored_as.insert(id.clone(), media.clone());
        }
    }
    run.warnings.extend(read.warnings);
    run.usage.extend(read.usage);
    run.state.extend(read.state);
}

/// `check --online`: look up the reel and post URLs not yet mapped, saying what was found.
pub async fn check(
    api: &Api,
    cfg: &InstagramConfig,
    token: &Secret,
    mut plan: Plan,
    probe: &mut Probe,
) -> PlatformRun {
    let mut run = PlatformRun::default();
    let asked = plan.unknown.len();
    if asked == 0 {
        return run;
    }
    let before = plan.known.len();
    resolve(api, cfg, token, &mut plan, &mut run).await;
    let found = plan.known.len() - before;
    if let Some(user_id) = cfg.user_id.as_deref().filter(|_| found > 0) {
        probe.line(format!(
            "reel and post URLs: {found} of {asked} found on account {user_id}"
        ));
    }
    for outcome in run.outcomes.values() {
        if let Outcome::Failed(why) = outcome {
            if !probe.lines.contains(why) {
                probe.line(why.clone());
            }
            probe.ok = false;
        }
    }
    run.outcomes.clear();
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlatformsConfig;
    use crate::model::Metric;
    use crate::sources::testing::{api, fixture, outcome_values};
    use crate::sources::{ApiPlatform, Job};
    use crate::store::{SqliteStore, StateStore};
    use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "IGQWtestINSTAGRAMtoken0123456789";
    const USER: &str = "17841400000000000";
    const REEL1: &str = "https://www.instagram.com/reel/C1aAaAaAaAa/";
    const POST3: &str = "https://instagram.com/some.user/p/C3cCcCcCcCc?igsh=x";
    const GONE: &str = "https://www.instagram.com/reel/C9zZzZzZzZz/";

    fn cfg(server: &MockServer, user_id: Option<&str>) -> InstagramConfig {
        InstagramConfig {
            access_token_env: "INSTAGRAM_ACCESS_TOKEN".into(),
            api_base: server.uri(),
            api_version: "v25.0".into(),
            slow_down_ms: 1,
            user_id: user_id.map(str::to_string),
            day_timezone: None,
        }
    }

    /// Two pages of the account's media: the second asked with the first one's cursor.
    async fn two_pages(server: &MockServer) {
        let media = format!("/v25.0/{USER}/media");
        Mock::given(method("GET"))
            .and(path(media.as_str()))
            .and(query_param("fields", "id,permalink,shortcode"))
            .and(query_param_is_missing("after"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(fixture("instagram/media_page1.json")),
            )
            .expect(1)
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path(media.as_str()))
            .and(query_param("after", "QVFIUmFmdGVyMQ"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(fixture("instagram/media_page2.json")),
            )
            .expect(1)
            .mount(server)
            .await;
    }

    fn plan(ids: &[&str]) -> Plan {
        let store = SqliteStore::open(":memory:").unwrap();
        Plan::new(
            &ids.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &store,
        )
        .unwrap()
    }

    fn failed(run: &PlatformRun, id: &str) -> String {
        match run.outcomes.get(id) {
            Some(Outcome::Failed(m)) => m.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn urls_are_found_across_pages_and_a_missing_one_says_what_to_do() {
        let server = MockServer::start().await;
        two_pages(&server).await;
        let mut plan = plan(&[REEL1, "17800000000000009", POST3, GONE]);
        assert_eq!(plan.unknown.len(), 3);
        let mut run = PlatformRun::default();
        let api = api(Platform::Instagram);
        resolve(
            &api,
            &cfg(&server, Some(USER)),
            &Secret::new(TOKEN),
            &mut plan,
            &mut run,
        )
        .await;
        assert_eq!(plan.known[REEL1], "17900000000000001");
        // Found by its permalink (the second page gives no shortcode).
        assert_eq!(plan.known[POST3], "17900000000000003");
        assert_eq!(plan.known["17800000000000009"], "17800000000000009");
        assert_eq!(
            failed(&run, GONE),
            format!(
                "instagram video `{GONE}`: account {USER} ([platforms.instagram] user_id) has no \
                 media with shortcode C9zZzZzZzZz; is the post on another account? give its media \
                 id instead"
            )
        );
        assert_eq!(
            run.state,
            vec![
                (
                    "media_id:C1aAaAaAaAa".to_string(),
                    "17900000000000001".to_string()
                ),
                (
                    "media_id:C3cCcCcCcCc".to_string(),
                    "17900000000000003".to_string()
                ),
            ]
        );
        // The token went in the Authorization header, never in a URL.
        for r in server.received_requests().await.unwrap() {
            assert!(!r.url.as_str().contains(TOKEN), "{}", r.url);
        }
    }

    #[tokio::test]
    async fn the_lookup_stops_at_the_page_that_finds_the_last_url() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(fixture("instagram/media_page1.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let mut plan = plan(&[REEL1]);
        let mut run = PlatformRun::default();
        let api = api(Platform::Instagram);
        resolve(
            &api,
            &cfg(&server, Some(USER)),
            &Secret::new(TOKEN),
            &mut plan,
            &mut run,
        )
        .await;
        assert_eq!(plan.known[REEL1], "17900000000000001");
        assert!(run.outcomes.is_empty());
    }

    #[tokio::test]
    async fn without_user_id_a_url_fails_naming_the_key() {
        let server = MockServer::start().await;
        let mut plan = plan(&[REEL1, "17800000000000009"]);
        let mut run = PlatformRun::default();
        let api = api(Platform::Instagram);
        resolve(
            &api,
            &cfg(&server, None),
            &Secret::new(TOKEN),
            &mut plan,
            &mut run,
        )
        .await;
        assert_eq!(
            failed(&run, REEL1),
            format!(
                "instagram video `{REEL1}` is a reel or post URL: set user_id in \
                 [platforms.instagram] (the numeric id of the Instagram account that posted it) so \
                 that viewtally can find its media id, or give the media id instead"
            )
        );
        assert_eq!(plan.media(), vec!["17800000000000009".to_string()]);
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    async fn answer_with(status: u16, body: String) -> PlatformRun {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let mut plan = plan(&[REEL1]);
        let mut run = PlatformRun::default();
        let api = api(Platform::Instagram);
        resolve(
            &api,
            &cfg(&server, Some(USER)),
            &Secret::new(TOKEN),
            &mut plan,
            &mut run,
        )
        .await;
        assert!(plan.known.is_empty());
        run
    }

    #[tokio::test]
    async fn error_answers_fail_the_urls_with_what_to_do() {
        let run = answer_with(400, fixture("instagram/error_unknown_media.json")).await;
        assert!(
            failed(&run, REEL1).starts_with(&format!(
                "Instagram does not know account {USER}, or this token cannot see its media \
                 (code 100, subcode 33: "
            )),
            "{}",
            failed(&run, REEL1)
        );
        assert!(failed(&run, REEL1).ends_with("); check user_id in [platforms.instagram]"));

        let run = answer_with(400, fixture("instagram/error_token_expired.json")).await;
        assert!(
            failed(&run, REEL1).starts_with(
                "Instagram rejected the access token in INSTAGRAM_ACCESS_TOKEN (code 190, subcode \
                 463: it has expired)"
            ),
            "{}",
            failed(&run, REEL1)
        );

        let run = answer_with(200, r#"{"data": [{"id": "1", "shortcode": 7}]}"#.into()).await;
        assert_eq!(
            failed(&run, REEL1),
            format!(
                "Instagram answered the list of the media of account {USER} in an unexpected \
                 shape (data[0].shortcode should be a string, not a number); \
                 {UNEXPECTED_ANSWER_ADVICE}"
            )
        );
        let run = answer_with(200, r#"{"paging": {}}"#.into()).await;
        assert!(
            failed(&run, REEL1).contains("in an unexpected shape (answer.data is missing)"),
            "{}",
            failed(&run, REEL1)
        );
        let run = answer_with(404, "not here".into()).await;
        assert_eq!(
            failed(&run, REEL1),
            format!(
                "Instagram answered HTTP 404 to the list of the media of account {USER}; try \
                 again later"
            )
        );
    }

    /// Through the platform: the media id is looked up once, remembered, and the readings are
    /// stored under it.
    #[tokio::test]
    async fn a_url_is_looked_up_once_and_read_under_its_media_id() {
        let server = MockServer::start().await;
        two_pages(&server).await;
        Mock::given(method("POST"))
            .and(path("/v25.0/"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(
                    serde_json::json!([
                        {"code": 200, "body": fixture("instagram/media_insights.json")},
                    ])
                    .to_string(),
                ),
            )
            .expect(2)
            .mount(&server)
            .await;
        let mut store = SqliteStore::open(":memory:").unwrap();
        let config = PlatformsConfig {
            instagram: Some(cfg(&server, Some(USER))),
            ..Default::default()
        };
        let job = || Job {
            api: api(Platform::Instagram),
            config: config.clone(),
            secret: Secret::new(TOKEN),
            ids: vec![POST3.to_string()],
            now: chrono::Utc::now(),
        };
        let run = super::super::Instagram.read(job(), &store).unwrap().await;
        assert_eq!(outcome_values(&run, POST3), vec![(Metric::Views, 4210)]);
        assert_eq!(run.stored_as[POST3], "17900000000000003");
        for (key, value) in &run.state {
            store
                .set_api_state(Platform::Instagram, key, value, chrono::Utc::now())
                .unwrap();
        }
        // The next run asks no media list (two_pages expects one call of each page).
        let run = super::super::Instagram.read(job(), &store).unwrap().await;
        assert_eq!(outcome_values(&run, POST3), vec![(Metric::Views, 4210)]);
        assert_eq!(run.stored_as[POST3], "17900000000000003");
    }
}

//! `viewtally collect` and `check --online` against local mock APIs (wiremock) answering the
//! documented shapes from `tests/fixtures/api/`.

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::common::*;
pub(super) use crate::support::fixtures::api as fixture;
pub(super) use crate::support::upstream::{
    batch_urls, json_reply, mount_healthy, Batch, GraphByUrl,
};

pub(super) const YT_KEY: &str = "AIzaSyE2E-youtube-key-SECRET-0001";
pub(super) const FB_TOKEN: &str = "EAAGE2Efacebook-page-token-SECRET-0002";
pub(super) const LI_TOKEN: &str = "AQVE2Elinkedin-access-token-SECRET-0003";
pub(super) const LI_CLIENT_SECRET: &str = "linkedin-client-secret-SECRET-0004";
pub(super) const LI_REFRESH: &str = "linkedin-refresh-token-SECRET-0005";
pub(super) const LI_REFRESHED: &str = "AQVE2Elinkedin-refreshed-token-SECRET-0006";
pub(super) const URN: &str = "urn:li:ugcPost:7000000000000000001";

/// A config whose three platforms point at `base`, with millisecond backoff.
pub(super) fn config(base: &str, extra_platforms: &str) -> String {
    ConfigBuilder::new()
        .platform("youtube", base)
        .platform("facebook", base)
        .platform("linkedin", base)
        .raw(extra_platforms)
        .http(2, 2)
        .campaign("c1", "Test campaign")
        .key("launched", "2026-11-01T09:00:00+01:00")
        .key("milestones", vec![10000, 20000])
        .key("language", "en")
        .video("youtube", "vid1")
        .key("account", "Chan")
        .video("youtube", "vid2")
        .video("facebook", "111")
        .key("account", "Page")
        .video("linkedin", URN)
        .build()
}

pub(super) fn secrets_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("YOUTUBE_API_KEY", YT_KEY),
        ("FACEBOOK_ACCESS_TOKEN", FB_TOKEN),
        ("LINKEDIN_ACCESS_TOKEN", LI_TOKEN),
    ]
}

/// The three platforms' healthy answers, checking this file's YouTube key and LinkedIn token.
pub(super) async fn mount_good(server: &MockServer) {
    mount_healthy(server, YT_KEY, LI_TOKEN).await;
}

fn status(env: &Env) -> Value {
    serde_json::from_str(&env.run(&["status", "--json"]).ok().stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_reads_all_three_platforms_and_status_shows_them() {
    let server = MockServer::start().await;
    mount_good(&server).await;
    let env = Env::new();
    env.write("config/viewtally.toml", &config(&server.uri(), ""));

    let r = env.run_env(&["collect"], &secrets_env()).ok();
    assert_eq!(
        r.stdout,
        "youtube:  2 videos → 2 read, 0 missing, 0 failed · 1 request, 0 retries\n\
         facebook: 1 video → 1 read, 0 missing, 0 failed · 1 request, 0 retries\n\
         linkedin: 1 video → 1 read, 0 missing, 0 failed · 2 requests, 0 retries\n\
         stored 10 readings taken at 2026-11-25T12:00:00Z: 10 new, 0 updated, 0 unchanged (data/test.db)\n"
    );

    let s = status(&env);
    assert_eq!(s["total_views"], 8123 + 120 + 6850 + 1432);
    assert_eq!(s["platforms"]["youtube"], 8243);
    assert_eq!(s["platforms"]["facebook"], 6850);
    assert_eq!(s["platforms"]["linkedin"], 1432);
    let videos = s["videos"].as_array().unwrap();
    assert_eq!(videos.len(), 4);
    assert!(videos
        .iter()
        .all(|v| v["last_reading"] == "2026-11-25T12:00:00Z"));
    assert!(videos
        .iter()
        .any(|v| v["video"] == "vid1" && v["account"] == "Chan" && v["views"] == 8123));
    assert_eq!(s["milestones"][0]["threshold"], 10000);
    assert!(s["milestones"][0]["crossed_at"].is_string());

    // Every reading is an API total read now; hidden counts (vid2 likes) are absent, not 0.
    let obs: Value =
        serde_json::from_str(&env.run(&["export", "--format", "json"]).ok().stdout).unwrap();
    let obs = obs.as_array().unwrap();
    assert_eq!(obs.len(), 10);
    assert!(obs
        .iter()
        .all(|o| o["source"] == "api" && o["kind"] == "total"));
    assert!(!obs
        .iter()
        .any(|o| o["video"] == "vid2" && o["metric"] == "likes"));
    assert!(obs
        .iter()
        .any(|o| o["video"] == URN && o["metric"] == "likes" && o["value"] == 57));

    // Collecting again at the same instant adds nothing.
    let r = env.run_env(&["collect"], &secrets_env()).ok();
    assert!(
        r.stdout.contains(
            "stored 10 readings taken at 2026-11-25T12:00:00Z: 0 new, 0 updated, 10 unchanged"
        ),
        "{}",
        r.stdout
    );
}

/// A config with Facebook only: video 111 (a normal video) and 555 (a reel).
fn reel_config(base: &str) -> String {
    ConfigBuilder::new()
        .platform("facebook", base)
        .http(2, 2)
        .campaign("c1", "Test campaign")
        .key("language", "en")
        .video("facebook", "111")
        .video("facebook", "555")
        .build()
}

/// `collect` of the reels config against a Graph server whose sub-requests answer `body`
/// (status `status`) where their URL contains `url_part`, and the usual insights elsewhere.
async fn collect_reels(url_part: &str, status: u16, body: String) -> (MockServer, Env, Run) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v25.0/"))
        .respond_with(GraphByUrl(
            vec![(url_part.into(), status, body)],
            fixture("facebook/video_insights.json"),
        ))
        .mount(&server)
        .await;
    let env = Env::new();
    env.write("config/viewtally.toml", &reel_config(&server.uri()));
    let r = env.run_env(&["collect"], &secrets_env()).ok();
    (server, env, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facebook_reel_reads_its_plays_and_says_which_metric() {
    let (server, env, r) =
        collect_reels("555/", 200, fixture("facebook/video_insights_reel.json")).await;
    assert_eq!(
        r.stdout,
        "facebook: 2 videos → 2 read, 0 missing, 0 failed · 1 request, 0 retries\n  \
         note (1 video): views from blue_reels_play_count (a reel): 555\n\
         stored 3 readings taken at 2026-11-25T12:00:00Z: 3 new, 0 updated, 0 unchanged (data/test.db)\n"
    );
    assert!(!r.stderr.contains("no view count"), "{}", r.stderr);
    // The sub-request asked for the reels metric alongside total_video_views.
    let got = server.received_requests().await.unwrap();
    assert!(batch_urls(&got[0])
        .iter()
        .all(|u| u.ends_with(",blue_reels_play_count")));
    // The reel's views are stored, their source naming the metric; the normal video unchanged.
    let obs: Value =
        serde_json::from_str(&env.run(&["export", "--format", "json"]).ok().stdout).unwrap();
    let views = |video: &str| {
        obs.as_array()
            .unwrap()
            .iter()
            .find(|o| o["video"] == video && o["metric"] == "views")
            .cloned()
            .unwrap()
    };
    assert_eq!(views("555")["value"], 48213);
    assert_eq!(views("555")["source"], "api:blue_reels_play_count");
    assert_eq!(views("111")["value"], 6850);
    assert_eq!(views("111")["source"], "api");
    assert_eq!(status(&env)["platforms"]["facebook"], 6850 + 48213);
    // The report's default source line names the platform and how the numbers were obtained.
    env.run(&["report"]).ok();
    let html = env.read("reports/c1/report.html");
    assert!(
        html.contains(
            "<p class=\"source\">Source: Facebook Graph API · compiled by viewtally · as of"
        ),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reels_metric_still_collects_total_video_views() {
    let (_server, env, r) = collect_reels(
        "blue_reels_play_count",
        400,
        fixture("facebook/error_invalid_metric.json"),
    )
    .await;
    assert!(
        r.stdout.starts_with(
            "facebook: 2 videos → 2 read, 0 missing, 0 failed · 3 requests, 0 retries\n\
             stored 4 readings"
        ),
        "{}",
        r.stdout
    );
    // said once, as information (nothing for the user to fix), not as a warning
    assert!(
        r.stderr.contains(
            "INFO Facebook does not accept the video_insights metric `blue_reels_play_count` here"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("WARN"), "{}", r.stderr);
    assert_eq!(status(&env)["platforms"]["facebook"], 2 * 6850);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_platform_exits_1_and_the_rest_is_stored() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos:batchGetStats"))
        .respond_with(json_reply(200, "youtube/batch_get_stats.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(json_reply(400, "facebook/error_token_expired.json"))
        .mount(&server)
        .await;
    Mock::given(path("/rest/videoAnalytics"))
        .respond_with(json_reply(426, "linkedin/error_nonexistent_version.json"))
        .mount(&server)
        .await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config(&server.uri(), "api_version = \"202411\"\n"),
    );
    let r = env.run_env(&["collect"], &secrets_env());
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "youtube:  2 videos → 2 read, 0 missing, 0 failed · 1 request, 0 retries\n\
         facebook: 1 video → 0 read, 0 missing, 1 failed · 1 request, 0 retries\n  \
         error (1 video): Facebook rejected the access token in FACEBOOK_ACCESS_TOKEN (code 190, \
         subcode 463: it has expired): get a new Page access token (Graph API Explorer, or a \
         system-user token that does not expire; see README, Live collection), put it in .env as \
         FACEBOOK_ACCESS_TOKEN=…, then run `viewtally check --online`\n\
         linkedin: 1 video → 0 read, 0 missing, 1 failed · 1 request, 0 retries\n  \
         error (1 video): LinkedIn no longer serves API version 202411 ([platforms.linkedin] \
         api_version; 426 NONEXISTENT_VERSION: Requested version 20241101 is not active): set \
         api_version to a current YYYYMM such as 202610 — LinkedIn supports each version for at \
         least a year\n\
         stored 5 readings taken at 2026-11-25T12:00:00Z: 5 new, 0 updated, 0 unchanged (data/test.db)\n"
    );
    assert!(
        r.stderr.ends_with(
            "error: collection failed on facebook (1 of 1 video), linkedin (1 of 1 video) — see the \
             errors above; the 5 readings that succeeded were stored\n"
        ),
        "{}",
        r.stderr
    );
    let s = status(&env);
    assert_eq!(s["platforms"]["youtube"], 8243);
    assert_eq!(s["total_views"], 8243);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_videos_are_warnings_not_failures() {
    let server = MockServer::start().await;
    mount_good(&server).await;
    let env = Env::new();
    let text = config(&server.uri(), "").replace("id = \"vid2\"", "id = \"gone\"");
    env.write("config/viewtally.toml", &text);
    let r = env.run_env(&["collect"], &secrets_env()).ok();
    assert!(
        r.stdout.starts_with(
            "youtube:  2 videos → 1 read, 1 missing, 0 failed · 1 request, 0 retries\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains(
            "youtube video gone: not returned by videos.batchGetStats (deleted, private, or a wrong \
             id); no reading stored"
        ),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platforms_without_config_or_credential_are_named() {
    let server = MockServer::start().await;
    mount_good(&server).await;
    let env = Env::new();
    // No [platforms.facebook] section; LINKEDIN_ACCESS_TOKEN not set.
    let text = config(&server.uri(), "").replace(
        &format!("[platforms.facebook]\napi_base = \"{}\"\n", server.uri()),
        "",
    );
    env.write("config/viewtally.toml", &text);
    let r = env
        .run_env(&["collect"], &[("YOUTUBE_API_KEY", YT_KEY)])
        .ok();
    assert_eq!(
        r.stdout,
        "youtube:  2 videos → 2 read, 0 missing, 0 failed · 1 request, 0 retries\n\
         facebook: skipped — no [platforms.facebook] section in config/viewtally.toml; add one to \
         collect from the Facebook API (see config/viewtally.example.toml)\n\
         linkedin: skipped — LinkedIn: environment variable LINKEDIN_ACCESS_TOKEN is not set; put \
         `LINKEDIN_ACCESS_TOKEN=…` in .env or the environment\n\
         stored 5 readings taken at 2026-11-25T12:00:00Z: 5 new, 0 updated, 0 unchanged (data/test.db)\n"
    );

    // Nothing could be asked at all: a usage error.
    let r = env.run(&["collect"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "error: nothing was collected: no platform could be asked (see the lines above)"
        ),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_youtube_quota_budget_is_kept_across_runs() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(json_reply(200, "youtube/videos_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    let text = format!(
        "[store]\nurl = \"sqlite://data/test.db\"\n\n\
         [platforms.youtube]\napi_base = \"{}\"\ndaily_quota = 1\nmethod = \"videos_list\"\n\n\
         [[campaign]]\nslug = \"c1\"\nname = \"C\"\n\n\
         [[campaign.video]]\nplatform = \"youtube\"\nid = \"vid1\"\n\n\
         [[campaign.video]]\nplatform = \"youtube\"\nid = \"vid2\"\n",
        server.uri()
    );
    env.write("config/viewtally.toml", &text);
    let key = [("YOUTUBE_API_KEY", YT_KEY)];
    let r = env.run_env(&["collect", "--campaign", "c1"], &key);
    assert!(
        r.stdout
            .starts_with("youtube:  2 videos → 1 read, 1 missing, 0 failed · 1 request"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let r = env.run_env(&["collect"], &key);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "error (2 videos): the daily budget of 1 units for videos.list ([platforms.youtube] \
             daily_quota) is spent for 2026-11-25 (Pacific time); it resets at 2026-11-26 08:00 UTC \
             — collect less often, or raise daily_quota if your Google Cloud project has more quota"
        ),
        "{}",
        r.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_online_shows_what_each_credential_can_do() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos"))
        .and(query_param("part", "id"))
        .respond_with(json_reply(200, "youtube/videos_list.json"))
        .mount(&server)
        .await;
    Mock::given(path("/v25.0/debug_token"))
        .respond_with(json_reply(200, "facebook/debug_token.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/introspectToken"))
        .respond_with(json_reply(200, "linkedin/introspect_access.json"))
        .mount(&server)
        .await;
    mount_good(&server).await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config(
            &server.uri(),
            "client_id_env = \"LINKEDIN_CLIENT_ID\"\nclient_secret_env = \"LINKEDIN_CLIENT_SECRET\"\n\
             refresh_token_env = \"LINKEDIN_REFRESH_TOKEN\"\n",
        ),
    );
    let mut vars = secrets_env();
    vars.extend([
        ("LINKEDIN_CLIENT_ID", "client-id-123"),
        ("LINKEDIN_CLIENT_SECRET", LI_CLIENT_SECRET),
        ("LINKEDIN_REFRESH_TOKEN", LI_REFRESH),
    ]);
    let r = env.run_env(&["check", "--online"], &vars).ok();
    let online = &r.stdout[r.stdout.find("YouTube (online)").expect(&r.stdout)..];
    assert_eq!(
        online,
        "YouTube (online): ok\n  \
         API key in YOUTUBE_API_KEY accepted (API keys do not expire)\n  \
         can read 2 of 2 configured videos\n  \
         quota spent today (2026-11-25 Pacific) by viewtally on videos.batchGetStats: 0 of 10000 units\n  \
         quota spent today (2026-11-25 Pacific) by viewtally on videos.list: 1 of 10000 units\n\
         Facebook (online): ok\n  \
         token in FACEBOOK_ACCESS_TOKEN is valid: PAGE token of 1234567890 (app viewtally-collector)\n  \
         permissions: pages_show_list, pages_read_engagement, read_insights\n  \
         expires: never\n  \
         data access expires: 2027-02-23 12:00 UTC (in 90 days)\n\
         LinkedIn (online): ok\n  \
         access token in LINKEDIN_ACCESS_TOKEN: active, expires 2027-01-09 (in 45 days); scopes: \
         r_organization_social,rw_organization_admin\n  \
         refresh token in LINKEDIN_REFRESH_TOKEN: expires 2027-10-01 (in 309 days; 365 days after \
         the authorisation on 2026-10-01)\n  \
         can read video analytics (LinkedIn-Version 202610): urn:li:ugcPost:7000000000000000001 has 1432 views\n"
    );

    // An expired Facebook token fails the check (exit 1) and says what to do.
    let server = MockServer::start().await;
    Mock::given(path("/v25.0/debug_token"))
        .respond_with(json_reply(200, "facebook/debug_token_invalid.json"))
        .mount(&server)
        .await;
    let env = Env::new();
    let text = config(&server.uri(), "");
    let text = text
        .replace(
            &format!("[platforms.youtube]\napi_base = \"{}\"\n", server.uri()),
            "",
        )
        .replace(
            &format!(
                "[platforms.linkedin]\napi_base = \"{0}\"\noauth_base = \"{0}\"\n",
                server.uri()
            ),
            "",
        );
    env.write("config/viewtally.toml", &text);
    let r = env.run_env(&["check", "--online"], &secrets_env());
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "Facebook (online): FAILED\n  the token in FACEBOOK_ACCESS_TOKEN is not valid (Error \
             validating access token: Session has expired on Tuesday, 24-Nov-26 09:00:00 PST.): get \
             a new Page access token (see README, Live collection) and put it in .env as \
             FACEBOOK_ACCESS_TOKEN=…\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("error: the online check failed for facebook (see above)"),
        "{}",
        r.stderr
    );
}

/// Answers with an error whose text repeats the secret it was sent (some proxies and APIs do).
pub(super) struct Echo;

impl Respond for Echo {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let seen = format!(
            "{} {} {}",
            r.url,
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            String::from_utf8_lossy(&r.body)
        );
        let p = r.url.path();
        if p.starts_with("/youtube") {
            ResponseTemplate::new(400).set_body_json(json!({"error": {"code": 400,
                "message": format!("bad request {seen}"),
                "errors": [{"reason": "badRequest", "message": seen}]}}))
        } else if p.starts_with("/v25.0") {
            ResponseTemplate::new(500).set_body_json(json!({"error": {"code": 1,
                "type": "OAuthException", "message": format!("unknown error {seen}")}}))
        } else if p == "/oauth/v2/accessToken" {
            ResponseTemplate::new(200).set_body_json(json!({"access_token": LI_REFRESHED,
                "expires_in": 5184000, "refresh_token": LI_REFRESH,
                "refresh_token_expires_in": 31536000}))
        } else if r
            .headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or("").contains(LI_TOKEN))
        {
            ResponseTemplate::new(401).set_body_json(json!({"status": 401,
                "code": "EXPIRED_ACCESS_TOKEN", "message": format!("expired: {seen}")}))
        } else {
            ResponseTemplate::new(400).set_body_json(json!({"status": 400,
                "code": "BAD", "message": format!("rejected {seen}")}))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_appear_nowhere_even_when_everything_fails() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo)
        .mount(&server)
        .await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config(
            &server.uri(),
            "client_id_env = \"LINKEDIN_CLIENT_ID\"\nclient_secret_env = \"LINKEDIN_CLIENT_SECRET\"\n\
             refresh_token_env = \"LINKEDIN_REFRESH_TOKEN\"\n",
        ),
    );
    let mut vars = secrets_env();
    vars.extend([
        ("LINKEDIN_CLIENT_ID", "client-id-123"),
        ("LINKEDIN_CLIENT_SECRET", LI_CLIENT_SECRET),
        ("LINKEDIN_REFRESH_TOKEN", LI_REFRESH),
    ]);
    let secrets = [
        YT_KEY,
        FB_TOKEN,
        LI_TOKEN,
        LI_CLIENT_SECRET,
        LI_REFRESH,
        LI_REFRESHED,
    ];
    let mut outputs = Vec::new();
    for args in [
        &["-vv", "collect"][..],
        &["-vv", "--log-format", "json", "collect"],
        &["-vv", "check", "--online"],
        &["report"],
        &["status", "--json"],
        &["export", "--format", "csv"],
    ] {
        let r = env.run_env(args, &vars);
        outputs.push((args.join(" "), r.stdout, r.stderr));
    }
    // The collection really failed, with the servers' texts in the messages (redacted).
    let (_, stdout, stderr) = &outputs[0];
    assert!(
        stdout.contains("youtube:  2 videos → 0 read, 0 missing, 2 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("**REDACTED**"), "{stdout}");
    assert!(stderr.contains("retrying"), "{stderr}");
    // The refreshed token was obtained and used (and is hidden too).
    let got = server.received_requests().await.unwrap();
    assert!(got.iter().any(|r| r.url.path() == "/oauth/v2/accessToken"));
    assert!(got.iter().any(|r| r
        .headers
        .get("authorization")
        .is_some_and(|v| v.to_str().unwrap().contains(LI_REFRESHED))));

    for (args, stdout, stderr) in &outputs {
        for s in secrets {
            assert!(
                !stdout.contains(s),
                "`{args}` printed a secret on stdout:\n{stdout}"
            );
            assert!(
                !stderr.contains(s),
                "`{args}` printed a secret on stderr:\n{stderr}"
            );
        }
    }
    // Nor in any file written: the store (and its journal), the reports.
    let mut files = Vec::new();
    let mut dirs = vec![env.dir.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if !p.ends_with("config/viewtally.toml") {
                files.push(p);
            }
        }
    }
    assert!(
        files.iter().any(|f| f.ends_with("data/test.db")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("reports/c1/")),
        "{files:?}"
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", f.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_malformed_answers_fail_without_storing_zeros() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos:batchGetStats"))
        .respond_with(
            json_reply(200, "youtube/batch_get_stats.json")
                .set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("[{\"code\": 200, \"body\": ", "application/json"),
        )
        .mount(&server)
        .await;
    let env = Env::new();
    let text = config(&server.uri(), "")
        .replace("timeout_secs = 2", "timeout_secs = 0.3")
        .replace("retries = 2", "retries = 1");
    env.write("config/viewtally.toml", &text);
    let r = env.run_env(
        &["collect"],
        &[
            ("YOUTUBE_API_KEY", YT_KEY),
            ("FACEBOOK_ACCESS_TOKEN", FB_TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "youtube:  2 videos → 0 read, 0 missing, 2 failed · 2 requests, 1 retry\n  error (2 \
             videos): YouTube videos.batchGetStats: no answer within 0.3 s (2 attempts); the API is \
             slow or unreachable: try again later, or raise [platforms.http] timeout_secs\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "  error (1 video): Facebook answered the batch request in an unexpected shape \
             (malformed JSON (EOF while parsing a value at line 1 column 23)); nothing from that \
             answer was stored — try again later; if it keeps happening, check api_base and any \
             proxy in between, or update viewtally (the API may have changed)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("stored 0 readings"), "{}", r.stdout);
}

pub(super) const IG_TOKEN: &str = "IGQVE2Einstagram-access-token-SECRET-0007";
const IG_MEDIA: &str = "17895695668004550";

/// Instagram, the fourth API platform: read through its own Graph batch, shown by `status`,
/// probed by `check --online`, listed in `.env.example`; a reel URL is refused with what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instagram_media_views_are_collected_and_probed() {
    let server = MockServer::start().await;
    mount_good(&server).await;
    let ig = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v25.0/"))
        .respond_with(Batch(200, fixture("instagram/media_insights.json")))
        .expect(1)
        .mount(&ig)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/debug_token"))
        .and(query_param("input_token", IG_TOKEN))
        .respond_with(json_reply(200, "instagram/debug_token.json"))
        .mount(&ig)
        .await;
    let env = Env::new();
    let video = format!(
        "\n[[campaign.video]]\nplatform = \"instagram\"\nid = \"{IG_MEDIA}\"\naccount = \"ig\"\n"
    );
    let extra = format!("[platforms.instagram]\napi_base = \"{}\"\n", ig.uri());
    env.write(
        "config/viewtally.toml",
        &(config(&server.uri(), &extra) + &video),
    );
    let mut secrets = secrets_env();
    secrets.push(("INSTAGRAM_ACCESS_TOKEN", IG_TOKEN));

    let r = env.run_env(&["collect"], &secrets).ok();
    assert!(
        r.stdout
            .contains("instagram: 1 video → 1 read, 0 missing, 0 failed · 1 request, 0 retries\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("stored 11 readings"), "{}", r.stdout);
    assert!(!r.stdout.contains(IG_TOKEN) && !r.stderr.contains(IG_TOKEN));
    // The token went in the POST body, never in a URL.
    let asked = &ig.received_requests().await.unwrap()[0];
    assert!(!asked.url.as_str().contains(IG_TOKEN));
    assert!(String::from_utf8_lossy(&asked.body).contains("insights%3Fmetric%3Dviews"));

    let s = status(&env);
    assert_eq!(s["platforms"]["instagram"], 4210);
    assert_eq!(s["total_views"], 8123 + 120 + 6850 + 1432 + 4210);

    // (only Instagram's probe is mocked here: the others fail, and say so)
    let r = env.run_env(&["check", "--online"], &secrets);
    assert!(
        r.stdout.contains(
            "Instagram (online): ok\n  token in INSTAGRAM_ACCESS_TOKEN is valid: USER token (app \
             viewtally-collector)\n  permissions: pages_show_list, instagram_basic, \
             instagram_manage_insights\n  expires: 2027-01-15 08:00 UTC (in 50 days)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("error: the online check failed for youtube, facebook (see above)"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains(IG_TOKEN));

    // A reel URL without [platforms.instagram] user_id: `check` takes the form with a warning
    // naming the key, `collect` says which key to set (the URL's own reel is found in
    // `instagram_reel_urls_become_media_ids`).
    let reel = "https://www.instagram.com/reel/Cabc123/";
    env.write(
        "config/viewtally.toml",
        &(config(&server.uri(), &extra) + &video.replace(IG_MEDIA, reel)),
    );
    let r = env.run_env(&["check"], &secrets).ok();
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains(&format!(
            "id `{reel}` is a reel or post URL; `collect` maps it to its media id through the \
             account in [platforms.instagram] user_id, which is not set"
        )),
        "{out}"
    );
    let r = env.run_env(&["collect"], &secrets);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "instagram video `{reel}` is a reel or post URL: set user_id in [platforms.instagram] \
             (the numeric id of the Instagram account that posted it) so that viewtally can find \
             its media id, or give the media id instead"
        )),
        "{}",
        r.stdout
    );

    // `init` writes the Instagram line of .env.example.
    let fresh = Env::new();
    fresh.run(&["init"]).ok();
    assert!(fresh
        .read(".env.example")
        .contains("\nINSTAGRAM_ACCESS_TOKEN=\n"));
}

/// A reel URL in `[[campaign.video]]`: `check --online` finds its media id on the account of
/// `user_id` (following the media list's paging) and remembers it; `collect` reads it without
/// listing again and stores the readings under the media id; a URL not on the account fails
/// with what to do while the others are read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instagram_reel_urls_become_media_ids() {
    const USER: &str = "17841400000000000";
    let server = MockServer::start().await;
    mount_good(&server).await;
    let ig = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v25.0/"))
        .respond_with(Batch(200, fixture("instagram/media_insights.json")))
        .mount(&ig)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/debug_token"))
        .respond_with(json_reply(200, "instagram/debug_token.json"))
        .mount(&ig)
        .await;
    let media = format!("/v25.0/{USER}/media");
    Mock::given(method("GET"))
        .and(path(media.as_str()))
        .and(query_param("after", "QVFIUmFmdGVyMQ"))
        .respond_with(json_reply(200, "instagram/media_page2.json"))
        .mount(&ig)
        .await;
    Mock::given(method("GET"))
        .and(path(media.as_str()))
        .respond_with(json_reply(200, "instagram/media_page1.json"))
        .mount(&ig)
        .await;
    let reel = "https://www.instagram.com/some.user/reel/C3cCcCcCcCc/?utm_source=ig_web_copy_link";
    let gone = "https://www.instagram.com/p/C9zZzZzZzZz/";
    let videos = format!(
        "\n[[campaign.video]]\nplatform = \"instagram\"\nid = \"{reel}\"\naccount = \"ig\"\n\
         \n[[campaign.video]]\nplatform = \"instagram\"\nid = \"{IG_MEDIA}\"\naccount = \"ig\"\n"
    );
    let extra = format!(
        "[platforms.instagram]\napi_base = \"{}\"\nuser_id = \"{USER}\"\n",
        ig.uri()
    );
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &(config(&server.uri(), &extra) + &videos),
    );
    let mut secrets = secrets_env();
    secrets.push(("INSTAGRAM_ACCESS_TOKEN", IG_TOKEN));

    let r = env.run_env(&["check", "--online"], &secrets);
    assert!(
        r.stdout.contains(&format!(
            "  expires: 2027-01-15 08:00 UTC (in 50 days)\n  reel and post URLs: 1 of 1 found on \
             account {USER}\n"
        )),
        "{}",
        r.stdout
    );
    let ig = &ig;
    let listed = |n: usize| async move {
        let got = ig.received_requests().await.unwrap();
        let pages = got
            .iter()
            .filter(|r| r.url.path().ends_with("/media"))
            .count();
        assert_eq!(pages, n);
    };
    listed(2).await;

    let r = env.run_env(&["collect"], &secrets).ok();
    assert!(
        r.stdout
            .contains("instagram: 2 videos → 2 read, 0 missing, 0 failed · 1 request, 0 retries\n"),
        "{}",
        r.stdout
    );
    listed(2).await; // remembered: not listed again
    let obs: Value =
        serde_json::from_str(&env.run(&["export", "--format", "json"]).ok().stdout).unwrap();
    let ig_videos: Vec<&str> = obs
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["platform"] == "instagram")
        .map(|o| o["video"].as_str().unwrap())
        .collect();
    assert_eq!(ig_videos.len(), 2, "{ig_videos:?}");
    assert!(ig_videos.contains(&"17900000000000003") && ig_videos.contains(&IG_MEDIA));

    // A post of another account: that video fails with what to do, the others are read.
    env.write(
        "config/viewtally.toml",
        &(config(&server.uri(), &extra) + &videos.replace(IG_MEDIA, gone)),
    );
    let r = env.run_env(&["collect"], &secrets);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "instagram: 2 videos → 1 read, 0 missing, 1 failed · 3 requests, 0 retries\n  error \
             (1 video): instagram video `{gone}`: account {USER} ([platforms.instagram] user_id) \
             has no media with shortcode C9zZzZzZzZz; is the post on another account? give its \
             media id instead\n"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("youtube:") && !r.stdout.contains(IG_TOKEN));
}

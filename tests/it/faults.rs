//! Upstream fault injection: every platform API × every way an upstream can fail.
//!
//! Each cell runs `viewtally collect` against one local server per platform: the platform
//! under test answers with the fault, the others answer healthy. Every cell asserts that the
//! healthy platforms are stored, that nothing is stored from the bad answer (for a counter that
//! goes backwards: the lower value is stored as read and listed as a decrease), that retries are
//! bounded and honour `Retry-After`, that the message names the platform (and the video where the
//! fault is about one video) and what to do, and the exit code. One cell is one test, named
//! `it::faults::<platform>::<fault>`. At the end, one daemon per platform shows that repeated
//! failures turn /healthz red while the other platforms are still collected.
//!
//! Run with `--nocapture` to see the observed outcome table (one markdown row per cell).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::common::*;
use super::daemon::get;
use crate::support::fixtures::api as fixture;
use crate::support::upstream::{graph_batch as batch, json_body};

/// `[platforms.http] retries` of every cell: at most 1 + RETRIES requests per question.
const RETRIES: usize = 2;
/// `[platforms.http] timeout_secs`; the slow answer takes three times as long.
const TIMEOUT_SECS: u64 = 1;
/// `Retry-After` of the throttling faults, in seconds.
const RETRY_AFTER: u64 = 1;

const YT_KEY: &str = "AIzaSyFaults-youtube-key-SECRET-0101";
const FB_TOKEN: &str = "EAAGFaults-facebook-page-token-SECRET-0202";
const LI_TOKEN: &str = "AQVFaults-linkedin-access-token-SECRET-0303";
const IG_TOKEN: &str = "IGQVFaults-instagram-access-token-SECRET-0404";
const URN: &str = "urn:li:ugcPost:7000000000000000001";

/// The clock of the second run of the backwards-counter cell.
const LATER: &str = "2026-11-25T12:15:00Z";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Platform {
    Youtube,
    Facebook,
    Linkedin,
    Instagram,
}

const ALL: [Platform; 4] = [
    Platform::Youtube,
    Platform::Facebook,
    Platform::Linkedin,
    Platform::Instagram,
];

impl Platform {
    fn name(self) -> &'static str {
        match self {
            Platform::Youtube => "youtube",
            Platform::Facebook => "facebook",
            Platform::Linkedin => "linkedin",
            Platform::Instagram => "instagram",
        }
    }

    fn display(self) -> &'static str {
        match self {
            Platform::Youtube => "YouTube",
            Platform::Facebook => "Facebook",
            Platform::Linkedin => "LinkedIn",
            Platform::Instagram => "Instagram",
        }
    }

    /// The one configured video of the platform.
    fn video(self) -> &'static str {
        match self {
            Platform::Youtube => "vid1",
            Platform::Facebook => "111",
            Platform::Linkedin => URN,
            Platform::Instagram => "17895695668004550",
        }
    }

    /// The views the healthy answer gives.
    fn views(self) -> i64 {
        match self {
            Platform::Youtube => 8123,
            Platform::Facebook => 6850,
            Platform::Linkedin => 1432,
            Platform::Instagram => 4210,
        }
    }

    /// Observations a healthy answer gives (views and the other metrics read with them).
    fn readings(self) -> usize {
        match self {
            Platform::Youtube => 3,   // views, likes, comments
            Platform::Facebook => 2,  // views, impressions
            Platform::Linkedin => 3,  // views, likes, comments (socialMetadata)
            Platform::Instagram => 1, // views
        }
    }

    /// The request the faults answer (the one that reads the views).
    fn fault_path(self) -> &'static str {
        match self {
            Platform::Youtube => "/youtube/v3/videos:batchGetStats",
            Platform::Facebook | Platform::Instagram => "/v25.0/",
            Platform::Linkedin => "/rest/videoAnalytics",
        }
    }

    fn secret_env(self) -> &'static str {
        match self {
            Platform::Youtube => "YOUTUBE_API_KEY",
            Platform::Facebook => "FACEBOOK_ACCESS_TOKEN",
            Platform::Linkedin => "LINKEDIN_ACCESS_TOKEN",
            Platform::Instagram => "INSTAGRAM_ACCESS_TOKEN",
        }
    }

    /// The healthy answer to the fault path, with `views` as the view count.
    fn healthy(self, r: &Request, views: i64) -> ResponseTemplate {
        let body = match self {
            Platform::Youtube => fixture("youtube/batch_get_stats.json"),
            Platform::Facebook => fixture("facebook/video_insights.json"),
            Platform::Linkedin => fixture("linkedin/video_analytics.json"),
            Platform::Instagram => fixture("instagram/media_insights.json"),
        }
        .replace(&self.views().to_string(), &views.to_string());
        match self {
            Platform::Facebook | Platform::Instagram => batch(r, 200, &body),
            _ => json_body(200, &body),
        }
    }

    /// The platform's own error body (as the platform documents it) for an HTTP status.
    fn error(self, status: u16, name: &str) -> ResponseTemplate {
        json_body(status, &fixture(&format!("{}/{name}", self.name())))
    }
}

/// The ways an upstream fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// HTTP 500 with the platform's error body, every time.
    Http500,
    /// HTTP 502 with a proxy's HTML page, every time.
    Html502,
    /// HTTP 503 with `Retry-After: 1`, every time.
    Unavailable503,
    /// HTTP 429 with `Retry-After: 1`, every time.
    Throttled429,
    /// No answer within the configured timeout.
    Timeout,
    /// The connection is accepted, the request read, then reset (RST).
    Reset,
    /// HTTP 200 with the healthy body cut in half.
    TruncatedJson,
    /// HTTP 200 whose body is the platform's (transient) error object.
    ErrorIn200,
    /// The documented answer to an expired token / invalid key.
    ExpiredToken,
    /// The documented answer to a revoked token / a key that is not valid.
    RevokedToken,
    /// The video was deleted (YouTube: missing from `items`; Facebook: #100; LinkedIn: 404).
    DeletedVideo,
    /// The video is private or not the token's (YouTube: missing; Facebook: #10; LinkedIn: 403).
    PrivateVideo,
    /// The second collection reads a lower count than the first.
    CounterBackwards,
    /// 503 with `Retry-After: 1` once, then healthy.
    RecoversAfterRetryAfter,
}

impl Fault {
    /// The answer to the `n`th request (1-based) of the fault path (not for [`Fault::Reset`],
    /// which the resetting listener serves).
    fn answer(self, p: Platform, r: &Request, n: usize) -> ResponseTemplate {
        let retry_after = RETRY_AFTER.to_string();
        match self {
            Fault::Http500 => match p {
                Platform::Youtube => p.error(500, "error_internal.json"),
                Platform::Facebook | Platform::Instagram => p.error(500, "error_transient.json"),
                Platform::Linkedin => p.error(500, "error_internal.json"),
            },
            Fault::Html502 => ResponseTemplate::new(502)
                .set_body_raw(fixture("gateway_502.html"), "text/html; charset=utf-8"),
            Fault::Unavailable503 => match p {
                Platform::Youtube => p.error(503, "error_backend.json"),
                Platform::Facebook | Platform::Instagram => p.error(503, "error_transient.json"),
                Platform::Linkedin => p.error(503, "error_server.json"),
            }
            .insert_header("Retry-After", retry_after.as_str()),
            Fault::Throttled429 => match p {
                Platform::Youtube => p.error(429, "error_too_many_requests.json"),
                Platform::Facebook | Platform::Instagram => {
                    p.error(429, "error_app_rate_limited.json")
                }
                Platform::Linkedin => p.error(429, "error_throttled.json"),
            }
            .insert_header("Retry-After", retry_after.as_str()),
            Fault::Timeout => p
                .healthy(r, p.views())
                .set_delay(Duration::from_secs(3 * TIMEOUT_SECS)),
            Fault::Reset => unreachable!("served by the resetting listener"),
            Fault::TruncatedJson => {
                let body = match p {
                    Platform::Youtube => fixture("youtube/batch_get_stats.json"),
                    Platform::Facebook => {
                        serde_json::to_string(&json!([{"code": 200, "headers": [],
                            "body": fixture("facebook/video_insights.json")}]))
                        .unwrap()
                    }
                    Platform::Linkedin => fixture("linkedin/video_analytics.json"),
                    Platform::Instagram => {
                        serde_json::to_string(&json!([{"code": 200, "headers": [],
                            "body": fixture("instagram/media_insights.json")}]))
                        .unwrap()
                    }
                };
                json_body(200, &body[..body.len() / 2])
            }
            Fault::ErrorIn200 => match p {
                Platform::Youtube => p.error(200, "error_backend.json"),
                Platform::Facebook | Platform::Instagram => p.error(200, "error_transient.json"),
                Platform::Linkedin => p.error(200, "error_server.json"),
            },
            Fault::ExpiredToken => match p {
                Platform::Youtube => p.error(400, "error_key_invalid.json"),
                Platform::Facebook | Platform::Instagram => {
                    p.error(400, "error_token_expired.json")
                }
                Platform::Linkedin => p.error(401, "error_expired_token.json"),
            },
            Fault::RevokedToken => match p {
                Platform::Youtube => p.error(400, "error_api_key_invalid.json"),
                Platform::Facebook | Platform::Instagram => {
                    p.error(400, "error_password_changed.json")
                }
                Platform::Linkedin => p.error(401, "error_revoked_token.json"),
            },
            Fault::DeletedVideo => match p {
                Platform::Youtube => json_body(200, &fixture("youtube/batch_get_stats_empty.json")),
                Platform::Facebook => batch(
                    r,
                    400,
                    &fixture("facebook/error_unknown_video.json").replace("'222'", "'111'"),
                ),
                Platform::Linkedin => p.error(404, "error_not_found.json"),
                Platform::Instagram => batch(
                    r,
                    400,
                    &fixture("instagram/error_unknown_media.json")
                        .replace("17800000000000002", p.video()),
                ),
            },
            Fault::PrivateVideo => match p {
                Platform::Youtube => json_body(200, &fixture("youtube/batch_get_stats_empty.json")),
                Platform::Facebook => batch(r, 403, &fixture("facebook/error_permission.json")),
                Platform::Linkedin => p.error(403, "error_forbidden.json"),
                Platform::Instagram => batch(r, 403, &fixture("instagram/error_permission.json")),
            },
            Fault::CounterBackwards => {
                p.healthy(r, if n == 1 { p.views() } else { p.views() - 50 })
            }
            Fault::RecoversAfterRetryAfter => {
                if n == 1 {
                    Fault::Unavailable503.answer(p, r, n)
                } else {
                    p.healthy(r, p.views())
                }
            }
        }
    }
}

/// How a mock answers the `n`th request (1-based) of a path.
type Answer = Box<dyn Fn(&Request, usize) -> ResponseTemplate + Send + Sync>;

/// Records when each request came and answers it as told.
struct Recorder {
    at: Arc<Mutex<Vec<Instant>>>,
    answer: Answer,
}

impl Respond for Recorder {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let n = {
            let mut at = self.at.lock().unwrap();
            at.push(Instant::now());
            at.len()
        };
        (self.answer)(r, n)
    }
}

/// Healthy answers of `p` on `server`, except for the fault path when `fault` is given.
async fn mount(
    server: &MockServer,
    p: Platform,
    fault: Option<Fault>,
    at: Arc<Mutex<Vec<Instant>>>,
) {
    let answer: Answer = match fault {
        Some(f) => Box::new(move |r, n| f.answer(p, r, n)),
        None => Box::new(move |r, _| p.healthy(r, p.views())),
    };
    let verb = if matches!(p, Platform::Facebook | Platform::Instagram) {
        "POST"
    } else {
        "GET"
    };
    Mock::given(method(verb))
        .and(path(p.fault_path()))
        .respond_with(Recorder { at, answer })
        .mount(server)
        .await;
    if p == Platform::Linkedin {
        Mock::given(method("GET"))
            .and(path(format!(
                "/rest/socialMetadata/{}",
                URN.replace(':', "%3A")
            )))
            .respond_with(json_body(200, &fixture("linkedin/social_metadata.json")))
            .mount(server)
            .await;
    }
}

/// A listener that accepts each connection, reads the request and resets the connection.
async fn resetting_listener(at: Arc<Mutex<Vec<Instant>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            at.lock().unwrap().push(Instant::now());
            tokio::spawn(async move {
                // Read what the client sent (the request head at least), then RST.
                let mut buf = [0u8; 4096];
                let deadline = Instant::now() + Duration::from_secs(2);
                while Instant::now() < deadline {
                    let _ =
                        tokio::time::timeout(Duration::from_millis(100), stream.readable()).await;
                    match stream.try_read(&mut buf) {
                        Ok(0) => break,
                        Ok(_) => break,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        Err(_) => break,
                    }
                }
                let _ = stream.set_zero_linger();
                drop(stream);
            });
        }
    });
    base
}

fn config(bases: &[(Platform, String)]) -> String {
    let base = |p: Platform| {
        bases
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    let mut config = ConfigBuilder::new()
        .small_report()
        .section("daemon")
        .key("unhealthy_after_failures", 2);
    for p in ALL {
        config = config.platform(p.name(), &base(p));
    }
    config = config
        .http(TIMEOUT_SECS as i64, RETRIES as i64)
        .key("connect_timeout_secs", TIMEOUT_SECS as i64)
        .key("retry_budget_secs", 10)
        .campaign("c1", "Fault matrix")
        .key("launched", "2026-11-01T09:00:00+01:00")
        .key("milestones", vec![10000, 20000])
        .key("language", "en")
        .schedule()
        .key("collect", "* * * * * *");
    for p in ALL {
        config = config.video(p.name(), p.video());
    }
    config.build()
}

fn secrets() -> Vec<(&'static str, &'static str)> {
    vec![
        ("YOUTUBE_API_KEY", YT_KEY),
        ("FACEBOOK_ACCESS_TOKEN", FB_TOKEN),
        ("LINKEDIN_ACCESS_TOKEN", LI_TOKEN),
        ("INSTAGRAM_ACCESS_TOKEN", IG_TOKEN),
    ]
}

/// One server per platform: `bad` answers with `fault`, the others healthy.
struct Upstream {
    _servers: Vec<MockServer>,
    bases: Vec<(Platform, String)>,
    /// When each request of the fault path of `bad` came (each connection, for a reset).
    at: Arc<Mutex<Vec<Instant>>>,
}

impl Upstream {
    async fn start(bad: Platform, fault: Fault) -> Upstream {
        let mut servers = Vec::new();
        let mut bases = Vec::new();
        let at = Arc::new(Mutex::new(Vec::new()));
        for p in ALL {
            if p == bad && fault == Fault::Reset {
                bases.push((p, resetting_listener(at.clone()).await));
                continue;
            }
            let server = MockServer::start().await;
            if p == bad {
                mount(&server, p, Some(fault), at.clone()).await;
            } else {
                mount(&server, p, None, Arc::new(Mutex::new(Vec::new()))).await;
            }
            bases.push((p, server.uri()));
            servers.push(server);
        }
        Upstream {
            _servers: servers,
            bases,
            at,
        }
    }

    fn requests(&self) -> Vec<Instant> {
        self.at.lock().unwrap().clone()
    }
}

/// Stored observations of one platform (all metrics), from `export --format json`.
fn stored(env: &Env, p: Platform) -> Vec<Value> {
    let r = env.run(&["export", "--format", "json"]).ok();
    let all: Value = serde_json::from_str(&r.stdout).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|o| o["platform"] == p.name())
        .cloned()
        .collect()
}

fn stored_views(env: &Env, p: Platform) -> Vec<i64> {
    stored(env, p)
        .iter()
        .filter(|o| o["metric"] == "views")
        .map(|o| o["value"].as_i64().unwrap())
        .collect()
}

/// What a cell must show.
struct Expect {
    code: i32,
    /// Requests the fault path receives (also ≤ 1 + RETRIES).
    requests: usize,
    /// `read`, `missing` or `failed`: how the summary counts the video.
    counted: &'static str,
    /// Consecutive requests at least `RETRY_AFTER` apart.
    honours_retry_after: bool,
    /// Text the output (stdout and stderr) must hold: what happened and what to do.
    says: Vec<String>,
}

fn expect(p: Platform, f: Fault) -> Expect {
    use Fault::*;
    use Platform::*;
    let all = 1 + RETRIES;
    let (code, requests, counted) = match (f, p) {
        (Http500 | Html502 | Unavailable503 | Throttled429 | Timeout | Reset | ErrorIn200, _) => {
            (1, all, "failed")
        }
        (TruncatedJson | ExpiredToken | RevokedToken, _) => (1, 1, "failed"),
        (DeletedVideo, _) | (PrivateVideo, Youtube) => (0, 1, "missing"),
        (PrivateVideo, _) => (1, 1, "failed"),
        (CounterBackwards, _) => (0, 1, "read"),
        (RecoversAfterRetryAfter, _) => (0, 2, "read"),
    };
    let env = p.secret_env();
    let video = p.video();
    let says: Vec<String> = match (f, p) {
        (Http500, Youtube) => vec![
            "YouTube videos.batchGetStats answered HTTP 500 (backendError) (still so after 3 \
             attempts); try again later"
                .into(),
        ],
        (Http500, Facebook) => vec![
            "Facebook had a temporary problem (code 2: An unexpected error has occurred. Please \
             retry your request later.) (still so after 3 attempts); try again later"
                .into(),
        ],
        (Http500 | Unavailable503 | ErrorIn200, Instagram) => vec![
            "Instagram had a temporary problem (code 2: An unexpected error has occurred. Please \
             retry your request later.) (still so after 3 attempts); try again later"
                .into(),
        ],
        (Html502, Instagram) => {
            vec!["Instagram answered HTTP 502 (still so after 3 attempts); try again later".into()]
        }
        (Throttled429, Instagram) => vec![
            "Instagram rate limit reached (code 4: (#4) Application request limit reached) (still \
             so after 3 attempts); wait an hour before collecting again, or collect less often"
                .into(),
        ],
        (ExpiredToken, Instagram) => vec![format!(
            "Instagram rejected the access token in {env} (code 190, subcode 463: it has expired): \
             get a new access token"
        )],
        (RevokedToken, Instagram) => vec![format!(
            "Instagram rejected the access token in {env} (code 190, subcode 460: it was \
             invalidated because the password changed): get a new access token"
        )],
        (DeletedVideo, Instagram) => vec![format!(
            "instagram media {video}: Instagram does not know it, or this token cannot see it \
             (code 100, subcode 33: Unsupported get request. Object with ID '{video}' does not \
             exist"
        )],
        (PrivateVideo, Instagram) => vec![format!(
            "instagram media {video}: the token in {env} lacks a permission (code 10: (#10) \
             Application does not have permission for this action): use a token with \
             instagram_basic"
        )],
        (Http500, Linkedin) => vec![
            "LinkedIn videoAnalytics answered 500 serviceErrorCode 0: Internal Server Error (still \
             so after 3 attempts); try again later"
                .into(),
        ],
        (Html502, Youtube) => vec![
            "YouTube videos.batchGetStats answered HTTP 502 (no reason given) (still so after 3 \
             attempts); try again later"
                .into(),
        ],
        (Html502, Facebook) => {
            vec!["Facebook answered HTTP 502 (still so after 3 attempts); try again later".into()]
        }
        (Html502, Linkedin) => vec![
            "LinkedIn videoAnalytics answered HTTP 502 (still so after 3 attempts); try again later"
                .into(),
        ],
        (Unavailable503, Youtube) => vec![
            "YouTube videos.batchGetStats answered HTTP 503 (backendError) (still so after 3 \
             attempts); try again later"
                .into(),
        ],
        (Unavailable503, Facebook) => vec![
            "Facebook had a temporary problem (code 2: An unexpected error has occurred. Please \
             retry your request later.) (still so after 3 attempts); try again later"
                .into(),
        ],
        (Unavailable503, Linkedin) => vec![
            "LinkedIn videoAnalytics answered 503: Service Unavailable (still so after 3 attempts); \
             try again later"
                .into(),
        ],
        (Throttled429, Youtube) => vec![
            "YouTube videos.batchGetStats answered HTTP 429 (rateLimitExceeded) (still so after 3 \
             attempts); try again later"
                .into(),
        ],
        (Throttled429, Facebook) => vec![
            "Facebook rate limit reached (code 4: (#4) Application request limit reached) (still so \
             after 3 attempts); wait an hour before collecting again, or collect less often"
                .into(),
        ],
        (Throttled429, Linkedin) => vec![
            "LinkedIn rate limit reached (429 TOO_MANY_REQUESTS: Resource level throttle \
             APPLICATION DAY limit for calls to this resource is reached.) (still so after 3 \
             attempts); collect less often or try again tomorrow"
                .into(),
        ],
        (Timeout, _) => vec![format!(
            "{}: no answer within 1 s (3 attempts); the API is slow or unreachable: try again \
             later, or raise [platforms.http] timeout_secs",
            match p {
                Youtube => "YouTube videos.batchGetStats",
                Facebook => "Facebook",
                Linkedin => "LinkedIn videoAnalytics",
                Instagram => "Instagram",
            }
        )],
        (Reset, _) => vec![
            format!(
                "{}: the connection failed (",
                match p {
                    Youtube => "YouTube videos.batchGetStats",
                    Facebook => "Facebook",
                    Linkedin => "LinkedIn videoAnalytics",
                    Instagram => "Instagram",
                }
            ),
            "; 3 attempts); try again later".into(),
        ],
        (TruncatedJson, _) => vec![
            format!(
                "{} in an unexpected shape (malformed JSON (EOF while parsing",
                match p {
                    Youtube => "YouTube answered videos.batchGetStats",
                    Facebook => "Facebook answered the batch request",
                    Linkedin => "LinkedIn answered videoAnalytics",
                    Instagram => "Instagram answered the batch request",
                }
            ),
            "try again later".into(),
        ],
        (ErrorIn200, Youtube) => vec![
            "YouTube videos.batchGetStats answered HTTP 200 with error 503 (backendError) (still so \
             after 3 attempts); try again later"
                .into(),
        ],
        (ErrorIn200, Facebook) => vec![
            "Facebook had a temporary problem (code 2: An unexpected error has occurred. Please \
             retry your request later.) (still so after 3 attempts); try again later"
                .into(),
        ],
        (ErrorIn200, Linkedin) => vec![
            "LinkedIn videoAnalytics answered HTTP 200 with error 503: Service Unavailable (still \
             so after 3 attempts); try again later"
                .into(),
        ],
        (ExpiredToken, Youtube) => vec![format!(
            "YouTube rejected the API key in {env} (keyInvalid): create a key in the Google Cloud \
             console"
        )],
        (ExpiredToken, Facebook) => vec![format!(
            "Facebook rejected the access token in {env} (code 190, subcode 463: it has expired): \
             get a new Page access token"
        )],
        (ExpiredToken, Linkedin) => vec![format!(
            "LinkedIn rejected the access token in {env} (401 EXPIRED_ACCESS_TOKEN: The token used \
             in the request has expired): LinkedIn access tokens last 60 days; get a new one"
        )],
        (RevokedToken, Youtube) => vec![format!(
            "YouTube rejected the API key in {env} (API_KEY_INVALID): create a key in the Google \
             Cloud console"
        )],
        (RevokedToken, Facebook) => vec![format!(
            "Facebook rejected the access token in {env} (code 190, subcode 460: it was \
             invalidated because the password changed): get a new Page access token"
        )],
        (RevokedToken, Linkedin) => vec![format!(
            "LinkedIn rejected the access token in {env} (401 REVOKED_ACCESS_TOKEN: The token used \
             in the request has been revoked by the user): the member revoked the app's access; \
             authorise the app again"
        )],
        (DeletedVideo | PrivateVideo, Youtube) => vec![format!(
            "youtube video {video}: not returned by videos.batchGetStats (deleted, private, or a \
             wrong id); no reading stored"
        )],
        (DeletedVideo, Facebook) => vec![format!(
            "facebook video {video}: Facebook does not know it, or this token cannot see it (code \
             100, subcode 33: Unsupported get request. Object with ID '111' does not exist"
        )],
        (DeletedVideo, Linkedin) => vec![format!(
            "linkedin post {video}: LinkedIn does not know it (404 RESOURCE_NOT_FOUND: Not Found); \
             check the URN in [[campaign.video]]; no reading stored"
        )],
        (PrivateVideo, Facebook) => vec![format!(
            "facebook video {video}: the token in {env} lacks a permission (code 10: (#10) \
             Application does not have permission for this action): use a Page access token"
        )],
        (PrivateVideo, Linkedin) => vec![format!(
            "the token in {env} may not read videoAnalytics of {video} (403 ACCESS_DENIED: Not \
             enough permissions to access: GET /videoAnalytics): it needs the r_organization_social \
             scope"
        )],
        (CounterBackwards, _) => vec![],
        (RecoversAfterRetryAfter, _) => vec![format!(
            "{} {}: retrying in 1000 ms",
            p.display(),
            match p {
                Youtube => "videos.batchGetStats (1 ids)",
                Facebook | Instagram => "batch of 1",
                Linkedin => "videoAnalytics",
            }
        )],
    };
    Expect {
        code,
        requests,
        counted,
        honours_retry_after: matches!(f, Unavailable503 | Throttled429 | RecoversAfterRetryAfter),
        says,
    }
}

/// The first line of the output holding `needle`, shortened for the table.
fn excerpt(out: &str, needle: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or("")
        .trim();
    let line = line
        .split_once("error (1 video): ")
        .map(|(_, m)| m)
        .unwrap_or(line);
    let short: String = line.chars().take(110).collect();
    if short.len() < line.len() {
        format!("{short}…")
    } else {
        short
    }
}

async fn cell(p: Platform, f: Fault) {
    let up = Upstream::start(p, f).await;
    let env = Env::new();
    env.write("config/viewtally.toml", &config(&up.bases));
    let vars = secrets();
    let started = Instant::now();
    let mut r = tokio::task::block_in_place(|| env.run_env(&["collect"], &vars));
    let elapsed = started.elapsed();
    let mut requests = up.requests();
    if f == Fault::CounterBackwards {
        assert_eq!(r.code, 0, "first run:\n{}\n{}", r.stdout, r.stderr);
        assert_eq!(stored_views(&env, p), vec![p.views()]);
        let mut vars = vars.clone();
        vars.push(("VIEWTALLY_NOW", LATER));
        r = tokio::task::block_in_place(|| env.run_env(&["collect"], &vars));
        requests = up.requests()[1..].to_vec();
    }
    let e = expect(p, f);
    let out = format!("{}\n{}", r.stdout, r.stderr);
    let ctx = format!(
        "{p:?} × {f:?}\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );

    // The exit code says whether a platform failed.
    assert_eq!(r.code, e.code, "exit code; {ctx}");
    // The other platforms were collected in the same run.
    for other in ALL.into_iter().filter(|q| *q != p) {
        let runs = if f == Fault::CounterBackwards { 2 } else { 1 };
        assert_eq!(
            stored_views(&env, other),
            vec![other.views(); runs],
            "{other:?} not stored; {ctx}"
        );
        assert!(
            r.stdout.contains(&format!(
                "{:<9} 1 video → 1 read, 0 missing, 0 failed",
                format!("{}:", other.name())
            )),
            "{other:?} line; {ctx}"
        );
    }
    // The faulty platform's line counts the video as expected, with its requests and retries.
    let line = format!(
        "{:<9} 1 video → {}, {}, {} · ",
        format!("{}:", p.name()),
        format_args!("{} read", (e.counted == "read") as u8),
        format_args!("{} missing", (e.counted == "missing") as u8),
        format_args!("{} failed", (e.counted == "failed") as u8),
    );
    assert!(r.stdout.contains(&line), "wanted `{line}`; {ctx}");
    // Nothing is stored from a bad answer; a lower count is stored as read.
    let views = stored_views(&env, p);
    match f {
        Fault::CounterBackwards => assert_eq!(views, vec![p.views(), p.views() - 50], "{ctx}"),
        Fault::RecoversAfterRetryAfter => assert_eq!(views, vec![p.views()], "{ctx}"),
        _ => assert!(
            stored(&env, p).is_empty(),
            "stored from a bad answer; {ctx}"
        ),
    }
    // Retries are bounded, and Retry-After is honoured.
    assert!(
        requests.len() <= 1 + RETRIES,
        "{} requests; {ctx}",
        requests.len()
    );
    assert_eq!(requests.len(), e.requests, "requests; {ctx}");
    if e.honours_retry_after {
        for w in requests.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                gap >= Duration::from_millis(RETRY_AFTER * 1000 - 50),
                "retried after {gap:?} although Retry-After said {RETRY_AFTER} s; {ctx}"
            );
        }
    }
    // The message says what happened and what to do; failures end the run with a summary.
    for needle in &e.says {
        assert!(out.contains(needle.as_str()), "wanted `{needle}`; {ctx}");
    }
    if e.code == 1 {
        assert!(
            r.stderr.contains(&format!(
                "error: collection failed on {} (1 of 1 video) — see the errors above; the {} \
                 readings that succeeded were stored",
                p.name(),
                ALL.iter()
                    .filter(|q| **q != p)
                    .map(|q| q.readings())
                    .sum::<usize>()
            )),
            "{ctx}"
        );
    }
    // Secrets never show.
    for (_, s) in secrets() {
        assert!(!out.contains(s), "a secret leaked; {ctx}");
    }
    if f == Fault::CounterBackwards {
        backwards_is_reported(&env, p);
    }

    let note = e.says.first().map(|s| excerpt(&out, s)).unwrap_or_default();
    let stored_note = match f {
        Fault::CounterBackwards => "yes (lower value, listed as a decrease)".to_string(),
        Fault::RecoversAfterRetryAfter => "yes".to_string(),
        _ => "no".to_string(),
    };
    eprintln!(
        "| {} | {f:?} | {} | {} | {:.1} s | {} | {note} |",
        p.name(),
        r.code,
        requests.len(),
        elapsed.as_secs_f64(),
        stored_note
    );
}

/// The lower reading shows in `status` and as a decrease in the report.
fn backwards_is_reported(env: &Env, p: Platform) {
    let s: Value = serde_json::from_str(&env.run(&["status", "--json"]).ok().stdout).unwrap();
    let v = s["videos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["platform"] == p.name())
        .cloned()
        .unwrap();
    assert_eq!(v["views"], p.views() - 50, "{s}");
    assert_eq!(v["last_reading"], LATER, "{s}");
    let r = env.run_env(&["report", "--out", "out"], &[("VIEWTALLY_NOW", LATER)]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let md = env.read("out/c1/summary.md");
    let decreases = &md[md.find("## Counters that went down").expect(&md)..];
    assert!(
        decreases.contains(&format!(
            "| {} | `{}` | 25\u{a0}Nov\u{a0}2026 13:15 | {} → {} |",
            p.display(),
            p.video(),
            thousands(p.views()),
            thousands(p.views() - 50)
        )),
        "{decreases}"
    );
}

/// `8,123`: numbers as the English report writes them.
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One test per fault for a platform.
macro_rules! cells {
    ($platform:expr; $($name:ident => $fault:expr,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::cell($platform, $fault).await
            }
        )*
    };
}

macro_rules! matrix {
    ($($module:ident => $platform:expr,)*) => {
        $(
            mod $module {
                use super::{Fault, Platform};
                cells! {
                    $platform;
                    http_500 => Fault::Http500,
                    html_502 => Fault::Html502,
                    unavailable_503_retry_after => Fault::Unavailable503,
                    throttled_429_retry_after => Fault::Throttled429,
                    timeout => Fault::Timeout,
                    connection_reset => Fault::Reset,
                    truncated_json => Fault::TruncatedJson,
                    error_object_in_200 => Fault::ErrorIn200,
                    expired_token => Fault::ExpiredToken,
                    revoked_token => Fault::RevokedToken,
                    deleted_video => Fault::DeletedVideo,
                    private_video => Fault::PrivateVideo,
                    counter_goes_backwards => Fault::CounterBackwards,
                    recovers_after_retry_after => Fault::RecoversAfterRetryAfter,
                }
            }
        )*
    };
}

matrix! {
    youtube => Platform::Youtube,
    facebook => Platform::Facebook,
    linkedin => Platform::Linkedin,
    instagram => Platform::Instagram,
}

/// A metric's value from an OpenMetrics text.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
}

/// A daemon collecting every second against `up` (the daemon tests' runner), and its folder.
struct Daemon {
    inner: super::daemon::Daemon,
    _env: Env,
}

impl Daemon {
    fn start(up: &Upstream) -> Daemon {
        let env = Env::new();
        env.write("config/viewtally.toml", &config(&up.bases));
        let inner = super::daemon::Daemon::start_with(&env, "", &secrets());
        Daemon { inner, _env: env }
    }

    fn log(&self) -> String {
        self.inner.stderr.lock().unwrap().clone()
    }

    /// Collection runs so far with this result (`ok` or `error`).
    fn runs(&self, result: &str) -> usize {
        let (_, metrics) = get(&self.inner.addr, "/metrics");
        metric(
            &metrics,
            &format!(
                "viewtally_job_runs_total{{campaign=\"c1\",job=\"collect\",result=\"{result}\"}}"
            ),
        )
        .unwrap_or(0.0) as usize
    }

    /// The other platforms' views are published.
    fn assert_collected_except(&self, bad: Platform) {
        let (_, metrics) = get(&self.inner.addr, "/metrics");
        for other in ALL.into_iter().filter(|q| *q != bad) {
            let series = format!(
                "viewtally_views{{campaign=\"c1\",platform=\"{}\",video=\"{}\"}}",
                other.name(),
                other.video()
            );
            assert_eq!(
                metric(&metrics, &series),
                Some(other.views() as f64),
                "{metrics}\n{}",
                self.log()
            );
        }
    }

    /// SIGTERM; the daemon stops with 0 and its log holds no secret.
    fn stop(self) {
        let (code, log) = self.inner.terminate();
        assert_eq!(code, 0, "{log}");
        for (_, s) in secrets() {
            assert!(!log.contains(s), "a secret leaked into the daemon's log");
        }
    }
}

/// The daemon collecting every second while `bad` answers 500: after two failed runs /healthz
/// is red and names the platform, the other platforms are still collected (their views are in
/// /metrics), and each run sent at most 1 + RETRIES requests to the failing platform.
fn daemon_turns_red(bad: Platform, up: &Upstream) {
    let d = Daemon::start(up);
    let (addr, log) = (d.inner.addr.clone(), d.inner.stderr.clone());
    let ctx = |what: &str| format!("{bad:?} daemon: {what}\nstderr:\n{}", log.lock().unwrap());

    let start = Instant::now();
    let health = loop {
        let (status, body) = get(&addr, "/healthz");
        if status == 503 {
            break body;
        }
        assert_eq!(status, 200, "{}", ctx(&body));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            ctx(&format!("/healthz never turned red: {body}"))
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "failing", "{health}");
    let job = &health["jobs"][0];
    assert_eq!(job["job"], "collect", "{health}");
    assert!(
        job["consecutive_failures"].as_u64().unwrap() >= 2,
        "{health}"
    );
    let last_error = job["last_error"].as_str().unwrap();
    assert!(
        last_error.starts_with(&format!("collection failed on {}: ", bad.display())),
        "{health}"
    );
    assert!(last_error.contains("try again later"), "{health}");

    d.assert_collected_except(bad);
    let failed_runs = d.runs("error");
    assert!(failed_runs >= 2, "{}", ctx("runs"));
    // (one more run may be under way)
    let requests = up.requests().len();
    assert!(
        requests <= (failed_runs + 1) * (1 + RETRIES),
        "{requests} requests in {failed_runs} runs; {}",
        ctx("")
    );
    let (_, metrics) = get(&addr, "/metrics");
    assert!(
        metrics.contains(&format!(
            "viewtally_api_requests_total{{platform=\"{}\",status=\"500\"}}",
            bad.name()
        )),
        "{}",
        ctx(&metrics)
    );
    d.stop();
}

/// A deleted video is a warning: after three runs /healthz is still green.
fn daemon_stays_green(bad: Platform, up: &Upstream) {
    let d = Daemon::start(up);
    let start = Instant::now();
    while d.runs("ok") < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "fewer than 3 good runs: {}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, body) = get(&d.inner.addr, "/healthz");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"status":"ok"}"#),
        "{}",
        d.log()
    );
    assert_eq!(d.runs("error"), 0, "{}", d.log());
    d.assert_collected_except(bad);
    assert!(
        d.log()
            .contains(&format!("{} video {}:", bad.name(), bad.video())),
        "the warning names the video: {}",
        d.log()
    );
    d.stop();
}

macro_rules! daemon_cells {
    ($($name:ident => $platform:expr,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let up = Upstream::start($platform, Fault::Http500).await;
                tokio::task::block_in_place(|| daemon_turns_red($platform, &up));
            }
        )*
    };
}

daemon_cells! {
    daemon_healthz_red_after_youtube_failures => Platform::Youtube,
    daemon_healthz_red_after_facebook_failures => Platform::Facebook,
    daemon_healthz_red_after_linkedin_failures => Platform::Linkedin,
    daemon_healthz_red_after_instagram_failures => Platform::Instagram,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_healthz_stays_green_with_a_deleted_video() {
    let up = Upstream::start(Platform::Youtube, Fault::DeletedVideo).await;
    tokio::task::block_in_place(|| daemon_stays_green(Platform::Youtube, &up));
}

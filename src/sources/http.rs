//! The one HTTP layer of the platform APIs.
//!
//! A shared reqwest client (rustls) with connect and total timeouts and the
//! `User-Agent: viewtally/<version>` header; retries with exponential backoff and jitter
//! ([`backon`]) on timeouts, connection errors, 5xx and 429 (and whatever else a platform calls
//! transient), bounded in count and in total time and honouring `Retry-After`; bounded
//! concurrency per platform; request and retry counters for the run summary; and redaction of
//! every secret and sensitive query parameter before anything reaches a log or a message.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode, Url};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::config::{HttpConfig, Secret};
use crate::model::Platform;

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("viewtally/", env!("CARGO_PKG_VERSION"));

/// What replaces a secret in logs and messages.
pub const REDACTED: &str = "**REDACTED**";

/// Query parameters whose values are secrets wherever they appear.
const SECRET_PARAMS: &[&str] = &[
    "key",
    "access_token",
    "input_token",
    "token",
    "client_secret",
    "refresh_token",
    "code",
    "appsecret_proof",
    "fb_exchange_token",
];

/// What to do about an answer viewtally cannot read (cut short, or not in the documented
/// shape): the end of every such message.
pub const UNEXPECTED_ANSWER_ADVICE: &str =
    "try again later; if it keeps happening, check api_base \
     and any proxy in between, or update viewtally (the API may have changed)";

/// Timeouts, retries and concurrency, from `[platforms.http]`.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub retries: usize,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub retry_budget: Duration,
    pub concurrency: usize,
}

impl From<&HttpConfig> for Tuning {
    fn from(c: &HttpConfig) -> Self {
        Tuning {
            connect_timeout: Duration::from_secs_f64(c.connect_timeout_secs),
            timeout: Duration::from_secs_f64(c.timeout_secs),
            retries: c.retries as usize,
            backoff_base: Duration::from_millis(c.backoff_base_ms),
            backoff_max: Duration::from_millis(c.backoff_max_ms),
            retry_budget: Duration::from_secs_f64(c.retry_budget_secs),
            concurrency: c.concurrency.max(1),
        }
    }
}

impl Tuning {
    /// The backoff schedule: doubling from `backoff_base` with jitter, capped at `backoff_max`,
    /// at most `retries` waits adding up to at most `retry_budget`.
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.backoff_base)
            .with_max_delay(self.backoff_max)
            .with_max_times(self.retries)
            .with_total_delay(Some(self.retry_budget))
            .with_jitter()
    }
}

/// Build the shared client.
pub fn client(tuning: &Tuning) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(tuning.connect_timeout)
        .timeout(tuning.timeout)
        .use_rustls_tls()
        .build()
        .map_err(|e| error_chain(&e.without_url()))
}

/// Replaces known secret values with [`REDACTED`]. Shared by everything of one collection, so
/// that a token obtained during the run (a refreshed LinkedIn token) is hidden too.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(**REDACTED**)")
    }
}

impl Redactor {
    /// Hide this secret from now on.
    pub fn add(&self, secret: &Secret) {
        let value = secret.expose().to_string();
        if value.len() < 4 {
            return; // too short to hide without mangling ordinary text; never a real token
        }
        let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        if !secrets.contains(&value) {
            secrets.push(value);
            // Longest first, so that a secret containing another is replaced whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// The text with every known secret (also percent-encoded) replaced.
    pub fn clean(&self, text: &str) -> String {
        let secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_string();
        for s in secrets.iter() {
            out = out.replace(s.as_str(), REDACTED);
            let encoded = percent_encode(s);
            if encoded != *s {
                out = out.replace(encoded.as_str(), REDACTED);
            }
        }
        out
    }
}

/// A URL fit for a log: the values of secret query parameters replaced, user info dropped.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.iter().any(|p| k.eq_ignore_ascii_case(p));
                (
                    k.into_owned(),
                    if secret {
                        REDACTED.to_string()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Percent-encode everything but RFC 3986 unreserved characters (for URNs in paths).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An error and its causes, joined (reqwest's own text hides the useful part in the chain).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// Requests and retries of one platform in one run.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    /// Answers by HTTP status (`error` for requests that got no answer).
    pub statuses: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Stats {
    fn count_status(&self, status: &str) {
        let mut s = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        *s.entry(status.to_string()).or_insert(0) += 1;
    }
    pub fn statuses(&self) -> std::collections::BTreeMap<String, u64> {
        self.statuses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

/// The answer to a request, whatever its status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// How many times the request was sent.
    pub attempts: u32,
    /// Set when retrying stopped early because `Retry-After` asked for more than the budget.
    pub retry_after_refused: Option<Duration>,
}

impl Reply {
    /// The body as JSON, or what is wrong with it.
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("malformed JSON ({e})"))
    }

    /// `Retry-After`, in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        parse_retry_after(v, Utc::now())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Why the platform's answer is final although it is a 429 or 5xx, for messages:
    /// ` (still failing after N attempts)` or ` (it asked to wait N s, …)`.
    pub fn gave_up(&self) -> String {
        match self.retry_after_refused {
            Some(d) => format!(
                " (it asked to wait {} s with Retry-After, longer than [platforms.http] retry_budget_secs allows)",
                d.as_secs()
            ),
            None if self.attempts > 1 => {
                format!(" (still so after {} attempts)", self.attempts)
            }
            None => String::new(),
        }
    }
}

/// `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Why a request got no answer at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error(
        "no answer within {secs} s ({attempts} attempts); the API is slow or unreachable: \
         try again later, or raise [platforms.http] timeout_secs"
    )]
    Timeout { secs: String, attempts: u32 },
    #[error(
        "cannot connect to {host} ({detail}; {attempts} attempts); check the network or proxy, \
         and api_base in the config"
    )]
    Connect {
        host: String,
        detail: String,
        attempts: u32,
    },
    #[error("the connection failed ({detail}; {attempts} attempts); try again later")]
    Transport { detail: String, attempts: u32 },
    /// A check before sending (a quota budget) refused the request.
    #[error("{0}")]
    Refused(String),
}

/// One attempt's failure, inside the retry loop.
enum Fail {
    Retry(Reply),
    Timeout,
    Connect(String),
    Transport(String),
    Refused(String),
}

impl Fail {
    fn retryable(&self) -> bool {
        !matches!(self, Fail::Refused(_))
    }
    fn reason(&self) -> String {
        match self {
            Fail::Retry(r) => format!("HTTP {}", r.status.as_u16()),
            Fail::Timeout => "timeout".into(),
            Fail::Connect(d) => format!("connection error: {d}"),
            Fail::Transport(d) => format!("transport error: {d}"),
            Fail::Refused(m) => m.clone(),
        }
    }
}

/// Statuses every platform retries: 429 and 5xx.
pub fn transient(reply: &Reply) -> bool {
    reply.status == StatusCode::TOO_MANY_REQUESTS || reply.status.is_server_error()
}

/// Talks to one platform: the shared client, the platform's concurrency limit, its counters.
#[derive(Clone)]
pub struct Api {
    pub platform: Platform,
    client: reqwest::Client,
    tuning: Tuning,
    permits: Arc<Semaphore>,
    pub stats: Arc<Stats>,
    pub redactor: Redactor,
    /// Milliseconds to wait before each request (a platform asking to slow down).
    pause_ms: Arc<AtomicU64>,
}

impl Api {
    pub fn new(
        platform: Platform,
        client: reqwest::Client,
        tuning: Tuning,
        redactor: Redactor,
    ) -> Api {
        Api {
            platform,
            client,
            permits: Arc::new(Semaphore::new(tuning.concurrency)),
            tuning,
            stats: Arc::new(Stats::default()),
            redactor,
            pause_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// Wait this long before each further request (0: no pause).
    pub fn set_pause(&self, pause: Duration) {
        self.pause_ms
            .store(pause.as_millis() as u64, Ordering::Relaxed);
    }

    /// Send a request, retrying while `retry_when` says the answer is transient (and on
    /// timeouts and connection errors), waiting as [`Tuning::backoff`] says or as long as
    /// `Retry-After` asks. `gate` runs before every attempt, once it is the request's turn
    /// under the concurrency limit (a quota or usage check), and may refuse it.
    /// Returns the last answer whatever its status; an error only when there was none.
    pub async fn send(
        &self,
        what: &str,
        request: RequestBuilder,
        retry_when: &(dyn Fn(&Reply) -> bool + Sync),
        gate: Option<&(dyn Fn() -> Result<(), String> + Sync)>,
    ) -> Result<Reply, SendError> {
        let started = Instant::now();
        let attempts = AtomicU32::new(0);
        let refused_wait: Mutex<Option<Duration>> = Mutex::new(None);
        let budget = self.tuning.retry_budget;
        let (this, attempts_ref, request_ref) = (self, &attempts, &request);
        let attempt = move || async move {
            this.attempt(what, request_ref, retry_when, gate, attempts_ref)
                .await
        };

        let result = attempt
            .retry(self.tuning.backoff())
            .sleep(tokio::time::sleep)
            .when(Fail::retryable)
            .adjust(|fail, backoff| {
                let backoff = backoff?;
                let wait = match fail {
                    Fail::Retry(reply) => reply.retry_after().unwrap_or(backoff),
                    _ => backoff,
                };
                if started.elapsed() + wait > budget {
                    if matches!(fail, Fail::Retry(r) if r.retry_after().is_some()) {
                        *refused_wait.lock().unwrap_or_else(|e| e.into_inner()) = Some(wait);
                    }
                    return None;
                }
                Some(wait)
            })
            .notify(|fail, wait| {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    platform = %self.platform,
                    what,
                    wait_ms = wait.as_millis() as u64,
                    reason = %self.redactor.clean(&fail.reason()),
                    "{} {what}: retrying in {} ms",
                    self.platform.display_name(),
                    wait.as_millis()
                );
            })
            .await;

        let refused_wait = *refused_wait.lock().unwrap_or_else(|e| e.into_inner());
        self.outcome(
            result,
            &request,
            attempts.load(Ordering::Relaxed),
            refused_wait,
        )
    }

    /// One attempt: wait for a permit, ask the gate, pause if asked to, send and read the
    /// answer; a transient answer (as `retry_when` says) is a failure to retry.
    async fn attempt(
        &self,
        what: &str,
        request: &RequestBuilder,
        retry_when: &(dyn Fn(&Reply) -> bool + Sync),
        gate: Option<&(dyn Fn() -> Result<(), String> + Sync)>,
        attempts: &AtomicU32,
    ) -> Result<Reply, Fail> {
        // Wait for our turn first, so that the gate sees the latest state.
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Fail::Transport(e.to_string()))?;
        if let Some(gate) = gate {
            gate().map_err(Fail::Refused)?;
        }
        let pause = self.pause_ms.load(Ordering::Relaxed);
        if pause > 0 {
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let builder = request
            .try_clone()
            .ok_or_else(|| Fail::Transport("the request body cannot be sent again".into()))?;
        let (client, request) = builder.build_split();
        let request = request.map_err(|e| Fail::Transport(error_chain(&e.without_url())))?;
        tracing::debug!(
            platform = %self.platform,
            what,
            method = %request.method(),
            url = %self.redactor.clean(&redact_url(request.url())),
            attempt = n,
            "request"
        );
        let response = client.execute(request).await.map_err(|e| {
            self.stats.count_status("error");
            self.fail(e)
        })?;
        let status = response.status();
        self.stats.count_status(status.as_str());
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| self.fail(e))?.to_vec();
        tracing::debug!(platform = %self.platform, what, status = status.as_u16(), bytes = body.len(), "answer");
        let reply = Reply {
            status,
            headers,
            body,
            attempts: n,
            retry_after_refused: None,
        };
        if retry_when(&reply) {
            Err(Fail::Retry(reply))
        } else {
            Ok(reply)
        }
    }

    /// What the retry loop ended with, as [`Api::send`] returns it.
    fn outcome(
        &self,
        result: Result<Reply, Fail>,
        request: &RequestBuilder,
        attempts: u32,
        refused_wait: Option<Duration>,
    ) -> Result<Reply, SendError> {
        match result {
            Ok(reply) => Ok(reply),
            Err(Fail::Retry(mut reply)) => {
                reply.retry_after_refused = refused_wait;
                Ok(reply)
            }
            Err(Fail::Timeout) => Err(SendError::Timeout {
                secs: format!("{}", self.tuning.timeout.as_secs_f64()),
                attempts,
            }),
            Err(Fail::Connect(detail)) => Err(SendError::Connect {
                host: request
                    .try_clone()
                    .and_then(|b| b.build().ok())
                    .map(|r| {
                        let u = r.url();
                        format!(
                            "{}:{}",
                            u.host_str().unwrap_or("?"),
                            u.port_or_known_default().unwrap_or(0)
                        )
                    })
                    .unwrap_or_else(|| "the API".into()),
                detail: self.redactor.clean(&detail),
                attempts,
            }),
            Err(Fail::Transport(detail)) => Err(SendError::Transport {
                detail: self.redactor.clean(&detail),
                attempts,
            }),
            Err(Fail::Refused(m)) => Err(SendError::Refused(m)),
        }
    }

    fn fail(&self, e: reqwest::Error) -> Fail {
        let e = e.without_url();
        if e.is_timeout() {
            Fail::Timeout
        } else if e.is_connect() {
            Fail::Connect(self.redactor.clean(&error_chain(&e)))
        } else {
            Fail::Transport(self.redactor.clean(&error_chain(&e)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    pub fn fast() -> Tuning {
        Tuning {
            connect_timeout: Duration::from_millis(500),
            timeout: Duration::from_millis(500),
            retries: 3,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(5),
            retry_budget: Duration::from_secs(10),
            concurrency: 4,
        }
    }

    fn api(tuning: Tuning) -> Api {
        let client = client(&tuning).unwrap();
        Api::new(Platform::Youtube, client, tuning, Redactor::default())
    }

    #[test]
    fn urls_lose_their_secrets() {
        let u = Url::parse(
            "https://u:p@www.googleapis.com/youtube/v3/videos?part=statistics&id=a,b&key=AIzaSECRET",
        )
        .unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("AIzaSECRET") && !r.contains("u:p"), "{r}");
        assert!(r.contains("key=**REDACTED**"), "{r}");
        assert!(r.contains("part=statistics"), "{r}");
        let u =
            Url::parse("https://graph.facebook.com/debug_token?input_token=EAAB&access_token=EAAC")
                .unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("EAAB") && !r.contains("EAAC"), "{r}");
    }

    #[test]
    fn redactor_hides_plain_and_encoded_secrets() {
        let r = Redactor::default();
        r.add(&Secret::new("abc/def+ghi"));
        r.add(&Secret::new("xy")); // too short to hide
        assert_eq!(
            r.clean("token abc/def+ghi or abc%2Fdef%2Bghi; xy"),
            "token **REDACTED** or **REDACTED**; xy"
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn server_errors_are_retried_until_success() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&server)
            .await;
        let api = api(fast());
        let req = api.client().get(format!("{}/x", server.uri()));
        let reply = api.send("x", req, &transient, None).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.attempts, 3);
        assert_eq!((api.stats.requests(), api.stats.retries()), (3, 2));
        let got = server.received_requests().await.unwrap();
        assert_eq!(
            got[0].headers.get("user-agent").unwrap().to_str().unwrap(),
            USER_AGENT
        );
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let api = api(fast());
        let req = api.client().get(format!("{}/x", server.uri()));
        let reply = api.send("x", req, &transient, None).await.unwrap();
        assert_eq!(reply.status, 500);
        assert_eq!(reply.attempts, 4, "1 try + 3 retries");
        assert_eq!(reply.gave_up(), " (still so after 4 attempts)");
    }

    #[tokio::test]
    async fn retry_after_is_honoured_and_a_long_one_gives_up() {
        let server = MockServer::start().await;
        Mock::given(path("/short"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path("/short"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        Mock::given(path("/long"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
            .mount(&server)
            .await;
        let api = api(fast());
        let t = Instant::now();
        let reply = api
            .send(
                "s",
                api.client().get(format!("{}/short", server.uri())),
                &transient,
                None,
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 200);
        assert!(
            t.elapsed() >= Duration::from_millis(950),
            "{:?}",
            t.elapsed()
        );

        let t = Instant::now();
        let reply = api
            .send(
                "l",
                api.client().get(format!("{}/long", server.uri())),
                &transient,
                None,
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 429);
        assert_eq!(reply.attempts, 1);
        assert!(t.elapsed() < Duration::from_secs(1));
        assert!(
            reply.gave_up().contains("asked to wait 3600 s"),
            "{}",
            reply.gave_up()
        );
    }

    #[tokio::test]
    async fn timeouts_are_retried_then_reported() {
        let server = MockServer::start().await;
        Mock::given(path("/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let mut t = fast();
        t.timeout = Duration::from_millis(150);
        t.retries = 1;
        let api = api(t);
        let err = api
            .send(
                "s",
                api.client().get(format!("{}/slow", server.uri())),
                &transient,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no answer within 0.15 s (2 attempts); the API is slow or unreachable: try again later, \
             or raise [platforms.http] timeout_secs"
        );
    }

    #[tokio::test]
    async fn connection_errors_name_the_host() {
        // A port nothing listens on: bind, note the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut t = fast();
        t.retries = 1;
        let api = api(t);
        let req = api
            .client()
            .get(format!("http://127.0.0.1:{port}/x?key=SECRETKEY"));
        let err = api.send("x", req, &transient, None).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("cannot connect to 127.0.0.1:{port} (")),
            "{text}"
        );
        assert!(!text.contains("SECRETKEY"), "{text}");
    }

    #[tokio::test]
    async fn the_gate_can_refuse_without_sending() {
        let server = MockServer::start().await;
        let api = api(fast());
        let gate = || Err::<(), _>("budget spent".to_string());
        let err = api
            .send("x", api.client().get(server.uri()), &transient, Some(&gate))
            .await
            .unwrap_err();
        assert_eq!(err, SendError::Refused("budget spent".into()));
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let server = MockServer::start().await;
        Mock::given(path("/w"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(200)))
            .mount(&server)
            .await;
        let mut t = fast();
        t.concurrency = 2;
        let api = api(t);
        let started = Instant::now();
        let calls = (0..4).map(|_| {
            let api = api.clone();
            let url = format!("{}/w", server.uri());
            async move { api.send("w", api.client().get(url), &transient, None).await }
        });
        for r in futures_util::future::join_all(calls).await {
            assert_eq!(r.unwrap().status, 200);
        }
        // 4 requests of 200 ms, 2 at a time: at least 2 rounds.
        assert!(
            started.elapsed() >= Duration::from_millis(390),
            "{:?}",
            started.elapsed()
        );
    }
}

//! The Graph API batch protocol shared by the Meta platforms (Facebook, Instagram).
//!
//! A batch is `POST {api_base}/{version}/` with up to 50 sub-requests (the token in the POST
//! body, never in a URL); each sub-answer is `{code, headers, body}` with `body` a JSON string,
//! or `null` when Graph did not get to it. Error objects `{"error": {message, type, code,
//! error_subcode, fbtrace_id}}` come with any status. `X-App-Usage` and
//! `X-Business-Use-Case-Usage` say how close the app is to the rate limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::RequestBuilder;
use serde_json::{json, Value};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::answer::{decode, kind};
use super::http::{transient, Api, Reply};
use super::Probe;
use crate::config::{Problem, Secret};

/// Most sub-requests in one batch.
pub const MAX_BATCH: usize = 50;

/// Usage (percent of the app's or Page's rate limit) above which viewtally slows down.
pub const SLOW_DOWN_AT: u64 = 80;

/// A Graph API error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub message: String,
    pub kind: String,
    pub code: i64,
    pub subcode: Option<i64>,
    pub fbtrace_id: Option<String>,
}

impl GraphError {
    /// `{"error": {...}}`, if the document is one.
    pub fn from_doc(doc: &Value) -> Option<GraphError> {
        let e = doc.get("error")?;
        Some(GraphError {
            message: e["message"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
            kind: e["type"].as_str().unwrap_or("").to_string(),
            code: e["code"].as_i64()?,
            subcode: e["error_subcode"].as_i64(),
            fbtrace_id: e["fbtrace_id"].as_str().map(str::to_string),
        })
    }

    pub fn code_text(&self) -> String {
        match self.subcode {
            Some(s) => format!("code {}, subcode {s}", self.code),
            None => format!("code {}", self.code),
        }
    }

    pub fn transient(&self) -> bool {
        matches!(self.code, 1 | 2 | 4 | 17 | 32 | 613)
    }
}

/// A transient problem's message `what; advice` with why viewtally gave up inserted before the
/// advice: `what (still so after 3 attempts); advice`.
pub fn gave_up(message: &str, why: &str) -> String {
    match message.rsplit_once("; ") {
        Some((what, advice)) => format!("{what}{why}; {advice}"),
        None => format!("{message}{why}"),
    }
}

/// The highest usage percentage in the usage headers, with the header's name and the minutes
/// until access is regained (when the platform says).
pub fn usage(reply: &Reply) -> Option<(u64, &'static str, Option<u64>)> {
    let mut best: Option<(u64, &'static str, Option<u64>)> = None;
    let mut consider = |obj: &Value, header: &'static str| {
        let pct = ["call_count", "total_cputime", "total_time"]
            .iter()
            .filter_map(|k| obj[*k].as_f64())
            .fold(0.0_f64, f64::max) as u64;
        let regain = obj["estimated_time_to_regain_access"]
            .as_u64()
            .filter(|m| *m > 0);
        if best.is_none_or(|(b, _, _)| pct > b) {
            best = Some((pct, header, regain));
        }
    };
    if let Some(v) = reply
        .header("x-app-usage")
        .and_then(|h| serde_json::from_str::<Value>(h).ok())
    {
        consider(&v, "X-App-Usage");
    }
    if let Some(Value::Object(map)) = reply
        .header("x-business-use-case-usage")
        .and_then(|h| serde_json::from_str::<Value>(h).ok())
    {
        for entries in map.values() {
            for e in entries.as_array().into_iter().flatten() {
                consider(e, "X-Business-Use-Case-Usage");
            }
        }
    }
    best
}

/// A batch POST is retried on 429/5xx and on transient Graph codes.
pub fn retryable(reply: &Reply) -> bool {
    transient(reply)
        || reply
            .json()
            .ok()
            .and_then(|d| GraphError::from_doc(&d))
            .is_some_and(|e| e.transient())
}

/// The batch request asking `relative_urls` (each `GET`).
pub fn batch_request(
    api: &Api,
    api_base: &str,
    api_version: &str,
    token: &Secret,
    relative_urls: &[String],
) -> RequestBuilder {
    let batch: Vec<Value> = relative_urls
        .iter()
        .map(|u| json!({"method": "GET", "relative_url": u}))
        .collect();
    api.client()
        .post(format!("{api_base}/{api_version}/"))
        .form(&[
            ("access_token", token.expose()),
            ("batch", &Value::Array(batch).to_string()),
            ("include_headers", "false"),
        ])
}

/// Why a whole batch answer is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchFailure {
    /// An error object (whatever the status).
    Graph(GraphError),
    /// A status other than 2xx without an error object; `transient`: 429 or 5xx.
    Status { status: u16, transient: bool },
    /// Not a list of `asked` answers: what is wrong.
    Shape(String),
}

/// The sub-answers of a batch answer to `asked` sub-requests, in order.
pub fn batch_answers(reply: &Reply, asked: usize) -> Result<Vec<Value>, BatchFailure> {
    if let Some(e) = reply.json().ok().and_then(|d| GraphError::from_doc(&d)) {
        return Err(BatchFailure::Graph(e));
    }
    if !reply.status.is_success() {
        return Err(BatchFailure::Status {
            status: reply.status.as_u16(),
            transient: transient(reply),
        });
    }
    let doc = reply.json().map_err(BatchFailure::Shape)?;
    let Some(answers) = doc.as_array() else {
        return Err(BatchFailure::Shape(format!(
            "the answer should be a list, not {}",
            kind(&doc)
        )));
    };
    if answers.len() != asked {
        return Err(BatchFailure::Shape(format!(
            "{} answers to {} requests",
            answers.len(),
            asked
        )));
    }
    Ok(answers.clone())
}

/// One sub-answer, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum SubAnswer {
    /// `null`: Graph did not get to it (batch timeout); ask again.
    Unanswered,
    /// The body is an error object.
    Error(GraphError),
    /// HTTP 200 and its JSON body.
    Ok(Value),
    /// Another code without an error object.
    Status(u64),
}

/// One element of a batch answer (`headers` are not asked for).
#[derive(Deserialize)]
struct BatchAnswer {
    code: StatusCode,
    body: String,
}

/// A sub-answer's HTTP status.
struct StatusCode(u64);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        v.as_u64()
            .map(StatusCode)
            .ok_or_else(|| D::Error::custom("should be a number"))
    }
}

/// Decode the `i`-th element of a batch answer; an error says what is malformed.
pub fn sub_answer(i: usize, answer: &Value) -> Result<SubAnswer, String> {
    let path = format!("answer[{i}]");
    if answer.is_null() {
        return Ok(SubAnswer::Unanswered);
    }
    let BatchAnswer {
        code: StatusCode(code),
        body,
    } = decode(answer, &path)?;
    let doc: Value =
        serde_json::from_str(&body).map_err(|e| format!("{path}.body is malformed JSON ({e})"))?;
    if let Some(e) = GraphError::from_doc(&doc) {
        return Ok(SubAnswer::Error(e));
    }
    Ok(if code == 200 {
        SubAnswer::Ok(doc)
    } else {
        SubAnswer::Status(code)
    })
}

/// A Graph API version (`v25.0`) in `section`'s `api_version`.
pub fn check_version(section: &'static str, value: &str) -> Result<(), Problem> {
    let v = value.strip_prefix('v').unwrap_or("");
    let ok = v.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && (a.to_string() + b).chars().all(|c| c.is_ascii_digit())
    });
    if ok {
        return Ok(());
    }
    Err((
        section,
        "api_version",
        format!(
            "{section} api_version `{value}` is not a Graph API version; write it like \"v25.0\""
        ),
    ))
}

/// How close a Graph platform is to its rate limit during one run (from the usage headers of
/// every batch answer): above [`SLOW_DOWN_AT`] % it pauses `slow_down_ms` before each request
/// (and warns once); at 100 % it stops asking.
pub struct UsageWatch {
    slow_down_ms: u64,
    /// Set when usage reached 100 %: the message for every question not yet asked.
    stopped: Mutex<Option<String>>,
    slowed: AtomicBool,
    warnings: Mutex<Vec<String>>,
}

impl UsageWatch {
    pub fn new(slow_down_ms: u64) -> UsageWatch {
        UsageWatch {
            slow_down_ms,
            stopped: Mutex::new(None),
            slowed: AtomicBool::new(false),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// Why asking stopped, if it did: for a send gate, checked when a request's turn comes.
    pub fn stopped(&self) -> Result<(), String> {
        match self
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    /// The warnings of the run (slowing down).
    pub fn into_warnings(self) -> Vec<String> {
        self.warnings.into_inner().unwrap_or_default()
    }

    /// Slow down above 80 % of the rate limit; stop asking at 100 %.
    pub fn watch(&self, api: &Api, reply: &Reply) {
        let Some((pct, header, regain)) = usage(reply) else {
            return;
        };
        let name = api.platform.display_name();
        if pct >= 100 {
            let when = regain
                .map(|m| format!("in about {m} minutes"))
                .unwrap_or_else(|| "within an hour".into());
            let why = format!(
                "{name} usage is at {pct} % of the rate limit ({header}); viewtally stopped asking \
                 to avoid being blocked — try again {when}"
            );
            *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        } else if pct > SLOW_DOWN_AT {
            api.set_pause(std::time::Duration::from_millis(self.slow_down_ms));
            if !self.slowed.swap(true, Ordering::SeqCst) {
                self.warnings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!(
                        "{name} usage is at {pct} % of the rate limit ({header}); slowing down \
                         ({} ms between requests)",
                        self.slow_down_ms
                    ));
            }
        }
    }
}

/// Where to ask `debug_token` and how to word its refusals, for one Graph platform.
pub struct TokenCheck<'a> {
    pub api_base: &'a str,
    pub api_version: &'a str,
    /// The environment variable that holds the token.
    pub env: &'a str,
    /// What to get when the token is not valid: `access token`, `Page access token`.
    pub new_token: &'a str,
    /// The platform's own message for a Graph error, if it has one.
    pub refusal: &'a (dyn Fn(&GraphError) -> Option<String> + Sync),
}

/// `GET /debug_token` about `token`: the `data` of a valid token, or the probe's message why
/// not.
pub async fn debug_token(
    api: &Api,
    check: &TokenCheck<'_>,
    token: &Secret,
) -> Result<Value, String> {
    let name = api.platform.display_name();
    let request = api
        .client()
        .get(format!(
            "{}/{}/debug_token",
            check.api_base, check.api_version
        ))
        .query(&[("input_token", token.expose())])
        .bearer_auth(token.expose());
    let reply = api
        .send("debug_token", request, &retryable, None)
        .await
        .map_err(|e| format!("{name} debug_token: {e}"))?;
    let mut doc = reply
        .json()
        .map_err(|d| format!("{name} answered debug_token in an unexpected shape ({d})"))?;
    if let Some(e) = GraphError::from_doc(&doc) {
        return Err((check.refusal)(&e).unwrap_or_else(|| {
            format!(
                "{name} refused debug_token ({}: {})",
                e.code_text(),
                e.message
            )
        }));
    }
    let data = doc["data"].take();
    if !data.is_object() {
        return Err(format!(
            "{name} answered debug_token in an unexpected shape (data is missing)"
        ));
    }
    if data["is_valid"].as_bool() != Some(true) {
        let why = data["error"]["message"]
            .as_str()
            .unwrap_or("no reason given");
        let (env, new_token) = (check.env, check.new_token);
        return Err(format!(
            "the token in {env} is not valid ({why}): get a new {new_token} (see README, Live \
             collection) and put it in .env as {env}=…"
        ));
    }
    Ok(data)
}

/// The probe's `permissions:` line, and a failing line for each of `needed` that the token's
/// `scopes` lack (`insights`: what will be refused, `video insights`).
pub fn check_scopes(probe: &mut Probe, data: &Value, needed: &[&str], insights: &str) {
    let scopes: Vec<&str> = data["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    probe.line(format!(
        "permissions: {}",
        if scopes.is_empty() {
            "none listed".to_string()
        } else {
            scopes.join(", ")
        }
    ));
    for needed in needed {
        if !scopes.is_empty() && !scopes.contains(needed) {
            probe.line(format!(
                "missing permission {needed}: {insights} will be refused"
            ));
            probe.ok = false;
        }
    }
}

/// A `debug_token` time (seconds since 1970; 0: never) for the probe: `2026-12-01 10:00 UTC
/// (in 3 days)`.
pub fn expiry(secs: Option<i64>, now: DateTime<Utc>) -> String {
    match secs {
        None => "unknown".into(),
        Some(0) => "never".into(),
        Some(s) => match Utc.timestamp_opt(s, 0).single() {
            Some(t) if t <= now => format!("{} (expired)", t.format("%Y-%m-%d %H:%M UTC")),
            Some(t) => format!(
                "{} (in {} days)",
                t.format("%Y-%m-%d %H:%M UTC"),
                (t - now).num_days()
            ),
            None => "unknown".into(),
        },
    }
}

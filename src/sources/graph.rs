//! The Graph API batch protocol shared by the Meta platforms (Facebook, Instagram).
//!
//! A batch is `POST {api_base}/{version}/` with up to 50 sub-requests (the token in the POST
//! body, never in a URL); each sub-answer is `{code, headers, body}` with `body` a JSON string,
//! or `null` when Graph did not get to it. Error objects `{"error": {message, type, code,
//! error_subcode, fbtrace_id}}` come with any status. `X-App-Usage` and
//! `X-Business-Use-Case-Usage` say how close the app is to the rate limit.

use reqwest::RequestBuilder;
use serde_json::{json, Value};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::answer::{decode, kind};
use super::http::{transient, Api, Reply};
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

//! Fake upstreams: the platform APIs answering their documented JSON shapes (the fixtures of
//! `tests/fixtures/api/`) as wiremock mocks, with knobs for errors and latency; a lean YouTube
//! for long soaks; a webhook receiver. Wants [`super::fixtures`] beside it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::fixtures;

/// A JSON answer with this status and body.
pub fn json_body(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// A JSON answer with this status and the API fixture `name` as its body.
pub fn json_reply(status: u16, name: &str) -> ResponseTemplate {
    json_body(status, &fixtures::api(name))
}

/// A Graph batch answer: one `{code, headers, body}` per sub-request of the POSTed batch.
pub fn graph_batch(r: &Request, code: u16, body: &str) -> ResponseTemplate {
    let sent = String::from_utf8_lossy(&r.body).to_string();
    let n = sent.matches("relative_url").count().max(1);
    let answers: Vec<Value> = (0..n)
        .map(|_| json!({"code": code, "headers": [], "body": body}))
        .collect();
    ResponseTemplate::new(200).set_body_json(answers)
}

/// A Graph batch answer (Facebook, Instagram): every sub-request answered with this code and
/// body.
pub struct Batch(pub u16, pub String);

impl Respond for Batch {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        graph_batch(r, self.0, &self.1)
    }
}

/// The relative URLs of a POSTed Graph batch's sub-requests.
pub fn batch_urls(r: &Request) -> Vec<String> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&r.body).unwrap_or_default();
    let Some((_, batch)) = form.iter().find(|(k, _)| k == "batch") else {
        return Vec::new();
    };
    let subs: Vec<Value> = serde_json::from_str(batch).unwrap_or_default();
    subs.iter()
        .map(|s| s["relative_url"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A Graph batch answer per sub-request: `(part of the relative URL, code, body)`, the
/// first that fits; the others answered 200 with `default`.
pub struct GraphByUrl(pub Vec<(String, u16, String)>, pub String);

impl Respond for GraphByUrl {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let answers: Vec<Value> = batch_urls(r)
            .iter()
            .map(
                |url| match self.0.iter().find(|(p, _, _)| url.contains(p.as_str())) {
                    Some((_, code, body)) => json!({"code": code, "headers": [], "body": body}),
                    None => json!({"code": 200, "headers": [], "body": self.1}),
                },
            )
            .collect();
        ResponseTemplate::new(200).set_body_json(answers)
    }
}

/// The platforms' healthy answers on one server, checking the YouTube key and the LinkedIn
/// token: YouTube `videos:batchGetStats`, the Facebook Graph batch, LinkedIn `videoAnalytics`
/// and `socialMetadata` of `urn:li:ugcPost:7000000000000000001`.
pub async fn mount_healthy(server: &MockServer, youtube_key: &str, linkedin_token: &str) {
    Mock::given(method("GET"))
        .and(path("/youtube/v3/videos:batchGetStats"))
        .and(query_param("key", youtube_key))
        .respond_with(json_reply(200, "youtube/batch_get_stats.json"))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v25.0/"))
        .respond_with(Batch(200, fixtures::api("facebook/video_insights.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/videoAnalytics"))
        .and(header(
            "authorization",
            format!("Bearer {linkedin_token}").as_str(),
        ))
        .respond_with(json_reply(200, "linkedin/video_analytics.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/rest/socialMetadata/urn%3Ali%3AugcPost%3A7000000000000000001",
        ))
        .respond_with(json_reply(200, "linkedin/social_metadata.json"))
        .mount(server)
        .await;
}

/// YouTube's `videos.list` answering for `vid1` with views that rise by 50 at every request.
pub struct Rising(pub AtomicI64);

impl Respond for Rising {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "kind": "youtube#videoListResponse",
            "items": [{"kind": "youtube#video", "id": "vid1",
                       "statistics": {"viewCount": (n * 50).to_string(), "likeCount": "3"}}]
        }))
    }
}

/// A server whose YouTube `videos.list` answers with [`Rising`] views (50 at the first request).
pub async fn rising_youtube() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(Rising(AtomicI64::new(0)))
        .mount(&server)
        .await;
    server
}

/// A lean fake of YouTube's `videos.list` for soaks: views rise by 40 a request; every 5th
/// request fails with 500, every 7th with 403, so the error paths run too; `answered` counts
/// the requests. A plain HTTP/1.1 server on a thread of its own, not wiremock: a wiremock mock
/// keeps every request it matched, which grows the process by ~5 KB a request and would hide
/// what the code under test holds. Its base URL.
pub fn lean_youtube(answered: Arc<AtomicU64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answered = answered.clone();
            std::thread::spawn(move || lean_youtube_connection(stream, &answered));
        }
    });
    base
}

fn lean_youtube_connection(stream: TcpStream, answered: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    loop {
        // the request head (a GET: no body)
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let n = answered.fetch_add(1, Ordering::SeqCst) + 1;
        let (status, body) = if n.is_multiple_of(5) {
            ("500 Internal Server Error", "backend error".to_string())
        } else if n.is_multiple_of(7) {
            (
                "403 Forbidden",
                json!({"error": {"code": 403, "message": "forbidden",
                    "errors": [{"reason": "forbidden"}]}})
                .to_string(),
            )
        } else {
            (
                "200 OK",
                json!({
                    "kind": "youtube#videoListResponse",
                    "items": [{"kind": "youtube#video", "id": "vid1", "statistics":
                        {"viewCount": (n * 40).to_string(), "likeCount": "3"}}]
                })
                .to_string(),
            )
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// A local webhook receiver that records every POST body and answers 200, after a delay that
/// may depend on the request's number (from 0).
pub struct Hook {
    pub url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Hook {
    /// A receiver that answers at once.
    pub fn start() -> Hook {
        Hook::start_with_delay(|_| 0)
    }

    /// A receiver that answers request `i` after `delay_ms(i)` milliseconds.
    pub fn start_with_delay(delay_ms: fn(usize) -> u64) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let b = bodies.clone();
        std::thread::spawn(move || {
            for (i, stream) in listener.incoming().flatten().enumerate() {
                let b = b.clone();
                std::thread::spawn(move || answer_hook(stream, &b, delay_ms(i)));
            }
        });
        Hook { url, bodies }
    }

    /// Every body received, in order.
    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// The `threshold` of every body received, in order (-1 where there is none).
    pub fn thresholds(&self) -> Vec<i64> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["threshold"].as_i64().unwrap_or(-1))
            .collect()
    }

    /// How many bodies of each threshold it received.
    pub fn counts(&self) -> std::collections::BTreeMap<i64, usize> {
        let mut out = std::collections::BTreeMap::new();
        for t in self.thresholds() {
            *out.entry(t).or_insert(0) += 1;
        }
        out
    }
}

/// Read one POST, record its JSON body (`null` when it is not JSON), wait, answer 200.
fn answer_hook(mut stream: TcpStream, bodies: &Mutex<Vec<Value>>, delay_ms: u64) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut len = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    bodies
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap_or_default());
    std::thread::sleep(Duration::from_millis(delay_ms));
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
}

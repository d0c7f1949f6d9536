//! Secret hygiene across every command: known secret values (API key, tokens, client secret,
//! webhook URL, store password) go in, and no output, log line (any level, text or JSON),
//! report, export, `/metrics`, `/healthz` or store byte may hold them afterwards. Also the
//! permissions of `.env` and the store.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::collect::{
    config as api_config, mount_good, secrets_env, FB_TOKEN, LI_CLIENT_SECRET, LI_REFRESH,
    LI_REFRESHED, LI_TOKEN, YT_KEY,
};
use super::common::*;
use super::daemon::{get, Daemon};

/// The secret part of a Slack-style webhook URL.
const HOOK_SECRET: &str = "hooksecretXYZ0007abcdefgh";
/// A password in a store URL.
const PG_PASSWORD: &str = "pg-password-SECRET-0008";

const ALL: [&str; 8] = [
    YT_KEY,
    FB_TOKEN,
    LI_TOKEN,
    LI_CLIENT_SECRET,
    LI_REFRESH,
    LI_REFRESHED,
    HOOK_SECRET,
    PG_PASSWORD,
];

const REFRESH_CONFIG: &str = "client_id_env = \"LINKEDIN_CLIENT_ID\"\n\
    client_secret_env = \"LINKEDIN_CLIENT_SECRET\"\n\
    refresh_token_env = \"LINKEDIN_REFRESH_TOKEN\"\n";

fn all_vars() -> Vec<(&'static str, &'static str)> {
    let mut vars = secrets_env();
    vars.extend([
        ("LINKEDIN_CLIENT_ID", "client-id-123"),
        ("LINKEDIN_CLIENT_SECRET", LI_CLIENT_SECRET),
        ("LINKEDIN_REFRESH_TOKEN", LI_REFRESH),
    ]);
    vars
}

/// Everything a request carried, as an API that quotes it back would show it.
fn seen(r: &Request) -> String {
    let headers: Vec<String> = r
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
        .collect();
    format!(
        "{} {} [{}] {}",
        r.method,
        r.url,
        headers.join("; "),
        String::from_utf8_lossy(&r.body)
    )
}

/// Every endpoint answers `status` with an error that repeats the whole request (URL with the
/// key, Authorization header, form body with the client secret and refresh token). With
/// `refresh_ok`, the LinkedIn token refresh succeeds (so the refreshed token is in play too).
struct Failing {
    status: u16,
    refresh_ok: bool,
}

impl Respond for Failing {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let seen = seen(r);
        let p = r.url.path();
        if p == "/oauth/v2/accessToken" && self.refresh_ok {
            return ResponseTemplate::new(200).set_body_json(json!({
                "access_token": LI_REFRESHED, "expires_in": 5184000,
                "refresh_token": LI_REFRESH, "refresh_token_expires_in": 31536000}));
        }
        let body = if p.starts_with("/youtube") {
            json!({"error": {"code": self.status, "message": seen,
                "errors": [{"reason": "forbidden", "message": seen}]}})
        } else if p.starts_with("/v25.0") {
            json!({"error": {"code": 190, "type": "OAuthException", "message": seen}})
        } else if p.starts_with("/oauth") {
            json!({"error": "invalid_grant", "error_description": seen})
        } else {
            json!({"status": self.status, "code": "ERROR", "message": seen})
        };
        ResponseTemplate::new(self.status).set_body_json(body)
    }
}

/// What one run printed.
struct Output {
    what: String,
    text: String,
}

fn run(env: &Env, what: &str, args: &[&str], vars: &[(&str, &str)]) -> (Run, Output) {
    let r = env.run_env(args, vars);
    let out = Output {
        what: format!("{what}: viewtally {}", args.join(" ")),
        text: format!("{}\n{}", r.stdout, r.stderr),
    };
    (r, out)
}

/// Every file under the folder, except the config (which names variables, never values) and
/// `.env` (which holds them on purpose).
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if !p.ends_with("config/viewtally.toml") && !p.ends_with(".env") {
                files.push(p);
            }
        }
    }
    files
}

#[track_caller]
fn assert_clean(outputs: &[Output], env: &Env) {
    let mut leaks = Vec::new();
    for o in outputs {
        for s in ALL {
            if o.text.contains(s) {
                leaks.push(format!("`{}` printed {s}:\n{}", o.what, o.text));
            }
        }
    }
    for f in files_under(env.dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in ALL {
            if text.contains(s) {
                leaks.push(format!("{} holds {s}", f.display()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_shows_a_secret_whatever_the_upstream_answers() {
    let env = Env::new();
    let vars = all_vars();
    let mut outputs = Vec::new();
    let mut scenarios = 0;

    // Every platform failing with each status, the servers quoting the request back.
    for status in [400, 401, 403, 429, 500, 503] {
        for refresh_ok in [true, false] {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(Failing { status, refresh_ok })
                .mount(&server)
                .await;
            env.write(
                "config/viewtally.toml",
                &api_config(&server.uri(), REFRESH_CONFIG),
            );
            let what = format!("all platforms answer {status} (token refresh ok: {refresh_ok})");
            let args: &[&[&str]] = if refresh_ok {
                &[&["-vv", "collect"], &["-vv", "check", "--online"]]
            } else {
                &[
                    &["-vv", "--log-format", "json", "collect"],
                    &["-q", "collect"],
                ]
            };
            for a in args {
                let (r, o) = tokio::task::block_in_place(|| run(&env, &what, a, &vars));
                assert_ne!(r.code, 0, "{}", o.text);
                outputs.push(o);
                scenarios += 1;
            }
        }
    }
    // The secrets were really sent and quoted back, so the check above means something.
    assert!(
        outputs.iter().any(|o| o.text.contains("**REDACTED**")),
        "no message quoted a secret"
    );

    // Timeouts: no answer in time, twice.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Failing {
            status: 500,
            refresh_ok: true,
        })
        .mount(&server)
        .await;
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&slow)
        .await;
    let text = api_config(&slow.uri(), REFRESH_CONFIG)
        .replace("timeout_secs = 2", "timeout_secs = 0.2")
        .replace("retries = 2", "retries = 1");
    env.write("config/viewtally.toml", &text);
    for a in [&["-vv", "collect"][..], &["-vv", "check", "--online"]] {
        let (r, o) = tokio::task::block_in_place(|| run(&env, "timeouts", a, &vars));
        assert_ne!(r.code, 0, "{}", o.text);
        assert!(o.text.contains("no answer within 0.2 s"), "{}", o.text);
        outputs.push(o);
        scenarios += 1;
    }

    // A good collection, at every log level and format, then everything that reads the store.
    let good = MockServer::start().await;
    mount_good(&good).await;
    env.write("config/viewtally.toml", &api_config(&good.uri(), ""));
    for a in [
        &["-vv", "collect"][..],
        &["-vv", "--log-format", "json", "collect"],
        &["-vv", "status"],
        &["-vv", "status", "--json"],
        &["-vv", "report"],
        &["-vv", "export", "--format", "csv"],
        &["-vv", "export", "--format", "json"],
        &["-vv", "export", "--what", "timeline", "--format", "json"],
        &["-vv", "check"],
    ] {
        let (r, o) = tokio::task::block_in_place(|| run(&env, "good answers", a, &vars));
        assert_eq!(r.code, 0, "{}", o.text);
        outputs.push(o);
        scenarios += 1;
    }
    // Tracing every crate (HTTP client internals included).
    let (r, o) = tokio::task::block_in_place(|| {
        let mut v = vars.clone();
        v.push(("VIEWTALLY_LOG", "trace"));
        run(&env, "VIEWTALLY_LOG=trace", &["collect"], &v)
    });
    assert_eq!(r.code, 0, "{}", o.text);
    outputs.push(o);
    scenarios += 1;

    // A store URL with a password, from the environment and from the config.
    let pg = format!("postgres://viewtally:{PG_PASSWORD}@127.0.0.1:1/viewtally");
    for a in [&["check"][..], &["status"], &["collect"], &["report"]] {
        let mut v = vars.clone();
        v.push(("VIEWTALLY_STORE", &pg));
        let (_, o) = tokio::task::block_in_place(|| run(&env, "postgres store", a, &v));
        outputs.push(o);
        scenarios += 1;
    }
    let text = api_config(&good.uri(), "").replace("sqlite://data/test.db", &pg);
    env.write("config/viewtally.toml", &text);
    for a in [&["check"][..], &["-vv", "status", "--json"]] {
        let (_, o) = tokio::task::block_in_place(|| run(&env, "postgres store", a, &vars));
        outputs.push(o);
        scenarios += 1;
    }
    assert!(
        outputs.iter().any(|o| o
            .text
            .contains("postgres://viewtally:**REDACTED**@127.0.0.1:1")),
        "the store URL is shown redacted"
    );

    assert_clean(&outputs, &env);
    println!("secrets: {scenarios} runs, {} secrets, no leak", ALL.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_shows_no_secret_in_logs_metrics_health_or_webhook_errors() {
    // YouTube answers (so a milestone is crossed and announced), Facebook and LinkedIn fail
    // quoting the request, and the webhook fails quoting its own URL.
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/videos:batchGetStats"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            super::collect::fixture("youtube/batch_get_stats.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/services/T0/B0/{HOOK_SECRET}")))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string(format!("no such hook /services/T0/B0/{HOOK_SECRET}")),
        )
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(Failing {
            status: 401,
            refresh_ok: true,
        })
        .mount(&server)
        .await;
    let env = Env::new();
    let text = api_config(&server.uri(), REFRESH_CONFIG).replace(
        "milestones = [10000, 20000]\nlanguage = \"en\"\n",
        "milestones = [100, 20000]\nlanguage = \"en\"\n\n[campaign.schedule]\ncollect = \"* * * * * *\"\n",
    );
    let text = format!(
        "[daemon]\nunhealthy_after_failures = 1\n\n[[notify]]\nurl_env = \"HOOK_URL\"\nformat = \"slack\"\n{text}"
    );
    env.write("config/viewtally.toml", &text);
    let hook = format!("{}/services/T0/B0/{HOOK_SECRET}", server.uri());
    let vars = all_vars();
    // Monitoring began an hour ago at 0 views, so the first collection's crossing of 100 is
    // announced (issue 18: one crossed before the first reading would not be).
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let before = env.write(
        "before.csv",
        &format!(
            "platform,video,account,metric,kind,at,value\n\
             youtube,vid1,,views,total,{hour_ago},0\nyoutube,vid2,,views,total,{hour_ago},0\n"
        ),
    );
    let imported = env
        .command(&["import", before.to_str().unwrap()])
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");

    let d = tokio::task::block_in_place(|| Daemon::start_with(&env, &hook, &vars));
    let mut scraped = Vec::new();
    let start = Instant::now();
    loop {
        let (code, body) = tokio::task::block_in_place(|| get(&d.addr, "/healthz"));
        let hooked = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|r| r.url.path().contains(HOOK_SECRET));
        if code == 503 && hooked && d.stderr.lock().unwrap().contains("not delivered") {
            scraped.push(Output {
                what: "GET /healthz".into(),
                text: body,
            });
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "healthz {code} {body}; webhook called: {hooked}; stderr:\n{}",
            d.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for p in ["/metrics", "/", "/reports/c1/report.html"] {
        let (_, body) = tokio::task::block_in_place(|| get(&d.addr, p));
        scraped.push(Output {
            what: format!("GET {p}"),
            text: body,
        });
    }
    assert!(
        scraped[1].text.contains("viewtally_campaign_views"),
        "{}",
        scraped[1].text
    );
    let (_, stderr) = tokio::task::block_in_place(|| d.terminate());
    assert!(stderr.contains("**REDACTED**"), "{stderr}");
    scraped.push(Output {
        what: "daemon log".into(),
        text: stderr,
    });
    assert_clean(&scraped, &env);
}

#[test]
fn env_files_with_secrets_stay_private_and_their_errors_quote_no_value() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let dotenv = env.write(".env", &format!("YOUTUBE_API_KEY={YT_KEY}\n"));
    let mode = |m| std::fs::set_permissions(&dotenv, std::fs::Permissions::from_mode(m)).unwrap();

    mode(0o600);
    let r = env.run(&["check"]).ok();
    assert!(!r.stderr.contains("chmod"), "{}", r.stderr);

    mode(0o644);
    let r = env.run(&["check"]).ok();
    assert!(
        r.stderr
            .contains(".env can be read by other users; run `chmod 600 .env`"),
        "{}",
        r.stderr
    );
    mode(0o640);
    let r = env.run(&["check"]).ok();
    assert!(
        r.stderr.contains("chmod 600 .env"),
        "group-readable: {}",
        r.stderr
    );

    // --env-file is checked the same way.
    let other = env.write("secrets/prod.env", &format!("YOUTUBE_API_KEY={YT_KEY}\n"));
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o604)).unwrap();
    mode(0o600);
    let r = env.run(&["--env-file", "secrets/prod.env", "check"]).ok();
    assert!(
        r.stderr.contains("chmod 600 secrets/prod.env"),
        "{}",
        r.stderr
    );

    // A line dotenv cannot parse is named by its number, never quoted (it may hold a token).
    env.write(
        ".env",
        &format!("# secrets\nFACEBOOK_ACCESS_TOKEN={FB_TOKEN}\nYOUTUBE_API_KEY {YT_KEY}\n"),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        !r.stderr.contains(YT_KEY) && !r.stdout.contains(YT_KEY),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(FB_TOKEN), "{}", r.stderr);
    assert!(r.stderr.contains(".env line 3"), "{}", r.stderr);

    // `init` writes no secret file, only the example (the store is created owner-only: see
    // store::sqlite tests and below).
    let fresh = Env::new();
    fresh.run(&["init"]).ok();
    assert!(!fresh.path(".env").exists());
    let example = fresh.read(".env.example");
    assert!(example.contains("YOUTUBE_API_KEY=\n"), "{example}");

    // The store and its WAL are readable by their owner only.
    env.write(
        "views.csv",
        "platform,video,account,metric,kind,at,value\nyoutube,yt1,Chan,views,total,2026-11-20T10:00:00Z,5\n",
    );
    env.write(".env", "");
    env.run(&["import", "views.csv"]).ok();
    let mut seen = 0;
    for f in std::fs::read_dir(env.path("data")).unwrap() {
        let f = f.unwrap();
        let mode = f.metadata().unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "{} is {:o}",
            f.path().display(),
            mode & 0o777
        );
        seen += 1;
    }
    assert!(seen >= 1);
}

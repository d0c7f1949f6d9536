//! Issue 13: `check` catches what would fail later. Refused (exit 2): an unknown platform,
//! `milestones = []`. Warned about (exit 0, a `warning:` line on stderr naming the variable or
//! id): ids that are not the platform's, a `[[notify]]` url_env or a credential a schedule
//! needs that is not set, a campaign without observations in a store that holds others.

use super::common::*;

fn config(milestones: &str, video: &str) -> String {
    format!(
        r#"
[store]
url = "sqlite://data/test.db"

[platforms.youtube]

[[notify]]
url_env = "TEAM_HOOK_URL"

[[campaign]]
slug = "c1"
name = "Check test"
timezone = "Europe/Prague"
milestones = {milestones}

[campaign.schedule]
collect = "0 */15 * * * *"

[[campaign.video]]
{video}
"#
    )
}

const GOOD: &str = "platform = \"youtube\"\nid = \"https://youtu.be/dQ8mC2c4Rx0\"";

#[test]
fn unknown_platforms_and_empty_milestones_are_refused() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config("[1000]", "platform = \"tiktok\"\nid = \"7234\""),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("platform `tiktok` is not supported (yet); supported platforms: youtube, facebook, instagram, linkedin"),
        "{}",
        r.stderr
    );
    env.write(
        "config/viewtally.toml",
        &config("[1000]", "platform = \"twitter\"\nid = \"x\""),
    );
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(":20:12: unknown platform `twitter`; supported platforms: youtube, facebook, instagram, linkedin"),
        "{}",
        r.stderr
    );
    env.write("config/viewtally.toml", &config("[]", GOOD));
    let r = env.run(&["check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("campaign `c1`: milestones = [] lists no milestone"),
        "{}",
        r.stderr
    );
}

#[test]
fn ids_variables_and_webhooks_are_warned_about_by_name() {
    let env = Env::new();
    for (video, says) in [
        (
            "platform = \"youtube\"\nid = \"abc\"",
            "`abc` is not a YouTube video id",
        ),
        (
            "platform = \"facebook\"\nid = \"conectart\"",
            "`conectart` is not a Facebook video id",
        ),
        (
            "platform = \"linkedin\"\nid = \"12345\"",
            "`12345` is not a LinkedIn post",
        ),
    ] {
        env.write("config/viewtally.toml", &config("[1000]", video));
        let r = env.run(&["check"]).ok();
        assert!(r.stderr.contains(says), "{}", r.stderr);
    }
    env.write("config/viewtally.toml", &config("[1000]", GOOD));
    let r = env.run(&["check"]).ok();
    assert!(
        r.stderr.contains("warning: campaign `c1` collects on a schedule from YouTube, but YOUTUBE_API_KEY is not set"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("warning: [[notify]] url_env = \"TEAM_HOOK_URL\": TEAM_HOOK_URL is not set"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("2 warnings (see above)"), "{}", r.stdout);
    // Set: no warning, and the secret appears nowhere.
    let r = env
        .run_env(
            &["check"],
            &[
                ("YOUTUBE_API_KEY", "AIza-check-key"),
                ("TEAM_HOOK_URL", "https://hooks.example/secret-path"),
            ],
        )
        .ok();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    assert!(!r.stdout.contains("warning"), "{}", r.stdout);
    assert!(!(r.stdout.clone() + &r.stderr).contains("secret-path"));
    assert!(!(r.stdout + &r.stderr).contains("AIza-check-key"));
}

/// A collect error is said once (in the summary), not again in the log at the default
/// verbosity; and the YouTube key error names the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collect_error_is_printed_once() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                      "errors": [{"reason": "badRequest", "message": "API key not valid. Please pass a valid API key."}]}
        })))
        .mount(&server)
        .await;
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &config("[1000]", GOOD).replace(
            "[platforms.youtube]\n",
            &format!("[platforms.youtube]\napi_base = \"{}\"\n", server.uri()),
        ),
    );
    let r = tokio::task::block_in_place(|| {
        env.run_env(&["collect"], &[("YOUTUBE_API_KEY", "AIza-once-key")])
    });
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(
        all.matches("YouTube rejected the API key in YOUTUBE_API_KEY")
            .count(),
        1,
        "{all}"
    );
    assert!(
        all.contains("1 video → 0 read, 0 missing, 1 failed"),
        "{all}"
    );
    assert!(!all.contains("AIza-once-key"), "{all}");
}

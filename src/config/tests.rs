use super::*;

fn err(text: &str) -> String {
    Config::parse(text, "test.toml").unwrap_err().to_string()
}

const MINIMAL: &str = "[[campaign]]\nslug = \"a\"\nname = \"A\"\ntimezone = \"Europe/Prague\"\n";

#[test]
fn minimal_config_gets_defaults() {
    let c = Config::parse(MINIMAL, "test.toml").unwrap();
    assert_eq!(c.store.url, DEFAULT_STORE_URL);
    assert_eq!(c.campaigns[0].milestones(), &[8000, 10000]);
    assert_eq!(c.campaigns[0].tz(), chrono_tz::Europe::Prague);
    assert_eq!(
        c.report.chart_sizes(),
        vec![ChartSize::Web, ChartSize::Print]
    );
}

#[test]
fn unknown_key_is_named_with_position() {
    let e = err(&format!("{MINIMAL}colour = \"red\"\n"));
    assert!(
        e.starts_with("test.toml:5:1: unknown field `colour`"),
        "{e}"
    );
}

#[test]
fn bad_time_zone() {
    let e = err("[[campaign]]\nslug = \"a\"\nname = \"A\"\ntimezone = \"Europe/Praha\"\n");
    assert_eq!(
        e,
        "test.toml:4:12: unknown time zone `Europe/Praha`; use an IANA name such as `Europe/Prague` or `UTC`"
    );
}

#[test]
fn duplicate_slug() {
    let e = err(&format!("{MINIMAL}{MINIMAL}"));
    assert!(
        e.starts_with("test.toml:6:8: duplicate campaign slug `a`"),
        "{e}"
    );
}

#[test]
fn bad_cron_and_milestones() {
    let e = err(&format!(
        "{MINIMAL}[campaign.schedule]\ncollect = \"61 * * * *\"\n"
    ));
    assert!(
        e.starts_with("test.toml:6:11: invalid cron expression"),
        "{e}"
    );
    let e = err(&format!("{MINIMAL}milestones = [10000, 8000]\n"));
    assert!(e.contains("increasing"), "{e}");
}

#[test]
fn bad_platform_names_choices() {
    let e = err(&format!(
        "{MINIMAL}[[campaign.video]]\nplatform = \"myspace\"\nid = \"x\"\n"
    ));
    assert!(e.contains("test.toml:6:12"), "{e}");
    assert!(e.contains("youtube"), "{e}");
}

#[test]
fn cron_accepts_five_and_six_fields() {
    assert!(parse_cron("*/15 * * * *").is_ok());
    assert!(parse_cron("0 */15 * * * *").is_ok());
    assert!(parse_cron("* *").is_err());
}

#[test]
fn secret_is_redacted() {
    let s = Secret::new("hunter2");
    assert_eq!(format!("{s} {s:?}"), "**REDACTED** **REDACTED**");
}

#[test]
fn daemon_section() {
    let c = Config::parse(
        &format!("[daemon]\nlisten = \"0.0.0.0:9\"\njitter_s = 5\n[[notify]]\nurl_env = \"HOOK\"\nformat = \"slack\"\n{MINIMAL}"),
        "t",
    )
    .unwrap();
    assert_eq!(c.daemon.jitter_s, 5);
    assert_eq!(c.notify[0].format, NotifyFormat::Slack);
    let e = err(&format!("[daemon]\nlisten = \"nowhere\"\n{MINIMAL}"));
    assert!(e.contains("is not an address"), "{e}");
    let e = err(&format!(
        "{MINIMAL}[campaign.schedule]\nimport_dir = \"* * * * *\"\n"
    ));
    assert!(e.contains("needs watch_dir"), "{e}");
}

#[test]
fn video_ids_written_as_urls_are_stored_as_ids() {
    let c = Config::parse(
        &format!(
            "{MINIMAL}[[campaign.video]]\nplatform = \"youtube\"\nid = \"https://youtu.be/dQ8mC2c4Rx0?si=x\"\n\
             [[campaign.video]]\nplatform = \"linkedin\"\nid = \"https://www.linkedin.com/feed/update/urn:li:share:123/\"\n"
        ),
        "test.toml",
    )
    .unwrap();
    let ids: Vec<&str> = c.campaigns[0]
        .videos
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(ids, vec!["dQ8mC2c4Rx0", "urn:li:share:123"]);
    let e = err(&format!(
        "{MINIMAL}[[campaign.video]]\nplatform = \"youtube\"\nid = \"dQ8mC2c4Rx0\"\n\
         [[campaign.video]]\nplatform = \"youtube\"\nid = \"https://www.youtube.com/watch?v=dQ8mC2c4Rx0\"\n"
    ));
    assert!(e.contains("lists youtube video `dQ8mC2c4Rx0` twice"), "{e}");
    let e = err(&format!(
        "{MINIMAL}[[campaign.video]]\nplatform = \"facebook\"\nid = \"3.11275E+15\"\n"
    ));
    assert!(e.starts_with("test.toml:7:"), "{e}");
    assert!(e.contains("spreadsheet rounded"), "{e}");
}

#[test]
fn platform_defaults_are_current() {
    let c = Config::parse(
        &format!("[platforms.youtube]\n[platforms.facebook]\n[platforms.linkedin]\n{MINIMAL}"),
        "test.toml",
    )
    .unwrap();
    let p = &c.platforms;
    assert_eq!(p.linkedin.as_ref().unwrap().api_version, "202610");
    assert_eq!(
        p.linkedin.as_ref().unwrap().oauth_base,
        "https://www.linkedin.com"
    );
    assert_eq!(p.facebook.as_ref().unwrap().api_version, "v25.0");
    assert_eq!(p.youtube.as_ref().unwrap().daily_quota, 10_000);
    assert_eq!(p.youtube.as_ref().unwrap().method, YoutubeMethod::Auto);
    assert_eq!(p.http.retries, 4);
}

#[test]
fn api_bases_lose_a_trailing_slash() {
    let c = Config::parse(
        &format!("[platforms.youtube]\napi_base = \"http://127.0.0.1:8080/\"\n{MINIMAL}"),
        "test.toml",
    )
    .unwrap();
    assert_eq!(
        c.platforms.youtube.unwrap().api_base,
        "http://127.0.0.1:8080"
    );
}

#[test]
fn bad_platform_values_are_named_with_position() {
    for (section, expected) in [
        (
            "[platforms.linkedin]\napi_version = \"2024-11\"\n",
            "test.toml:2:1: [platforms.linkedin] api_version `2024-11` must be YYYYMM, e.g. \"202610\" (LinkedIn-Version header)",
        ),
        (
            "[platforms.facebook]\napi_version = \"25.0\"\n",
            "test.toml:2:1: [platforms.facebook] api_version `25.0` is not a Graph API version; write it like \"v25.0\"",
        ),
        (
            "[platforms.youtube]\napi_base = \"www.googleapis.com\"\n",
            "test.toml:2:1: [platforms.youtube] api_base `www.googleapis.com` must be scheme and host (and optional port), e.g. \"https://api.example.com\" or \"http://127.0.0.1:8080\"",
        ),
        (
            "[platforms.youtube]\napi_key_env = \"AIzaSyTHE-KEY-ITSELF\"\n",
            "test.toml:2:1: [platforms.youtube] api_key_env `AIzaSyTHE-KEY-ITSELF` must name an environment variable (letters, digits and `_`, e.g. \"YOUTUBE_API_KEY\"); the secret itself goes in .env",
        ),
        (
            "[platforms.facebook]\nmetrics = [\"total_video_views\", \"post_reactions\"]\n",
            "test.toml:2:1: [platforms.facebook] metrics: unknown metric `post_reactions`; viewtally reads total_video_views, total_video_impressions, total_video_impressions_unique",
        ),
        (
            "[platforms.linkedin]\nrefresh_token_env = \"LI_REFRESH\"\n",
            "test.toml:1:1: [platforms.linkedin]: token refresh needs client_id_env, client_secret_env and refresh_token_env together (introspection needs the first two); set the missing ones",
        ),
        (
            "[platforms.http]\nconcurrency = 0\n",
            "test.toml:2:1: [platforms.http] concurrency must be between 1 and 50",
        ),
        (
            "[platforms.http]\ntimeout_secs = 0\n",
            "test.toml:2:1: [platforms.http] timeout_secs must be a number of seconds above 0, e.g. 30",
        ),
    ] {
        assert_eq!(err(&format!("{section}{MINIMAL}")), expected);
    }
}

#[test]
fn embedded_configs_are_valid() {
    Config::parse(EXAMPLE_CONFIG, "viewtally.example.toml").unwrap();
    Config::parse(DEMO_CONFIG, "demo.toml").unwrap();
}

#[test]
fn chart_sizes() {
    assert_eq!("web".parse::<ChartSize>(), Ok(ChartSize::Web));
    assert_eq!("3200x1800".parse::<ChartSize>(), Ok(ChartSize::Print));
    assert_eq!(
        "1200x675".parse::<ChartSize>(),
        Ok(ChartSize::Custom(1200, 675))
    );
    assert_eq!(ChartSize::Custom(1200, 675).file_suffix(), "-1200x675");
    assert!("huge".parse::<ChartSize>().is_err());
    assert!("100x100"
        .parse::<ChartSize>()
        .unwrap_err()
        .contains("between 200"));
    let c = Config::parse(
        &format!("[report]\nsizes = [\"print\", \"800x800\"]\n{MINIMAL}"),
        "t",
    )
    .unwrap();
    assert_eq!(
        c.report.chart_sizes(),
        vec![ChartSize::Print, ChartSize::Custom(800, 800)]
    );
    let c = Config::parse(
        &format!("[report]\nwidth = 1000\nheight = 500\n{MINIMAL}"),
        "t",
    )
    .unwrap();
    assert_eq!(c.report.chart_sizes(), vec![ChartSize::Custom(1000, 500)]);
    let e = err(&format!("[report]\nsizes = [\"big\"]\n{MINIMAL}"));
    assert!(e.starts_with("test.toml:2:9: chart size `big`"), "{e}");
    let e = err(&format!("[report]\nwidth = 1000\n{MINIMAL}"));
    assert!(e.contains("go together"), "{e}");
}

#[test]
fn style_colours() {
    let c = Config::parse(
        &format!("{MINIMAL}[campaign.style]\nlogo = \"ACME\"\n[campaign.style.colors]\nyoutube = \"#f00\"\nlinkedin = \"#0A66C2\"\n"),
        "t",
    )
    .unwrap();
    let style = &c.campaigns[0].style;
    assert_eq!(
        style.colors.get(Platform::Youtube),
        Some(HexColor(255, 0, 0))
    );
    assert_eq!(
        style.colors.get(Platform::Linkedin),
        Some(HexColor(0x0a, 0x66, 0xc2))
    );
    assert_eq!(style.colors.get(Platform::Facebook), None);
    let e = err(&format!(
        "{MINIMAL}[campaign.style.colors]\nfacebook = \"blue\"\n"
    ));
    assert!(
        e.starts_with("test.toml:6:12: colour `blue` is not `#rrggbb`"),
        "{e}"
    );
}

#[test]
fn instagram_section_defaults_validation_and_day_timezone() {
    let c = Config::parse(
        &format!("[platforms.instagram]\n[platforms.facebook]\nday_timezone = \"UTC\"\n{MINIMAL}"),
        "test.toml",
    )
    .unwrap();
    let ig = c.platforms.instagram.as_ref().unwrap();
    assert_eq!(ig.access_token_env, "INSTAGRAM_ACCESS_TOKEN");
    assert_eq!(ig.api_base, "https://graph.facebook.com");
    assert_eq!(ig.api_version, "v25.0");
    // Without its own, Instagram's days are those of [platforms.facebook].
    assert_eq!(
        c.platforms.day_timezone(Platform::Instagram),
        chrono_tz::UTC
    );
    let c = Config::parse(
        &format!("[platforms.instagram]\nday_timezone = \"Europe/Prague\"\n{MINIMAL}"),
        "test.toml",
    )
    .unwrap();
    assert_eq!(
        c.platforms.day_timezone(Platform::Instagram),
        chrono_tz::Europe::Prague
    );
    assert_eq!(
        c.platforms.day_timezone(Platform::Facebook),
        chrono_tz::America::Los_Angeles
    );
    let e = err(&format!(
        "[platforms.instagram]\napi_version = \"25\"\n{MINIMAL}"
    ));
    assert!(
        e.starts_with(
            "test.toml:2:1: [platforms.instagram] api_version `25` is not a Graph API \
             version; write it like \"v25.0\""
        ),
        "{e}"
    );
    let e = err(&format!("[platforms.instagram]\nplays = true\n{MINIMAL}"));
    assert!(e.contains("unknown field `plays`"), "{e}");
}

#[test]
fn per_language_texts_fall_back_to_english_then_the_first_given() {
    let c = Config::parse(
        &format!(
            "{MINIMAL}[campaign.style]\ntitle = {{ cs = \"Děkujeme\", en = \"Thank you\" }}\n\
             subtitle = {{ cs = \"Jen česky\" }}\nsource = \"Plain\"\n"
        ),
        "t.toml",
    )
    .unwrap();
    let style = &c.campaigns[0].style;
    let title = style.title.as_ref().unwrap();
    assert_eq!(title.get(Language::Cs), "Děkujeme");
    assert_eq!(title.get(Language::En), "Thank you");
    let subtitle = style.subtitle.as_ref().unwrap();
    assert_eq!(subtitle.get(Language::En), "Jen česky");
    assert_eq!(subtitle.missing(), vec![(Language::En, Language::Cs)]);
    assert_eq!(style.source.as_ref().unwrap().get(Language::Cs), "Plain");
    assert_eq!(
        style.missing_languages(),
        vec!["[campaign.style] subtitle has no `en` text; en reports use the `cs` one"]
    );
}

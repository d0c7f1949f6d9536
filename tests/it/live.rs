//! Issue 16, point 5: the daemon's live page. `/c/<slug>/` is the current report built from
//! the store on request, its charts are always current with cache validators, `/` is the one
//! campaign's live page or an index of several; the page renders in headless Chromium at
//! phone and desktop size.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::common::*;
use super::daemon::Daemon;
use super::report::{assert_inked, chromium_or_skip, screenshot_url};

/// A response: status, headers (names lower-case), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .replace('\u{a0}', " ")
            .replace("&#x2f;", "/")
    }
}

/// GET `path` with extra request headers.
fn fetch(addr: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("GET {path} HTTP/1.0\r\nhost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

const CONFIG: &str = r#"
[store]
url = "sqlite://data/live.db"

[report]
sizes = ["web"]
formats = ["png", "svg"]

[[campaign]]
slug = "c1"
name = "Live test"
timezone = "Europe/Prague"
language = "en"
milestones = [100, 200, 1000]
"#;

const SECOND: &str = r#"
[[campaign]]
slug = "c2"
name = "Second <campaign>"
timezone = "Europe/Prague"
language = "cs"
milestones = [1000]
"#;

fn import(env: &Env, campaign: &str, name: &str, rows: &str) {
    let file = env.write(
        name,
        &format!("platform,video,account,metric,kind,at,value\n{rows}"),
    );
    env.run(&["import", "--campaign", campaign, file.to_str().unwrap()])
        .ok();
}

fn first_readings(env: &Env) {
    import(
        env,
        "c1",
        "a.csv",
        "youtube,v1,,views,total,2020-07-24T10:00:00Z,50\n\
         youtube,v1,,views,total,2020-07-25T10:00:00Z,150\n\
         facebook,f1,,views,total,2020-07-25T10:00:00Z,40\n",
    );
}

#[test]
fn live_page_and_charts_are_current_with_cache_validators() {
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    first_readings(&env);
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);

    // the campaign's current report, with the live block and no script
    let page = fetch(&d.addr, "/c/c1/", &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    for needle in [
        "<meta http-equiv=\"refresh\" content=\"300\">",
        "<span class=\"value\">190</span>",
        "<strong>Live page</strong> · last reading 25 Jul 2020 12:00 (Europe/Prague) · page updated ",
        "refreshes every 5 minutes",
        "<a href=\"/c/c1/cumulative.png\">cumulative.png</a>",
        "<a href=\"/c/c1/daily.svg\">daily.svg</a>",
        "<svg viewBox=",
    ] {
        assert!(html.contains(needle), "missing {needle} in\n{html}");
    }
    assert!(!html.contains("<script"), "{html}");
    // links as written, not entity-escaped
    assert!(
        String::from_utf8_lossy(&page.body).contains("<a href=\"/c/c1/cumulative.png\">"),
        "{html}"
    );
    assert!(!html.contains("Last saved report"), "no report written yet");
    assert_eq!(page.header("cache-control"), Some("public, max-age=60"));
    let page_etag = page.header("etag").expect("an ETag").to_string();
    // without a trailing slash: to the page
    let moved = fetch(&d.addr, "/c/c1", &[]);
    assert_eq!(moved.status, 308);
    assert_eq!(moved.header("location"), Some("/c/c1/"));

    // `/` with one campaign is its live page
    let index = fetch(&d.addr, "/", &[]);
    assert_eq!(index.status, 200);
    assert!(index.text().contains("<strong>Live page</strong>"));

    // a chart: a PNG of the web size, with validators
    let png = fetch(&d.addr, "/c/c1/cumulative.png", &[]);
    assert_eq!(png.status, 200, "{}", png.text());
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert_eq!(png.header("cache-control"), Some("public, max-age=60"));
    let img = image::load_from_memory(&png.body).expect("a valid PNG");
    assert_eq!((img.width(), img.height()), (1600, 900));
    std::fs::write(env.path("live-cumulative.png"), &png.body).unwrap();
    let etag = png.header("etag").expect("an ETag").to_string();
    let modified = png
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    assert!(modified.ends_with(" GMT"), "{modified}");
    assert_ne!(etag, page_etag);
    let again = fetch(&d.addr, "/c/c1/cumulative.png", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let since = fetch(
        &d.addr,
        "/c/c1/cumulative.png",
        &[("If-Modified-Since", &modified)],
    );
    assert_eq!(since.status, 304);
    let svg = fetch(&d.addr, "/c/c1/platforms.svg", &[]);
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert!(svg.text().contains("<svg"), "{}", svg.text());

    // unknown campaign or file: 404 with a short message
    let none = fetch(&d.addr, "/c/nope/", &[]);
    assert_eq!(none.status, 404);
    assert!(
        none.text().contains("no campaign `nope` is configured"),
        "{}",
        none.text()
    );
    assert_eq!(fetch(&d.addr, "/c/nope/cumulative.png", &[]).status, 404);
    let file = fetch(&d.addr, "/c/c1/cumulative.gif", &[]);
    assert_eq!(file.status, 404);
    assert!(
        file.text().contains(
            "has no live file `cumulative.gif`; it has: cumulative.png, cumulative.svg, daily.png"
        ),
        "{}",
        file.text()
    );

    // new readings: the page and the chart change, the old ETag no longer matches
    import(
        &env,
        "c1",
        "b.csv",
        "youtube,v1,,views,total,2020-07-26T10:00:00Z,250\n",
    );
    let start = Instant::now();
    let fresh = loop {
        let a = fetch(&d.addr, "/c/c1/cumulative.png", &[("If-None-Match", &etag)]);
        if a.status == 200 {
            break a;
        }
        assert_eq!(a.status, 304);
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the chart never changed"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_ne!(fresh.header("etag"), Some(etag.as_str()));
    image::load_from_memory(&fresh.body).expect("a valid PNG");
    let page = fetch(&d.addr, "/c/c1/", &[("If-None-Match", &page_etag)]);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<span class=\"value\">290</span>"), "{html}");
    assert!(
        html.contains("last reading 26 Jul 2020 12:00 (Europe/Prague)"),
        "{html}"
    );

    // the report a `report` run wrote is linked; the old routes work as before
    env.run(&["report"]).ok();
    let html = fetch(&d.addr, "/c/c1/", &[]).text();
    assert!(
        html.contains("Last saved report: <a href=\"/reports/c1/report.html\">report.html</a>"),
        "{html}"
    );
    assert_eq!(fetch(&d.addr, "/reports/c1/summary.md", &[]).status, 200);
    assert_eq!(fetch(&d.addr, "/healthz", &[]).status, 200);
    assert_eq!(fetch(&d.addr, "/metrics", &[]).status, 200);
    // report.html as written by `report` has no live block
    let written = env.read("reports/c1/report.html");
    assert!(!written.contains("http-equiv=\"refresh\""));
    assert!(!written.contains("Live page"));

    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn index_lists_every_campaign_with_its_total_and_last_reading() {
    let env = Env::new();
    env.write("config/viewtally.toml", &format!("{CONFIG}{SECOND}"));
    first_readings(&env);
    import(
        &env,
        "c2",
        "c.csv",
        "youtube,w1,,views,total,2021-03-02T09:30:00Z,1234\n",
    );
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);
    let index = fetch(&d.addr, "/", &[]);
    assert_eq!(index.status, 200);
    let html = index.text();
    for needle in [
        "<a href=\"/c/c1/\"><strong>Live test</strong></a> <code>c1</code>",
        "<span class=\"total\">190 views</span> · Last reading: 25 Jul 2020 12:00 (Europe/Prague)",
        "<a href=\"/c/c2/\"><strong>Second &lt;campaign&gt;</strong></a> <code>c2</code>",
        "<span class=\"total\">1 234 zhlédnutí</span> · Poslední odečet: 2. 3. 2021 10:30 (Europe/Prague)",
        "no report yet",
    ] {
        assert!(html.contains(needle), "missing {needle} in\n{html}");
    }
    let c2 = fetch(&d.addr, "/c/c2/", &[]);
    assert_eq!(c2.status, 200);
    assert!(
        c2.text()
            .contains("<strong>Živá stránka</strong> · poslední odečet 2. 3. 2021 10:30"),
        "{}",
        c2.text()
    );
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn store_that_cannot_be_reached_is_a_503_without_the_password() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &CONFIG.replace(
            "sqlite://data/live.db",
            "postgres://vt:s3cret-pw@127.0.0.1:9/vt?connect_timeout=2",
        ),
    );
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);
    let page = fetch(&d.addr, "/c/c1/", &[]);
    assert_eq!(page.status, 503, "{}", page.text());
    let text = page.text();
    assert!(
        text.contains("the numbers of campaign `c1` cannot be read now (the store)"),
        "{text}"
    );
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert_eq!(fetch(&d.addr, "/c/c1/cumulative.png", &[]).status, 503);
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}

/// A page showing `url` in a frame `width`×`height` pixels at its top left: headless
/// Chromium lays a window out at least 500 px wide (a 390 px screenshot would crop a 500 px
/// layout), a frame is laid out at its own width, as on a phone.
fn framed(env: &Env, name: &str, url: &str, (width, height): (u32, u32)) -> String {
    let page = env.write(
        &format!("{name}-frame.html"),
        &format!(
            "<!doctype html><html><body style=\"margin:0\"><iframe src=\"{url}\" \
             style=\"border:0;display:block;width:{width}px;height:{height}px\"></iframe></body></html>"
        ),
    );
    format!("file://{}", page.display())
}

/// `(scrollWidth, innerWidth)` of `html` laid out by headless Chromium in a frame `width`
/// pixels wide.
fn layout_width(chromium: &str, env: &Env, html: &str, width: u32) -> (u32, u32) {
    let probe =
        "<script>addEventListener('load',()=>{parent.document.body.setAttribute('data-probe',\
        document.scrollingElement.scrollWidth+'x'+innerWidth)})</script></body>";
    let doc = html
        .replace("</body>", probe)
        .replace('&', "&amp;")
        .replace('"', "&quot;");
    let file = env.write(
        &format!("probe-{width}.html"),
        &format!(
            "<!doctype html><html><body style=\"margin:0\"><iframe srcdoc=\"{doc}\" \
             style=\"border:0;display:block;width:{width}px;height:844px\"></iframe></body></html>"
        ),
    );
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},900", width.max(500)))
        .arg(format!("file://{}", file.display()))
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let probe = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no layout probe in the DOM:\n{dom}"));
    let (scroll, inner) = probe.split_once('x').unwrap();
    (scroll.parse().unwrap(), inner.parse().unwrap())
}

#[test]
fn live_page_renders_in_headless_chromium_on_a_phone_and_a_desktop() {
    let Some(chromium) = chromium_or_skip("live page") else {
        return;
    };
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    first_readings(&env);
    import(
        &env,
        "c1",
        "b.csv",
        "youtube,v1,,views,total,2020-07-26T10:00:00Z,250\n\
         facebook,f1,,views,total,2020-07-26T10:00:00Z,90\n",
    );
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &[]);
    let url = format!("http://{}/c/c1/", d.addr);
    for (name, size) in [("phone", (390, 844)), ("desktop", (1280, 900))] {
        let page = match size.0 < 500 {
            true => framed(&env, name, &url, size),
            false => url.clone(),
        };
        let shot = || {
            screenshot_url(
                &chromium,
                &page,
                &env.path(&format!("live-{name}.png")),
                size,
            )
        };
        // A framed page is shot when the outer file has loaded; on a busy machine the frame
        // (rendered by the daemon on request) can still be blank then: shoot again, at most
        // twice, before the checks below judge it.
        let mut img = shot();
        for _ in 0..2 {
            if img.pixels().any(|p| p.0.iter().any(|c| *c < 200)) {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
            img = shot();
        }
        assert_eq!((img.width(), img.height()), size, "{name}");
        // the live status line's green edge
        let green = img
            .pixels()
            .filter(|p| p.0[1] > 100 && p.0[0] < 80 && p.0[2] < 80)
            .count();
        assert_inked(&img, name, 3);
        assert!(
            green > 50,
            "{name}: no live status line ({green} green pixels)"
        );
    }
    if let Ok(dir) = std::env::var("VIEWTALLY_KEEP_SCREENSHOTS") {
        for name in ["phone", "desktop"] {
            let _ = std::fs::copy(
                env.path(&format!("live-{name}.png")),
                std::path::Path::new(&dir).join(format!("live-{name}.png")),
            );
        }
    }
    // nothing wider than a phone's screen
    let html = String::from_utf8_lossy(&fetch(&d.addr, "/c/c1/", &[]).body).into_owned();
    for width in [390, 1280] {
        let (scroll, inner) = layout_width(&chromium, &env, &html, width);
        assert_eq!(inner, width, "the window is {width} px wide");
        assert!(
            scroll <= inner,
            "{width} px: the page is {scroll} px wide (horizontal overflow)"
        );
    }
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn live_page_on_postgres_follows_new_readings() {
    let Some(pg) = super::pg::Postgres::start() else {
        return;
    };
    let url = pg.database();
    let vars = [("VIEWTALLY_STORE", url.as_str())];
    let env = Env::new();
    env.write("config/viewtally.toml", CONFIG);
    let rows = |name: &str, rows: &str| {
        let file = env.write(
            name,
            &format!("platform,video,account,metric,kind,at,value\n{rows}"),
        );
        env.run_env(&["import", file.to_str().unwrap()], &vars).ok();
    };
    rows(
        "a.csv",
        "youtube,v1,,views,total,2020-07-25T10:00:00Z,150\n",
    );
    let d = Daemon::start_with(&env, "http://127.0.0.1:9/unused", &vars);
    let page = fetch(&d.addr, "/c/c1/", &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("<span class=\"value\">150</span>"));
    let etag = page.header("etag").unwrap().to_string();
    assert_eq!(
        fetch(&d.addr, "/c/c1/", &[("If-None-Match", &etag)]).status,
        304
    );
    // a corrected value (same count of readings) is a new version too
    rows(
        "b.csv",
        "youtube,v1,,views,total,2020-07-25T10:00:00Z,170\n",
    );
    let start = Instant::now();
    let page = loop {
        let a = fetch(&d.addr, "/c/c1/", &[("If-None-Match", &etag)]);
        if a.status == 200 {
            break a;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never changed");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        page.text().contains("<span class=\"value\">170</span>"),
        "{}",
        page.text()
    );
    let (code, stderr) = d.terminate();
    assert_eq!(code, 0, "{stderr}");
}

//! A config builder: `[store]`, platform sections pointing at a fake upstream, campaigns and
//! their videos, written out as the TOML text a test saves as `config/viewtally.toml`.
//!
//! Calls append in TOML order: a key goes to the section opened last (`platform`, `http`,
//! `campaign`, `schedule`, `video`), `raw` text lands where it is called.
#![allow(dead_code)]

/// TOML text built section by section.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    text: String,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder::new()
    }
}

impl ConfigBuilder {
    /// `[store]` with the tests' usual `sqlite://data/test.db`.
    pub fn new() -> ConfigBuilder {
        ConfigBuilder::with_store("sqlite://data/test.db")
    }

    /// `[store]` with this URL.
    pub fn with_store(url: &str) -> ConfigBuilder {
        ConfigBuilder {
            text: String::new(),
        }
        .section("store")
        .key("url", url)
    }

    /// A `[name]` table.
    pub fn section(mut self, name: &str) -> Self {
        self.text.push_str(&format!("\n[{name}]\n"));
        self
    }

    /// A `key = value` line in the section opened last (the value TOML-quoted as needed).
    pub fn key(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        self.text.push_str(&format!("{key} = {}\n", value.into()));
        self
    }

    /// Text as it is (extra keys, whole sections).
    pub fn raw(mut self, text: &str) -> Self {
        self.text.push_str(text);
        self
    }

    /// `[platforms.<platform>]` with `api_base`; LinkedIn also gets `oauth_base` there.
    pub fn platform(self, platform: &str, api_base: &str) -> Self {
        let b = self
            .section(&format!("platforms.{platform}"))
            .key("api_base", api_base);
        if platform == "linkedin" {
            b.key("oauth_base", api_base)
        } else {
            b
        }
    }

    /// `[platforms.http]` for tests: this timeout and retries, millisecond backoff.
    pub fn http(self, timeout_secs: i64, retries: i64) -> Self {
        self.section("platforms.http")
            .key("timeout_secs", timeout_secs)
            .key("retries", retries)
            .key("backoff_base_ms", 1)
            .key("backoff_max_ms", 5)
    }

    /// `[report]` with the web size and SVG only (the quickest report to render).
    pub fn small_report(self) -> Self {
        self.section("report")
            .key("sizes", vec!["web"])
            .key("formats", vec!["svg"])
    }

    /// A `[[notify]]` webhook in JSON whose URL is in the environment variable `url_env`.
    pub fn notify_json(mut self, url_env: &str) -> Self {
        self.text.push_str("\n[[notify]]\n");
        self.key("url_env", url_env).key("format", "json")
    }

    /// A `[[campaign]]` in Europe/Prague.
    pub fn campaign(mut self, slug: &str, name: &str) -> Self {
        self.text.push_str("\n[[campaign]]\n");
        self.key("slug", slug)
            .key("name", name)
            .key("timezone", "Europe/Prague")
    }

    /// The `[campaign.schedule]` of the campaign opened last.
    pub fn schedule(self) -> Self {
        self.section("campaign.schedule")
    }

    /// A `[[campaign.video]]` of the campaign opened last.
    pub fn video(mut self, platform: &str, id: &str) -> Self {
        self.text.push_str("\n[[campaign.video]]\n");
        self.key("platform", platform).key("id", id)
    }

    /// The TOML text.
    pub fn build(self) -> String {
        self.text
    }
}

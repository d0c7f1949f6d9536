//! `[store]`: where observations are kept.

use super::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://PATH` (default `sqlite://data/viewtally.db`) or `postgres://…`.
    #[serde(default = "default_store_url")]
    pub url: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: default_store_url(),
        }
    }
}

fn default_store_url() -> String {
    DEFAULT_STORE_URL.to_string()
}

impl StoreConfig {
    /// The url must name a store viewtally can open.
    pub(super) fn validate(&self, text: &str) -> Result<(), Invalid> {
        if !(self.url.starts_with("sqlite:") || self.url.starts_with("postgres")) {
            return Err((
                find(text, "url"),
                format!(
                    "[store] url `{}` is not supported; use `sqlite://PATH` (e.g. {DEFAULT_STORE_URL})",
                    self.url
                ),
            ));
        }
        Ok(())
    }
}

//! `[[notify]]`: milestone webhooks.

use super::*;

/// `[[notify]]`: a webhook told when a milestone is crossed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The environment variable holding the webhook URL (webhook URLs are secrets).
    pub url_env: String,
    /// Payload shape: `slack`, `teams` or `json`.
    #[serde(default)]
    pub format: NotifyFormat,
    /// Only these campaigns (default: all).
    #[serde(default)]
    pub campaigns: Vec<String>,
}

/// Webhook payload shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyFormat {
    Slack,
    Teams,
    #[default]
    Json,
}

impl NotifyConfig {
    /// `url_env` must name a variable.
    pub(super) fn validate(&self, text: &str) -> Result<(), Invalid> {
        if self.url_env.trim().is_empty() {
            return Err((
                find(text, "url_env"),
                "[[notify]] url_env must name an environment variable".into(),
            ));
        }
        Ok(())
    }
}

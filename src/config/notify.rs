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

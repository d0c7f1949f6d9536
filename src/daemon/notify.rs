//! Milestone notifications: Slack-, Microsoft Teams- and generic JSON webhooks.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::config::{Language, NotifyConfig, NotifyFormat, Secret};
use crate::model::local_date;
use crate::render::locale::Locale;

/// A milestone worth announcing.
#[derive(Debug, Clone)]
pub struct Notice {
    pub campaign: String,
    pub name: String,
    pub threshold: i64,
    pub crossed_at: DateTime<Utc>,
    pub total_views: i64,
    pub text: String,
    pub chart_url: Option<String>,
}

impl Notice {
    /// The announcement sentence in the campaign language.
    pub fn sentence(
        name: &str,
        threshold: i64,
        crossed_at: DateTime<Utc>,
        total: i64,
        tz: chrono_tz::Tz,
        language: Language,
    ) -> String {
        let loc = Locale::new(language);
        let date = loc.date(local_date(crossed_at, tz));
        match language {
            Language::Cs => format!(
                "Video „{name}“ překročilo {} zhlédnutí ({date}); nyní jich má {}.",
                loc.number(threshold),
                loc.number(total)
            ),
            Language::En => format!(
                "The video “{name}” passed {} views ({date}); it now has {}.",
                loc.number(threshold),
                loc.number(total)
            ),
        }
    }
}

/// The JSON body a webhook of this format expects.
pub fn payload(format: NotifyFormat, n: &Notice) -> Value {
    let link = n.chart_url.clone();
    match format {
        NotifyFormat::Slack => {
            let text = match &link {
                Some(l) => format!("{} <{l}|Chart>", n.text),
                None => n.text.clone(),
            };
            json!({ "text": text })
        }
        NotifyFormat::Teams => {
            let mut card = json!({
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": n.text,
                "themeColor": "E62117",
                "title": n.name,
                "text": n.text,
            });
            if let Some(l) = link {
                card["potentialAction"] = json!([{
                    "@type": "OpenUri", "name": "Chart",
                    "targets": [{ "os": "default", "uri": l }]
                }]);
            }
            card
        }
        NotifyFormat::Json => json!({
            "event": "milestone_crossed",
            "campaign": n.campaign,
            "name": n.name,
            "threshold": n.threshold,
            "crossed_at": crate::render::rfc3339(n.crossed_at),
            "total_views": n.total_views,
            "text": n.text,
            "chart_url": link,
        }),
    }
}

/// The webhooks that want notices of a campaign, with their URLs read from the environment.
pub fn webhooks_for<'a>(
    all: &'a [NotifyConfig],
    campaign: &str,
) -> Vec<(&'a NotifyConfig, Result<Secret, String>)> {
    all.iter()
        .filter(|n| n.campaigns.is_empty() || n.campaigns.iter().any(|c| c == campaign))
        .map(|n| {
            let url = crate::config::secret_from_env(&n.url_env, "[[notify]] webhook")
                .map_err(|e| e.to_string());
            (n, url)
        })
        .collect()
}

/// POST the notice to one webhook, retrying with backoff (3 attempts). Errors never include
/// the URL (webhook URLs carry their secret in the path).
pub async fn send(
    client: &reqwest::Client,
    url: &Secret,
    format: NotifyFormat,
    notice: &Notice,
    env_name: &str,
) -> Result<(), String> {
    let body = payload(format, notice);
    let mut delay = Duration::from_millis(500);
    let mut last = String::new();
    for attempt in 1..=3 {
        match client
            .post(url.expose())
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("webhook in {env_name} answered HTTP {}", r.status()),
            Err(e) => last = format!("webhook in {env_name} unreachable: {}", e.without_url()),
        }
        tracing::warn!(attempt, error = %last, "milestone notification failed; retrying");
        if attempt < 3 {
            tokio::time::sleep(delay + Duration::from_millis(fastrand::u64(0..250))).await;
            delay *= 2;
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            campaign: "c".into(),
            name: "Děkujeme".into(),
            threshold: 8000,
            crossed_at: DateTime::parse_from_rfc3339("2020-07-28T17:56:00Z")
                .unwrap()
                .into(),
            total_views: 8123,
            text: Notice::sentence(
                "Děkujeme",
                8000,
                DateTime::parse_from_rfc3339("2020-07-28T17:56:00Z")
                    .unwrap()
                    .into(),
                8123,
                chrono_tz::Europe::Prague,
                Language::Cs,
            ),
            chart_url: Some("http://x/reports/c/cumulative.png".into()),
        }
    }

    #[test]
    fn payload_shapes() {
        let n = notice();
        assert_eq!(
            n.text,
            "Video „Děkujeme“ překročilo 8\u{a0}000 zhlédnutí (28.\u{a0}7.\u{a0}2020); nyní jich má 8\u{a0}123."
        );
        let slack = payload(NotifyFormat::Slack, &n);
        assert!(slack["text"]
            .as_str()
            .unwrap()
            .ends_with("<http://x/reports/c/cumulative.png|Chart>"));
        let teams = payload(NotifyFormat::Teams, &n);
        assert_eq!(teams["@type"], "MessageCard");
        let generic = payload(NotifyFormat::Json, &n);
        assert_eq!(generic["threshold"], 8000);
        assert_eq!(generic["crossed_at"], "2020-07-28T17:56:00Z");
    }
}

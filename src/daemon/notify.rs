//! Milestone notifications: Slack-, Microsoft Teams- and generic JSON webhooks.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::config::{Language, NotifyConfig, NotifyFormat, Secret};
use crate::render::locale::Locale;
use crate::timeline::{CrossingDay, Milestone, Reading};

/// A milestone worth announcing.
#[derive(Debug, Clone)]
pub struct Notice {
    pub campaign: String,
    pub name: String,
    pub threshold: i64,
    /// The estimate of the crossing inside its bracket (rule 4).
    pub crossed_at: DateTime<Utc>,
    /// The bracket the readings prove: after (below) and by (at or above).
    pub after: Option<Reading>,
    pub by: Reading,
    pub total_views: i64,
    pub text: String,
    pub chart_url: Option<String>,
}

impl Notice {
    /// The announcement sentence in the campaign language, dated as rule 4 allows: the day
    /// when the bracket lies within one calendar day, else "by" the day of the proving reading.
    pub fn sentence(
        name: &str,
        m: &Milestone,
        total: i64,
        tz: chrono_tz::Tz,
        language: Language,
    ) -> String {
        let loc = Locale::new(language);
        let (on, date) = match m.day(tz) {
            Some(CrossingDay::On(d)) => (true, loc.date(d)),
            Some(CrossingDay::By(d)) => (false, loc.date(d)),
            None => (false, "—".into()),
        };
        let (threshold, total) = (loc.number(m.threshold), loc.number(total));
        match (language, on) {
            (Language::Cs, true) => format!(
                "Video „{name}“ překročilo {threshold} zhlédnutí {date}; nyní jich má {total}."
            ),
            (Language::Cs, false) => format!(
                "Video „{name}“ překročilo {threshold} zhlédnutí nejpozději {date}; nyní jich má {total}."
            ),
            (Language::En, true) => format!(
                "The video “{name}” passed {threshold} views on {date}; it now has {total}."
            ),
            (Language::En, false) => format!(
                "The video “{name}” had passed {threshold} views by {date}; it now has {total}."
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
            "after": n.after.map(|r| json!({"at": crate::render::rfc3339(r.at), "total": r.total})),
            "by": json!({"at": crate::render::rfc3339(n.by.at), "total": n.by.total}),
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

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().into()
    }

    fn milestone(after: &str, by: &str) -> Milestone {
        Milestone {
            threshold: 8000,
            crossed_at: Some(t("2020-07-28T17:56:00Z")),
            after: Some(Reading {
                at: t(after),
                total: 7990,
            }),
            by: Some(Reading {
                at: t(by),
                total: 8010,
            }),
            before_monitoring: false,
        }
    }

    fn notice() -> Notice {
        let m = milestone("2020-07-28T12:00:00Z", "2020-07-28T20:00:00Z");
        Notice {
            campaign: "c".into(),
            name: "Děkujeme".into(),
            threshold: 8000,
            crossed_at: t("2020-07-28T17:56:00Z"),
            after: m.after,
            by: m.by.unwrap(),
            total_views: 8123,
            text: Notice::sentence(
                "Děkujeme",
                &m,
                8123,
                chrono_tz::Europe::Prague,
                Language::Cs,
            ),
            chart_url: Some("http://x/reports/c/cumulative.png".into()),
        }
    }

    #[test]
    fn sentences_follow_rule_4() {
        let wide = milestone("2020-07-24T07:00:00Z", "2026-11-03T10:00:00Z");
        let tz = chrono_tz::Europe::Prague;
        assert_eq!(
            Notice::sentence("V", &wide, 8123, tz, Language::En),
            "The video “V” had passed 8,000 views by 3\u{a0}Nov\u{a0}2026; it now has 8,123."
        );
        assert_eq!(
            Notice::sentence("V", &wide, 8123, tz, Language::Cs),
            "Video „V“ překročilo 8\u{a0}000 zhlédnutí nejpozději 3.\u{a0}11.\u{a0}2026; nyní jich má 8\u{a0}123."
        );
    }

    #[test]
    fn payload_shapes() {
        let n = notice();
        assert_eq!(
            n.text,
            "Video „Děkujeme“ překročilo 8\u{a0}000 zhlédnutí 28.\u{a0}7.\u{a0}2020; nyní jich má 8\u{a0}123."
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
        assert_eq!(generic["by"]["total"], 8010);
        assert_eq!(generic["after"]["at"], "2020-07-28T12:00:00Z");
    }
}

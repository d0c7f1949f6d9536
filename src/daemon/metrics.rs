//! Prometheus metrics of the daemon (prometheus-client): OpenMetrics 1.0.0 text when the
//! scraper asks for it, else the Prometheus text format 0.0.4 ([`to_prometheus_text`]).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::timeline::Timeline;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VideoLabels {
    pub campaign: String,
    pub platform: String,
    pub video: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CampaignLabels {
    pub campaign: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub campaign: String,
    pub job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobResultLabels {
    pub campaign: String,
    pub job: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub platform: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SinkLabels {
    /// The webhook's `url_env` (the URL itself is a secret).
    pub sink: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MilestoneLabels {
    pub campaign: String,
    pub threshold: String,
}

/// Every metric the daemon exposes on /metrics.
pub struct Metrics {
    registry: Registry,
    pub views: Family<VideoLabels, Gauge>,
    pub campaign_views: Family<CampaignLabels, Gauge>,
    pub last_success: Family<JobLabels, Gauge<f64, AtomicU64>>,
    pub job_runs: Family<JobResultLabels, Counter>,
    pub job_duration: Family<JobLabels, Gauge<f64, AtomicU64>>,
    pub api_requests: Family<ApiLabels, Counter>,
    pub milestone_crossed: Family<MilestoneLabels, Gauge>,
    pub webhook_failures: Family<SinkLabels, Counter>,
    pub webhook_pending: Family<CampaignLabels, Gauge>,
    /// 1 while the store answered at the last attempt, 0 after a failure.
    pub store_up: Gauge,
    /// Per webhook (`url_env`): deliveries failed in a row and the last error, for /healthz.
    webhooks: Mutex<BTreeMap<String, WebhookHealth>>,
}

/// How one webhook is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHealth {
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let views = Family::<VideoLabels, Gauge>::default();
        registry.register(
            "viewtally_views",
            "Views of a video at its latest reading",
            views.clone(),
        );
        // A gauge: no `_total` suffix (that is for counters). Was `viewtally_views_total`.
        let campaign_views = Family::<CampaignLabels, Gauge>::default();
        registry.register(
            "viewtally_campaign_views",
            "Views of a campaign across platforms at the latest reading",
            campaign_views.clone(),
        );
        let last_success = Family::<JobLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "viewtally_last_success_timestamp_seconds",
            "When a job last succeeded (Unix time)",
            last_success.clone(),
        );
        let job_runs = Family::<JobResultLabels, Counter>::default();
        registry.register("viewtally_job_runs", "Job runs by result", job_runs.clone());
        let job_duration = Family::<JobLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "viewtally_job_duration_seconds",
            "How long the last run of a job took",
            job_duration.clone(),
        );
        let api_requests = Family::<ApiLabels, Counter>::default();
        registry.register(
            "viewtally_api_requests",
            "Platform API requests by HTTP status",
            api_requests.clone(),
        );
        let milestone_crossed = Family::<MilestoneLabels, Gauge>::default();
        registry.register(
            "viewtally_milestone_crossed",
            "1 once the campaign crossed the milestone",
            milestone_crossed.clone(),
        );
        let webhook_failures = Family::<SinkLabels, Counter>::default();
        registry.register(
            "viewtally_webhook_delivery_failures",
            "Milestone notifications a webhook did not take (after its retries), by url_env",
            webhook_failures.clone(),
        );
        let webhook_pending = Family::<CampaignLabels, Gauge>::default();
        registry.register(
            "viewtally_webhook_pending",
            "Crossed milestones of a campaign whose announcement is not delivered yet",
            webhook_pending.clone(),
        );
        let store_up = Gauge::default();
        registry.register(
            "viewtally_store_up",
            "1 when the store answered at the last attempt, 0 when it did not",
            store_up.clone(),
        );
        Metrics {
            registry,
            views,
            campaign_views,
            last_success,
            job_runs,
            job_duration,
            api_requests,
            milestone_crossed,
            webhook_failures,
            webhook_pending,
            store_up,
            webhooks: Mutex::new(BTreeMap::new()),
        }
    }

    /// Set the view gauges from a campaign's timeline.
    pub fn observe(&self, tl: &Timeline) {
        for v in &tl.videos {
            self.views
                .get_or_create(&VideoLabels {
                    campaign: tl.campaign.clone(),
                    platform: v.platform.as_str().into(),
                    video: v.video.clone(),
                })
                .set(v.views);
        }
        self.campaign_views
            .get_or_create(&CampaignLabels {
                campaign: tl.campaign.clone(),
            })
            .set(tl.total());
        for m in &tl.milestones {
            self.milestone_crossed
                .get_or_create(&MilestoneLabels {
                    campaign: tl.campaign.clone(),
                    threshold: m.threshold.to_string(),
                })
                .set(i64::from(m.crossed_at.is_some()));
        }
    }

    /// Record one delivery to a webhook (`sink`: its `url_env`): a failure counts and is
    /// remembered for /healthz until the next success.
    pub fn webhook_delivered(&self, sink: &str, result: Result<(), &str>) {
        let Ok(mut w) = self.webhooks.lock() else {
            return;
        };
        let h = w.entry(sink.to_string()).or_default();
        match result {
            Ok(()) => *h = WebhookHealth::default(),
            Err(e) => {
                self.webhook_failures
                    .get_or_create(&SinkLabels { sink: sink.into() })
                    .inc();
                h.consecutive_failures += 1;
                h.last_error = Some(e.to_string());
            }
        }
    }

    /// The webhooks whose last delivery failed: (url_env, health).
    pub fn failing_webhooks(&self) -> Vec<(String, WebhookHealth)> {
        self.webhooks
            .lock()
            .map(|w| {
                w.iter()
                    .filter(|(_, h)| h.consecutive_failures > 0)
                    .map(|(k, h)| (k.clone(), h.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Count one finished job run, and how long it took.
    pub fn job_finished(&self, campaign: &str, job: &str, ok: bool, at_unix: f64) {
        self.job_runs
            .get_or_create(&JobResultLabels {
                campaign: campaign.into(),
                job: job.into(),
                result: if ok { "ok" } else { "error" }.into(),
            })
            .inc();
        if ok {
            self.last_success
                .get_or_create(&JobLabels {
                    campaign: campaign.into(),
                    job: job.into(),
                })
                .set(at_unix);
        }
    }

    /// How long the last run of a job took.
    pub fn job_took(&self, campaign: &str, job: &str, seconds: f64) {
        self.job_duration
            .get_or_create(&JobLabels {
                campaign: campaign.into(),
                job: job.into(),
            })
            .set(seconds);
    }

    /// The OpenMetrics text exposition of every metric (ends with `# EOF`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of OpenMetrics text.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The content type of the Prometheus text format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a scraper's `Accept` header asks for OpenMetrics (Prometheus does since 2.5; other
/// scrapers, curl and `prometheus_client`'s text parser get the 0.0.4 format).
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut it = part.split(';');
            let media = it.next().unwrap_or("").trim();
            // `q=0` means "not this one".
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        })
    })
}

/// OpenMetrics text turned into the Prometheus text format 0.0.4: a counter's `# HELP` and
/// `# TYPE` name its sample (`…_total`), `# UNIT` lines and the `# EOF` end go, the samples
/// stay as they are.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                if counters.contains(name) {
                    out.push_str(&format!("{prefix}{name}_total {tail}"));
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_documented_ones() {
        let m = Metrics::new();
        m.job_finished("c", "collect", true, 1.5e9);
        m.api_requests
            .get_or_create(&ApiLabels {
                platform: "youtube".into(),
                status: "200".into(),
            })
            .inc();
        m.campaign_views
            .get_or_create(&CampaignLabels {
                campaign: "c".into(),
            })
            .set(8123);
        let text = m.encode();
        for line in [
            "viewtally_job_runs_total{campaign=\"c\",job=\"collect\",result=\"ok\"} 1",
            "viewtally_last_success_timestamp_seconds{campaign=\"c\",job=\"collect\"} 1500000000",
            "viewtally_api_requests_total{platform=\"youtube\",status=\"200\"} 1",
            "viewtally_campaign_views{campaign=\"c\"} 8123",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn accept_header_chooses_the_format() {
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some(
            "text/plain;version=0.0.4;q=1,*/*;q=0.1"
        )));
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )));
        assert!(!wants_openmetrics(Some("application/openmetrics-text;q=0")));
    }

    #[test]
    fn prometheus_text_names_counters_by_their_samples() {
        let m = Metrics::new();
        m.job_finished("c", "collect", true, 1.5e9);
        m.webhook_delivered("HOOK_URL", Err("answered HTTP 500"));
        m.campaign_views
            .get_or_create(&CampaignLabels {
                campaign: "c".into(),
            })
            .set(8123);
        let om = m.encode();
        assert!(om.contains("# TYPE viewtally_job_runs counter\n"), "{om}");
        assert!(om.ends_with("# EOF\n"), "{om}");
        let text = to_prometheus_text(&om);
        assert!(
            text.contains("# TYPE viewtally_job_runs_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("# HELP viewtally_job_runs_total Job runs"),
            "{text}"
        );
        assert!(text.contains("viewtally_webhook_delivery_failures_total{sink=\"HOOK_URL\"} 1\n"));
        assert!(
            text.contains("# TYPE viewtally_campaign_views gauge\n"),
            "{text}"
        );
        assert!(!text.contains("# EOF"), "{text}");
        assert_eq!(m.failing_webhooks()[0].1.consecutive_failures, 1);
        m.webhook_delivered("HOOK_URL", Ok(()));
        assert!(m.failing_webhooks().is_empty());
    }
}

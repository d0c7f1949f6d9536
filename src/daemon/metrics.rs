//! Prometheus metrics of the daemon (prometheus-client, text exposition format).

use std::sync::atomic::AtomicU64;

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
pub struct MilestoneLabels {
    pub campaign: String,
    pub threshold: String,
}

/// Every metric the daemon exposes on /metrics.
pub struct Metrics {
    registry: Registry,
    pub views: Family<VideoLabels, Gauge>,
    pub views_total: Family<CampaignLabels, Gauge>,
    pub last_success: Family<JobLabels, Gauge<f64, AtomicU64>>,
    pub job_runs: Family<JobResultLabels, Counter>,
    pub api_requests: Family<ApiLabels, Counter>,
    pub milestone_crossed: Family<MilestoneLabels, Gauge>,
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
        let views_total = Family::<CampaignLabels, Gauge>::default();
        registry.register(
            "viewtally_views_total",
            "Views of a campaign across platforms at the latest reading",
            views_total.clone(),
        );
        let last_success = Family::<JobLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "viewtally_last_success_timestamp_seconds",
            "When a job last succeeded (Unix time)",
            last_success.clone(),
        );
        let job_runs = Family::<JobResultLabels, Counter>::default();
        registry.register("viewtally_job_runs", "Job runs by result", job_runs.clone());
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
        Metrics {
            registry,
            views,
            views_total,
            last_success,
            job_runs,
            api_requests,
            milestone_crossed,
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
        self.views_total
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

    /// Count one finished job run.
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

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
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
        m.views_total
            .get_or_create(&CampaignLabels {
                campaign: "c".into(),
            })
            .set(8123);
        let text = m.encode();
        for line in [
            "viewtally_job_runs_total{campaign=\"c\",job=\"collect\",result=\"ok\"} 1",
            "viewtally_last_success_timestamp_seconds{campaign=\"c\",job=\"collect\"} 1500000000",
            "viewtally_api_requests_total{platform=\"youtube\",status=\"200\"} 1",
            "viewtally_views_total{campaign=\"c\"} 8123",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}

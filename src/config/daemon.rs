//! `[daemon]`: how `viewtally daemon` runs.

use super::*;

/// `[daemon]`: how `viewtally daemon` runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// Address of /healthz, /metrics and the report index (`--listen` overrides).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// After downtime, run a job once at start if any of its ticks was missed.
    #[serde(default = "default_true")]
    pub catch_up: bool,
    /// Wait a random 0..jitter_s seconds before each run, to spread load.
    #[serde(default)]
    pub jitter_s: u64,
    /// On SIGTERM/SIGINT, how long running jobs may take to finish.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout_s: u64,
    /// /healthz answers 503 once a job has failed this many times in a row.
    #[serde(default = "default_unhealthy_after")]
    pub unhealthy_after_failures: u32,
    /// Public address of this daemon, for chart links in notifications.
    pub public_url: Option<String>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            listen: default_listen(),
            catch_up: true,
            jitter_s: 0,
            shutdown_timeout_s: default_shutdown_timeout(),
            unhealthy_after_failures: default_unhealthy_after(),
            public_url: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:9184".into()
}
fn default_shutdown_timeout() -> u64 {
    60
}
fn default_unhealthy_after() -> u32 {
    3
}

impl DaemonConfig {
    /// `listen` must be a socket address.
    pub(super) fn validate(&self, text: &str) -> Result<(), Invalid> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err((
                find(text, "listen"),
                format!(
                    "[daemon] listen `{}` is not an address; write e.g. \"127.0.0.1:9184\"",
                    self.listen
                ),
            ));
        }
        Ok(())
    }
}

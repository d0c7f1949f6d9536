//! `viewtally daemon`: the scheduled jobs and the HTTP endpoint, until stopped.

use super::*;

/// Run the daemon on its own multi-threaded runtime; `start` (from `--now`) fixes its clock.
pub(super) fn daemon(
    config: Config,
    listen: Option<String>,
    start: Option<DateTime<Utc>>,
) -> Result<ExitCode> {
    let clock = match start {
        Some(now) => crate::daemon::schedule::Clock::starting_at(now),
        None => crate::daemon::schedule::Clock::System,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(crate::daemon::run(
        config,
        crate::daemon::DaemonOptions { listen, clock },
    ))
}

//! The delivery queue of milestone notifications: a tokio task of its own, so that a slow or
//! broken webhook never delays or skips a scheduled job (issue 18).
//!
//! The queue itself is persistent: a crossed milestone is `pending` in the store's
//! `milestone_notices` table until every webhook took it (`sent`), and it is claimed there by
//! one daemon of a fleet at a time ([`crate::store::StateStore::claim_notice`]). This task only
//! remembers which campaigns may have something to deliver: a data job that finished wakes it
//! for its campaign; at start every campaign is looked at, so a restart resumes the deliveries
//! a stopped or killed daemon left pending; a campaign whose delivery failed is looked at
//! again (after its back-off) until it went out.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::Ctx;

/// How often campaigns with undelivered notices are looked at again (each still waits for its
/// own back-off, see `back_off`).
const RECHECK: Duration = Duration::from_secs(5);

/// The campaigns that may have notices to deliver, and the bell that wakes the task.
#[derive(Default)]
pub(super) struct Queue {
    dirty: Mutex<BTreeSet<String>>,
    bell: Notify,
}

impl Queue {
    /// Ask for `slug`'s crossed milestones to be announced (returns at once).
    pub(super) fn wake(&self, slug: &str) {
        if let Ok(mut d) = self.dirty.lock() {
            d.insert(slug.to_string());
        }
        self.bell.notify_one();
    }

    fn take(&self) -> Vec<String> {
        self.dirty
            .lock()
            .map(|mut d| std::mem::take(&mut *d).into_iter().collect())
            .unwrap_or_default()
    }

    fn mark(&self, slug: &str) {
        if let Ok(mut d) = self.dirty.lock() {
            d.insert(slug.to_string());
        }
    }

    fn is_empty(&self) -> bool {
        self.dirty.lock().map(|d| d.is_empty()).unwrap_or(true)
    }
}

/// Deliver until `drain` turns true, then make one last pass (the jobs have finished by then,
/// so what their last runs crossed goes out before the daemon stops) and return.
pub(super) async fn run(ctx: Arc<Ctx>, mut drain: watch::Receiver<bool>) {
    // A restart resumes what is pending: look at every campaign once.
    for (slug, _) in &ctx.app.campaigns {
        ctx.deliveries.mark(slug);
    }
    loop {
        let last = *drain.borrow();
        for slug in ctx.deliveries.take() {
            if !super::announce(&ctx, &slug).await {
                ctx.deliveries.mark(&slug);
            }
        }
        if last {
            if !ctx.deliveries.is_empty() {
                tracing::warn!(
                    "milestone notifications not yet delivered stay pending in the store; the next start delivers them"
                );
            }
            return;
        }
        let recheck = !ctx.deliveries.is_empty();
        tokio::select! {
            _ = ctx.deliveries.bell.notified() => {}
            _ = tokio::time::sleep(RECHECK), if recheck => {}
            changed = drain.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

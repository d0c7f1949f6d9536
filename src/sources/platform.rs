//! The plug-in interface of an API platform, and the registry of those viewtally has.
//!
//! Adding a platform: one file in `sources/` holding its config section (serde struct with
//! defaults and `validate`), its reader and probe, and an [`ApiPlatform`] impl; one line in
//! [`registry`]; its field in `config::PlatformsConfig`. `collect`, `check --online`, `check`
//! and `init` loop over the registry.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::http::Api;
use super::{PlatformRun, Probe};
use crate::config::{PlatformsConfig, Secret};
use crate::model::Platform;
use crate::store::{Store, StoreError};

/// What a platform is given for one run (a collection or a probe).
pub struct Job {
    /// The platform's HTTP handle (its counters end up in the run's report).
    pub api: Api,
    /// Every `[platforms.*]` section; the platform reads its own.
    pub config: PlatformsConfig,
    /// The credential named by the section (already registered with the redactor).
    pub secret: Secret,
    /// The videos to read (well-formed ids only), or for a probe the configured ones.
    pub ids: Vec<String>,
    pub now: DateTime<Utc>,
}

/// One API platform. Reading and probing happen in two steps: a synchronous one that may read
/// what the store remembers (quota spent, token expiry) and returns the future that talks to
/// the platform, owning everything it needs; the usage and state the run reports
/// ([`PlatformRun::usage`], [`PlatformRun::state`]) are written to the store afterwards.
pub trait ApiPlatform: Send + Sync {
    fn platform(&self) -> Platform;

    /// The environment variable holding the credential, when the config has the section.
    fn credential_env(&self, config: &PlatformsConfig) -> Option<String>;

    /// Further variables the section names (optional ones), listed by `check`.
    fn optional_env(&self, _config: &PlatformsConfig) -> Vec<String> {
        Vec::new()
    }

    /// The variable a scheduled collection needs set (`check` warns when it is not).
    fn schedule_env(&self, config: &PlatformsConfig) -> Option<String> {
        self.credential_env(config)
    }

    /// Whether `id` has the form of the platform's ids, so that it cannot change a request.
    fn id_ok(&self, id: &str) -> bool;

    /// What an id looks like, for the message refusing one (`… is not {form}; …`).
    fn id_form(&self) -> &'static str;

    /// Why `check` doubts a configured id (a URL or id the platform would not find), if it does.
    fn config_id_doubt(&self, id: &str) -> Option<String>;

    /// The `.env.example` lines for its secrets (comment + `NAME=`).
    fn env_example(&self) -> &'static str;

    /// Start reading `job.ids`.
    fn read(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, PlatformRun>, StoreError>;

    /// Start `check --online`'s probe of the credential (usage and state go in the run).
    fn probe(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, (Probe, PlatformRun)>, StoreError>;

    /// Whether the platform keeps a credential of its own that expires (LinkedIn's refresh
    /// token): `None` when it keeps none or its state cannot be read, else `Some` of the
    /// expiry, if one is known. The daemon turns /healthz red a week before it.
    fn credential_expiry(&self, _store: &dyn Store) -> Option<Option<DateTime<Utc>>> {
        None
    }
}

/// Every API platform viewtally reads, in report order. A long-lived process keeps one
/// registry (the LinkedIn reader caches a refreshed access token).
pub fn registry() -> Vec<Arc<dyn ApiPlatform>> {
    vec![
        Arc::new(super::youtube::Youtube),
        Arc::new(super::facebook::Facebook),
        Arc::new(super::linkedin::Linkedin::default()),
        Arc::new(super::instagram::Instagram),
    ]
}

/// The registry entry of `platform`, if viewtally has an API reader for it.
pub fn find(platform: Platform) -> Option<Arc<dyn ApiPlatform>> {
    registry().into_iter().find(|p| p.platform() == platform)
}

//! LinkedIn Marketing API: lifetime video views of organisation posts, likes and comments.
//!
//! `GET {api_base}/rest/videoAnalytics?q=entity&entity={URN}&type=VIDEO_VIEW&aggregation=ALL`
//! (`elements[].value`) and `GET {api_base}/rest/socialMetadata/{URN}` (reactions, comments),
//! with `Authorization: Bearer`, `LinkedIn-Version: YYYYMM` and
//! `X-Restli-Protocol-Version: 2.0.0`. Access tokens last 60 days: a 401 refreshes the token
//! (`POST {oauth_base}/oauth/v2/accessToken`) when a client id, client secret and refresh token
//! are configured, and the run carries on. Refresh tokens last 365 days from the first
//! authorisation and refreshing does not extend them: their expiry is remembered in the store
//! and warned about 30 days ahead. A retired `LinkedIn-Version` answers
//! `426 NONEXISTENT_VERSION`, said plainly. Video analytics are kept for six months only.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::future::join_all;
use reqwest::RequestBuilder;
use serde::Deserialize;

use super::answer::{decode, decode_answer, Count};
use super::http::{percent_encode, transient, Api, Reply, SendError, UNEXPECTED_ANSWER_ADVICE};
use super::platform::{ApiPlatform, Job};
use super::{Outcome, PlatformRun, Probe};
use crate::config::PlatformsConfig;
use crate::config::{check_base, check_env_name, default_true, secret_from_env, Problem, Secret};
use crate::model::{Metric, Platform};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;

/// LinkedIn Marketing API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedinConfig {
    /// The environment variable that holds the access token.
    #[serde(default = "default_linkedin_token_env")]
    pub access_token_env: String,
    #[serde(default = "default_linkedin_base")]
    pub api_base: String,
    /// Where OAuth lives (token refresh and introspection), scheme + host (+ port).
    #[serde(default = "default_linkedin_oauth_base")]
    pub oauth_base: String,
    /// `LinkedIn-Version` header, `YYYYMM`; LinkedIn supports each version for at least a year.
    #[serde(default = "default_linkedin_version")]
    pub api_version: String,
    /// Also read likes (all reactions) and comments from `socialMetadata`.
    #[serde(default = "default_true")]
    pub social_metadata: bool,
    /// Optional: env vars for refreshing the access token (approved partners only) and for
    /// token introspection in `check --online`.
    pub client_id_env: Option<String>,
    pub client_secret_env: Option<String>,
    pub refresh_token_env: Option<String>,
    /// The time zone of the days in LinkedIn exports (default `UTC`: LinkedIn's daily
    /// analytics are UTC days).
    pub day_timezone: Option<String>,
}

fn default_linkedin_token_env() -> String {
    "LINKEDIN_ACCESS_TOKEN".into()
}
fn default_linkedin_base() -> String {
    "https://api.linkedin.com".into()
}
fn default_linkedin_oauth_base() -> String {
    "https://www.linkedin.com".into()
}
fn default_linkedin_version() -> String {
    "202610".into()
}

impl LinkedinConfig {
    /// Check what serde cannot; normalise the API bases (no trailing `/`).
    pub(crate) fn validate(&mut self) -> Result<(), Problem> {
        const S: &str = "[platforms.linkedin]";
        check_env_name(S, "access_token_env", &self.access_token_env)?;
        for (key, v) in [
            ("client_id_env", &self.client_id_env),
            ("client_secret_env", &self.client_secret_env),
            ("refresh_token_env", &self.refresh_token_env),
        ] {
            if let Some(v) = v {
                check_env_name(S, key, v)?;
            }
        }
        if self.client_id_env.is_some() != self.client_secret_env.is_some()
            || (self.refresh_token_env.is_some() && self.client_id_env.is_none())
        {
            return Err((
                S,
                S,
                format!(
                    "{S}: token refresh needs client_id_env, client_secret_env and \
                         refresh_token_env together (introspection needs the first two); set the \
                         missing ones"
                ),
            ));
        }
        check_base(S, "api_base", &mut self.api_base)?;
        check_base(S, "oauth_base", &mut self.oauth_base)?;
        let v = &self.api_version;
        let month = v.get(4..).and_then(|m| m.parse::<u32>().ok());
        if v.len() != 6
            || !v.chars().all(|c| c.is_ascii_digit())
            || !month.is_some_and(|m| (1..=12).contains(&m))
        {
            return Err((
                S,
                "api_version",
                format!(
                    "{S} api_version `{v}` must be YYYYMM, e.g. \"{}\" (LinkedIn-Version header)",
                    default_linkedin_version()
                ),
            ));
        }
        Ok(())
    }
}

/// Store key: when the refresh token expires (RFC 3339).
pub const REFRESH_EXPIRES_AT: &str = "refresh_token_expires_at";
/// Warn this many days before the refresh token expires.
pub const REFRESH_WARN_DAYS: i64 = 30;
/// A refresh token lasts this long from the first authorisation.
pub const REFRESH_TOKEN_DAYS: i64 = 365;

/// What the store remembers about the LinkedIn credentials.
#[derive(Debug, Clone, Default)]
pub struct StoredState {
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
}

impl StoredState {
    pub fn load(store: &dyn Store) -> Result<StoredState, StoreError> {
        let at = store
            .api_state(Platform::Linkedin, REFRESH_EXPIRES_AT)?
            .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
            .map(|t| t.with_timezone(&Utc));
        Ok(StoredState {
            refresh_token_expires_at: at,
        })
    }
}

/// The app's client id and secret (for token refresh and introspection).
struct Client {
    id: Secret,
    secret: Secret,
}

/// The optional credentials beyond the access token, as configured.
#[derive(Default)]
struct Credentials {
    client: Option<Client>,
    refresh_token: Option<Secret>,
}

/// What token introspection says about a token.
#[derive(Debug, Clone)]
struct Introspection {
    active: bool,
    status: String,
    expires_at: Option<DateTime<Utc>>,
    authorized_at: Option<DateTime<Utc>>,
    scope: Option<String>,
}

impl Introspection {
    fn describe(&self, now: DateTime<Utc>) -> String {
        let mut line = self.status.clone();
        if let Some(at) = self.expires_at {
            line.push_str(&if at > now {
                format!(
                    ", expires {} (in {} days)",
                    format_day(at),
                    (at - now).num_days()
                )
            } else {
                format!(", expired {}", format_day(at))
            });
        }
        if let Some(scope) = &self.scope {
            line.push_str(&format!("; scopes: {scope}"));
        }
        line
    }

    /// When the refresh token of this authorisation expires.
    fn refresh_expiry(&self) -> Option<DateTime<Utc>> {
        self.authorized_at
            .map(|a| a + Duration::days(REFRESH_TOKEN_DAYS))
    }
}

/// The `status` of a 2xx answer whose body is a LinkedIn error object (a 2xx answer is judged
/// by the error it carries, never read as counts).
fn embedded_error(reply: &Reply) -> Option<u16> {
    if !reply.status.is_success() {
        return None;
    }
    let doc = reply.json().ok()?;
    let status = doc.get("status")?.as_u64()?;
    let is_error = doc.get("elements").is_none()
        && ["message", "serviceErrorCode", "code"]
            .iter()
            .any(|k| doc.get(*k).is_some());
    u16::try_from(status)
        .ok()
        .filter(|s| is_error && (400..600).contains(s))
}

/// The status an answer is judged by: its own, or that of the error object a 2xx carries.
fn status_of(reply: &Reply) -> u16 {
    embedded_error(reply).unwrap_or(reply.status.as_u16())
}

/// 429 and 5xx, also as the error object of a 2xx answer, are worth retrying.
fn retryable(reply: &Reply) -> bool {
    let status = status_of(reply);
    transient(reply) || status == 429 || status >= 500
}

/// A LinkedIn error body: `{"status", "serviceErrorCode", "code", "message"}`.
fn error_text(reply: &Reply) -> String {
    let doc = reply.json().unwrap_or_default();
    let code = doc["code"].as_str().map(str::to_string).or_else(|| {
        doc["serviceErrorCode"]
            .as_i64()
            .map(|c| format!("serviceErrorCode {c}"))
    });
    let message = doc["message"]
        .as_str()
        .map(|m| m.chars().take(300).collect::<String>());
    let status = match embedded_error(reply) {
        Some(s) => format!("HTTP {} with error {s}", reply.status.as_u16()),
        None => reply.status.as_u16().to_string(),
    };
    match (code, message) {
        (Some(c), Some(m)) => format!("{status} {c}: {m}"),
        (Some(c), None) => format!("{status} {c}"),
        (None, Some(m)) => format!("{status}: {m}"),
        (None, None) if embedded_error(reply).is_some() => status,
        (None, None) => format!("HTTP {status}"),
    }
}

fn format_day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// One run's conversation with LinkedIn.
pub struct Session<'a> {
    api: &'a Api,
    cfg: &'a LinkedinConfig,
    env_token: Secret,
    /// A token obtained by refreshing (kept by the [`super::Collector`] across runs).
    cache: Arc<tokio::sync::Mutex<Option<Secret>>>,
    /// `Err` when a configured variable is not set.
    creds: Result<Credentials, String>,
    stored: &'a StoredState,
    now: DateTime<Utc>,
    /// Once set, every further video fails with this (token or version problems).
    fatal: Mutex<Option<String>>,
    social_denied: AtomicBool,
    state: Mutex<Vec<(String, String)>>,
    warnings: Mutex<Vec<String>>,
}

impl<'a> Session<'a> {
    pub fn new(
        api: &'a Api,
        cfg: &'a LinkedinConfig,
        env_token: Secret,
        cache: Arc<tokio::sync::Mutex<Option<Secret>>>,
        stored: &'a StoredState,
        now: DateTime<Utc>,
    ) -> Session<'a> {
        let creds = (|| -> Result<Credentials, crate::config::ConfigError> {
            let client = match (&cfg.client_id_env, &cfg.client_secret_env) {
                (Some(id), Some(secret)) => Some(Client {
                    id: secret_from_env(id, "LinkedIn client id")?,
                    secret: secret_from_env(secret, "LinkedIn client secret")?,
                }),
                _ => None,
            };
            let refresh_token = cfg
                .refresh_token_env
                .as_deref()
                .map(|v| secret_from_env(v, "LinkedIn token refresh"))
                .transpose()?;
            if let Some(c) = &client {
                api.redactor.add(&c.id);
                api.redactor.add(&c.secret);
            }
            if let Some(r) = &refresh_token {
                api.redactor.add(r);
            }
            Ok(Credentials {
                client,
                refresh_token,
            })
        })()
        .map_err(|e| e.to_string());
        Session {
            api,
            cfg,
            env_token,
            cache,
            creds,
            stored,
            now,
            fatal: Mutex::new(None),
            social_denied: AtomicBool::new(false),
            state: Mutex::new(Vec::new()),
            warnings: Mutex::new(Vec::new()),
        }
    }

    fn warn(&self, message: String) {
        let mut w = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
        if !w.contains(&message) {
            w.push(message);
        }
    }

    fn refresh_env(&self) -> &str {
        self.cfg
            .refresh_token_env
            .as_deref()
            .unwrap_or("the refresh token variable")
    }

    /// Client and refresh token, when refreshing is configured and possible.
    fn refresh_credentials(&self) -> Option<(&Client, &Secret)> {
        match &self.creds {
            Ok(Credentials {
                client: Some(c),
                refresh_token: Some(r),
            }) => Some((c, r)),
            _ => None,
        }
    }

    /// Warn when the refresh token expires within [`REFRESH_WARN_DAYS`].
    fn check_refresh_expiry(&self, expires: Option<DateTime<Utc>>) {
        let Some(at) = expires else { return };
        if self.refresh_credentials().is_none() {
            return;
        }
        let env = self.refresh_env();
        if at <= self.now {
            self.warn(format!(
                "the LinkedIn refresh token in {env} expired on {}; authorise the app again \
                 (README, Live collection) and put the new tokens in .env",
                format_day(at)
            ));
        } else if at - self.now <= Duration::days(REFRESH_WARN_DAYS) {
            self.warn(format!(
                "the LinkedIn refresh token in {env} expires on {} (in {} days); refreshing does not \
                 extend it — authorise the app again before then (README, Live collection)",
                format_day(at),
                (at - self.now).num_days()
            ));
        }
    }

    /// Read views (and likes and comments where allowed) of `urns`.
    pub async fn read(self, urns: &[String]) -> PlatformRun {
        if let Err(why) = &self.creds {
            self.warn(format!("{why} (needed only to refresh an expired token)"));
        }
        let expiry = match self.stored.refresh_token_expires_at {
            Some(at) => Some(at),
            None => self.learn_refresh_expiry().await,
        };
        self.check_refresh_expiry(expiry);
        let this = &self;
        let outcomes: Vec<(String, Outcome)> = join_all(
            urns.iter()
                .map(|urn| async move { (urn.clone(), this.video(urn).await) }),
        )
        .await;
        let mut run = PlatformRun::default();
        for w in self
            .warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            run.warn(self.api, w);
        }
        for (urn, outcome) in outcomes {
            if let Outcome::Missing(m) = &outcome {
                run.warn(self.api, m.clone());
            }
            run.outcomes.insert(urn, outcome);
        }
        run.state = std::mem::take(&mut *self.state.lock().unwrap_or_else(|e| e.into_inner()));
        run
    }

    async fn video(&self, urn: &str) -> Outcome {
        if let Some(why) = self.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Outcome::Failed(why);
        }
        let url = format!("{}/rest/videoAnalytics", self.cfg.api_base);
        let reply = match self
            .call("videoAnalytics", |token| {
                self.headers(self.api.client().get(&url), token).query(&[
                    ("q", "entity"),
                    ("entity", urn),
                    ("type", "VIDEO_VIEW"),
                    ("aggregation", "ALL"),
                ])
            })
            .await
        {
            Ok(r) => r,
            Err(m) => return Outcome::Failed(m),
        };
        let views = match status_of(&reply) {
            200 => match parse_views(&reply) {
                Ok(Some(v)) => v,
                Ok(None) => {
                    return Outcome::Missing(format!(
                    "linkedin post {urn}: LinkedIn has no video views for it (not a video post, \
                         or older than six months, after which LinkedIn drops video analytics); no \
                         reading stored"
                ))
                }
                Err(d) => {
                    return Outcome::Failed(format!(
                        "LinkedIn answered videoAnalytics in an unexpected shape ({d}); no reading \
                         stored — {UNEXPECTED_ANSWER_ADVICE}"
                    ))
                }
            },
            404 => {
                return Outcome::Missing(format!(
                    "linkedin post {urn}: LinkedIn does not know it ({}); check the URN in \
                     [[campaign.video]]; no reading stored",
                    error_text(&reply)
                ))
            }
            _ => return Outcome::Failed(self.failure("videoAnalytics", urn, &reply)),
        };
        let mut values = vec![(Metric::Views, views)];
        if self.cfg.social_metadata && !self.social_denied.load(Ordering::SeqCst) {
            values.extend(self.social(urn).await);
        }
        Outcome::Read(values)
    }

    /// Likes (all reactions) and comments; problems here are warnings (views were read).
    async fn social(&self, urn: &str) -> Vec<(Metric, i64)> {
        let url = format!(
            "{}/rest/socialMetadata/{}",
            self.cfg.api_base,
            percent_encode(urn)
        );
        let reply = match self
            .call("socialMetadata", |token| {
                self.headers(self.api.client().get(&url), token)
            })
            .await
        {
            Ok(r) => r,
            Err(m) => {
                self.warn(format!(
                    "linkedin post {urn}: likes and comments not read ({m})"
                ));
                return Vec::new();
            }
        };
        match status_of(&reply) {
            200 => match parse_social(&reply) {
                Ok(v) => v,
                Err(d) => {
                    self.warn(format!(
                        "linkedin post {urn}: LinkedIn answered socialMetadata in an unexpected shape \
                         ({d}); likes and comments not stored"
                    ));
                    Vec::new()
                }
            },
            403 => {
                if !self.social_denied.swap(true, Ordering::SeqCst) {
                    self.warn(format!(
                        "LinkedIn: the token in {} may not read likes and comments (socialMetadata \
                         answered {}); reading views only",
                        self.cfg.access_token_env,
                        error_text(&reply)
                    ));
                }
                Vec::new()
            }
            _ => {
                self.warn(format!(
                    "linkedin post {urn}: likes and comments not read ({})",
                    self.failure("socialMetadata", urn, &reply)
                ));
                Vec::new()
            }
        }
    }

    fn headers(&self, b: RequestBuilder, token: &str) -> RequestBuilder {
        b.bearer_auth(token)
            .header("LinkedIn-Version", &self.cfg.api_version)
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    /// The user-facing meaning of a failed answer (and whether it ends the run for LinkedIn).
    fn failure(&self, what: &str, urn: &str, reply: &Reply) -> String {
        let env = &self.cfg.access_token_env;
        let text = error_text(reply);
        let message = match status_of(reply) {
            426 => {
                let m = format!(
                    "LinkedIn no longer serves API version {} ([platforms.linkedin] api_version; \
                     {text}): set api_version to a current YYYYMM such as 202610 — LinkedIn supports \
                     each version for at least a year",
                    self.cfg.api_version
                );
                self.set_fatal(&m);
                m
            }
            403 => format!(
                "the token in {env} may not read {what} of {urn} ({text}): it needs the \
                 r_organization_social scope, from a member with the ADMINISTRATOR or \
                 DIRECT_SPONSORED_CONTENT_POSTER role on the organisation's page"
            ),
            429 => format!(
                "LinkedIn rate limit reached ({text}){}; collect less often or try again tomorrow \
                 (LinkedIn's limits reset at midnight UTC)",
                reply.gave_up()
            ),
            s if s >= 500 => format!(
                "LinkedIn {what} answered {text}{}; try again later",
                reply.gave_up()
            ),
            _ => format!("LinkedIn refused {what} for {urn} ({text})"),
        };
        message
    }

    fn set_fatal(&self, message: &str) {
        let mut f = self.fatal.lock().unwrap_or_else(|e| e.into_inner());
        if f.is_none() {
            *f = Some(message.to_string());
        }
    }

    async fn token(&self) -> Secret {
        self.cache
            .lock()
            .await
            .clone()
            .unwrap_or_else(|| self.env_token.clone())
    }

    /// Send a request with the current token; on 401 refresh the token (once for everyone)
    /// and send it again. `Err` is the message for this video.
    async fn call(
        &self,
        what: &str,
        build: impl Fn(&str) -> RequestBuilder,
    ) -> Result<Reply, String> {
        // Checked when the request's turn comes: a retired version or a dead token found
        // meanwhile ends the run for LinkedIn without further requests.
        let gate = || match self.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(why) => Err(why),
            None => Ok(()),
        };
        let failed = |e: SendError| match e {
            SendError::Refused(why) => why,
            e => format!("LinkedIn {what}: {e}"),
        };
        let token = self.token().await;
        let reply = self
            .api
            .send(what, build(token.expose()), &retryable, Some(&gate))
            .await
            .map_err(failed)?;
        if status_of(&reply) != 401 {
            return Ok(reply);
        }
        let fresh = self.refreshed(&token, &reply).await?;
        let reply = self
            .api
            .send(what, build(fresh.expose()), &retryable, Some(&gate))
            .await
            .map_err(failed)?;
        if status_of(&reply) == 401 {
            let m = format!(
                "LinkedIn rejected the freshly refreshed access token too ({}); authorise the app \
                 again (README, Live collection)",
                error_text(&reply)
            );
            self.set_fatal(&m);
            return Err(m);
        }
        Ok(reply)
    }

    /// A token newer than `used`: refreshed by someone else meanwhile, or refreshed now.
    async fn refreshed(&self, used: &Secret, reply: &Reply) -> Result<Secret, String> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.as_ref().filter(|t| *t != used) {
            return Ok(t.clone());
        }
        if let Some(why) = self.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Err(why);
        }
        let env = &self.cfg.access_token_env;
        let Some((client, refresh_token)) = self.refresh_credentials() else {
            let revoked = reply.json().unwrap_or_default()["code"] == "REVOKED_ACCESS_TOKEN";
            let m = if revoked {
                format!(
                    "LinkedIn rejected the access token in {env} ({}): the member revoked the app's \
                     access; authorise the app again (README, Live collection) and put the new \
                     token in .env as {env}=…",
                    error_text(reply)
                )
            } else {
                format!(
                    "LinkedIn rejected the access token in {env} ({}): LinkedIn access tokens last \
                     60 days; get a new one (README, Live collection) and put it in .env as \
                     {env}=…, or set client_id_env, client_secret_env and refresh_token_env in \
                     [platforms.linkedin] to refresh it automatically",
                    error_text(reply)
                )
            };
            self.set_fatal(&m);
            return Err(m);
        };
        match self.refresh_now(client, refresh_token).await {
            Ok(fresh) => {
                *cache = Some(fresh.clone());
                Ok(fresh)
            }
            Err(m) => {
                self.set_fatal(&m);
                Err(m)
            }
        }
    }

    /// `POST {oauth_base}/oauth/v2/accessToken` with `grant_type=refresh_token`.
    async fn refresh_now(&self, client: &Client, refresh_token: &Secret) -> Result<Secret, String> {
        let request = self
            .api
            .client()
            .post(format!("{}/oauth/v2/accessToken", self.cfg.oauth_base))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
                ("client_id", client.id.expose()),
                ("client_secret", client.secret.expose()),
            ]);
        let reply = self
            .api
            .send("token refresh", request, &transient, None)
            .await
            .map_err(|e| format!("LinkedIn token refresh: {e}"))?;
        let refresh_env = self.refresh_env();
        if !reply.status.is_success() {
            let doc = reply.json().unwrap_or_default();
            let error = doc["error"].as_str().unwrap_or("no error code");
            let description = doc["error_description"].as_str().unwrap_or("");
            let hint = if error == "invalid_client" {
                format!(
                    "the client id or secret in {} / {} is wrong",
                    self.cfg.client_id_env.as_deref().unwrap_or("?"),
                    self.cfg.client_secret_env.as_deref().unwrap_or("?")
                )
            } else {
                format!(
                    "the refresh token in {refresh_env} has expired or was revoked — authorise the \
                     app again (README, Live collection) and put the new tokens in .env"
                )
            };
            return Err(format!(
                "LinkedIn refused to refresh the access token (HTTP {}, {error}: {description}): {hint}",
                reply.status.as_u16()
            ));
        }
        let doc = reply.json().map_err(|d| {
            format!("LinkedIn answered the token refresh in an unexpected shape ({d})")
        })?;
        let RefreshAnswer {
            access_token: token,
        } = decode(&doc, "answer").map_err(|d| {
            format!("LinkedIn answered the token refresh in an unexpected shape ({d})")
        })?;
        let fresh = Secret::new(token);
        self.api.redactor.add(&fresh);
        let refresh_expiry = doc["refresh_token_expires_in"]
            .as_i64()
            .map(|secs| self.now + Duration::seconds(secs));
        if let Some(at) = refresh_expiry {
            self.remember_refresh_expiry(at);
        }
        tracing::info!(
            platform = %Platform::Linkedin,
            "the LinkedIn access token in {} had expired; refreshed it with {refresh_env}",
            self.cfg.access_token_env
        );
        self.check_refresh_expiry(refresh_expiry);
        Ok(fresh)
    }

    fn remember_refresh_expiry(&self, at: DateTime<Utc>) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((REFRESH_EXPIRES_AT.into(), at.to_rfc3339()));
    }

    /// With refreshing configured but no expiry remembered: the access token's authorisation
    /// date (token introspection) + 365 days, remembered in the store.
    async fn learn_refresh_expiry(&self) -> Option<DateTime<Utc>> {
        let (client, _) = self.refresh_credentials()?;
        match self.introspect(client, &self.env_token).await {
            Ok(info) => {
                let at = info.refresh_expiry()?;
                self.remember_refresh_expiry(at);
                Some(at)
            }
            Err(m) => {
                tracing::info!(
                    platform = %Platform::Linkedin,
                    "cannot tell when the LinkedIn refresh token expires: {}",
                    self.api.redactor.clean(&m)
                );
                None
            }
        }
    }

    /// `check --online`: introspect the access token (with the client id and secret), tell
    /// when the refresh token expires, and read one video.
    pub async fn probe(self, urns: &[String]) -> (Probe, Vec<(String, String)>) {
        let mut probe = Probe::new(Platform::Linkedin);
        let env = self.cfg.access_token_env.clone();
        match &self.creds {
            Ok(Credentials {
                client: Some(client),
                ..
            }) => match self.introspect(client, &self.env_token).await {
                Ok(info) => {
                    probe.line(format!(
                        "access token in {env}: {}",
                        info.describe(self.now)
                    ));
                    if !info.active {
                        probe.ok = false;
                    }
                    if let (Some(at), Some(authorized), Some(_)) = (
                        info.refresh_expiry(),
                        info.authorized_at,
                        self.refresh_credentials(),
                    ) {
                        probe.line(format!(
                            "refresh token in {}: expires {} (in {} days; {REFRESH_TOKEN_DAYS} days \
                             after the authorisation on {})",
                            self.refresh_env(),
                            format_day(at),
                            (at - self.now).num_days(),
                            format_day(authorized)
                        ));
                        self.remember_refresh_expiry(at);
                        self.check_refresh_expiry(Some(at));
                    }
                }
                Err(m) => {
                    probe.ok = false;
                    probe.line(format!("access token in {env}: {m}"));
                }
            },
            Ok(_) => probe.line(format!(
                "expiry of the token in {env} unknown: set client_id_env and client_secret_env in \
                 [platforms.linkedin] to introspect it (LinkedIn access tokens last 60 days)"
            )),
            Err(why) => probe.line(format!("token introspection not possible: {why}")),
        }
        match urns.first() {
            Some(urn) => match self.video(urn).await {
                Outcome::Read(values) => probe.line(format!(
                    "can read video analytics (LinkedIn-Version {}): {urn} has {} views",
                    self.cfg.api_version,
                    values.first().map(|(_, v)| *v).unwrap_or(0)
                )),
                Outcome::Missing(m) => probe.line(m),
                Outcome::Failed(m) => {
                    probe.ok = false;
                    probe.line(m);
                }
            },
            None => probe.line("no LinkedIn video configured to test reading with".into()),
        }
        for w in self
            .warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            probe.line(format!("warning: {w}"));
        }
        let state = std::mem::take(&mut *self.state.lock().unwrap_or_else(|e| e.into_inner()));
        (probe, state)
    }

    /// `POST {oauth_base}/oauth/v2/introspectToken`: status, scopes, expiry, authorisation.
    async fn introspect(&self, client: &Client, token: &Secret) -> Result<Introspection, String> {
        let request = self
            .api
            .client()
            .post(format!("{}/oauth/v2/introspectToken", self.cfg.oauth_base))
            .form(&[
                ("client_id", client.id.expose()),
                ("client_secret", client.secret.expose()),
                ("token", token.expose()),
            ]);
        let reply = self
            .api
            .send("token introspection", request, &transient, None)
            .await
            .map_err(|e| format!("LinkedIn token introspection: {e}"))?;
        if !reply.status.is_success() {
            return Err(format!(
                "LinkedIn refused the token introspection (HTTP {}): check the client id and secret \
                 in {} and {}",
                reply.status.as_u16(),
                self.cfg.client_id_env.as_deref().unwrap_or("?"),
                self.cfg.client_secret_env.as_deref().unwrap_or("?")
            ));
        }
        let shape_error = |d: String| {
            format!("LinkedIn answered the token introspection in an unexpected shape ({d})")
        };
        let doc = reply.json().map_err(shape_error)?;
        let active = doc["active"]
            .as_bool()
            .ok_or_else(|| shape_error("answer.active is missing".into()))?;
        let time = |key: &str| {
            doc[key]
                .as_i64()
                .and_then(|s| Utc.timestamp_opt(s, 0).single())
        };
        Ok(Introspection {
            active,
            status: doc["status"]
                .as_str()
                .unwrap_or(if active { "active" } else { "inactive" })
                .to_string(),
            expires_at: time("expires_at"),
            authorized_at: time("authorized_at"),
            scope: doc["scope"].as_str().map(str::to_string),
        })
    }
}

/// The answer to a token refresh (its other fields are read as they come).
#[derive(Deserialize)]
struct RefreshAnswer {
    access_token: String,
}

/// A `videoAnalytics` answer.
#[derive(Deserialize)]
struct AnalyticsAnswer {
    elements: Vec<Element>,
}

#[derive(Deserialize)]
struct Element {
    value: Count,
}

/// A `socialMetadata` answer: reaction counts by kind, and comments.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SocialAnswer {
    reaction_summaries: Option<BTreeMap<String, Counted>>,
    comment_summary: Option<Counted>,
}

#[derive(Deserialize)]
struct Counted {
    count: Count,
}

/// Lifetime views: the sum of `elements[].value`; `None` when there are no elements.
fn parse_views(reply: &Reply) -> Result<Option<i64>, String> {
    let doc = reply.json()?;
    let answer: AnalyticsAnswer = decode_answer(&doc)?;
    if answer.elements.is_empty() {
        return Ok(None);
    }
    Ok(Some(answer.elements.iter().map(|e| e.value.0).sum()))
}

/// Likes (the sum of all reaction counts) and comments, where present.
fn parse_social(reply: &Reply) -> Result<Vec<(Metric, i64)>, String> {
    let doc = reply.json()?;
    let answer: SocialAnswer = decode(&doc, "")?;
    let mut out = Vec::new();
    if let Some(reactions) = answer.reaction_summaries {
        out.push((Metric::Likes, reactions.values().map(|r| r.count.0).sum()));
    }
    if let Some(c) = answer.comment_summary {
        out.push((Metric::Comments, c.count.0));
    }
    Ok(out)
}

/// LinkedIn as an [`ApiPlatform`]; it keeps a refreshed access token for the next runs.
#[derive(Default)]
pub struct Linkedin {
    token: Arc<tokio::sync::Mutex<Option<Secret>>>,
}

impl ApiPlatform for Linkedin {
    fn platform(&self) -> Platform {
        Platform::Linkedin
    }

    fn credential_expiry(&self, store: &dyn Store) -> Option<Option<DateTime<Utc>>> {
        StoredState::load(store)
            .ok()
            .map(|state| state.refresh_token_expires_at)
    }

    fn credential_env(&self, config: &PlatformsConfig) -> Option<String> {
        config.linkedin.as_ref().map(|l| l.access_token_env.clone())
    }

    fn optional_env(&self, config: &PlatformsConfig) -> Vec<String> {
        config
            .linkedin
            .iter()
            .flat_map(|l| {
                [
                    l.client_id_env.clone(),
                    l.client_secret_env.clone(),
                    l.refresh_token_env.clone(),
                ]
            })
            .flatten()
            .collect()
    }

    fn schedule_env(&self, config: &PlatformsConfig) -> Option<String> {
        // With a refresh token configured, the access token is fetched.
        config.linkedin.as_ref().map(|l| {
            l.refresh_token_env
                .clone()
                .unwrap_or_else(|| l.access_token_env.clone())
        })
    }

    fn id_ok(&self, id: &str) -> bool {
        id.starts_with("urn:li:") && !id.chars().any(|c| c.is_whitespace() || c == '/')
    }

    fn id_form(&self) -> &'static str {
        "a LinkedIn post URN (e.g. urn:li:ugcPost:7000000000000000000)"
    }

    fn config_id_doubt(&self, id: &str) -> Option<String> {
        crate::model::ids::linkedin_urn(id).is_none().then(|| {
            format!(
                "`{id}` is not a LinkedIn post: write its URN (urn:li:activity:…, \
                 urn:li:ugcPost:… or urn:li:share:…) or the post's linkedin.com URL"
            )
        })
    }

    fn env_example(&self) -> &'static str {
        "# LinkedIn access token with r_organization_social (LinkedIn Developer Portal)\n\
         LINKEDIN_ACCESS_TOKEN=\n\
         # Optional, to refresh the LinkedIn token when it expires (set client_id_env, client_secret_env\n\
         # and refresh_token_env in [platforms.linkedin] to these names)\n\
         # LINKEDIN_CLIENT_ID=\n\
         # LINKEDIN_CLIENT_SECRET=\n\
         # LINKEDIN_REFRESH_TOKEN=\n"
    }

    fn read(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, PlatformRun>, StoreError> {
        let Some(cfg) = job.config.linkedin.clone() else {
            return Ok(Box::pin(async { PlatformRun::default() }));
        };
        let stored = StoredState::load(store)?;
        let cache = self.token.clone();
        Ok(Box::pin(async move {
            let session = Session::new(&job.api, &cfg, job.secret, cache, &stored, job.now);
            session.read(&job.ids).await
        }))
    }

    fn probe(
        &self,
        job: Job,
        store: &dyn Store,
    ) -> Result<BoxFuture<'static, (Probe, PlatformRun)>, StoreError> {
        let Some(cfg) = job.config.linkedin.clone() else {
            return Ok(Box::pin(async {
                (Probe::new(Platform::Linkedin), PlatformRun::default())
            }));
        };
        let stored = StoredState::load(store)?;
        let cache = self.token.clone();
        Ok(Box::pin(async move {
            let session = Session::new(&job.api, &cfg, job.secret, cache, &stored, job.now);
            let (probe, state) = session.probe(&job.ids).await;
            let run = PlatformRun {
                state,
                ..PlatformRun::default()
            };
            (probe, run)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::{api, fixture, form_decode, outcome_values};
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[test]
    fn a_2xx_answer_is_judged_by_the_error_object_it_carries() {
        use crate::sources::testing::reply;
        let error = reply(200, &fixture("linkedin/error_server.json"));
        assert_eq!(embedded_error(&error), Some(503));
        assert!(retryable(&error));
        assert_eq!(
            error_text(&error),
            "HTTP 200 with error 503: Service Unavailable"
        );
        // ordinary answers (socialMetadata has no `status`) and real statuses are what they say
        for name in [
            "linkedin/video_analytics.json",
            "linkedin/social_metadata.json",
        ] {
            let ok = reply(200, &fixture(name));
            assert_eq!((embedded_error(&ok), status_of(&ok)), (None, 200), "{name}");
        }
        // a `status` that is not an error status is not an error
        assert_eq!(
            embedded_error(&reply(200, r#"{"status": 200, "message": "ok"}"#)),
            None
        );
        let expired = reply(401, &fixture("linkedin/error_expired_token.json"));
        assert_eq!((embedded_error(&expired), status_of(&expired)), (None, 401));
    }

    const TOKEN: &str = "AQVtestLinkedInAccessToken-0001";
    const FRESH: &str = "AQVfreshLinkedInAccessToken-0002";
    const URN: &str = "urn:li:ugcPost:7000000000000000001";
    const URN2: &str = "urn:li:ugcPost:7000000000000000002";

    fn cfg(server: &MockServer) -> LinkedinConfig {
        LinkedinConfig {
            access_token_env: "LINKEDIN_ACCESS_TOKEN".into(),
            api_base: server.uri(),
            oauth_base: server.uri(),
            api_version: "202610".into(),
            social_metadata: true,
            client_id_env: None,
            client_secret_env: None,
            refresh_token_env: None,
            day_timezone: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn json(status: u16, name: &str) -> ResponseTemplate {
        ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
    }

    async fn analytics(server: &MockServer, urn: &str, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/rest/videoAnalytics"))
            .and(query_param("entity", urn))
            .respond_with(response)
            .mount(server)
            .await;
    }

    async fn social(server: &MockServer, urn: &str, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(format!(
                "/rest/socialMetadata/{}",
                percent_encode(urn)
            )))
            .respond_with(response)
            .mount(server)
            .await;
    }

    async fn run_with(c: &LinkedinConfig, urns: &[&str]) -> (PlatformRun, Api) {
        let api = api(Platform::Linkedin);
        let stored = StoredState::default();
        let cache = Arc::new(tokio::sync::Mutex::new(None));
        let session = Session::new(&api, c, Secret::new(TOKEN), cache, &stored, now());
        let urns: Vec<String> = urns.iter().map(|s| s.to_string()).collect();
        (session.read(&urns).await, api)
    }

    fn failed(run: &PlatformRun, id: &str) -> String {
        match &run.outcomes[id] {
            Outcome::Failed(m) => m.clone(),
            other => panic!("{id}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn views_likes_and_comments_with_the_documented_headers() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/rest/videoAnalytics"))
            .and(query_param("q", "entity"))
            .and(query_param("entity", URN))
            .and(query_param("type", "VIDEO_VIEW"))
            .and(query_param("aggregation", "ALL"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(header("linkedin-version", "202610"))
            .and(header("x-restli-protocol-version", "2.0.0"))
            .respond_with(json(200, "linkedin/video_analytics.json"))
            .mount(&server)
            .await;
        social(&server, URN, json(200, "linkedin/social_metadata.json")).await;
        let (run, _) = run_with(&cfg(&server), &[URN]).await;
        assert_eq!(
            outcome_values(&run, URN),
            vec![
                (Metric::Views, 1432),
                (Metric::Likes, 57),
                (Metric::Comments, 9)
            ]
        );
        let got = server.received_requests().await.unwrap();
        assert!(
            got.iter()
                .any(|r| r.url.path()
                    == "/rest/socialMetadata/urn%3Ali%3AugcPost%3A7000000000000000001"),
            "{:?}",
            got.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn no_elements_means_no_reading_and_unknown_posts_are_warnings() {
        let server = MockServer::start().await;
        analytics(
            &server,
            URN,
            json(200, "linkedin/video_analytics_empty.json"),
        )
        .await;
        analytics(&server, URN2, json(404, "linkedin/error_not_found.json")).await;
        let (run, _) = run_with(&cfg(&server), &[URN, URN2]).await;
        assert!(
            matches!(&run.outcomes[URN], Outcome::Missing(m) if m.contains("older than six months"))
        );
        assert_eq!(
            run.outcomes[URN2],
            Outcome::Missing(format!(
                "linkedin post {URN2}: LinkedIn does not know it (404 RESOURCE_NOT_FOUND: Not Found); \
                 check the URN in [[campaign.video]]; no reading stored"
            ))
        );
    }

    #[tokio::test]
    async fn a_retired_version_is_said_plainly_and_stops_the_run() {
        let server = MockServer::start().await;
        Mock::given(path("/rest/videoAnalytics"))
            .respond_with(json(426, "linkedin/error_nonexistent_version.json"))
            .mount(&server)
            .await;
        let mut c = cfg(&server);
        c.api_version = "202411".into();
        let api = api(Platform::Linkedin);
        let stored = StoredState::default();
        let mut t = api.tuning().clone();
        t.concurrency = 1;
        let api = Api::new(
            Platform::Linkedin,
            api.client().clone(),
            t,
            api.redactor.clone(),
        );
        let session = Session::new(&api, &c, Secret::new(TOKEN), Arc::default(), &stored, now());
        let run = session.read(&[URN.to_string(), URN2.to_string()]).await;
        let expected = "LinkedIn no longer serves API version 202411 ([platforms.linkedin] \
             api_version; 426 NONEXISTENT_VERSION: Requested version 20241101 is not active): set \
             api_version to a current YYYYMM such as 202610 — LinkedIn supports each version for at \
             least a year";
        assert_eq!(failed(&run, URN), expected);
        assert_eq!(failed(&run, URN2), expected);
        assert_eq!(
            api.stats.requests(),
            1,
            "no point asking again with a retired version"
        );
    }

    #[tokio::test]
    async fn an_expired_token_without_refresh_says_what_to_do() {
        let server = MockServer::start().await;
        analytics(&server, URN, json(401, "linkedin/error_expired_token.json")).await;
        let (run, _) = run_with(&cfg(&server), &[URN]).await;
        assert_eq!(
            failed(&run, URN),
            "LinkedIn rejected the access token in LINKEDIN_ACCESS_TOKEN (401 EXPIRED_ACCESS_TOKEN: \
             The token used in the request has expired): LinkedIn access tokens last 60 days; get a \
             new one (README, Live collection) and put it in .env as LINKEDIN_ACCESS_TOKEN=…, or set \
             client_id_env, client_secret_env and refresh_token_env in [platforms.linkedin] to \
             refresh it automatically"
        );
    }

    fn refresh_cfg(server: &MockServer) -> LinkedinConfig {
        let mut c = cfg(server);
        c.client_id_env = Some("VT_TEST_LI_CLIENT_ID".into());
        c.client_secret_env = Some("VT_TEST_LI_CLIENT_SECRET".into());
        c.refresh_token_env = Some("VT_TEST_LI_REFRESH".into());
        // SAFETY of set_var in tests: these names are used by no other test.
        std::env::set_var("VT_TEST_LI_CLIENT_ID", "client-id-123");
        std::env::set_var("VT_TEST_LI_CLIENT_SECRET", "client-secret-456");
        std::env::set_var("VT_TEST_LI_REFRESH", "refresh-token-789");
        c
    }

    #[tokio::test]
    async fn an_expired_token_is_refreshed_once_and_the_run_carries_on() {
        let server = MockServer::start().await;
        for urn in [URN, URN2] {
            Mock::given(path("/rest/videoAnalytics"))
                .and(query_param("entity", urn))
                .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
                .respond_with(json(401, "linkedin/error_expired_token.json"))
                .mount(&server)
                .await;
            Mock::given(path("/rest/videoAnalytics"))
                .and(query_param("entity", urn))
                .and(header("authorization", format!("Bearer {FRESH}").as_str()))
                .respond_with(json(200, "linkedin/video_analytics.json"))
                .mount(&server)
                .await;
        }
        Mock::given(path("/rest/socialMetadata/{x}"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/accessToken"))
            .respond_with(json(200, "linkedin/token_refresh.json"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/introspectToken"))
            .respond_with(json(200, "linkedin/introspect_access.json"))
            .mount(&server)
            .await;
        let mut c = refresh_cfg(&server);
        c.social_metadata = false;
        let (run, api) = run_with(&c, &[URN, URN2]).await;
        assert_eq!(outcome_values(&run, URN), vec![(Metric::Views, 1432)]);
        assert_eq!(outcome_values(&run, URN2), vec![(Metric::Views, 1432)]);
        // refresh token expires in 20 days (refresh_token_expires_in = 1728000 s)
        assert!(
            run.warnings.contains(
                &"the LinkedIn refresh token in VT_TEST_LI_REFRESH expires on 2026-12-15 (in 20 days); \
                  refreshing does not extend it — authorise the app again before then (README, Live \
                  collection)"
                    .to_string()
            ),
            "{:?}",
            run.warnings
        );
        assert!(run.state.contains(&(
            REFRESH_EXPIRES_AT.to_string(),
            "2026-12-15T12:00:00+00:00".to_string()
        )));
        assert!(run.state.iter().all(|(_, v)| !v.contains(FRESH)));
        let got = server.received_requests().await.unwrap();
        let refresh = got
            .iter()
            .find(|r| r.url.path() == "/oauth/v2/accessToken")
            .unwrap();
        let form = form_decode(&refresh.body);
        assert!(form.contains(&("grant_type".into(), "refresh_token".into())));
        assert!(form.contains(&("refresh_token".into(), "refresh-token-789".into())));
        assert!(form.contains(&("client_id".into(), "client-id-123".into())));
        assert!(form.contains(&("client_secret".into(), "client-secret-456".into())));
        // the fresh token is hidden from now on
        assert_eq!(
            api.redactor.clean(&format!("x {FRESH} y")),
            "x **REDACTED** y"
        );
    }

    #[tokio::test]
    async fn a_refused_refresh_says_the_refresh_token_is_dead() {
        let server = MockServer::start().await;
        analytics(&server, URN, json(401, "linkedin/error_expired_token.json")).await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/accessToken"))
            .respond_with(json(400, "linkedin/error_refresh_invalid_grant.json"))
            .mount(&server)
            .await;
        let c = refresh_cfg(&server);
        let (run, _) = run_with(&c, &[URN]).await;
        assert_eq!(
            failed(&run, URN),
            "LinkedIn refused to refresh the access token (HTTP 400, invalid_grant: The provided \
             authorization grant or refresh token is invalid, expired or revoked): the refresh token \
             in VT_TEST_LI_REFRESH has expired or was revoked — authorise the app again (README, Live \
             collection) and put the new tokens in .env"
        );
    }

    #[tokio::test]
    async fn rate_limits_and_server_errors_are_retried() {
        let server = MockServer::start().await;
        Mock::given(path("/rest/videoAnalytics"))
            .respond_with(
                json(429, "linkedin/error_throttled.json").insert_header("Retry-After", "0"),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path("/rest/videoAnalytics"))
            .respond_with(json(503, "linkedin/error_server.json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        analytics(&server, URN, json(200, "linkedin/video_analytics.json")).await;
        social(&server, URN, json(200, "linkedin/social_metadata.json")).await;
        let (run, api) = run_with(&cfg(&server), &[URN]).await;
        assert_eq!(outcome_values(&run, URN)[0], (Metric::Views, 1432));
        assert_eq!(api.stats.retries(), 2);

        let server = MockServer::start().await;
        analytics(&server, URN, json(429, "linkedin/error_throttled.json")).await;
        let (run, _) = run_with(&cfg(&server), &[URN]).await;
        assert_eq!(
            failed(&run, URN),
            "LinkedIn rate limit reached (429 TOO_MANY_REQUESTS: Resource level throttle APPLICATION \
             DAY limit for calls to this resource is reached.) (still so after 4 attempts); collect \
             less often or try again tomorrow (LinkedIn's limits reset at midnight UTC)"
        );
    }

    #[tokio::test]
    async fn forbidden_analytics_is_an_error_and_forbidden_social_a_warning() {
        let server = MockServer::start().await;
        analytics(&server, URN, json(403, "linkedin/error_forbidden.json")).await;
        analytics(&server, URN2, json(200, "linkedin/video_analytics.json")).await;
        social(&server, URN2, json(403, "linkedin/error_forbidden.json")).await;
        let (run, _) = run_with(&cfg(&server), &[URN, URN2]).await;
        assert_eq!(
            failed(&run, URN),
            format!(
                "the token in LINKEDIN_ACCESS_TOKEN may not read videoAnalytics of {URN} (403 \
                 ACCESS_DENIED: Not enough permissions to access: GET /videoAnalytics): it needs the \
                 r_organization_social scope, from a member with the ADMINISTRATOR or \
                 DIRECT_SPONSORED_CONTENT_POSTER role on the organisation's page"
            )
        );
        assert_eq!(outcome_values(&run, URN2), vec![(Metric::Views, 1432)]);
        assert!(run.warnings.iter().any(|w| w.starts_with(
            "LinkedIn: the token in LINKEDIN_ACCESS_TOKEN may not read likes and comments"
        )));
    }

    #[tokio::test]
    async fn malformed_answers_are_errors() {
        let server = MockServer::start().await;
        analytics(
            &server,
            URN,
            json(200, "linkedin/video_analytics_bad_value.json"),
        )
        .await;
        analytics(
            &server,
            URN2,
            ResponseTemplate::new(200).set_body_raw("not json", "text/plain"),
        )
        .await;
        let (run, _) = run_with(&cfg(&server), &[URN, URN2]).await;
        assert_eq!(
            failed(&run, URN),
            "LinkedIn answered videoAnalytics in an unexpected shape (elements[0].value is missing); \
             no reading stored — try again later; if it keeps happening, check api_base and any \
             proxy in between, or update viewtally (the API may have changed)"
        );
        assert!(
            failed(&run, URN2).contains("malformed JSON"),
            "{}",
            failed(&run, URN2)
        );
    }

    #[tokio::test]
    async fn check_online_introspects_and_tells_when_the_refresh_token_expires() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/introspectToken"))
            .respond_with(json(200, "linkedin/introspect_access.json"))
            .expect(1)
            .mount(&server)
            .await;
        analytics(&server, URN, json(200, "linkedin/video_analytics.json")).await;
        social(&server, URN, json(200, "linkedin/social_metadata.json")).await;
        let c = refresh_cfg(&server);
        let api = api(Platform::Linkedin);
        let stored = StoredState::default();
        let session = Session::new(&api, &c, Secret::new(TOKEN), Arc::default(), &stored, now());
        let (probe, state) = session.probe(&[URN.to_string()]).await;
        assert!(probe.ok, "{:?}", probe.lines);
        assert_eq!(
            probe.lines,
            vec![
                "access token in LINKEDIN_ACCESS_TOKEN: active, expires 2027-01-09 (in 45 days); \
                 scopes: r_organization_social,rw_organization_admin"
                    .to_string(),
                "refresh token in VT_TEST_LI_REFRESH: expires 2027-10-01 (in 309 days; 365 days \
                 after the authorisation on 2026-10-01)"
                    .to_string(),
                format!("can read video analytics (LinkedIn-Version 202610): {URN} has 1432 views"),
            ]
        );
        assert_eq!(
            state,
            vec![(
                REFRESH_EXPIRES_AT.to_string(),
                "2027-10-01T00:00:00+00:00".to_string()
            )]
        );
        let got = server.received_requests().await.unwrap();
        let form = form_decode(&got[0].body);
        assert!(form.contains(&("token".into(), TOKEN.into())));
        assert!(form.contains(&("client_secret".into(), "client-secret-456".into())));
    }

    #[tokio::test]
    async fn the_refresh_token_expiry_is_learned_once_then_warned_about() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/introspectToken"))
            .respond_with(json(200, "linkedin/introspect_access.json"))
            .expect(1)
            .mount(&server)
            .await;
        analytics(&server, URN, json(200, "linkedin/video_analytics.json")).await;
        let mut c = refresh_cfg(&server);
        c.social_metadata = false;
        let api = api(Platform::Linkedin);
        // Nothing remembered: introspection tells (and the store will keep it).
        let stored = StoredState::default();
        let session = Session::new(&api, &c, Secret::new(TOKEN), Arc::default(), &stored, now());
        let run = session.read(&[URN.to_string()]).await;
        assert_eq!(
            run.state,
            vec![(
                REFRESH_EXPIRES_AT.to_string(),
                "2027-10-01T00:00:00+00:00".to_string()
            )]
        );
        assert!(run.warnings.is_empty(), "{:?}", run.warnings);
        // Remembered and near: a warning, without asking again.
        let stored = StoredState {
            refresh_token_expires_at: Some(now() + Duration::days(12)),
        };
        let session = Session::new(&api, &c, Secret::new(TOKEN), Arc::default(), &stored, now());
        let run = session.read(&[URN.to_string()]).await;
        assert_eq!(
            run.warnings,
            vec![
                "the LinkedIn refresh token in VT_TEST_LI_REFRESH expires on 2026-12-07 (in 12 days); \
                 refreshing does not extend it — authorise the app again before then (README, Live \
                 collection)"
            ]
        );
    }
}

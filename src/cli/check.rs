//! `viewtally check`: the config, the environment it names and (`--online`) the credentials.

use super::*;

pub(super) fn check(
    config: &Config,
    online: bool,
    env_file: &Path,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let (problems, warnings) = check_more(config)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if !problems.is_empty() {
        bail!(UsageError(format!(
            "{} is not ready: {}",
            config.origin,
            problems.join("; ")
        )));
    }
    print_config(config);
    print_env(config);
    warn_env_permissions(env_file);
    if !warnings.is_empty() {
        println!(
            "{} (see above); the config is valid",
            crate::model::counted(warnings.len(), "warning", "warnings")
        );
    }
    if !online {
        return Ok(ExitCode::SUCCESS);
    }
    check_online(config, now)
}

/// The valid config: its store and each campaign with its videos.
fn print_config(config: &Config) {
    println!("{}: valid", config.origin);
    println!("store: {}", store::redact_url(&config.store.url));
    for c in &config.campaigns {
        println!(
            "campaign {} — {} ({}, {} video{}, milestones {:?})",
            c.slug(),
            c.name,
            c.tz().name(),
            c.videos.len(),
            if c.videos.len() == 1 { "" } else { "s" },
            c.milestones()
        );
        for v in &c.videos {
            println!("  {:<9} {}", v.platform.as_str(), v.id);
        }
        for note in c.style.missing_languages() {
            println!("  note: {note}");
        }
    }
}

/// Which of the variables the platforms read are set (never their values).
fn print_env(config: &Config) {
    for source in sources::platform::registry() {
        let name = source.platform().display_name();
        let vars = source.credential_env(&config.platforms).into_iter();
        for var in vars.chain(source.optional_env(&config.platforms)) {
            match std::env::var(&var) {
                Ok(v) if !v.trim().is_empty() => println!("{name}: {var} is set"),
                _ => println!("{name}: {var} is not set (needed only for `collect`)"),
            }
        }
    }
}

/// `check --online`: open the store and probe every platform's credential.
fn check_online(config: &Config, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut store = open_store(config)?;
    println!(
        "store (online): ok, {} in {}",
        crate::model::counted(store.count(None)? as usize, "observation", "observations"),
        store.location()
    );
    let probes = runtime()?.block_on(async {
        sources::Collector::new(config)?
            .probe(config, store.as_mut(), now)
            .await
    })?;
    if probes.is_empty() {
        println!("online: no [platforms.*] section to probe");
    }
    let mut failed = Vec::new();
    for probe in &probes {
        println!(
            "{} (online): {}",
            probe.platform.display_name(),
            match (probe.probed, probe.ok) {
                (false, _) => "not probed",
                (true, true) => "ok",
                (true, false) => "FAILED",
            }
        );
        for line in &probe.lines {
            println!("  {line}");
        }
        if !probe.ok {
            failed.push(probe.platform.as_str());
        }
    }
    if !failed.is_empty() {
        bail!(
            "the online check failed for {} (see above)",
            failed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What `check` finds beyond the config's syntax, before anything runs: problems (refused:
/// exit 2) and warnings (exit 0: a variable may be set only where the daemon runs).
fn check_more(config: &Config) -> Result<(Vec<String>, Vec<String>)> {
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    for c in &config.campaigns {
        let slug = c.slug();
        if c.milestones().is_empty() {
            problems.push(format!(
                "campaign `{slug}`: milestones = [] lists no milestone, so nothing would ever be \
                 announced or marked; list at least one, e.g. milestones = [10000]"
            ));
        }
        check_videos(config, c, &mut problems, &mut warnings);
        if c.schedule.collect.is_some() {
            check_schedule_env(config, c, &mut warnings);
        }
    }
    for n in &config.notify {
        if unset(&n.url_env) {
            warnings.push(format!(
                "[[notify]] url_env = \"{0}\": {0} is not set, so milestone announcements to \
                 this webhook would fail; put the webhook URL in .env (or the daemon's \
                 environment) as {0}=…",
                n.url_env
            ));
        }
    }
    warnings.extend(store_notes(config)?);
    Ok((problems, warnings))
}

/// Whether an environment variable is unset or blank.
fn unset(var: &str) -> bool {
    std::env::var(var).map_or(true, |v| v.trim().is_empty())
}

/// A campaign's videos: an unsupported platform is a problem, an id that does not look like
/// the platform's a warning.
fn check_videos(
    config: &Config,
    c: &config::Campaign,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    use crate::model::Platform;
    let slug = c.slug();
    let instagram_user = config
        .platforms
        .instagram
        .as_ref()
        .and_then(|i| i.user_id.as_ref());
    for v in &c.videos {
        let id = v.id.as_str();
        if v.platform == Platform::Instagram
            && instagram_user.is_none()
            && crate::model::ids::instagram_shortcode(id).is_some()
        {
            warnings.push(format!(
                "campaign `{slug}`: [[campaign.video]] platform = \"instagram\", id `{id}` is a \
                 reel or post URL; `collect` maps it to its media id through the account in \
                 [platforms.instagram] user_id, which is not set: set it, or give the media id"
            ));
        }
        let bad = match v.platform {
            Platform::Tiktok | Platform::Vimeo => Some(format!(
                "platform `{}` is not supported (yet); supported platforms: {}",
                v.platform,
                config::SUPPORTED_PLATFORMS
            )),
            p => sources::platform::find(p).and_then(|s| s.config_id_doubt(id)),
        };
        // An unknown platform is refused; an id that does not look like one is a warning
        // (collection and imports would find nothing for it).
        match bad {
            Some(why) if matches!(v.platform, Platform::Tiktok | Platform::Vimeo) => {
                problems.push(format!("campaign `{slug}`: [[campaign.video]] {why}"))
            }
            Some(why) => warnings.push(format!(
                "campaign `{slug}`: [[campaign.video]] platform = \"{}\", id: {why}; \
                 collection and imports would find nothing for it",
                v.platform
            )),
            None => {}
        }
    }
}

/// A campaign that collects on a schedule: each of its platforms needs a `[platforms.*]`
/// section whose credential variable is set.
fn check_schedule_env(config: &Config, c: &config::Campaign, warnings: &mut Vec<String>) {
    use crate::model::Platform;
    let slug = c.slug();
    let mut platforms: Vec<Platform> = c.videos.iter().map(|v| v.platform).collect();
    platforms.sort();
    platforms.dedup();
    for platform in platforms {
        let Some(source) = sources::platform::find(platform) else {
            continue;
        };
        let var = source.schedule_env(&config.platforms);
        match var {
            None => warnings.push(format!(
                "campaign `{slug}` collects on a schedule from {} but the config has no \
                 [platforms.{}] section: add one naming the variable that holds the \
                 credential",
                platform.display_name(),
                platform.as_str()
            )),
            Some(var) if unset(&var) => warnings.push(format!(
                "campaign `{slug}` collects on a schedule from {}, but {var} is not set: \
                 put it in .env (or the daemon's environment) before the daemon runs",
                platform.display_name()
            )),
            Some(_) => {}
        }
    }
}

/// A store that exists (never created by `check`): campaigns without observations.
fn store_notes(config: &Config) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let existing = config
        .store
        .url
        .strip_prefix("sqlite://")
        .or_else(|| config.store.url.strip_prefix("sqlite:"))
        .is_some_and(|db| db != ":memory:" && Path::new(db).is_file());
    if existing {
        let store = open_store(config)?;
        for c in &config.campaigns {
            if let Some(note) = no_observations_note(store.as_ref(), c.slug())? {
                notes.push(note);
            }
        }
    }
    Ok(notes)
}

/// Warn when a .env file can be read by other users of the machine.
fn warn_env_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    "{} can be read by other users; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
}

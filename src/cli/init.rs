//! `viewtally init`: the example config and `.env.example` to start from.

use super::*;

pub(super) fn init(force: bool) -> Result<ExitCode> {
    let files = [
        (
            PathBuf::from(config::DEFAULT_CONFIG_PATH),
            config::EXAMPLE_CONFIG.to_string(),
        ),
        (PathBuf::from(".env.example"), env_example()),
    ];
    for (path, _) in &files {
        if path.exists() && !force {
            bail!(UsageError(format!(
                "{} already exists; edit it, or pass --force to overwrite it",
                path.display()
            )));
        }
    }
    for (path, content) in &files {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: edit {}, copy .env.example to .env and fill in the tokens you have, then `viewtally check`",
        config::DEFAULT_CONFIG_PATH
    );
    Ok(ExitCode::SUCCESS)
}

/// The `.env.example` that `init` writes: every API platform's secrets.
fn env_example() -> String {
    let mut out = String::from(
        "# Secrets for viewtally. Copy to .env (never commit .env) and fill in what you have.\n",
    );
    for source in sources::platform::registry() {
        out.push_str(source.env_example());
    }
    out
}

#[cfg(test)]
mod tests {
    /// `init`'s `.env.example`, assembled from the platform registry, says what it always said
    /// about the first three platforms (in that order).
    #[test]
    fn env_example_lists_every_platform_secret() {
        let text = super::env_example();
        let before =
            "# Secrets for viewtally. Copy to .env (never commit .env) and fill in what you have.\n\
    # YouTube Data API key (Google Cloud console → APIs & Services → Credentials)\n\
    YOUTUBE_API_KEY=\n\
    # Facebook Page access token (Meta for Developers → Graph API Explorer, or a system user)\n\
    FACEBOOK_ACCESS_TOKEN=\n\
    # LinkedIn access token with r_organization_social (LinkedIn Developer Portal)\n\
    LINKEDIN_ACCESS_TOKEN=\n\
    # Optional, to refresh the LinkedIn token when it expires (set client_id_env, client_secret_env\n\
    # and refresh_token_env in [platforms.linkedin] to these names)\n\
    # LINKEDIN_CLIENT_ID=\n\
    # LINKEDIN_CLIENT_SECRET=\n\
    # LINKEDIN_REFRESH_TOKEN=\n";
        assert!(text.starts_with(before), "{text}");
    }
}

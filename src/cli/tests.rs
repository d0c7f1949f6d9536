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

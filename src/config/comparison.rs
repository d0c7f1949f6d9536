//! `[[comparison]]`: campaigns compared by days since launch (`viewtally compare`, and the
//! daemon after their report jobs or on its own cron).

use super::*;

/// Two or more campaigns compared side by side.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The title of the comparison (default: the campaign names joined by "vs"); a plain
    /// text or one per language (`{ cs = "…", en = "…" }`).
    pub name: Option<Localized>,
    /// The folder under `<report dir>/compare/` (default: the slugs joined by `-vs-`).
    pub slug: Option<Spanned<String>>,
    /// The slugs of the compared campaigns, at least two.
    pub campaigns: Spanned<Vec<String>>,
    /// `report`: a cron expression of its own (else it is rendered after its campaigns'
    /// report jobs).
    #[serde(default)]
    pub schedule: ComparisonSchedule,
}

/// `[comparison.schedule]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSchedule {
    pub report: Option<Spanned<String>>,
}

/// The default folder name of compared campaigns: `a-vs-b`.
pub fn comparison_slug(campaigns: &[String]) -> String {
    campaigns.join("-vs-")
}

impl Comparison {
    /// The folder name under `<report dir>/compare/`.
    pub fn slug(&self) -> String {
        match &self.slug {
            Some(s) => s.get_ref().clone(),
            None => comparison_slug(self.campaigns.get_ref()),
        }
    }

    pub fn campaigns(&self) -> &[String] {
        self.campaigns.get_ref()
    }

    /// Known campaigns (at least two, none twice), a folder-safe slug, a valid cron.
    pub(super) fn validate(
        &self,
        known: &[String],
        slugs: &mut HashSet<String>,
    ) -> Result<(), Invalid> {
        let list = self.campaigns.get_ref();
        let span = Some(self.campaigns.span());
        if list.len() < 2 {
            return Err((
                span,
                format!(
                    "[[comparison]] needs at least two campaigns, e.g. campaigns = [\"{}\", \"…\"]; \
                     the campaigns are: {}",
                    list.first().or(known.first()).map_or("a", |s| s.as_str()),
                    known.join(", ")
                ),
            ));
        }
        for (i, slug) in list.iter().enumerate() {
            if !known.contains(slug) {
                return Err((
                    span,
                    format!(
                        "[[comparison]] names campaign `{slug}`, which is not configured; the \
                         campaigns are: {}",
                        known.join(", ")
                    ),
                ));
            }
            if list[..i].contains(slug) {
                return Err((
                    span,
                    format!("[[comparison]] names campaign `{slug}` twice"),
                ));
            }
        }
        let slug = self.slug();
        if slug.is_empty()
            || !slug
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err((
                self.slug.as_ref().map(|s| s.span()).or(span),
                format!(
                    "comparison slug `{}` must be letters, digits, `-` or `_` (it names a folder)",
                    slug.escape_debug()
                ),
            ));
        }
        if !slugs.insert(slug.clone()) {
            return Err((
                self.slug.as_ref().map(|s| s.span()).or(span),
                format!(
                    "two [[comparison]] tables write to compare/{slug}; give one a slug of its own"
                ),
            ));
        }
        if let Some(expr) = &self.schedule.report {
            parse_cron(expr.get_ref()).map_err(|e| (Some(expr.span()), e))?;
        }
        Ok(())
    }
}

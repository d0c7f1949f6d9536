//! `[[campaign]]`: a campaign, its videos, schedule and chart style.

use super::*;

/// One campaign: a video (or several re-posts of it) tracked towards milestones.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Short id used in paths and commands, e.g. `mdcc-2020`.
    pub slug: Spanned<String>,
    /// Human name shown in reports.
    pub name: String,
    /// IANA time zone, e.g. `Europe/Prague`; days are counted in it.
    #[serde(default = "default_timezone")]
    pub timezone: Spanned<String>,
    /// When the video went out, RFC 3339.
    pub launched: Option<Spanned<String>>,
    /// View counts worth announcing.
    #[serde(default = "default_milestones")]
    pub milestones: Spanned<Vec<i64>>,
    /// Report language: `cs` or `en`.
    #[serde(default)]
    pub language: Language,
    /// Daemon jobs as cron expressions.
    #[serde(default)]
    pub schedule: Schedule,
    /// Texts (and later colours) of the charts and reports.
    #[serde(default)]
    pub style: Style,
    /// The videos of the campaign (empty: every video imported into it).
    #[serde(default, rename = "video")]
    pub videos: Vec<VideoConfig>,

    #[serde(skip)]
    pub tz: Option<Tz>,
    #[serde(skip)]
    pub launched_at: Option<DateTime<Utc>>,
}

fn default_timezone() -> Spanned<String> {
    Spanned::new(0..0, "UTC".to_string())
}
fn default_milestones() -> Spanned<Vec<i64>> {
    Spanned::new(0..0, vec![8000, 10000])
}

impl Campaign {
    pub fn slug(&self) -> &str {
        self.slug.get_ref()
    }
    /// The campaign's time zone (validated when the config was loaded).
    pub fn tz(&self) -> Tz {
        self.tz.unwrap_or(chrono_tz::UTC)
    }
    pub fn milestones(&self) -> &[i64] {
        self.milestones.get_ref()
    }
    /// The configured video with this platform and id, if any.
    pub fn video(&self, platform: Platform, id: &str) -> Option<&VideoConfig> {
        self.videos
            .iter()
            .find(|v| v.platform == platform && v.id == id)
    }
    /// Whether a row for this video belongs to the campaign (DESIGN: listed videos, or all
    /// when the campaign lists none).
    pub fn takes(&self, platform: Platform, id: &str) -> bool {
        self.videos.is_empty() || self.video(platform, id).is_some()
    }
}

/// Validation, at load: each check reports the first problem it finds; `tz`, `launched_at`
/// and the videos' normalised ids are filled in on the way.
impl Campaign {
    /// Validate the campaign; `slugs` holds the slugs of the campaigns before it.
    pub(super) fn validate(
        &mut self,
        text: &str,
        slugs: &mut HashSet<String>,
    ) -> Result<(), Invalid> {
        self.check_slug(slugs)?;
        self.resolve_times()?;
        self.check_milestones()?;
        self.check_schedule()?;
        self.normalize_videos(text)
    }

    /// The slug names a folder: letters, digits, `-` or `_`, and unique.
    fn check_slug(&self, slugs: &mut HashSet<String>) -> Result<(), Invalid> {
        let slug = self.slug.get_ref();
        if slug.is_empty()
            || !slug
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err((
                Some(self.slug.span()),
                format!(
                    "campaign slug `{}` must be letters, digits, `-` or `_` (it names a folder)",
                    slug.escape_debug()
                ),
            ));
        }
        if !slugs.insert(slug.clone()) {
            return Err((
                Some(self.slug.span()),
                format!("duplicate campaign slug `{slug}`; each [[campaign]] needs its own slug"),
            ));
        }
        Ok(())
    }

    /// Parse `timezone` into `tz` and `launched` into `launched_at`.
    fn resolve_times(&mut self) -> Result<(), Invalid> {
        let tz: Tz = self.timezone.get_ref().parse().map_err(|_| {
            (
                Some(self.timezone.span()),
                format!(
                    "unknown time zone `{}`; use an IANA name such as `Europe/Prague` or `UTC`",
                    self.timezone.get_ref()
                ),
            )
        })?;
        self.tz = Some(tz);
        if let Some(l) = &self.launched {
            let t = DateTime::parse_from_rfc3339(l.get_ref()).map_err(|e| {
                (
                    Some(l.span()),
                    format!(
                        "launched `{}` is not an RFC 3339 time ({e}); write e.g. \"2020-07-24T09:00:00+02:00\"",
                        l.get_ref()
                    ),
                )
            })?;
            self.launched_at = Some(t.with_timezone(&Utc));
        }
        Ok(())
    }

    fn check_milestones(&self) -> Result<(), Invalid> {
        let ms = self.milestones.get_ref();
        if ms.iter().any(|&m| m <= 0) || ms.windows(2).any(|w| w[0] >= w[1]) {
            return Err((
                Some(self.milestones.span()),
                "milestones must be positive and increasing, e.g. [8000, 10000]".into(),
            ));
        }
        Ok(())
    }

    /// Every job is a cron expression; the import_dir job needs a watch_dir.
    fn check_schedule(&self) -> Result<(), Invalid> {
        let s = &self.schedule;
        for expr in [&s.collect, &s.report, &s.import_dir].into_iter().flatten() {
            parse_cron(expr.get_ref()).map_err(|e| (Some(expr.span()), e))?;
        }
        if let (Some(expr), None) = (&s.import_dir, &s.watch_dir) {
            return Err((
                Some(expr.span()),
                format!(
                    "campaign `{}`: the import_dir job needs watch_dir = \"FOLDER\" in [campaign.schedule]",
                    self.slug()
                ),
            ));
        }
        Ok(())
    }

    /// Ids may be written as URLs or URNs: store the platform's own id; no empty or repeated
    /// video.
    fn normalize_videos(&mut self, text: &str) -> Result<(), Invalid> {
        let slug = self.slug.get_ref();
        let from = self.slug.span().start;
        let mut seen = HashSet::new();
        for v in &mut self.videos {
            v.id = crate::model::ids::normalize(v.platform, &v.id).map_err(|e| {
                (
                    find_after(text, from, v.id.trim()),
                    format!("campaign `{slug}`: [[campaign.video]] id {e}"),
                )
            })?;
            if v.id.trim().is_empty() {
                return Err((
                    find_after(text, from, "id"),
                    format!("campaign `{slug}`: a [[campaign.video]] has an empty id"),
                ));
            }
            if !seen.insert((v.platform, v.id.clone())) {
                return Err((
                    find_after(text, from, &v.id),
                    format!(
                        "campaign `{slug}` lists {} video `{}` twice",
                        v.platform, v.id
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Cs,
    #[default]
    En,
}

impl Language {
    /// The languages viewtally writes reports in.
    pub const ALL: [Language; 2] = [Language::Cs, Language::En];

    /// `cs`, `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Cs => "cs",
            Language::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cs" => Ok(Language::Cs),
            "en" => Ok(Language::En),
            other => Err(format!("unknown language `{other}`; expected `cs` or `en`")),
        }
    }
}

/// Cron expressions for the daemon's jobs (5-field crontab or 6/7-field with seconds).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub collect: Option<Spanned<String>>,
    pub report: Option<Spanned<String>>,
    pub import_dir: Option<Spanned<String>>,
    /// Folder watched by the `import_dir` job.
    pub watch_dir: Option<PathBuf>,
}

/// A text given once for every language (`title = "…"`) or per language
/// (`title = { cs = "…", en = "…" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Localized {
    Plain(String),
    /// In the order written; at least one.
    ByLanguage(Vec<(Language, String)>),
}

impl Localized {
    /// The text for `language`: its own, else the English one, else the first given.
    pub fn get(&self, language: Language) -> &str {
        match self {
            Localized::Plain(s) => s,
            Localized::ByLanguage(texts) => texts
                .iter()
                .find(|(l, _)| *l == language)
                .or_else(|| texts.iter().find(|(l, _)| *l == Language::En))
                .or(texts.first())
                .map_or("", |(_, s)| s.as_str()),
        }
    }

    /// The report languages a per-language text lacks, each with the language used instead.
    pub fn missing(&self) -> Vec<(Language, Language)> {
        let Localized::ByLanguage(texts) = self else {
            return Vec::new();
        };
        Language::ALL
            .into_iter()
            .filter(|l| !texts.iter().any(|(t, _)| t == l))
            .map(|l| {
                let used = texts
                    .iter()
                    .find(|(t, _)| *t == Language::En)
                    .or(texts.first())
                    .map_or(Language::En, |(t, _)| *t);
                (l, used)
            })
            .collect()
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        struct Texts;
        impl<'de> Visitor<'de> for Texts {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a text, or a table of texts by language, e.g. { cs = \"…\", en = \"…\" }",
                )
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Localized, E> {
                Ok(Localized::Plain(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Localized, A::Error> {
                let mut texts: Vec<(Language, String)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let language: Language = key.parse().map_err(|_| {
                        A::Error::custom(format!(
                            "unknown language `{key}` in a per-language text; the languages are \
                             `cs` and `en`, e.g. {{ cs = \"Děkujeme\", en = \"Thank you\" }}"
                        ))
                    })?;
                    let text: String = map.next_value()?;
                    if texts.iter().any(|(l, _)| *l == language) {
                        return Err(A::Error::custom(format!(
                            "language `{key}` is given twice in a per-language text"
                        )));
                    }
                    texts.push((language, text));
                }
                if texts.is_empty() {
                    return Err(A::Error::custom(
                        "an empty per-language text; give at least `en` (or a plain text, used \
                         for every language)",
                    ));
                }
                Ok(Localized::ByLanguage(texts))
            }
        }
        d.deserialize_any(Texts)
    }
}

/// Texts and colours of a campaign's charts and reports (`[campaign.style]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// Chart and report title (default: the campaign name); like the next three, a plain
    /// text or one per language (`{ cs = "…", en = "…" }`).
    pub title: Option<Localized>,
    /// Subtitle of the cumulative chart (default: what the chart shows).
    pub subtitle: Option<Localized>,
    /// Source line under the charts (default: the platforms and how their numbers were
    /// obtained, e.g. "Source: YouTube Studio export, Facebook Graph API · compiled by
    /// viewtally").
    pub source: Option<Localized>,
    /// A note printed at the top of the reports (e.g. "synthetic sample data").
    pub note: Option<Localized>,
    /// A short text set in the bottom right corner of every chart, e.g. the organisation.
    pub logo: Option<String>,
    /// Platform colours, `"#rrggbb"` (default: YouTube red, Facebook blue, LinkedIn blue-teal).
    #[serde(default)]
    pub colors: PlatformColors,
}

impl Style {
    /// The per-language texts that lack a report language: "[campaign.style] title has no
    /// `cs` text; cs reports use the `en` one".
    pub fn missing_languages(&self) -> Vec<String> {
        let fields = [
            ("title", &self.title),
            ("subtitle", &self.subtitle),
            ("source", &self.source),
            ("note", &self.note),
        ];
        let mut out = Vec::new();
        for (name, text) in fields {
            for (lang, used) in text.iter().flat_map(Localized::missing) {
                out.push(format!(
                    "[campaign.style] {name} has no `{}` text; {} reports use the `{}` one",
                    lang.tag(),
                    lang.tag(),
                    used.tag()
                ));
            }
        }
        out
    }
}

/// `[campaign.style.colors]`: one `"#rrggbb"` per platform.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformColors {
    pub youtube: Option<HexColor>,
    pub facebook: Option<HexColor>,
    pub linkedin: Option<HexColor>,
    pub instagram: Option<HexColor>,
    pub tiktok: Option<HexColor>,
    pub vimeo: Option<HexColor>,
}

impl PlatformColors {
    /// The configured colour of a platform, if any.
    pub fn get(&self, p: Platform) -> Option<HexColor> {
        match p {
            Platform::Youtube => self.youtube,
            Platform::Facebook => self.facebook,
            Platform::Linkedin => self.linkedin,
            Platform::Instagram => self.instagram,
            Platform::Tiktok => self.tiktok,
            Platform::Vimeo => self.vimeo,
        }
    }
}

/// A colour written `#rrggbb` (or `#rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexColor(pub u8, pub u8, pub u8);

impl FromStr for HexColor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("colour `{s}` is not `#rrggbb` (e.g. \"#e62117\")");
        let hex = s.trim().strip_prefix('#').ok_or_else(bad)?;
        let digits: Vec<u8> = hex
            .chars()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        match digits[..] {
            [r, g, b] => Ok(HexColor(r * 17, g * 17, b * 17)),
            [r1, r2, g1, g2, b1, b2] => Ok(HexColor(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2)),
            _ => Err(bad()),
        }
    }
}

impl<'de> Deserialize<'de> for HexColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One video of a campaign on one platform.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoConfig {
    pub platform: Platform,
    /// The platform's own id: YouTube video id, Facebook video id, LinkedIn post URN.
    pub id: String,
    /// Channel, page or organisation that posted it.
    pub account: Option<String>,
    pub title: Option<String>,
}

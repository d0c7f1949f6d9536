//! Everything a person reads: charts, the Markdown summary, the timeline CSV, `status`.
//! Render never talks to an API or the store: it gets a [`Timeline`] and writes files.

pub mod chart;
pub mod compare;
mod context;
pub mod engagement;
mod error;
pub use error::RenderError;
mod html;
pub mod live;
pub mod locale;
mod markdown;
pub mod milestone;
pub mod period;
pub mod snippet;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::{Campaign, ChartFormat, ChartSize, Language};
use crate::model::Platform;
use crate::timeline::Timeline;
use chart::theme::Palette;
use chart::{Canvas, Chart, ChartKind, ChartTexts};
use locale::Locale;

/// How and where to write a report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The campaign's own folder (`<report dir>/<slug>`).
    pub dir: PathBuf,
    /// Chart sizes; each is a set of files (`cumulative.png`, `cumulative-print.png` …).
    pub sizes: Vec<ChartSize>,
    pub formats: Vec<ChartFormat>,
    pub language: Language,
    /// When the report is made (shown as "generated").
    pub generated_at: DateTime<Utc>,
    /// The time zone each platform's exports count their days in (`[platforms.X]
    /// day_timezone`), said in the report for the platforms with exported data.
    pub day_zones: Vec<(Platform, chrono_tz::Tz)>,
    /// A report of a period (`report --from/--until`): its views, shown as the headline.
    pub period: Option<crate::timeline::period::Period>,
}

impl ReportOptions {
    /// How a campaign's report is written: into `<base>/<slug>/`, in the campaign language unless
    /// `lang` overrides it.
    pub fn for_campaign(
        config: &crate::config::Config,
        campaign: &Campaign,
        base: &Path,
        lang: Option<Language>,
        generated_at: DateTime<Utc>,
    ) -> ReportOptions {
        ReportOptions {
            dir: base.join(campaign.slug()),
            sizes: config.report.chart_sizes(),
            formats: config.report.formats.clone(),
            language: lang.unwrap_or(campaign.language),
            generated_at,
            day_zones: Platform::ALL
                .into_iter()
                .map(|p| (p, config.platforms.day_timezone(p)))
                .collect(),
            period: None,
        }
    }
}

/// Files being written start with this (hidden; the daemon never serves them).
const TEMP_PREFIX: &str = ".viewtally-";

/// A temporary file older than this belongs to no running report: its writer was killed.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Remove temporary files that a killed report run left in `dir` (a SIGKILL or power cut
/// between creating one and renaming it into place). Recent ones are left alone: they may
/// belong to a report being written right now by another process.
fn sweep_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().unwrap_or_default() >= STALE_TEMP)
            .unwrap_or(false);
        if stale {
            let path = entry.path();
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::debug!(file = %path.display(), "removed a stale temporary file"),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot remove a stale temporary file")
                }
            }
        }
    }
}

/// Write `content` to `path` atomically: a temporary file in the same folder, then rename.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<(), RenderError> {
    let err = |source| RenderError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(content).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    make_readable(path).map_err(err)
}

/// Reports are for sharing: rw-r--r-- (temporary files start owner-only).
fn make_readable(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    let _ = path;
    Ok(())
}

/// Render into a temporary file in the same folder (for backends that write files
/// themselves), then rename it into place.
fn render_atomic(
    path: &Path,
    render: impl FnOnce(&Path) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let err = |source| RenderError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(&format!(".{ext}"))
        .tempfile_in(dir)
        .map_err(err)?;
    render(tmp.path())?;
    std::fs::File::open(tmp.path())
        .and_then(|f| f.sync_all())
        .map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    make_readable(path).map_err(err)
}

/// Titles, source line and logo of a campaign's charts, from `[campaign.style]` (in the
/// report's language) or defaults.
pub fn chart_texts(campaign: &Campaign, tl: &Timeline, loc: &Locale) -> ChartTexts {
    let style = &campaign.style;
    let text =
        |t: &Option<crate::config::Localized>| t.as_ref().map(|t| t.get(loc.language).to_string());
    let source = text(&style.source).unwrap_or_else(|| default_source(tl, loc));
    let source = match tl.as_of {
        Some(t) => format!(
            "{source} · {} {}",
            loc.strings.as_of,
            loc.datetime(t, tl.tz)
        ),
        None => source,
    };
    ChartTexts {
        title: text(&style.title).unwrap_or_else(|| campaign.name.clone()),
        subtitle: text(&style.subtitle),
        source,
        logo: style.logo.clone(),
    }
}

/// The source line when none is configured: the platforms and how their numbers were
/// obtained, "Source: YouTube Studio export, Facebook Graph API · compiled by viewtally";
/// "Source: viewtally" when the timeline has no readings.
pub fn default_source(tl: &Timeline, loc: &Locale) -> String {
    source_of(&[tl], loc)
}

/// [`default_source`] of several timelines together (a comparison's).
pub fn source_of(tls: &[&Timeline], loc: &Locale) -> String {
    let videos = || tls.iter().flat_map(|tl| tl.videos.iter());
    let mut platforms: Vec<Platform> = videos().map(|v| v.platform).collect();
    platforms.sort();
    platforms.dedup();
    let mut names: Vec<String> = Vec::new();
    for p in platforms {
        for kind in ["export", "api", "manual"] {
            let used = videos().any(|v| v.platform == p && v.sources.iter().any(|s| s == kind));
            let name = source_name(p, kind, loc.language);
            if used && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        return loc.strings.source_line.to_string();
    }
    format!(
        "{} {} · {}",
        loc.strings.source_label,
        names.join(", "),
        loc.strings.compiled_by
    )
}

/// How a platform's numbers were obtained: "YouTube Studio export", "Facebook Graph API".
fn source_name(p: Platform, kind: &str, language: Language) -> String {
    let name = p.display_name();
    let cs = language == Language::Cs;
    match (kind, p) {
        ("api", Platform::Youtube) => "YouTube Data API".into(),
        ("api", Platform::Facebook | Platform::Instagram) => format!("{name} Graph API"),
        ("api", _) => format!("{name} API"),
        ("export", Platform::Youtube) if cs => "export YouTube Studio".into(),
        ("export", Platform::Youtube) => "YouTube Studio export".into(),
        ("export", Platform::Facebook | Platform::Instagram) if cs => {
            format!("export {name} (Meta Business Suite)")
        }
        ("export", Platform::Facebook | Platform::Instagram) => {
            format!("{name} export (Meta Business Suite)")
        }
        ("export", _) if cs => format!("export {name}"),
        ("export", _) => format!("{name} export"),
        _ if cs => format!("{name} (ruční zadání)"),
        _ => format!("{name} (manual entry)"),
    }
}

/// The chart kinds a timeline gets (`videos` only with re-posts).
pub fn chart_kinds(tl: &Timeline) -> Vec<ChartKind> {
    ChartKind::ALL
        .into_iter()
        .filter(|k| k.applies(tl))
        .collect()
}

/// The file name of a chart: `cumulative.png`, `daily-print.svg`, `videos-1200x675.png`.
pub fn chart_file(kind: ChartKind, size: ChartSize, format: ChartFormat) -> String {
    let ext = match format {
        ChartFormat::Png => "png",
        ChartFormat::Svg => "svg",
    };
    format!("{}{}.{ext}", kind.name(), size.file_suffix())
}

/// "as of …, sources: API for YouTube, export for LinkedIn" — per source kind, the platforms
/// whose readings came from it.
pub fn sources_by_kind(tl: &Timeline, loc: &Locale) -> Vec<(String, Vec<Platform>)> {
    let mut out: Vec<(String, Vec<Platform>)> = Vec::new();
    for kind in ["api", "export", "manual"] {
        let mut platforms: Vec<Platform> = tl
            .videos
            .iter()
            .filter(|v| v.sources.iter().any(|s| s == kind))
            .map(|v| v.platform)
            .collect();
        platforms.sort();
        platforms.dedup();
        if !platforms.is_empty() {
            out.push((loc.source_kind(kind).to_string(), platforms));
        }
    }
    out
}

/// "YouTube and Facebook: America/Los_Angeles; LinkedIn: UTC" for the platforms whose data
/// came (partly) from exports: the day boundary each export used (timeline rule 1).
pub fn export_days(tl: &Timeline, options: &ReportOptions, loc: &Locale) -> Option<String> {
    let exported: Vec<Platform> = sources_by_kind(tl, loc)
        .into_iter()
        .filter(|(k, _)| k == loc.strings.source_export)
        .flat_map(|(_, ps)| ps)
        .collect();
    let mut groups: Vec<(chrono_tz::Tz, Vec<&str>)> = Vec::new();
    for p in exported {
        let tz = options
            .day_zones
            .iter()
            .find(|(q, _)| *q == p)
            .map_or_else(|| crate::config::default_day_timezone(p), |(_, tz)| *tz);
        match groups.iter_mut().find(|(z, _)| *z == tz) {
            Some((_, names)) => names.push(p.display_name()),
            None => groups.push((tz, vec![p.display_name()])),
        }
    }
    (!groups.is_empty()).then(|| {
        groups
            .iter()
            .map(|(tz, names)| format!("{}: {}", loc.list(names), tz.name()))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// `f` with the campaign's charts in `language`: their texts and colours.
pub fn with_chart<R>(
    campaign: &Campaign,
    tl: &Timeline,
    language: Language,
    f: impl FnOnce(&Chart) -> R,
) -> R {
    let loc = Locale::new(language);
    let texts = chart_texts(campaign, tl, &loc);
    let palette = Palette::new(&campaign.style.colors);
    f(&Chart {
        tl,
        loc: &loc,
        palette: &palette,
        texts: &texts,
    })
}

/// Write the report files of one campaign; returns the paths written.
pub fn write_report(
    campaign: &Campaign,
    timeline: &Timeline,
    options: &ReportOptions,
) -> Result<Vec<PathBuf>, RenderError> {
    with_chart(campaign, timeline, options.language, |chart| {
        write_files(campaign, timeline, chart, options)
    })
}

fn write_files(
    campaign: &Campaign,
    timeline: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
) -> Result<Vec<PathBuf>, RenderError> {
    let kinds = chart_kinds(timeline);
    sweep_stale_temps(&options.dir);
    let mut written = write_charts(chart, &kinds, options)?;

    let path = options.dir.join("timeline.csv");
    write_atomic(&path, crate::sinks::timeline_csv(timeline)?.as_bytes())?;
    written.push(path);

    let path = options.dir.join("timeline.json");
    write_atomic(&path, crate::sinks::timeline_json(timeline)?.as_bytes())?;
    written.push(path);

    for language in [Language::Cs, Language::En] {
        let l = Locale::new(language);
        let path = options.dir.join(format!("snippet.{}.txt", l.strings.tag));
        write_atomic(
            &path,
            format!("{}\n", snippet::snippet(timeline, &l)).as_bytes(),
        )?;
        written.push(path);
    }

    let path = options.dir.join("summary.md");
    let md = markdown::summary(campaign, timeline, chart, options, &kinds)?;
    write_atomic(&path, md.as_bytes())?;
    written.push(path);

    let path = options.dir.join("report.html");
    let page = html::report(campaign, timeline, chart, options, &kinds)?;
    write_atomic(&path, page.as_bytes())?;
    written.push(path);
    Ok(written)
}

/// One chart file to render.
type ChartJob = (ChartKind, ChartSize, ChartFormat);

/// Render every chart file, on as many threads as the machine has cores (each file is
/// rendered by one thread exactly as it would be alone, so no pixel depends on the number of
/// threads); the paths come back in the order of `kinds` × sizes × formats.
fn write_charts(
    chart: &Chart<'_>,
    kinds: &[ChartKind],
    options: &ReportOptions,
) -> Result<Vec<PathBuf>, RenderError> {
    let jobs: Vec<ChartJob> = kinds
        .iter()
        .flat_map(|k| {
            options
                .sizes
                .iter()
                .flat_map(move |s| options.formats.iter().map(move |f| (*k, *s, *f)))
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<PathBuf, RenderError>>> = Vec::new();
    results.resize_with(jobs.len(), || None);
    let done = std::sync::Mutex::new(results);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let result = write_chart(chart, *job, options);
                // A failed chart stops the others from starting new files.
                if result.is_err() {
                    next.store(jobs.len(), std::sync::atomic::Ordering::Relaxed);
                }
                done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    let results = done.into_inner().unwrap_or_else(|e| e.into_inner());
    // The first failure in file order is the one reported, as when they were drawn in turn.
    results.into_iter().flatten().collect()
}

fn write_chart(
    chart: &Chart<'_>,
    (kind, size, format): ChartJob,
    options: &ReportOptions,
) -> Result<PathBuf, RenderError> {
    let canvas = Canvas::sized(size.pixels());
    let path = options.dir.join(chart_file(kind, size, format));
    match format {
        ChartFormat::Png => render_atomic(&path, |tmp| chart::png(kind, chart, &canvas, tmp))?,
        ChartFormat::Svg => {
            let svg = chart::svg(kind, chart, &canvas)?;
            write_atomic(&path, svg.as_bytes())?;
        }
    }
    tracing::debug!(file = %path.display(), "chart written");
    Ok(path)
}

/// The pace as a sentence: "The video gains about 120 views a day (average over 7 days)."
pub fn pace_sentence(tl: &Timeline, loc: &Locale) -> Option<String> {
    let v = tl.velocity?;
    let n = v.views_per_day.round() as i64;
    Some(
        loc.strings
            .pace_sentence
            .replace("{n}", &loc.number(n))
            .replace("{views}", loc.form(&loc.strings.view_forms, n))
            .replace("{window}", &loc.days(v.window_days)),
    )
}

/// The forecast as a sentence: "At this pace it should reach 10,000 views around 3 Dec 2026
/// (estimate); 83 views to go." or, without a date, why there is none; a milestone after
/// the configured ones says so when `beyond_note` (`status` says it with the next steps
/// instead, see [`all_passed_sentence`]).
pub fn forecast_sentence(tl: &Timeline, loc: &Locale, beyond_note: bool) -> Option<String> {
    let f = tl.forecast.as_ref()?;
    let s = loc.strings;
    let milestone = loc.number(f.threshold);
    let to_go = loc.to_go(f.remaining);
    let mut out = match f.eta {
        Some(eta) => s
            .forecast_sentence
            .replace("{date}", &loc.date(crate::model::local_date(eta, tl.tz))),
        None => s.forecast_no_eta.replace(
            "{why}",
            if tl.velocity.is_some() {
                s.eta_stalled
            } else {
                s.eta_unknown
            },
        ),
    }
    .replace("{milestone}", &milestone)
    .replace("{to_go}", &to_go);
    let last = tl.milestones.iter().map(|m| m.threshold).max();
    if let (false, true, Some(last)) = (f.configured, beyond_note, last) {
        let beyond = s
            .beyond_configured
            .replace("{milestone}", &milestone)
            .replace("{last}", &loc.number(last));
        out = format!("{out} {beyond}");
    }
    Some(out)
}

/// When every configured milestone is passed: the next three steps after them, as `status`
/// offers them ("… the next steps would be 12 000, 14 000 and 16 000 …").
pub fn all_passed_sentence(tl: &Timeline, loc: &Locale) -> Option<String> {
    let f = tl.forecast.as_ref().filter(|f| !f.configured)?;
    if tl.milestones.is_empty() {
        return None;
    }
    let configured: Vec<i64> = tl.milestones.iter().map(|m| m.threshold).collect();
    let step = crate::timeline::step_beyond(tl.total(), &configured);
    let next: Vec<String> = (0..3)
        .map(|k| loc.number(f.threshold.saturating_add(step.saturating_mul(k))))
        .collect();
    let next: Vec<&str> = next.iter().map(String::as_str).collect();
    Some(loc.strings.all_passed.replace("{next}", &loc.list(&next)))
}

/// RFC 3339 in UTC with seconds, as the JSON and CSV outputs write times.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `status --json` object (shape fixed in DESIGN.md).
#[derive(Debug, Serialize)]
pub struct Status {
    pub campaign: String,
    pub as_of: String,
    pub total_views: i64,
    pub platforms: serde_json::Map<String, serde_json::Value>,
    pub videos: Vec<StatusVideo>,
    pub milestones: Vec<StatusMilestone>,
    pub next_milestone_eta: Option<String>,
    /// Per platform, its engagement metrics (issue 16): `{platform: {metric: value}}`.
    pub engagement: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct StatusVideo {
    pub platform: String,
    pub video: String,
    pub account: Option<String>,
    pub views: i64,
    pub last_reading: String,
}

#[derive(Debug, Serialize)]
pub struct StatusMilestone {
    pub threshold: i64,
    /// The estimate inside the bracket; null only while not crossed.
    pub crossed_at: Option<String>,
    /// The last instant the total was proven below the threshold (rule 4).
    pub after: Option<StatusReading>,
    /// The first instant the total was proven at or above it; null while not crossed.
    pub by: Option<StatusReading>,
    /// Present (true) only for a crossing before monitoring began: never announced.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_monitoring: bool,
}

#[derive(Debug, Serialize)]
pub struct StatusReading {
    pub at: String,
    pub total: i64,
}

impl From<crate::timeline::Reading> for StatusReading {
    fn from(r: crate::timeline::Reading) -> Self {
        StatusReading {
            at: rfc3339(r.at),
            total: r.total,
        }
    }
}

impl Status {
    pub fn new(tl: &Timeline, now: DateTime<Utc>) -> Status {
        Status {
            campaign: tl.campaign.clone(),
            as_of: rfc3339(tl.as_of.unwrap_or(now)),
            total_views: tl.total(),
            platforms: tl
                .platform_totals()
                .into_iter()
                .map(|(p, v)| (p.as_str().to_string(), v.into()))
                .collect(),
            videos: tl
                .videos
                .iter()
                .map(|v| StatusVideo {
                    platform: v.platform.as_str().into(),
                    video: v.video.clone(),
                    account: v.account.clone(),
                    views: v.views,
                    last_reading: rfc3339(v.last_reading),
                })
                .collect(),
            milestones: tl
                .milestones
                .iter()
                .map(|m| StatusMilestone {
                    threshold: m.threshold,
                    crossed_at: m.crossed_at.map(rfc3339),
                    after: m.after.map(Into::into),
                    by: m.by.map(Into::into),
                    before_monitoring: m.before_monitoring,
                })
                .collect(),
            next_milestone_eta: tl.forecast.as_ref().and_then(|f| f.eta).map(rfc3339),
            engagement: engagement::status_json(tl),
        }
    }

    /// The human-readable form of `status`.
    pub fn text(tl: &Timeline, loc: &Locale) -> String {
        let mut out = String::new();
        let as_of = tl
            .as_of
            .map(|t| loc.datetime(t, tl.tz))
            .unwrap_or_else(|| "—".into());
        out.push_str(&format!(
            "{}: {} {} ({} {as_of})\n",
            tl.campaign,
            loc.number(tl.total()),
            loc.strings.views,
            loc.strings.as_of
        ));
        for (p, v) in tl.platform_totals() {
            out.push_str(&format!(
                "  {:<10} {:>12}\n",
                p.display_name(),
                loc.number(v)
            ));
        }
        out.push('\n');
        for v in &tl.videos {
            out.push_str(&format!(
                "  {:<9} {:<32} {:<18} {:>10}  {} {}\n",
                v.platform.display_name(),
                v.video,
                v.account.as_deref().unwrap_or("—"),
                loc.number(v.views),
                loc.strings.last_reading.to_lowercase(),
                loc.datetime(v.last_reading, tl.tz)
            ));
        }
        out.push('\n');
        for m in &tl.milestones {
            let when =
                milestone::with_before_monitoring(m, milestone::status_text(m, tl.tz, loc), loc)
                    .unwrap_or_else(|| loc.strings.not_yet.into());
            out.push_str(&format!(
                "  {} {:>10}: {when}\n",
                loc.strings.milestone,
                loc.number(m.threshold)
            ));
        }
        for c in &tl.contradicted {
            out.push_str(&format!(
                "  ! {}: {}\n",
                loc.strings.contradicted,
                milestone::contradicted_text(c, tl.tz, loc)
            ));
        }
        for sentence in [
            pace_sentence(tl, loc),
            forecast_sentence(tl, loc, false),
            all_passed_sentence(tl, loc),
        ]
        .into_iter()
        .flatten()
        {
            out.push_str(&format!("  {sentence}\n"));
        }
        // Engagement (issue 16): one line per platform with more than views.
        for line in engagement::status_lines(tl, loc) {
            out.push_str(&format!("  {line}\n"));
        }
        out.replace(locale::NBSP, " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporary_files_are_swept_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - STALE_TEMP - std::time::Duration::from_secs(1);
        let stale = dir.path().join(".viewtally-abc.png");
        let fresh = dir.path().join(".viewtally-def.svg");
        let other = dir.path().join(".hidden-by-someone-else");
        for p in [&stale, &fresh, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        for p in [&stale, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        sweep_stale_temps(dir.path());
        assert!(!stale.exists());
        assert!(fresh.exists(), "may belong to a report being written now");
        assert!(other.exists(), "not ours");
    }

    #[test]
    fn atomic_writes_leave_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/report.html");
        write_atomic(&path, b"<html></html>\n").unwrap();
        write_atomic(&path, b"<html>2</html>\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"<html>2</html>\n");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.html")]);
    }
}

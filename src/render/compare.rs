//! `viewtally compare` and `[[comparison]]`: campaigns side by side by **days since launch**.
//!
//! Day 1 is the launch day in the campaign's own time zone (`launched` in the config; without
//! one, the day of the first reading, said in the chart and the tables). A milestone is dated
//! from its bracket (DESIGN.md timeline rule 4) as a day number: "day 10" when the readings pin
//! the crossing within one day, "day 9–12" when it lies between two readings days apart, "by
//! day 12" when only the reading that proves it is known. "Did this year's video do better?"
//! is answered from the proven bounds at the end of the same day: "better" only when one
//! campaign's lower bound is above every other's upper bound.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use plotters::style::RGBColor;

use super::chart::compare::{self as draw, CompareChart, Series};
use super::chart::theme::{self, Palette};
use super::chart::{Canvas, Chart, ChartTexts};
use super::context::render;
use super::html::inline_svg;
use super::locale::{Locale, NBSP};
use super::{render_atomic, rfc3339, write_atomic, RenderError};
use crate::config::{
    Campaign, ChartFormat, ChartSize, Comparison, Config, Language, Localized, PlatformColors,
};
use crate::model::{day_end, day_of, local_date};
use crate::timeline::{Point, Timeline};
use minijinja::{context, Value};

/// One compared campaign: its timeline (with every compared campaign's milestones) and the
/// day its days are counted from.
pub struct Compared {
    pub campaign: Campaign,
    pub tl: Timeline,
    /// Day 1.
    pub launch_day: NaiveDate,
    /// The start of day 1 (x = 0 of the chart).
    pub origin: DateTime<Utc>,
    /// No `launched` in the config: days count from the first reading.
    pub from_first_reading: bool,
    pub color: RGBColor,
}

/// The campaigns' timelines, each with the union of their milestones (so that every
/// campaign's crossing of every compared milestone is known). A campaign without readings is
/// an error that names it.
pub fn load(
    store: &dyn crate::store::Store,
    campaigns: &[&Campaign],
    until: Option<DateTime<Utc>>,
) -> anyhow::Result<Vec<Compared>> {
    let mut milestones: Vec<i64> = campaigns
        .iter()
        .flat_map(|c| c.milestones().iter().copied())
        .collect();
    milestones.sort_unstable();
    milestones.dedup();
    let mut out = Vec::new();
    let mut empty = Vec::new();
    for (i, c) in campaigns.iter().enumerate() {
        let mut c = (*c).clone();
        c.milestones = toml::Spanned::new(0..0, milestones.clone());
        let tl = crate::timeline::for_campaign(store, &c, until)?;
        let first = tl.monitoring_began.or(tl.points.first().map(|p| p.at));
        let (Some(first), false) = (first, tl.videos.is_empty()) else {
            empty.push(c.slug().to_string());
            continue;
        };
        let tz = c.tz();
        let start = c.launched_at.unwrap_or(first);
        let launch_day = local_date(start, tz);
        out.push(Compared {
            origin: day_start(launch_day, tz),
            from_first_reading: c.launched_at.is_none(),
            launch_day,
            color: draw::COLORS[i % draw::COLORS.len()],
            campaign: c,
            tl,
        });
    }
    if !empty.is_empty() {
        anyhow::bail!(crate::error::UsageError(format!(
            "nothing to compare for {}: no readings{}; import an export file (`viewtally import \
             FILE --campaign SLUG`) or collect first",
            empty
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            match until {
                Some(t) => format!(" up to {}", rfc3339(t)),
                None => String::new(),
            }
        )));
    }
    Ok(out)
}

/// The start of a local day (UTC instant).
fn day_start(d: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    match d.pred_opt() {
        Some(prev) => day_end(prev, tz),
        None => day_end(d, tz) - Duration::days(1),
    }
}

/// Days since the start of day 1, as a fraction (the chart's x).
fn age(c: &Compared, t: DateTime<Utc>) -> f64 {
    (t - c.origin).num_milliseconds() as f64 / 86_400_000.0
}

/// The day number of a local date (day 1 = the launch day).
fn day_number(c: &Compared, d: NaiveDate) -> i64 {
    (d - c.launch_day).num_days() + 1
}

/// When a campaign crossed a milestone, in days since launch (rule 4's bracket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossedDay {
    /// Within one day: "day 10".
    On(i64),
    /// Between two readings on different days: "day 9–12".
    Between(i64, i64),
    /// Only known to be proven by then: "by day 12".
    By(i64),
    NotYet,
}

/// A campaign's crossing of `threshold` as day numbers.
pub fn crossed_day(c: &Compared, threshold: i64) -> CrossedDay {
    let tz = c.tl.tz;
    let Some(m) = c.tl.milestones.iter().find(|m| m.threshold == threshold) else {
        return CrossedDay::NotYet;
    };
    let Some(by) = m.by else {
        return CrossedDay::NotYet;
    };
    let hi = day_number(c, day_of(by.at, tz));
    match m.after {
        Some(a) if !m.before_monitoring => {
            let lo = day_number(c, local_date(a.at, tz)).min(hi);
            if lo == hi {
                CrossedDay::On(hi)
            } else {
                CrossedDay::Between(lo, hi)
            }
        }
        _ => CrossedDay::By(hi),
    }
}

/// The total proven at the end of day `n`: (at least, at most; None: nothing read later
/// bounds it). From the timeline's day grid where it has the day, else from its points.
pub fn at_day(c: &Compared, n: i64) -> (i64, Option<i64>) {
    let date = c.launch_day + Duration::days(n - 1);
    if let Some(d) = c.tl.days.iter().find(|d| d.date == date) {
        return (d.low, d.high);
    }
    let t = day_end(date, c.tl.tz);
    let before = c.tl.points.partition_point(|p: &Point| p.at <= t);
    let low = before.checked_sub(1).map_or(0, |i| c.tl.points[i].low);
    let high = c.tl.points.iter().find(|p| p.at >= t).and_then(|p| p.high);
    (low, high)
}

/// The last day every campaign has a full day of readings for (None: one has none yet).
pub fn same_age(compared: &[Compared]) -> Option<i64> {
    compared
        .iter()
        .map(|c| {
            c.tl.as_of
                .map_or(0, |t| (local_date(t, c.tl.tz) - c.launch_day).num_days())
        })
        .min()
        .filter(|n| *n >= 1)
}

/// The campaign whose lower bound at the same age is above every other's upper bound.
pub fn leader(values: &[(i64, Option<i64>)]) -> Option<usize> {
    (0..values.len()).find(|&i| {
        values
            .iter()
            .enumerate()
            .all(|(j, v)| j == i || v.1.is_some_and(|high| values[i].0 > high))
    })
}

/// The words of the comparison (cs, en).
#[derive(serde::Serialize)]
pub struct Words {
    pub vs: &'static str,
    pub subtitle: &'static str,
    pub x_title: &'static str,
    pub day: &'static str,
    pub days_between: &'static str,
    pub by_day: &'static str,
    pub not_yet: &'static str,
    pub from_first_reading: &'static str,
    pub estimated: &'static str,
    pub milestones_heading: &'static str,
    pub milestones_note: &'static str,
    pub none_crossed: &'static str,
    pub same_age_heading: &'static str,
    pub at_end_of_day: &'static str,
    pub better: &'static str,
    pub undecided: &'static str,
    pub too_young: &'static str,
    pub between: &'static str,
    pub at_least: &'static str,
    pub campaign: &'static str,
    pub launch: &'static str,
    pub first_reading: &'static str,
    pub age: &'static str,
    pub views_now: &'static str,
    pub campaigns_heading: &'static str,
    pub generated: &'static str,
    pub and: &'static str,
}

pub const EN: Words = Words {
    vs: "vs",
    subtitle: "Cumulative views (all platforms) by days since launch",
    x_title: "days since launch (day 1 = the launch day)",
    day: "day {n}",
    days_between: "day {a}–{b}",
    by_day: "by day {n}",
    not_yet: "not yet",
    from_first_reading: "{name}: no launch date configured; days count from its first reading ({date})",
    estimated: "dashed: estimate between readings",
    milestones_heading: "Days to each milestone",
    milestones_note: "Day 1 is the launch day in the campaign's time zone. “Day 9–12”: the crossing lies between two readings on those days; “by day 12”: proven by a reading that day, the earlier state unknown.",
    none_crossed: "No compared milestone has been crossed yet.",
    same_age_heading: "At the same age",
    at_end_of_day: "Views at the end of day {n}",
    better: "By the end of day {n}, {leader} did better than {others}: {values}.",
    undecided: "At the end of day {n}, the readings cannot tell yet which did better: {values}.",
    too_young: "Not every campaign has a full day of readings yet, so their views at the same age cannot be compared.",
    between: "between {a} and {b}",
    at_least: "at least {a}",
    campaign: "Campaign",
    launch: "Day 1",
    first_reading: "first reading",
    age: "Days since launch",
    views_now: "Views now",
    campaigns_heading: "Campaigns",
    generated: "generated",
    and: "and",
};

pub const CS: Words = Words {
    vs: "vs.",
    subtitle: "Kumulativní zhlédnutí (všechny platformy) podle dnů od uvedení",
    x_title: "dny od uvedení (1. den = den uvedení)",
    day: "{n}. den",
    days_between: "{a}.–{b}. den",
    by_day: "nejpozději {n}. den",
    not_yet: "zatím ne",
    from_first_reading: "{name}: datum uvedení není v konfiguraci; dny se počítají od prvního odečtu ({date})",
    estimated: "čárkovaně: odhad mezi odečty",
    milestones_heading: "Dny do dosažení milníků",
    milestones_note: "1. den je den uvedení v časovém pásmu kampaně. „9.–12. den“: překročení leží mezi dvěma odečty z těchto dnů; „nejpozději 12. den“: prokázáno odečtem z toho dne, dřívější stav neznámý.",
    none_crossed: "Zatím nebyl překonán žádný ze srovnávaných milníků.",
    same_age_heading: "Ve stejném stáří",
    at_end_of_day: "Zhlédnutí na konci {n}. dne",
    better: "Na konci {n}. dne má {leader} více zhlédnutí než {others}: {values}.",
    undecided: "Na konci {n}. dne zatím z odečtů nelze říct, která kampaň si vede lépe: {values}.",
    too_young: "Ne všechny kampaně mají zatím odečty za celý den, zhlédnutí ve stejném stáří proto nelze srovnat.",
    between: "mezi {a} a {b}",
    at_least: "nejméně {a}",
    campaign: "Kampaň",
    launch: "1. den",
    first_reading: "první odečet",
    age: "Dnů od uvedení",
    views_now: "Zhlédnutí nyní",
    campaigns_heading: "Kampaně",
    generated: "vytvořeno",
    and: "a",
};

pub fn words(language: Language) -> &'static Words {
    match language {
        Language::Cs => &CS,
        Language::En => &EN,
    }
}

impl Words {
    pub fn crossed(&self, d: CrossedDay) -> String {
        match d {
            CrossedDay::On(n) => self.day.replace("{n}", &n.to_string()),
            CrossedDay::Between(a, b) => self
                .days_between
                .replace("{a}", &a.to_string())
                .replace("{b}", &b.to_string()),
            CrossedDay::By(n) => self.by_day.replace("{n}", &n.to_string()),
            CrossedDay::NotYet => self.not_yet.to_string(),
        }
    }

    /// "9 917", "between 7 100 and 7 300", "at least 7 100".
    pub fn bounds(&self, loc: &Locale, (low, high): (i64, Option<i64>)) -> String {
        match high {
            Some(h) if h == low => loc.number(low),
            Some(h) => self
                .between
                .replace("{a}", &loc.number(low))
                .replace("{b}", &loc.number(h)),
            None => self.at_least.replace("{a}", &loc.number(low)),
        }
    }

    fn list(&self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} {} {last}", init.join(", "), self.and),
        }
    }
}

/// How and where a comparison is written.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// `<report dir>/compare/<slug>`.
    pub dir: PathBuf,
    pub sizes: Vec<ChartSize>,
    pub formats: Vec<ChartFormat>,
    pub language: Language,
    pub generated_at: DateTime<Utc>,
    /// `[[comparison]] name`, if configured.
    pub name: Option<Localized>,
}

impl CompareOptions {
    /// A comparison written into `<base>/compare/<slug>/`, in `lang` else the first campaign's
    /// language.
    pub fn new(
        config: &Config,
        base: &Path,
        slug: &str,
        first: &Campaign,
        lang: Option<Language>,
        generated_at: DateTime<Utc>,
    ) -> CompareOptions {
        CompareOptions {
            dir: base.join("compare").join(slug),
            sizes: config.report.chart_sizes(),
            formats: config.report.formats.clone(),
            language: lang.unwrap_or(first.language),
            generated_at,
            name: None,
        }
    }

    /// The options of a configured `[[comparison]]`.
    pub fn configured(
        config: &Config,
        comparison: &Comparison,
        first: &Campaign,
        generated_at: DateTime<Utc>,
    ) -> CompareOptions {
        let mut o = CompareOptions::new(
            config,
            &config.report.dir,
            &comparison.slug(),
            first,
            None,
            generated_at,
        );
        o.name = comparison.name.clone();
        o
    }
}

/// What a comparison says, in one language: the title, the milestone table, the same-age
/// values and the sentence answering "which did better?".
pub struct Summary {
    pub title: String,
    /// Thresholds crossed by at least one campaign, with each campaign's day text.
    pub rows: Vec<(i64, Vec<String>)>,
    pub same_age: Option<i64>,
    /// Each campaign's views at the end of `same_age`, in words.
    pub at_same_age: Vec<String>,
    pub verdict: String,
    /// Notes on campaigns counted from their first reading.
    pub notes: Vec<String>,
}

fn names(compared: &[Compared]) -> Vec<String> {
    compared.iter().map(|c| c.campaign.name.clone()).collect()
}

pub fn summary(compared: &[Compared], options: &CompareOptions) -> Summary {
    let loc = Locale::new(options.language);
    let w = words(options.language);
    let names = names(compared);
    let title = match &options.name {
        Some(n) => n.get(options.language).to_string(),
        None => names.join(&format!(" {} ", w.vs)),
    };
    let mut thresholds: Vec<i64> = compared
        .iter()
        .flat_map(|c| c.tl.milestones.iter().map(|m| m.threshold))
        .collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let rows = thresholds
        .into_iter()
        .filter_map(|t| {
            let days: Vec<CrossedDay> = compared.iter().map(|c| crossed_day(c, t)).collect();
            days.iter()
                .any(|d| *d != CrossedDay::NotYet)
                .then(|| (t, days.into_iter().map(|d| w.crossed(d)).collect()))
        })
        .collect();
    let same_age = same_age(compared);
    let (at_same_age, verdict) = match same_age {
        Some(n) => {
            let values: Vec<(i64, Option<i64>)> = compared.iter().map(|c| at_day(c, n)).collect();
            let texts: Vec<String> = values.iter().map(|v| w.bounds(&loc, *v)).collect();
            let listed: Vec<String> = names
                .iter()
                .zip(&texts)
                .map(|(name, v)| format!("{name} {v}"))
                .collect();
            let listed = listed.join("; ");
            let verdict = match leader(&values) {
                Some(i) => {
                    let others: Vec<String> = names
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, n)| n.clone())
                        .collect();
                    w.better
                        .replace("{n}", &n.to_string())
                        .replace("{leader}", &names[i])
                        .replace("{others}", &w.list(&others))
                        .replace("{values}", &listed)
                }
                None => w
                    .undecided
                    .replace("{n}", &n.to_string())
                    .replace("{values}", &listed),
            };
            (texts, verdict)
        }
        None => (Vec::new(), w.too_young.to_string()),
    };
    let notes = compared
        .iter()
        .filter(|c| c.from_first_reading)
        .map(|c| {
            w.from_first_reading
                .replace("{name}", &c.campaign.name)
                .replace("{date}", &loc.date(c.launch_day))
        })
        .collect();
    Summary {
        title,
        rows,
        same_age,
        at_same_age,
        verdict,
        notes,
    }
}

/// The chart's data for these campaigns.
fn chart_series(compared: &[Compared]) -> Vec<Series> {
    compared
        .iter()
        .map(|c| {
            let mut points: Vec<(f64, f64, bool)> =
                c.tl.points
                    .iter()
                    .filter(|p| p.at >= c.origin)
                    .map(|p| (age(c, p.at), p.total as f64, p.estimated))
                    .collect();
            // A year of hourly readings stays a small SVG: at most about 3 000 points.
            let stride = points.len().div_ceil(3000).max(1);
            if stride > 1 {
                let last = points.last().copied();
                let mut kept: Vec<(f64, f64, bool)> = Vec::new();
                for chunk in points.chunks(stride) {
                    let est = chunk.iter().any(|q| q.2);
                    let q = chunk[chunk.len() - 1];
                    kept.push((q.0, q.1, est));
                }
                if kept.last().copied() != last {
                    kept.extend(last);
                }
                points = kept;
            }
            let crossings =
                c.tl.milestones
                    .iter()
                    .filter_map(|m| {
                        let by = m.by?;
                        let at = m.crossed_at.unwrap_or(by.at);
                        Some((
                            m.threshold,
                            m.after.map(|a| age(c, a.at)),
                            age(c, by.at),
                            age(c, at),
                        ))
                    })
                    .collect();
            Series {
                name: c.campaign.name.clone(),
                color: c.color,
                points,
                last_total: c.tl.total(),
                crossings,
            }
        })
        .collect()
}

/// The chart's source line: where the numbers come from and when they were read.
fn source_line(compared: &[Compared], loc: &Locale) -> String {
    let as_of: Vec<String> = compared
        .iter()
        .filter_map(|c| {
            c.tl.as_of
                .map(|t| format!("{} {}", c.campaign.name, loc.instant(t, c.tl.tz)))
        })
        .collect();
    let tls: Vec<&crate::timeline::Timeline> = compared.iter().map(|c| &c.tl).collect();
    format!(
        "{} · {} {}",
        super::source_of(&tls, loc),
        loc.strings.as_of,
        as_of.join("; ")
    )
}

/// Write the comparison's charts, `compare.html` and `compare.md`; the paths written.
pub fn write(
    compared: &[Compared],
    options: &CompareOptions,
) -> Result<(Summary, Vec<PathBuf>), RenderError> {
    let loc = Locale::new(options.language);
    let w = words(options.language);
    let s = summary(compared, options);
    let texts = ChartTexts {
        title: s.title.clone(),
        subtitle: None,
        source: source_line(compared, &loc),
        logo: None,
    };
    let palette = Palette::new(&PlatformColors::default());
    let mut notes = Vec::new();
    if compared
        .iter()
        .any(|c| c.tl.points.iter().any(|p| p.estimated))
    {
        notes.push(w.estimated.to_string());
    }
    notes.extend(s.notes.iter().cloned());
    let chart = CompareChart {
        frame: Chart {
            tl: &compared[0].tl,
            loc: &loc,
            palette: &palette,
            texts: &texts,
        },
        subtitle: w.subtitle.to_string(),
        series: chart_series(compared),
        milestones: {
            let mut m: Vec<i64> = compared[0]
                .tl
                .milestones
                .iter()
                .map(|m| m.threshold)
                .collect();
            m.sort_unstable();
            m
        },
        same_age: s.same_age,
        same_age_label: s
            .same_age
            .map(|n| w.day.replace("{n}", &n.to_string()))
            .unwrap_or_default(),
        x_title: w.x_title.to_string(),
        notes,
    };
    let mut written = Vec::new();
    for size in &options.sizes {
        for format in &options.formats {
            let ext = match format {
                ChartFormat::Png => "png",
                ChartFormat::Svg => "svg",
            };
            let path = options
                .dir
                .join(format!("compare{}.{ext}", size.file_suffix()));
            let canvas = Canvas::sized(size.pixels());
            match format {
                ChartFormat::Png => render_atomic(&path, |tmp| draw::png(&chart, &canvas, tmp))?,
                ChartFormat::Svg => write_atomic(&path, draw::svg(&chart, &canvas)?.as_bytes())?,
            }
            written.push(path);
        }
    }
    let path = options.dir.join("compare.html");
    write_atomic(&path, html(compared, &s, &chart, options)?.as_bytes())?;
    written.push(path);
    let path = options.dir.join("compare.md");
    write_atomic(&path, markdown(compared, &s, options).as_bytes())?;
    written.push(path);
    Ok((s, written))
}

/// Per campaign: name, day 1 (and whether it is the first reading), days since, views now.
fn campaign_rows(compared: &[Compared], loc: &Locale) -> Vec<[String; 4]> {
    let w = words(loc.language);
    compared
        .iter()
        .map(|c| {
            let first = if c.from_first_reading {
                format!(" ({})", w.first_reading)
            } else {
                String::new()
            };
            let days = c.tl.as_of.map_or(0, |t| day_number(c, day_of(t, c.tl.tz)));
            [
                c.campaign.name.clone(),
                format!("{}{first}", loc.date(c.launch_day)),
                days.to_string(),
                loc.number(c.tl.total()),
            ]
        })
        .collect()
}

fn html(
    compared: &[Compared],
    s: &Summary,
    chart: &CompareChart,
    options: &CompareOptions,
) -> Result<String, RenderError> {
    let loc = Locale::new(options.language);
    let w = words(options.language);
    let figure = |(cw, ch, scale): (u32, u32, f64)| -> Result<Value, RenderError> {
        let canvas = Canvas {
            w: cw,
            h: ch,
            s: scale,
            frame: false,
        };
        Ok(Value::from_safe_string(inline_svg(
            &draw::svg(chart, &canvas)?,
            w.subtitle,
        )))
    };
    let campaigns: Vec<Value> = campaign_rows(compared, &loc)
        .into_iter()
        .zip(compared)
        .enumerate()
        .map(|(i, ([name, launch, age, views], c))| {
            context! {
                color => theme::css(c.color),
                name, launch, age, views,
                at_same_age => s.at_same_age.get(i).cloned(),
            }
        })
        .collect();
    let rows: Vec<Value> = s
        .rows
        .iter()
        .map(|(t, days)| context! { threshold => loc.number(*t), days => days.clone() })
        .collect();
    render(
        "compare.html",
        context! {
            lang => options.language.tag(),
            css => Value::from_safe_string(include_str!("templates/report.css").to_string()),
            title => s.title.clone(),
            w => Value::from_serialize(w),
            notes => s.notes.clone(),
            verdict => s.verdict.clone(),
            wide => figure((1600, 820, 1.0))?,
            narrow => figure((900, 1000, 1.3))?,
            source => chart.frame.texts.source.clone(),
            milestone => loc.strings.milestone,
            campaigns,
            rows,
            same_age => s.same_age.map(|n| w.at_end_of_day.replace("{n}", &n.to_string())),
            generated => loc.datetime(options.generated_at, compared[0].tl.tz),
        },
    )
}

/// Markdown text: characters that would start markup escaped.
fn md(s: &str) -> String {
    super::context::md_text(s)
}

fn markdown(compared: &[Compared], s: &Summary, options: &CompareOptions) -> String {
    let loc = Locale::new(options.language);
    let w = words(options.language);
    let mut out = format!("# {}\n\n{}\n\n", md(&s.title), md(w.subtitle));
    for n in &s.notes {
        out.push_str(&format!("> {}\n\n", md(n)));
    }
    out.push_str(&format!(
        "## {}\n\n{}\n\n",
        md(w.same_age_heading),
        md(&s.verdict)
    ));
    if let Some(size) = options.sizes.first() {
        if options.formats.contains(&ChartFormat::Png) {
            out.push_str(&format!(
                "![{}](compare{}.png)\n\n",
                md(w.subtitle),
                size.file_suffix()
            ));
        }
    }
    out.push_str(&format!("## {}\n\n", md(w.milestones_heading)));
    if s.rows.is_empty() {
        out.push_str(&format!("{}\n\n", md(w.none_crossed)));
    } else {
        out.push_str(&format!("| {} |", loc.strings.milestone));
        for c in compared {
            out.push_str(&format!(" {} |", md(&c.campaign.name).replace('|', "\\|")));
        }
        out.push_str(&format!("\n|---:|{}\n", "---|".repeat(compared.len())));
        for (t, days) in &s.rows {
            out.push_str(&format!("| {} |", loc.number(*t)));
            for d in days {
                out.push_str(&format!(" {d} |"));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{}\n\n## {}\n\n",
        md(w.milestones_note),
        md(w.campaigns_heading)
    ));
    let same = s
        .same_age
        .map(|n| format!(" {} |", w.at_end_of_day.replace("{n}", &n.to_string())))
        .unwrap_or_default();
    out.push_str(&format!(
        "| {} | {} | {} | {} |{same}\n|---|---|---:|---:|{}\n",
        w.campaign,
        w.launch,
        w.age,
        w.views_now,
        if s.same_age.is_some() { "---:|" } else { "" }
    ));
    for (i, r) in campaign_rows(compared, &loc).iter().enumerate() {
        let at = s
            .at_same_age
            .get(i)
            .map(|v| format!(" {v} |"))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} |{at}\n",
            md(&r[0]).replace('|', "\\|"),
            r[1],
            r[2],
            r[3]
        ));
    }
    out.push_str(&format!(
        "\n---\nviewtally · {} {}\n",
        w.generated,
        loc.datetime(options.generated_at, compared[0].tl.tz)
    ));
    out.replace(NBSP, " ")
}

/// The short text `viewtally compare` prints: the verdict and the milestone table.
pub fn text(compared: &[Compared], s: &Summary, language: Language) -> String {
    let loc = Locale::new(language);
    let w = words(language);
    let mut out = format!("{}\n", s.title);
    for n in &s.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    out.push_str(&format!("{}\n", s.verdict));
    for (t, days) in &s.rows {
        let cells: Vec<String> = compared
            .iter()
            .zip(days)
            .map(|(c, d)| format!("{} {d}", c.campaign.name))
            .collect();
        out.push_str(&format!(
            "  {} {:>10}: {}\n",
            loc.strings.milestone,
            loc.number(*t),
            cells.join("; ")
        ));
    }
    if s.rows.is_empty() {
        out.push_str(&format!("  {}\n", w.none_crossed));
    }
    out.replace(NBSP, " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn better_only_when_the_bounds_prove_it() {
        assert_eq!(leader(&[(9917, Some(9917)), (7100, Some(7300))]), Some(0));
        assert_eq!(leader(&[(7100, Some(7300)), (9917, Some(9917))]), Some(1));
        // Overlapping bounds, or an unbounded one: cannot be told.
        assert_eq!(leader(&[(7200, Some(7400)), (7100, Some(7300))]), None);
        assert_eq!(leader(&[(9917, Some(9917)), (7100, None)]), None);
    }

    #[test]
    fn crossings_in_words() {
        assert_eq!(EN.crossed(CrossedDay::On(10)), "day 10");
        assert_eq!(EN.crossed(CrossedDay::Between(9, 12)), "day 9–12");
        assert_eq!(EN.crossed(CrossedDay::By(12)), "by day 12");
        assert_eq!(CS.crossed(CrossedDay::Between(9, 12)), "9.–12. den");
        assert_eq!(CS.crossed(CrossedDay::By(12)), "nejpozději 12. den");
        let en = Locale::new(Language::En);
        assert_eq!(
            EN.bounds(&en, (7100, Some(7300))),
            "between 7,100 and 7,300"
        );
        assert_eq!(EN.bounds(&en, (7100, None)), "at least 7,100");
    }
}

//! What `summary.md` and `report.html` show, formatted for the report language: one context
//! for both minijinja templates, so the two never disagree.

use minijinja::{context, Environment, Value};

use super::chart::{Chart, ChartKind};
use super::locale::Locale;
use super::{chart_file, milestone, snippet, sources_by_kind, RenderError, ReportOptions};
use crate::config::{Campaign, ChartFormat, ChartSize};
use crate::model::local_date;
use crate::timeline::Timeline;

/// A template environment with the report's templates loaded.
pub fn environment() -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // report.html is auto-escaped (by its name); summary.md escapes with these.
    env.add_filter("md", |s: String| md_text(&s));
    env.add_filter("md_code", |s: String| md_code(&s));
    for (name, source) in [
        ("summary.md", include_str!("templates/summary.md.j2")),
        ("report.html", include_str!("templates/report.html.j2")),
        ("compare.html", include_str!("templates/compare.html.j2")),
    ] {
        env.add_template(name, source)
            .map_err(|e| RenderError::Template(format!("{name}: {e:#}")))?;
    }
    Ok(env)
}

/// Text from a platform, a file or the config, made inert in Markdown: characters that could
/// start markup, a link or raw HTML are backslash-escaped, and line breaks become spaces (so a
/// value cannot end a table row or a quote).
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span showing `s` verbatim: its fence is longer than any run of backticks
/// inside, so an id cannot close it early.
pub fn md_code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Render one template of [`environment`].
pub fn render(name: &str, ctx: Value) -> Result<String, RenderError> {
    let env = environment()?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| RenderError::Template(format!("{name}: {e:#}")))
}

/// "API (Facebook), export (YouTube, LinkedIn)".
pub fn sources_text(tl: &Timeline, loc: &Locale) -> String {
    sources_by_kind(tl, loc)
        .into_iter()
        .map(|(kind, platforms)| {
            let names: Vec<&str> = platforms.iter().map(|p| p.display_name()).collect();
            format!("{kind} ({})", loc.list(&names))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shared context of the report templates: what summary.md and report.html show, built
/// in one place so that they never disagree; one helper per table.
pub fn report_context(
    campaign: &Campaign,
    tl: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
    kinds: &[ChartKind],
) -> Value {
    let loc = chart.loc;
    let s = loc.strings;
    let tz = tl.tz;
    let total = tl.total();
    let velocity = tl.velocity.map(|v| {
        context! {
            per_day => loc.number(v.views_per_day.round() as i64),
            window => loc.days(v.window_days),
            sentence => super::pace_sentence(tl, loc),
        }
    });
    let forecast = tl.forecast.as_ref().map(|f| {
        context! {
            threshold => loc.number(f.threshold),
            remaining => loc.number(f.remaining),
            eta => f.eta.map(|t| loc.date(local_date(t, tz))),
            to_go => loc.to_go(f.remaining),
            sentence => super::forecast_sentence(tl, loc, true),
        }
    });
    context! {
        s => Value::from_serialize(s),
        lang => s.tag,
        title => chart.texts.title.clone(),
        name => campaign.name.clone(),
        note => campaign.style.note.as_ref().map(|n| n.get(loc.language).to_string()),
        logo => campaign.style.logo.clone(),
        source => chart.texts.source.clone(),
        as_of => tl.as_of.map(|t| loc.datetime(t, tz)),
        generated => loc.datetime(options.generated_at, tz),
        timezone => tz.name(),
        sources => sources_text(tl, loc),
        export_days => super::export_days(tl, options, loc),
        launched => tl.launched.map(|t| loc.date(local_date(t, tz))),
        total => loc.number(total),
        platforms => platform_rows(tl, chart),
        videos => video_rows(tl, loc),
        milestones => milestone_rows(tl, loc),
        velocity => velocity,
        forecast => forecast,
        decreases => decrease_rows(tl, loc),
        disagreements => disagreement_rows(tl, loc),
        contradicted => tl
            .contradicted
            .iter()
            .map(|c| milestone::contradicted_text(c, tz, loc))
            .collect::<Vec<_>>(),
        charts => chart_rows(chart, options, kinds),
        snippet => snippet::snippet(tl, loc),
        period => super::period::report_context(options.period.as_ref(), tl, loc),
        engagement => super::engagement::section(tl, chart),
    }
}

/// Views and share of the total per platform.
fn platform_rows(tl: &Timeline, chart: &Chart) -> Vec<Value> {
    let loc = chart.loc;
    let total = tl.total();
    tl.platform_totals()
        .into_iter()
        .map(|(p, v)| {
            let share = if total > 0 {
                v as f64 * 100.0 / total as f64
            } else {
                0.0
            };
            context! {
                name => p.display_name(),
                color => super::chart::theme::css(chart.palette.platform_text(p)),
                views => loc.number(v),
                share => loc.percent(share),
                share_value => share,
            }
        })
        .collect()
}

/// The videos, most viewed first.
fn video_rows(tl: &Timeline, loc: &Locale) -> Vec<Value> {
    let mut videos: Vec<_> = tl.videos.iter().collect();
    videos.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.video.cmp(&b.video)));
    videos
        .iter()
        .map(|v| {
            let sources: Vec<&str> = v.sources.iter().map(|k| loc.source_kind(k)).collect();
            context! {
                platform => v.platform.display_name(),
                video => v.video.clone(),
                title => v.title.clone(),
                account => v.account.clone(),
                views => loc.number(v.views),
                last => loc.datetime(v.last_reading, tl.tz),
                sources => sources.join(", "),
            }
        })
        .collect()
}

/// The milestones: when each was crossed, the estimate and its bracket.
fn milestone_rows(tl: &Timeline, loc: &Locale) -> Vec<Value> {
    let tz = tl.tz;
    tl.milestones
        .iter()
        .map(|m| {
            context! {
                threshold => loc.number(m.threshold),
                crossed => milestone::with_before_monitoring(
                    m,
                    milestone::day_text(m, tz, loc, None),
                    loc
                ),
                estimate => milestone::estimate_text(m, tz, loc),
                estimate_at => m.crossed_at.map(|t| loc.datetime(t, tz)),
                bracket => milestone::bracket_text(m, tz, loc),
            }
        })
        .collect()
}

/// Readings that disagree with what other readings prove.
fn disagreement_rows(tl: &Timeline, loc: &Locale) -> Vec<Value> {
    let s = loc.strings;
    tl.disagreements
        .iter()
        .map(|d| {
            let proved = match d.high {
                Some(h) if h == d.low => loc.number(h),
                Some(h) => format!("{}–{}", loc.number(d.low), loc.number(h)),
                None => format!("≥ {}", loc.number(d.low)),
            };
            context! {
                platform => d.platform.display_name(),
                video => d.video.clone(),
                at => loc.datetime(d.at, tl.tz),
                text => s.disagreement_row
                    .replace("{read}", &loc.number(d.read))
                    .replace("{proved}", &proved),
            }
        })
        .collect()
}

/// Counts that went down between readings.
fn decrease_rows(tl: &Timeline, loc: &Locale) -> Vec<Value> {
    tl.decreases
        .iter()
        .map(|d| {
            context! {
                platform => d.platform.display_name(),
                video => d.video.clone(),
                at => loc.datetime(d.at, tl.tz),
                from => loc.number(d.from),
                to => loc.number(d.to),
            }
        })
        .collect()
}

/// The charts: the image shown (first size, PNG when written) and every file written.
fn chart_rows(chart: &Chart, options: &ReportOptions, kinds: &[ChartKind]) -> Vec<Value> {
    let first_size = options.sizes.first().copied().unwrap_or(ChartSize::Web);
    let image_format = if options.formats.contains(&ChartFormat::Png) {
        Some(ChartFormat::Png)
    } else {
        options.formats.first().copied()
    };
    kinds
        .iter()
        .map(|k| {
            context! {
                name => k.name(),
                subtitle => k.subtitle(chart),
                image => image_format.map(|f| chart_file(*k, first_size, f)),
                files => options
                    .sizes
                    .iter()
                    .flat_map(|size| options.formats.iter().map(|f| chart_file(*k, *size, *f)))
                    .collect::<Vec<_>>(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_cannot_start_markup_or_html() {
        assert_eq!(
            md_text("<script>alert(1)</script> *b* [l](javascript:x) a|b\n> q"),
            "\\<script\\>alert(1)\\</script\\> \\*b\\* \\[l\\](javascript:x) a\\|b \\> q"
        );
        assert_eq!(md_text("Děkujeme, operátoři!"), "Děkujeme, operátoři!");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(md_code("dQ8mC2c4Rx0"), "`dQ8mC2c4Rx0`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`<img>``"), "``` `<img>`` ```");
    }
}

//! `summary.md`: GitHub-flavoured Markdown from a minijinja template.

use minijinja::{context, Environment};

use super::locale::Locale;
use super::{RenderError, ReportOptions};
use crate::config::Campaign;
use crate::model::local_date;
use crate::timeline::Timeline;

const TEMPLATE: &str = include_str!("templates/summary.md.j2");

pub fn summary(
    campaign: &Campaign,
    tl: &Timeline,
    loc: &Locale,
    options: &ReportOptions,
) -> Result<String, RenderError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("summary.md", TEMPLATE)
        .map_err(|e| RenderError::Template(e.to_string()))?;
    let s = loc.strings;
    let tz = tl.tz;
    let total = tl.total();
    let platforms: Vec<_> = tl
        .platform_totals()
        .into_iter()
        .map(|(p, v)| {
            let share = if total > 0 { v as f64 * 100.0 / total as f64 } else { 0.0 };
            context! { name => p.display_name(), views => loc.number(v), share => loc.decimal(share) }
        })
        .collect();
    let videos: Vec<_> = tl
        .videos
        .iter()
        .map(|v| {
            context! {
                platform => v.platform.display_name(),
                video => v.video.replace('|', "\\|"),
                title => v.title.clone().unwrap_or_default().replace('|', "\\|"),
                account => v.account.clone().unwrap_or_else(|| "—".into()).replace('|', "\\|"),
                views => loc.number(v.views),
                last => loc.datetime(v.last_reading, tz),
                sources => v.sources.join(", "),
            }
        })
        .collect();
    let milestones: Vec<_> = tl
        .milestones
        .iter()
        .map(|m| {
            let bracket = match (m.before, m.after) {
                (Some(b), Some(a)) => format!(
                    "{} ({}) → {} ({})",
                    loc.datetime(b.at, tz),
                    loc.number(b.total),
                    loc.datetime(a.at, tz),
                    loc.number(a.total)
                ),
                (None, Some(a)) => format!("— → {} ({})", loc.datetime(a.at, tz), loc.number(a.total)),
                _ => "—".into(),
            };
            context! {
                threshold => loc.number(m.threshold),
                crossed => m.crossed_at.map(|t| loc.datetime(t, tz)).unwrap_or_else(|| s.not_yet.into()),
                bracket => bracket,
            }
        })
        .collect();
    let velocity = tl.velocity.map(|v| {
        format!(
            "{} {} ({} {})",
            loc.number(v.views_per_day.round() as i64),
            s.per_day,
            loc.decimal(v.window_days),
            s.window_days
        )
    });
    let forecast = tl.forecast.as_ref().map(|f| {
        context! {
            threshold => loc.number(f.threshold),
            remaining => loc.number(f.remaining),
            eta => f.eta.map(|t| loc.date(local_date(t, tz))).unwrap_or_else(|| s.not_at_pace.into()),
        }
    });
    let decreases: Vec<_> = tl
        .decreases
        .iter()
        .map(|d| {
            context! {
                platform => d.platform.display_name(),
                video => d.video.clone(),
                at => loc.datetime(d.at, tz),
                from => loc.number(d.from),
                to => loc.number(d.to),
            }
        })
        .collect();
    let chart = options
        .formats
        .contains(&crate::config::ChartFormat::Png)
        .then_some("cumulative.png");
    let tmpl = env
        .get_template("summary.md")
        .map_err(|e| RenderError::Template(e.to_string()))?;
    tmpl.render(context! {
        s => context! {
            views => s.views, total => s.total, as_of => s.as_of, platform => s.platform,
            video => s.video, account => s.account, last_reading => s.last_reading,
            sources => s.sources, milestones => s.milestones, milestone => s.milestone,
            crossed => s.crossed, bracket => s.bracket, velocity => s.velocity,
            next_milestone => s.next_milestone, eta => s.eta, decreases => s.decreases,
            decreases_none => s.decreases_none, from_to => s.from_to, no_data => s.no_data,
        },
        name => campaign.name.clone(),
        as_of => tl.as_of.map(|t| loc.datetime(t, tz)),
        generated => loc.datetime(options.generated_at, tz),
        timezone => tz.name(),
        total => loc.number(total),
        platforms => platforms,
        videos => videos,
        milestones => milestones,
        velocity => velocity,
        forecast => forecast,
        decreases => decreases,
        chart => chart,
        note => campaign.style.note.clone(),
    })
    .map_err(|e| RenderError::Template(e.to_string()))
}

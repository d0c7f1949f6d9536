//! `videos`: views per video and account (a campaign whose video was re-posted by partner
//! accounts), largest first; beyond what fits, the rest are summed into one bar.

use std::collections::HashSet;

use plotters::prelude::*;

use super::axes::{self, Painter};
use super::platforms::{hbars, HBar};
use super::{theme, Canvas, Chart};
use crate::model::local_date;
use crate::render::error::RenderError;
use crate::timeline::{Timeline, VideoLine};

/// The most bars the report page shows (the files show as many as fit).
const MAX_BARS: usize = 12;

/// Re-posts: more than one video on a platform, or more than one account.
pub(super) fn applies(tl: &Timeline) -> bool {
    let mut platforms = HashSet::new();
    let several_on_one = tl.videos.iter().any(|v| !platforms.insert(v.platform));
    let accounts: HashSet<_> = tl.videos.iter().map(|v| v.account.as_deref()).collect();
    tl.videos.len() > 1 && (several_on_one || accounts.len() > 1)
}

pub(super) fn bar_count(tl: &Timeline) -> usize {
    tl.videos.len().min(MAX_BARS)
}

pub(super) fn subtitle(chart: &Chart) -> String {
    let (tl, loc) = (chart.tl, chart.loc);
    let date = tl
        .as_of
        .map(|t| loc.date(local_date(t, tl.tz)))
        .unwrap_or_default();
    loc.strings.videos_subtitle.replace("{date}", &date)
}

/// What a bar is called: the account (or title, or id), with the title or id added where two
/// bars would read the same.
fn names(videos: &[&VideoLine]) -> Vec<String> {
    let base = |v: &VideoLine| {
        v.account
            .clone()
            .or_else(|| v.title.clone())
            .unwrap_or_else(|| v.video.clone())
    };
    videos
        .iter()
        .map(|v| {
            let name = base(v);
            let twins = videos
                .iter()
                .filter(|o| o.platform == v.platform && base(o) == name)
                .count();
            if twins > 1 {
                let extra = match &v.title {
                    Some(t)
                        if v.account.is_some()
                            && videos
                                .iter()
                                .filter(|o| o.title.as_ref() == Some(t))
                                .count()
                                == 1 =>
                    {
                        t.clone()
                    }
                    _ => v.video.clone(),
                };
                format!("{name} · {extra}")
            } else {
                name
            }
        })
        .collect()
}

pub(super) fn draw<DB: DrawingBackend>(
    p: &Painter<DB>,
    chart: &Chart,
    canvas: &Canvas,
) -> Result<(), RenderError>
where
    DB::ErrorType: 'static,
{
    let (tl, loc) = (chart.tl, chart.loc);
    let body = axes::frame(p, chart, canvas, &subtitle(chart), &[])?;
    let mut videos: Vec<&VideoLine> = tl.videos.iter().collect();
    videos.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.video.cmp(&b.video)));
    let fit = (((body.bottom - body.top) / p.u(80.0)).floor() as usize).clamp(2, MAX_BARS);
    let shown = if videos.len() > fit {
        fit - 1
    } else {
        videos.len()
    };
    let labels = names(&videos);
    let mut bars: Vec<HBar> = videos
        .iter()
        .zip(labels)
        .take(shown)
        .map(|(v, label)| HBar {
            label,
            detail: Some(v.platform.display_name().to_string()),
            value: v.views,
            share: None,
            color: chart.palette.platform(v.platform),
            text_color: theme::INK,
        })
        .collect();
    if videos.len() > shown {
        let rest = &videos[shown..];
        bars.push(HBar {
            label: loc
                .strings
                .others
                .replace("{n}", &loc.number(rest.len() as i64)),
            detail: None,
            value: rest.iter().map(|v| v.views).sum(),
            share: None,
            color: theme::FAINT,
            text_color: theme::MUTED,
        });
    }
    hbars(p, chart, &body, &bars)
}

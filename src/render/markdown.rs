//! `summary.md`: GitHub-flavoured Markdown from a minijinja template, the charts linked as
//! images.

use super::chart::{Chart, ChartKind};
use super::context::{render, report_context};
use super::{RenderError, ReportOptions};
use crate::config::Campaign;
use crate::timeline::Timeline;

pub fn summary(
    campaign: &Campaign,
    tl: &Timeline,
    chart: &Chart,
    options: &ReportOptions,
    kinds: &[ChartKind],
) -> Result<String, RenderError> {
    let ctx = report_context(campaign, tl, chart, options, kinds);
    render("summary.md", ctx)
}

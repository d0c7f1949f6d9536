//! `viewtally compare`: campaigns side by side by days since launch.

use super::*;

pub(super) fn compare(config: &Config, args: &CompareArgs, now: DateTime<Utc>) -> Result<ExitCode> {
    let until = args
        .until
        .as_deref()
        .map(|s| period::TimeArg::parse(s, "--until"))
        .transpose()?;
    // One name of a configured [[comparison]], or the campaigns themselves.
    let configured = match &args.slugs[..] {
        [one] => config.comparisons.iter().find(|c| c.slug() == *one),
        many => config.comparisons.iter().find(|c| c.campaigns() == many),
    };
    let slugs: Vec<String> = match configured {
        Some(c) => c.campaigns().to_vec(),
        None => args.slugs.clone(),
    };
    let unknown: Vec<&String> = slugs
        .iter()
        .filter(|s| !config.campaigns.iter().any(|c| c.slug() == s.as_str()))
        .collect();
    if !unknown.is_empty() {
        let named: Vec<String> = config.comparisons.iter().map(|c| c.slug()).collect();
        bail!(UsageError(format!(
            "compare: no campaign {} in {}; its campaigns are: {}{}",
            unknown
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            config.origin,
            config.slugs().join(", "),
            match named.is_empty() {
                true => String::new(),
                false => format!("; its comparisons: {}", named.join(", ")),
            }
        )));
    }
    if slugs.len() < 2 {
        bail!(UsageError(format!(
            "compare needs at least two campaigns, e.g. `viewtally compare {} OTHER`; the \
             campaigns are: {}",
            slugs.first().map_or("SLUG", |s| s.as_str()),
            config.slugs().join(", ")
        )));
    }
    if let Some(dup) = slugs
        .iter()
        .enumerate()
        .find(|(i, s)| slugs[..*i].contains(s))
        .map(|(_, s)| s)
    {
        bail!(UsageError(format!(
            "compare: campaign `{dup}` is named twice"
        )));
    }
    let campaigns: Vec<&config::Campaign> = slugs
        .iter()
        .filter_map(|s| config.campaigns.iter().find(|c| c.slug() == s.as_str()))
        .collect();
    // A date is the end of that day in the first campaign's time zone.
    let until = until.map(|u| u.end(campaigns[0].tz()));
    let store = open_existing_store(config)?;
    let compared = render::compare::load(store.as_ref(), &campaigns, until)?;
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| config.report.dir.clone());
    let folder = match configured {
        Some(c) => c.slug(),
        None => config::comparison_slug(&slugs),
    };
    let mut options = render::compare::CompareOptions::new(
        config,
        &base,
        &folder,
        campaigns[0],
        args.lang,
        until.unwrap_or(now),
    );
    options.name = configured.and_then(|c| c.name.clone());
    if !args.size.is_empty() {
        options.sizes = args.size.clone();
    }
    let (summary, written) = render::compare::write(&compared, &options)?;
    print!(
        "{}",
        render::compare::text(&compared, &summary, options.language)
    );
    println!();
    for p in written {
        println!("{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

//! `viewtally demo`: the bundled sample exports into a scratch store, then a report.

use super::*;

/// The sample exports in config/demo/ (tests/fixtures/make_demo.py writes them).
const SAMPLES: &[(&str, &[u8])] = &[
    (
        "Content 2020-07-24_2020-09-30 Conectart.zip",
        include_bytes!("../../config/demo/Content 2020-07-24_2020-09-30 Conectart.zip"),
    ),
    (
        "Jul-24-2020_Aug-07-2020_1106412345678901.csv",
        include_bytes!("../../config/demo/Jul-24-2020_Aug-07-2020_1106412345678901.csv"),
    ),
    (
        "conectart_content_1595617200000.xls",
        include_bytes!("../../config/demo/conectart_content_1595617200000.xls"),
    ),
    (
        "conectart_content_1595692800000.xls",
        include_bytes!("../../config/demo/conectart_content_1595692800000.xls"),
    ),
    (
        "conectart_content_1595779200000.xls",
        include_bytes!("../../config/demo/conectart_content_1595779200000.xls"),
    ),
    (
        "conectart_content_1595865600000.xls",
        include_bytes!("../../config/demo/conectart_content_1595865600000.xls"),
    ),
    (
        "conectart_content_1595952000000.xls",
        include_bytes!("../../config/demo/conectart_content_1595952000000.xls"),
    ),
    (
        "conectart_content_1596211200000.xls",
        include_bytes!("../../config/demo/conectart_content_1596211200000.xls"),
    ),
    (
        "conectart_content_1597420800000.xlsx",
        include_bytes!("../../config/demo/conectart_content_1597420800000.xlsx"),
    ),
    (
        "conectart_content_1601492400000.xlsx",
        include_bytes!("../../config/demo/conectart_content_1601492400000.xlsx"),
    ),
    (
        "facebook-api-readings.csv",
        include_bytes!("../../config/demo/facebook-api-readings.csv"),
    ),
];

pub(super) fn demo(now: DateTime<Utc>) -> Result<ExitCode> {
    let config = Config::parse(config::DEMO_CONFIG, "config/demo.toml (built in)")?;
    reset_store(Path::new("data/demo.db"))?;
    let mut store = store::open(&config.store.url)?;
    import_samples(&config, store.as_mut(), now)?;
    let campaign = &config.campaigns[0];
    let tl = timeline::for_campaign(store.as_ref(), campaign, None)?;
    let options = ReportOptions {
        dir: PathBuf::from("reports/demo"),
        ..ReportOptions::for_campaign(&config, campaign, Path::new("reports"), None, now)
    };
    let written = render::write_report(campaign, &tl, &options)?;
    print!("\n{}", Status::text(&tl, &Locale::new(campaign.language)));
    println!(
        "\nstore: {} ({})",
        store.location(),
        crate::model::counted(store.count(None)? as usize, "observation", "observations")
    );
    println!("report:");
    for p in written {
        println!("  {}", p.display());
    }
    println!("\nnext: viewtally --config config/demo.toml status --json");
    Ok(ExitCode::SUCCESS)
}

/// Remove the demo's SQLite store (and its WAL files) so every run starts from scratch.
fn reset_store(db: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot reset the demo store {}", p.display()))
            }
        }
    }
    Ok(())
}

/// Write each bundled sample to a temporary folder and import it, one line per file.
fn import_samples(config: &Config, store: &mut dyn Store, now: DateTime<Utc>) -> Result<()> {
    let samples =
        tempfile::tempdir().context("cannot create a temporary folder for the samples")?;
    println!("viewtally demo — synthetic sample data, no network, no credentials");
    for (name, content) in SAMPLES {
        let path = samples.path().join(name);
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let report = exports::import_file(&path, config, store, &ImportOptions::default(), now)?;
        println!(
            "  imported config/demo/{name}: {} ({}), {} stored",
            crate::model::counted(report.rows, "row", "rows"),
            report.format,
            report.written.inserted
        );
    }
    Ok(())
}

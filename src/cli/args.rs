//! The clap definitions: the command line, its subcommands and their arguments.

use super::*;

/// Count a campaign video's views across YouTube, Facebook and LinkedIn, and chart them.
#[derive(Debug, Parser)]
#[command(name = "viewtally", version, about, long_about = None)]
pub struct Cli {
    /// Config file [default: $VIEWTALLY_CONFIG, else config/viewtally.toml]; its relative paths
    /// are read from its folder (from the parent of a `config` folder)
    #[arg(long, global = true, value_name = "PATH", env = "VIEWTALLY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Read secrets from this file instead of ./.env
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// More log output (-v debug, -vv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Pretend it is this time (RFC 3339), for reproducible runs and tests
    #[arg(long, global = true, hide = true, env = "VIEWTALLY_NOW")]
    pub now: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bundled sample data → scratch SQLite store (data/demo.db) → report in reports/demo/
    Demo,
    /// Write config/viewtally.toml and .env.example to start from
    Init {
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
    },
    /// Validate the config and the environment it names
    Check {
        /// Also probe every credential with one cheap call and show when it expires
        #[arg(long)]
        online: bool,
    },
    /// Import export files (or folders of them); the format is detected from the content
    Import(ImportArgs),
    /// Read every configured video from the platforms' APIs now and store the readings
    Collect {
        #[command(flatten)]
        campaign: CampaignArg,
    },
    /// Compute the timeline and write charts and reports
    Report(ReportArgs),
    /// Compare campaigns by days since launch: chart, compare.html, compare.md
    Compare(CompareArgs),
    /// Totals per platform and video, milestones, last reading
    Status {
        #[command(flatten)]
        campaign: CampaignArg,
        /// Print one JSON object (shape in DESIGN.md)
        #[arg(long)]
        json: bool,
        /// The state as it was at this time: RFC 3339, or a date (YYYY-MM-DD) meaning the end
        /// of that day in the campaign's time zone
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Also the views of the period from this time to --until (default: the latest
        /// reading): RFC 3339, or a date meaning the start of that day; exact where readings
        /// prove both ends, else a range with the readings around each end
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
    },
    /// Export observations or the timeline for BI tools
    Export(ExportArgs),
    /// Run the scheduled jobs; serve the live pages (/, /c/SLUG/), the reports, /healthz, /metrics
    Daemon {
        /// Address to listen on [default: [daemon] listen, else 127.0.0.1:9184]
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct CampaignArg {
    /// The campaign (needed when the config holds several)
    #[arg(long, value_name = "SLUG")]
    pub campaign: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub campaign: CampaignArg,
    /// Force a format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Store the good rows of a file that has bad ones (and say how many were skipped)
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Keep rows of videos the campaign does not list
    #[arg(long)]
    pub all_videos: bool,
    /// Show what would be stored; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// When the files' lifetime totals were read: the export time (RFC 3339), or a date
    /// meaning the end of that day in the campaign's time zone; overrides what a file says
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub campaign: CampaignArg,
    /// Write to DIR/<campaign slug>/ instead of [report] dir
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Report language (default: the campaign's)
    #[arg(long, value_enum)]
    pub lang: Option<Language>,
    /// Render the state as it was at this time: RFC 3339, or a date (YYYY-MM-DD) meaning the
    /// end of that day in the campaign's time zone. Written to <slug>/<from>_<until>/, never
    /// over the current report
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// A report of the period from this time (RFC 3339, or a date meaning the start of that
    /// day) to --until (default: now): its views as the headline, charts limited to it;
    /// written to <slug>/<from>_<until>/ (dates in the campaign's time zone)
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Chart sizes instead of [report] sizes: web (1600x900), print (3200x1800) or WxH;
    /// repeat or separate with commas
    #[arg(long, value_name = "SIZE", value_delimiter = ',')]
    pub size: Vec<ChartSize>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more campaign slugs (or the slug of a configured [[comparison]])
    #[arg(required = true, value_name = "SLUG")]
    pub slugs: Vec<String>,
    /// Write to DIR/compare/<a>-vs-<b>/ instead of <[report] dir>/compare/<a>-vs-<b>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Language (default: the first campaign's)
    #[arg(long, value_enum)]
    pub lang: Option<Language>,
    /// Compare the state as it was at this time: RFC 3339, or a date (YYYY-MM-DD) meaning the
    /// end of that day in the first campaign's time zone
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Chart sizes instead of [report] sizes: web (1600x900), print (3200x1800) or WxH;
    /// repeat or separate with commas
    #[arg(long, value_name = "SIZE", value_delimiter = ',')]
    pub size: Vec<ChartSize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    /// Apache Parquet (zstd), for DuckDB, Spark, BigQuery external tables; needs --out
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartitionBy {
    /// One folder per campaign: DIR/campaign=<slug>/part-0.parquet
    Campaign,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// Every stored observation (tidy CSV, re-importable)
    Observations,
    /// The daily timeline (cumulative and new views per platform)
    Timeline,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub campaign: CampaignArg,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// What to export
    #[arg(long, value_enum, default_value_t = ExportWhat::Observations)]
    pub what: ExportWhat,
    /// Write to FILE instead of standard output (a folder with --partition-by)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Hive-style Parquet layout for BI tools: every campaign of the config (or the one
    /// --campaign names) in OUT/campaign=<slug>/part-0.parquet; needs --format parquet
    #[arg(long, value_enum, value_name = "KEY")]
    pub partition_by: Option<PartitionBy>,
    /// Only observations read at or after this time (a daily row: whose day ends after it),
    /// or timeline days that end after it: RFC 3339, or a date meaning the start of that day
    /// in the campaign's time zone
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only observations read at or before this time, or timeline days that end by it:
    /// RFC 3339, or a date meaning the end of that day in the campaign's time zone
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

//! Command-line flags: the shared [`Settings`] (each flag falls back to its environment
//! variable, so the CLI and the Lambda are configured alike) plus what only a local run has.

use clap::{Args, Parser, Subcommand};
use ingesta_client::Token;
use ingesta_config::Settings;
use ingesta_metrics::MetricsMode;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "ingesta", version, about = "Load a participations CSV into a Strapi API, exactly once per row")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the ingestion job on a local CSV file or an s3://bucket/key object.
    // Boxed: the settings make it far larger than the other variants.
    Run(Box<RunArgs>),
    /// Read and validate every row as a run would, without any API: counts, speed and peak memory;
    /// with --api, check that what ingesta writes fits the CMS's data model (no write).
    Check(CheckArgs),
    /// Read-only: does every entity the file implies exist in the CMS exactly once? Without a
    /// file: which natural keys does the CMS hold more than once? Exits 1 when any is off.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// The participations CSV: a path or s3://bucket/key.
    pub input: PathBuf,
    /// Directory for errors.csv and summary.json [default: reports/<input name without .csv>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stop taking rows after this many seconds (leaving a checkpoint); unlimited by default.
    #[arg(long, env = "TIME_BUDGET_SECS")]
    pub time_budget_secs: Option<f64>,
    /// Where metrics go: off, api (CloudWatch PutMetricData) or emf (JSON lines on stdout).
    #[arg(long, env = "METRICS_MODE", value_enum, default_value = "off", value_name = "METRICS_MODE")]
    pub metrics: MetricsMode,
    /// Logs as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["input", "api"]))]
pub struct CheckArgs {
    /// The participations CSV: a path or s3://bucket/key.
    pub input: Option<PathBuf>,
    /// Also check the CMS at this base URL: does everything ingesta writes fit its data model?
    /// Read-only (one GET of /api/content-type-builder/content-types).
    #[arg(long, value_name = "STRAPI_BASE_URL")]
    pub api: Option<String>,
    #[command(flatten)]
    pub read_only: ReadOnlyArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The participations CSV that was loaded: a path or s3://bucket/key.
    pub input: Option<PathBuf>,
    /// The CMS's base URL.
    #[arg(long, env = "STRAPI_BASE_URL", value_name = "STRAPI_BASE_URL")]
    pub api: String,
    #[command(flatten)]
    pub read_only: ReadOnlyArgs,
}

/// What the read-only commands (`check`, `verify`) share.
#[derive(Args)]
pub struct ReadOnlyArgs {
    /// API token: read access to the collections ingesta writes (a full-access token may also
    /// read the CMS's model).
    #[arg(long, env = "STRAPI_TOKEN", hide_env_values = true, value_name = "STRAPI_TOKEN")]
    pub token: Option<Token>,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Logs as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Args, Clone)]
pub struct AwsArgs {
    /// S3 endpoint override (a local emulator); path-style addressing is used with it.
    #[arg(long, env = "S3_ENDPOINT_URL", value_name = "S3_ENDPOINT_URL")]
    pub s3_endpoint_url: Option<String>,
}

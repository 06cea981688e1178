//! Command-line flags: the shared [`Settings`] (each flag falls back to its environment
//! variable, so the CLI and the Lambda are configured alike) plus what only a local run has.

use clap::{Args, Parser, Subcommand};
use ingesta_config::Settings;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "ingesta", version, about = "Load a participations CSV into a Strapi API, exactly once per row")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the ingestion job on a local CSV file.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// The participations CSV.
    pub input: PathBuf,
    /// Directory for errors.csv and summary.json [default: reports/<input name without .csv>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stop taking rows after this many seconds (leaving a checkpoint); unlimited by default.
    #[arg(long, env = "TIME_BUDGET_SECS")]
    pub time_budget_secs: Option<f64>,
    /// Logs as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
    #[command(flatten)]
    pub settings: Settings,
}

impl RunArgs {
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let stem =
                self.input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "input".into());
            PathBuf::from("reports").join(stem)
        })
    }
}

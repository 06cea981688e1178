//! Command-line flags. Every knob also reads an environment variable of the same meaning, so the
//! CLI and the Lambda are configured alike.

use clap::{Args, Parser, Subcommand};
use ingesta_client::ClientConfig;
use ingesta_pipeline::SizerConfig;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Strapi base URL (without /api).
    #[arg(long, env = "STRAPI_BASE_URL")]
    pub api: String,
    /// API token (sent as a bearer token).
    #[arg(long, env = "STRAPI_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Directory for errors.csv and summary.json [default: reports/<input name without .csv>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Requests in flight at most.
    #[arg(long, env = "MAX_CONCURRENCY", default_value_t = 16)]
    pub concurrency: usize,
    /// Requests per second at most (0 = no limit).
    #[arg(long, env = "RATE_LIMIT_RPS", default_value_t = 0)]
    pub rate_limit_rps: u32,
    /// Timeout of one request attempt, in milliseconds.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Retries of a failed request (timeouts, connection errors, 429, 5xx).
    #[arg(long, env = "MAX_RETRIES", default_value_t = 5)]
    pub max_retries: usize,
    /// First retry delay in milliseconds (doubles per retry, full jitter).
    #[arg(long, env = "BACKOFF_BASE_MS", default_value_t = 100)]
    pub backoff_base_ms: u64,
    /// Longest retry delay in milliseconds.
    #[arg(long, env = "BACKOFF_MAX_MS", default_value_t = 5_000)]
    pub backoff_max_ms: u64,
    /// Consecutive failures that open the circuit.
    #[arg(long, env = "CIRCUIT_FAILURE_THRESHOLD", default_value_t = 10)]
    pub circuit_failure_threshold: u32,
    /// Milliseconds the circuit stays open before one probe.
    #[arg(long, env = "CIRCUIT_COOLDOWN_MS", default_value_t = 2_000)]
    pub circuit_cooldown_ms: u64,
    /// Longest a request waits for an open circuit to close, in seconds.
    #[arg(long, env = "CIRCUIT_MAX_WAIT_SECS", default_value_t = 300)]
    pub circuit_max_wait_secs: u64,
    /// Smallest batch.
    #[arg(long, env = "BATCH_SIZE_MIN", default_value_t = 10)]
    pub batch_size_min: usize,
    /// Largest batch.
    #[arg(long, env = "BATCH_SIZE_MAX", default_value_t = 1000)]
    pub batch_size_max: usize,
    /// First batch size.
    #[arg(long, env = "BATCH_SIZE_INITIAL", default_value_t = 50)]
    pub batch_size_initial: usize,
    /// Keep the batch size at its initial value instead of adapting it.
    #[arg(long)]
    pub fixed_batch: bool,
    /// Skip look-ups of programs and implementations (first load into an empty API).
    #[arg(long, env = "OMIT_GET", default_value_t = false)]
    pub omit_get: bool,
    /// CCT keys remembered by the on-demand cache.
    #[arg(long, env = "CCT_CACHE_SIZE", default_value_t = 100_000)]
    pub cct_cache: u64,
    /// Stop taking rows after this many seconds (leaving a checkpoint); unlimited by default.
    #[arg(long, env = "TIME_BUDGET_SECS")]
    pub time_budget_secs: Option<u64>,
    /// Seconds before the time budget ends at which no new rows are taken.
    #[arg(long, env = "SAFETY_MARGIN_SECS", default_value_t = 60)]
    pub safety_margin_secs: u64,
    /// Logs as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
}

impl RunArgs {
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig {
            token: self.token.clone().filter(|t| !t.is_empty()),
            max_concurrency: self.concurrency,
            rate_limit_rps: Some(self.rate_limit_rps).filter(|r| *r > 0),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            max_retries: self.max_retries,
            backoff_base: Duration::from_millis(self.backoff_base_ms),
            backoff_max: Duration::from_millis(self.backoff_max_ms),
            circuit_failure_threshold: self.circuit_failure_threshold,
            circuit_cooldown: Duration::from_millis(self.circuit_cooldown_ms),
            max_circuit_wait: Duration::from_secs(self.circuit_max_wait_secs),
            ..ClientConfig::new(&self.api)
        }
    }

    pub fn sizer_config(&self) -> SizerConfig {
        SizerConfig {
            min: self.batch_size_min,
            max: self.batch_size_max,
            initial: self.batch_size_initial,
            adaptive: !self.fixed_batch,
        }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let stem =
                self.input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "input".into());
            PathBuf::from("reports").join(stem)
        })
    }
}

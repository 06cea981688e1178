//! The job's settings. One `clap` definition serves both entry points: the CLI reads flags (each
//! falling back to its environment variable), the Lambda reads only the environment through
//! [`Settings::from_env`]. Both therefore accept the same values and reject bad ones with the
//! same message, naming the variable.

use clap::{Args, Parser};
use ingesta_client::{ClientConfig, Token};
use ingesta_pipeline::SizerConfig;
use ingesta_writer::{WritePath, WriterConfig};
use std::time::Duration;

/// Every knob of a run except the input.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Strapi base URL (without /api).
    #[arg(long = "api", env = "STRAPI_BASE_URL", value_name = "STRAPI_BASE_URL")]
    pub strapi_base_url: String,
    /// API token (sent as a bearer token).
    #[arg(long, env = "STRAPI_TOKEN", hide_env_values = true, value_name = "STRAPI_TOKEN")]
    pub token: Option<Token>,
    /// Requests in flight at most: the ceiling of the adaptive limit (or the limit, with
    /// --fixed-concurrency).
    #[arg(long = "concurrency", env = "MAX_CONCURRENCY", default_value_t = 256, value_name = "MAX_CONCURRENCY", value_parser = at_least_one)]
    pub max_concurrency: usize,
    /// Keep the requests in flight at --concurrency instead of adapting to the API's latency.
    #[arg(long, env = "FIXED_CONCURRENCY", default_value_t = false, value_name = "FIXED_CONCURRENCY")]
    pub fixed_concurrency: bool,
    /// Requests per second at most (0 = no limit).
    #[arg(long, env = "RATE_LIMIT_RPS", default_value_t = 0, value_name = "RATE_LIMIT_RPS")]
    pub rate_limit_rps: u32,
    /// Timeout of one request attempt, in milliseconds.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 10_000, value_name = "REQUEST_TIMEOUT_MS")]
    pub request_timeout_ms: u64,
    /// Retries of a failed request (timeouts, connection errors, 429, 5xx).
    #[arg(long, env = "MAX_RETRIES", default_value_t = 5, value_name = "MAX_RETRIES")]
    pub max_retries: usize,
    /// First retry delay in milliseconds (doubles per retry, full jitter).
    #[arg(long, env = "BACKOFF_BASE_MS", default_value_t = 100, value_name = "BACKOFF_BASE_MS")]
    pub backoff_base_ms: u64,
    /// Longest retry delay in milliseconds.
    #[arg(long, env = "BACKOFF_MAX_MS", default_value_t = 5_000, value_name = "BACKOFF_MAX_MS")]
    pub backoff_max_ms: u64,
    /// Consecutive failures that open the circuit.
    #[arg(long, env = "CIRCUIT_FAILURE_THRESHOLD", default_value_t = 10, value_name = "CIRCUIT_FAILURE_THRESHOLD")]
    pub circuit_failure_threshold: u32,
    /// Milliseconds the circuit stays open before one probe.
    #[arg(long, env = "CIRCUIT_COOLDOWN_MS", default_value_t = 2_000, value_name = "CIRCUIT_COOLDOWN_MS")]
    pub circuit_cooldown_ms: u64,
    /// Longest a request waits for an open circuit to close, in seconds.
    #[arg(long, env = "CIRCUIT_MAX_WAIT_SECS", default_value_t = 300, value_name = "CIRCUIT_MAX_WAIT_SECS")]
    pub circuit_max_wait_secs: u64,
    /// Pause, in milliseconds, before a create whose outcome is unknown (timeout, lost
    /// connection, 5xx) is looked up by its natural key; it is sent again only if absent.
    #[arg(long, env = "VERIFY_PAUSE_MS", default_value_t = 1_000, value_name = "VERIFY_PAUSE_MS")]
    pub verify_pause_ms: u64,
    /// Smallest batch.
    #[arg(long, env = "BATCH_SIZE_MIN", default_value_t = 10, value_name = "BATCH_SIZE_MIN")]
    pub batch_size_min: usize,
    /// Largest batch.
    #[arg(long, env = "BATCH_SIZE_MAX", default_value_t = 1000, value_name = "BATCH_SIZE_MAX")]
    pub batch_size_max: usize,
    /// First batch size.
    #[arg(long, env = "BATCH_SIZE_INITIAL", default_value_t = 50, value_name = "BATCH_SIZE_INITIAL")]
    pub batch_size_initial: usize,
    /// Keep the batch size at its initial value instead of adapting it.
    #[arg(long, env = "FIXED_BATCH", default_value_t = false, value_name = "FIXED_BATCH")]
    pub fixed_batch: bool,
    /// Skip look-ups of programs and implementations (first load into an empty API).
    #[arg(long, env = "OMIT_GET", default_value_t = false, value_name = "OMIT_GET")]
    pub omit_get: bool,
    /// How rows are written: auto (through the CMS's ingesta plugin when it answers, REST
    /// otherwise), rest (get-or-create per entity) or bulk (the plugin, whole batches in one
    /// transaction each; the run stops before any write if the plugin does not answer).
    #[arg(long, env = "WRITE_PATH", default_value = "auto", value_name = "WRITE_PATH")]
    pub write_path: WritePath,
    /// Participants remembered at most (bounds memory, about 1.7 KB each; a forgotten one costs a
    /// look-up when it appears again).
    #[arg(long, env = "PARTICIPANT_CACHE_SIZE", default_value_t = 10_000, value_name = "PARTICIPANT_CACHE_SIZE")]
    pub participant_cache: u64,
    /// CCT keys remembered by the on-demand cache.
    #[arg(long = "cct-cache", env = "CCT_CACHE_SIZE", default_value_t = 100_000, value_name = "CCT_CACHE_SIZE")]
    pub cct_cache: u64,
    /// How CCT keys are resolved: auto (preload when the table fits in memory), preload or ondemand.
    #[arg(long, env = "CCT_MODE", default_value = "auto", value_name = "CCT_MODE")]
    pub cct_mode: ingesta_cct::Mode,
    /// Share of the memory left under the limit that a preloaded CCT table may take (0 to 1).
    #[arg(long, env = "CCT_MEMORY_FRACTION", default_value_t = 0.7, value_name = "CCT_MEMORY_FRACTION", value_parser = fraction)]
    pub cct_memory_fraction: f64,
    /// CCT table CSV on the local disk (columns id, clave), for preloading.
    #[arg(long = "ccts", env = "CCTS_PATH", value_name = "CCTS_PATH")]
    pub ccts_path: Option<std::path::PathBuf>,
    /// Bucket of the CCT table in S3 (the Lambda defaults to the input's bucket).
    #[arg(long, env = "CCTS_S3_BUCKET", value_name = "CCTS_S3_BUCKET")]
    pub ccts_s3_bucket: Option<String>,
    /// Key of the CCT table in S3.
    #[arg(long, env = "CCTS_S3_KEY", default_value = "ccts/ccts.csv", value_name = "CCTS_S3_KEY")]
    pub ccts_s3_key: String,
    /// Seconds before the deadline at which no new rows are taken.
    #[arg(long, env = "SAFETY_MARGIN_SECS", default_value_t = 60.0, value_name = "SAFETY_MARGIN_SECS")]
    pub safety_margin_secs: f64,
    /// CloudWatch namespace of the metrics.
    #[arg(long, env = "METRICS_NAMESPACE", default_value = "Ingesta", value_name = "METRICS_NAMESPACE")]
    pub metrics_namespace: String,
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}' is not a whole number of at least 1")),
    }
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
        _ => Err(format!("'{s}' is not a fraction between 0 and 1")),
    }
}

/// Wraps a settings struct so it can be parsed from the environment alone.
#[derive(Parser)]
#[command(no_binary_name = true)]
struct FromEnv<T: Args> {
    #[command(flatten)]
    settings: T,
}

/// Reads a `clap::Args` struct from environment variables only (every field must have `env`).
/// The error names the variable that is missing or malformed.
pub fn parse_env<T: Args>() -> Result<T, String> {
    parse_args(std::iter::empty::<String>())
}

/// Like [`parse_env`], with flags taking precedence over the environment (tests, tools).
pub fn parse_args<T: Args, I: IntoIterator<Item = S>, S: Into<std::ffi::OsString> + Clone>(
    args: I,
) -> Result<T, String> {
    FromEnv::<T>::try_parse_from(args).map(|f| f.settings).map_err(|e| {
        // clap speaks of flags; keep its reason (which names the variable as the value name)
        // and drop the usage lines that mean nothing in a Lambda.
        let text = e.to_string();
        let reason: Vec<&str> = text
            .lines()
            .map(str::trim)
            .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
            .filter(|l| !l.is_empty())
            .collect();
        format!("bad configuration: {}", reason.join(" ").trim_start_matches("error: "))
    })
}

impl Settings {
    /// Reads every setting from environment variables (the Lambda's configuration).
    pub fn from_env() -> Result<Self, String> {
        parse_env()
    }

    pub fn client_config(&self) -> ClientConfig {
        ClientConfig {
            token: self.token.clone().filter(|t| !t.is_empty()),
            max_concurrency: self.max_concurrency,
            adaptive_concurrency: !self.fixed_concurrency,
            rate_limit_rps: Some(self.rate_limit_rps).filter(|r| *r > 0),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            max_retries: self.max_retries,
            backoff_base: Duration::from_millis(self.backoff_base_ms),
            backoff_max: Duration::from_millis(self.backoff_max_ms),
            circuit_failure_threshold: self.circuit_failure_threshold,
            circuit_cooldown: Duration::from_millis(self.circuit_cooldown_ms),
            max_circuit_wait: Duration::from_secs(self.circuit_max_wait_secs),
            verify_pause: Duration::from_millis(self.verify_pause_ms),
            ..ClientConfig::new(&self.strapi_base_url)
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

    pub fn writer_config(&self) -> WriterConfig {
        WriterConfig { omit_get: self.omit_get, participant_cache: self.participant_cache, write_path: self.write_path }
    }

    /// The memory budget of a preloaded CCT table, on this machine or in this Lambda.
    pub fn cct_budget(&self) -> ingesta_cct::MemoryBudget {
        ingesta_cct::MemoryBudget::detect(self.cct_memory_fraction)
    }

    pub fn safety_margin(&self) -> Duration {
        Duration::from_secs_f64(self.safety_margin_secs.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test touches the process environment, so the cases run in sequence inside it.
    #[test]
    fn reads_the_environment_and_names_bad_variables() {
        std::env::remove_var("STRAPI_BASE_URL");
        let missing = Settings::from_env().unwrap_err();
        assert!(missing.contains("STRAPI_BASE_URL"), "{missing}");
        std::env::set_var("STRAPI_BASE_URL", "http://127.0.0.1:1");
        std::env::set_var("MAX_CONCURRENCY", "lots");
        let bad = Settings::from_env().unwrap_err();
        assert!(bad.contains("lots") && bad.contains("MAX_CONCURRENCY"), "{bad}");
        std::env::set_var("MAX_CONCURRENCY", "7");
        std::env::set_var("OMIT_GET", "true");
        let s = Settings::from_env().unwrap();
        assert_eq!((s.max_concurrency, s.omit_get, s.batch_size_max), (7, true, 1000));
        assert_eq!(s.client_config().max_concurrency, 7);
        assert_eq!(
            (s.cct_mode, s.cct_memory_fraction, s.ccts_s3_key.as_str()),
            (ingesta_cct::Mode::Auto, 0.7, "ccts/ccts.csv")
        );
        std::env::set_var("CCT_MEMORY_FRACTION", "1.5");
        let bad = Settings::from_env().unwrap_err();
        assert!(bad.contains("CCT_MEMORY_FRACTION") && bad.contains("between 0 and 1"), "{bad}");
        std::env::set_var("CCT_MEMORY_FRACTION", "0.5");
        std::env::set_var("CCT_MODE", "sometimes");
        let bad = Settings::from_env().unwrap_err();
        assert!(bad.contains("CCT_MODE") && bad.contains("ondemand"), "{bad}");
        std::env::set_var("CCT_MODE", "PRELOAD");
        let s = Settings::from_env().unwrap();
        assert_eq!((s.cct_mode, s.cct_memory_fraction), (ingesta_cct::Mode::Preload, 0.5));
        assert_eq!(s.writer_config().write_path, WritePath::Auto);
        std::env::set_var("WRITE_PATH", "sometimes");
        let bad = Settings::from_env().unwrap_err();
        assert!(bad.contains("WRITE_PATH") && bad.contains("auto, rest or bulk"), "{bad}");
        std::env::set_var("WRITE_PATH", "Bulk");
        assert_eq!(Settings::from_env().unwrap().writer_config().write_path, WritePath::Bulk);
        for v in ["STRAPI_BASE_URL", "MAX_CONCURRENCY", "OMIT_GET", "CCT_MEMORY_FRACTION", "CCT_MODE", "WRITE_PATH"] {
            std::env::remove_var(v);
        }
    }
}

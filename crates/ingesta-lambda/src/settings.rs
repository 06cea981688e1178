//! Settings only the Lambda has, read from its environment with the shared ones.

use clap::Args;
use ingesta_config::Settings;
pub use ingesta_metrics::MetricsMode;

#[derive(Args, Debug, Clone)]
pub struct LambdaSettings {
    #[command(flatten)]
    pub core: Settings,
    /// Only keys under this prefix are inputs.
    #[arg(long, env = "INPUT_PREFIX", default_value = "incoming/", value_name = "INPUT_PREFIX")]
    pub input_prefix: String,
    /// Only keys with this suffix are inputs, in any case of its letters (`.csv`, `.CSV`).
    #[arg(long, env = "INPUT_SUFFIX", default_value = ".csv", value_name = "INPUT_SUFFIX")]
    pub input_suffix: String,
    /// Continuations (checkpoint-triggered invocations) one file may take. The chain bounds
    /// itself because the function opts out of Lambda's recursive-loop detection; past this the
    /// invocation fails, so the alarm and the dead-letter queue tell a person.
    #[arg(long, env = "MAX_CHECKPOINT_HOPS", default_value_t = 1000, value_name = "MAX_CHECKPOINT_HOPS")]
    pub max_checkpoint_hops: u32,
    /// Tests only, hence no environment variable (a deployed function never has it): rows one
    /// invocation reads at most before it checkpoints as at its deadline, so that a chain of
    /// invocations does not depend on timing.
    #[arg(long, hide = true)]
    pub rows_per_invocation: Option<u64>,
    #[arg(long, env = "METRICS_MODE", value_enum, default_value = "emf", value_name = "METRICS_MODE")]
    pub metrics_mode: MetricsMode,
    /// SSM SecureString holding the API token when STRAPI_TOKEN is unset: read at a cold start,
    /// and again when the API refuses the token (a rotation).
    #[arg(long, env = "STRAPI_TOKEN_SSM_PARAM", value_name = "STRAPI_TOKEN_SSM_PARAM")]
    pub token_ssm_param: Option<String>,
    /// S3 endpoint override (a local emulator); path-style addressing is used with it.
    #[arg(long, env = "S3_ENDPOINT_URL", value_name = "S3_ENDPOINT_URL")]
    pub s3_endpoint_url: Option<String>,
    /// Function name for the metrics dimension (set by Lambda).
    #[arg(long, env = "AWS_LAMBDA_FUNCTION_NAME", default_value = "ingest", value_name = "AWS_LAMBDA_FUNCTION_NAME")]
    pub function_name: String,
}

impl LambdaSettings {
    pub fn from_env() -> Result<Self, String> {
        ingesta_config::parse_env()
    }

    /// From flags named like the variables in lower-kebab case (`--s3-endpoint-url`), the
    /// environment filling the rest: for tests and tools.
    pub fn from_args<S: AsRef<str>>(args: &[S]) -> Result<Self, String> {
        ingesta_config::parse_args(args.iter().map(|a| a.as_ref().to_string()))
    }
}

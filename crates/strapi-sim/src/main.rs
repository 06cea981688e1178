//! `strapi-sim`: the simulator as a process, for demos, benchmarks and manual testing.
//! Prints `strapi-sim listening on http://HOST:PORT` once ready, then serves until SIGINT/SIGTERM.

use clap::Parser;
use std::io::Write;
use strapi_sim::{Burst, FaultConfig, Outage, OutageMode, SimConfig};

#[derive(Parser)]
#[command(
    name = "strapi-sim",
    version,
    about = "A Strapi-compatible REST server with an in-memory store and fault injection"
)]
struct Args {
    /// Port to listen on; 0 picks a free one (printed on the ready line).
    #[arg(long, default_value_t = 1337)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Directory with ccts.csv and encuestas.csv (columns id,clave,...) to seed reference data.
    #[arg(long)]
    seed_dir: Option<std::path::PathBuf>,
    /// Require this bearer token on every /api request.
    #[arg(long, env = "STRAPI_SIM_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Response shapes of Strapi 5 (flat) or 4 (attributes).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(4..=5))]
    strapi_version: u8,
    /// Latency added to every /api response, in ms.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Extra latency drawn uniformly from 0..=N ms.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Share of /api requests answered 500 or 503 without touching the store.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of POSTs stored but answered 500 (a lost response).
    #[arg(long, default_value_t = 0.0)]
    post_commit_error_rate: f64,
    /// 429 bursts as EVERY_N:LENGTH:RETRY_AFTER_SECS (after every N requests, LENGTH get 429).
    #[arg(long, value_parser = parse_burst, value_name = "N:LEN:SECS")]
    burst_429: Option<Burst>,
    /// Server-side limit over all /api requests; the excess gets 429 with Retry-After: 1.
    #[arg(long)]
    rate_limit_rps: Option<f64>,
    /// Requests served per second at most, one at a time, like a CPU-bound server: latency
    /// grows with the queue (nothing is refused).
    #[arg(long)]
    capacity_rps: Option<f64>,
    /// One outage as START_AFTER_MS:DURATION_MS:refuse|503, timed from start-up.
    #[arg(long, value_parser = parse_outage, value_name = "START:DURATION:MODE")]
    outage: Option<Outage>,
    /// Seed of the random faults (same seed, same faults).
    #[arg(long)]
    fault_seed: Option<u64>,
    /// The data model: a directory of Strapi 5 schema.json files [default: the bundled model,
    /// crates/strapi-model/schema].
    #[arg(long, value_name = "DIR")]
    schema: Option<std::path::PathBuf>,
    /// Also enforce SPEC section 3's composite natural keys (real Strapi does not).
    #[arg(long)]
    composite_keys: bool,
    /// Answer 404 at /api/content-type-builder/content-types, like a CMS that hides its model.
    #[arg(long)]
    hide_model: bool,
}

fn parse_burst(s: &str) -> Result<Burst, String> {
    let parts: Vec<u64> =
        s.split(':').map(|x| x.trim().parse().map_err(|_| format!("bad number {x:?}"))).collect::<Result<_, _>>()?;
    match parts[..] {
        [every_n, length, retry_after_secs] => Ok(Burst { every_n, length, retry_after_secs }),
        _ => Err("expected EVERY_N:LENGTH:RETRY_AFTER_SECS".into()),
    }
}

fn parse_outage(s: &str) -> Result<Outage, String> {
    let [start, duration, mode] = s.split(':').collect::<Vec<_>>()[..] else {
        return Err("expected START_AFTER_MS:DURATION_MS:refuse|503".into());
    };
    let mode = match mode {
        "refuse" => OutageMode::Refuse,
        "503" => OutageMode::Unavailable,
        other => return Err(format!("outage mode must be refuse or 503, not {other:?}")),
    };
    let ms = |x: &str| x.trim().parse::<u64>().map_err(|_| format!("bad number {x:?}"));
    Ok(Outage { start_after_ms: ms(start)?, duration_ms: ms(duration)?, mode })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let a = Args::parse();
    let faults = FaultConfig {
        latency_ms: a.latency_ms,
        jitter_ms: a.jitter_ms,
        error_rate: a.error_rate,
        post_commit_error_rate: a.post_commit_error_rate,
        burst_429: a.burst_429,
        rate_limit_rps: a.rate_limit_rps,
        outage: a.outage,
        fault_seed: a.fault_seed,
        capacity_rps: a.capacity_rps,
    };
    let config = SimConfig {
        token: a.token,
        seed_dir: a.seed_dir,
        strapi_version: a.strapi_version,
        faults,
        schema_dir: a.schema,
        composite_keys: a.composite_keys,
        model_endpoint: !a.hide_model,
    };
    let sim = strapi_sim::spawn(config, (a.host, a.port).into()).await?;
    // Scripts wait for this exact line before sending requests.
    println!("strapi-sim listening on {}", sim.base_url());
    std::io::stdout().flush()?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    sim.shutdown().await;
    Ok(())
}

//! `strapi-sim`: the simulator as a process, for the demo, benchmarks and manual testing.

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
    #[arg(long, default_value_t = 1337)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Directory with ccts.csv and encuestas.csv (columns id,clave) to seed reference data.
    #[arg(long)]
    seed_dir: Option<std::path::PathBuf>,
    /// Require this bearer token on every /api request.
    #[arg(long)]
    token: Option<String>,
    /// Response shapes of Strapi 5 (flat) or 4 (attributes).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(4..=5))]
    strapi_version: u8,
    /// Added latency per request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Uniform extra latency 0..=N ms.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Share of requests answered 500/503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of POSTs applied but answered 500.
    #[arg(long, default_value_t = 0.0)]
    post_commit_error_rate: f64,
    /// 429 bursts as EVERY_N:LENGTH:RETRY_AFTER_SECS.
    #[arg(long, value_parser = parse_burst)]
    burst_429: Option<Burst>,
    /// Server-side rate limit (requests per second over all /api routes).
    #[arg(long)]
    rate_limit_rps: Option<f64>,
    /// One outage as START_AFTER_MS:DURATION_MS:refuse|503.
    #[arg(long, value_parser = parse_outage)]
    outage: Option<Outage>,
    /// Seed of the fault generator (same seed, same faults).
    #[arg(long)]
    fault_seed: Option<u64>,
}

fn parse_burst(s: &str) -> Result<Burst, String> {
    let p: Vec<u64> =
        s.split(':').map(|x| x.parse().map_err(|_| format!("bad number in {s}"))).collect::<Result<_, _>>()?;
    match p[..] {
        [every_n, length, retry_after_secs] => Ok(Burst { every_n, length, retry_after_secs }),
        _ => Err("expected EVERY_N:LENGTH:RETRY_AFTER_SECS".into()),
    }
}

fn parse_outage(s: &str) -> Result<Outage, String> {
    let p: Vec<&str> = s.split(':').collect();
    let [start, duration, mode] = p[..] else { return Err("expected START_AFTER_MS:DURATION_MS:refuse|503".into()) };
    let mode = match mode {
        "refuse" => OutageMode::Refuse,
        "503" => OutageMode::Unavailable,
        _ => return Err("outage mode must be refuse or 503".into()),
    };
    let ms = |x: &str| x.parse::<u64>().map_err(|_| format!("bad number {x}"));
    Ok(Outage { start_after_ms: ms(start)?, duration_ms: ms(duration)?, mode })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
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
    };
    let config = SimConfig { token: a.token, seed_dir: a.seed_dir, strapi_version: a.strapi_version, faults };
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

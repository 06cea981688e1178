//! `ingesta run FILE --api URL`: the ingestion job on a local CSV. Thin: flags → settings →
//! `ingesta_pipeline::run`, then the report files and a human summary.

mod args;
mod progress;

use anyhow::Context;
use args::{Cli, Command, RunArgs};
use clap::Parser;
use ingesta_pipeline::{ErrorReport, RunConfig};
use ingesta_records::LocalFile;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match cli.command {
        Command::Run(args) => {
            init_logging(&args);
            match runtime.block_on(run(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn init_logging(args: &RunArgs) {
    // On a terminal the progress bar is the feedback; logs would only break it up.
    let default = if std::io::stderr().is_terminal() { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if args.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let settings = &args.settings;
    let client = Arc::new(ingesta_client::StrapiClient::new(settings.client_config())?);
    let source = LocalFile::new(&args.input);
    let out_dir = args.out_dir();
    let mut report = ErrorReport::create(out_dir.join("errors.csv"))
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let table = settings.ccts_path.as_ref().map(LocalFile::new);
    let table = table.as_ref().map(|t| t as &dyn ingesta_records::ByteSource);
    let budget = settings.cct_budget();
    let cct =
        Arc::new(ingesta_cct::choose(settings.cct_mode, table, &budget, client.clone(), settings.cct_cache).await);
    let cfg = RunConfig {
        sizer: settings.sizer_config(),
        writer: settings.writer_config(),
        deadline: args.time_budget_secs.map(|s| std::time::Instant::now() + std::time::Duration::from_secs_f64(s)),
        safety_margin: settings.safety_margin(),
        resume: None,
    };
    let bar = progress::Bar::new(std::fs::metadata(&args.input).ok().map(|m| m.len()));
    let result = ingesta_pipeline::run(&source, client, cct, cfg, &mut report, &bar).await;
    bar.finish();
    let summary = result.map_err(|e| match e {
        ingesta_pipeline::FatalError::Writer(w) => {
            anyhow::anyhow!("{w} (is the API at {} running and reachable?)", settings.strapi_base_url)
        }
        other => other.into(),
    })?;
    let summary_path = out_dir.join("summary.json");
    std::fs::write(&summary_path, serde_json::to_vec_pretty(&summary)?)
        .with_context(|| format!("cannot write {}", summary_path.display()))?;
    println!("{}", summary.human());
    println!("report: {} ({} failed rows), summary: {}", report.path().display(), report.len(), summary_path.display());
    Ok(())
}

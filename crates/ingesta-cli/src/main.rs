//! `ingesta run FILE|s3://… --api URL`: the ingestion job; `ingesta check FILE|s3://…`: the read
//! and validation stages alone; `ingesta check --api URL`: the CMS model preflight alone;
//! `ingesta verify [FILE] --api URL`: is every entity there exactly once. Thin:
//! parse the flags, set up logging, hand over.

mod args;
mod aws;
mod check;
mod input;
mod metrics;
mod model_check;
mod progress;
mod run;
mod verify;

use args::{CheckArgs, Cli, Command, VerifyArgs};
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = match cli.command {
        Command::Run(args) => {
            init_logging(args.log_json);
            runtime.block_on(run::run(*args))
        }
        Command::Check(args) => {
            init_logging(args.read_only.log_json);
            runtime.block_on(check(args))
        }
        Command::Verify(args) => {
            init_logging(args.read_only.log_json);
            runtime.block_on(verify(args))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn check(args: CheckArgs) -> anyhow::Result<()> {
    let mut fits = true;
    if let Some(api) = &args.api {
        let checked = model_check::check(api, args.read_only.token.clone()).await?;
        fits = checked.fits();
        show(args.read_only.json, &checked, checked.human())?;
    }
    if let Some(path) = &args.input {
        let aws = aws::Aws::new(args.read_only.aws.s3_endpoint_url.clone());
        let opened = input::Input::parse(path)?.open(&aws).await?;
        let checked = check::check(opened.source.as_ref()).await?;
        show(args.read_only.json, &checked, checked.human())?;
    }
    if !fits {
        anyhow::bail!("the CMS's data model does not fit what ingesta writes (see above)");
    }
    Ok(())
}

async fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let verified = verify::verify(&args).await?;
    show(args.read_only.json, &verified, verified.human())?;
    if !verified.exactly_once() {
        anyhow::bail!(
            "{} missing and {} duplicated natural key(s) (see above)",
            verified.missing(),
            verified.duplicated()
        );
    }
    Ok(())
}

/// Prints a check's figures: one JSON object, or the human text.
fn show(json: bool, figures: &impl serde::Serialize, human: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(figures)?);
    } else {
        println!("{human}");
    }
    Ok(())
}

fn init_logging(json: bool) {
    // On a terminal the progress bar is the feedback; logs would only break it up.
    let default = if std::io::stderr().is_terminal() { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    // Colour codes only where a person reads them: not in a captured log or a pipe.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

//! `gen-data`: writes synthetic participations or CCT files (see the `ingesta_gen` crate).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ingesta_gen::{write_ccts, write_participations, ParticipationsConfig, DEFAULT_CCTS};
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "gen-data", version, about = "Generate realistic synthetic ingesta input files, reproducibly.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A participations CSV with the header of samples/participaciones.csv.
    Participations(ParticipationsArgs),
    /// A CCT table `id,clave,nombre,municipio` (ids 1..N; keys independent of any seed).
    Ccts(CctsArgs),
}

#[derive(clap::Args)]
struct ParticipationsArgs {
    /// Number of data rows.
    #[arg(long)]
    rows: u64,
    /// Seed; the same seed and arguments give byte-identical output.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file, or `-` for stdout.
    #[arg(long, default_value = "-")]
    out: String,
    /// Distinct participant ids [default: 90% of rows, so some ids repeat across rows].
    #[arg(long)]
    participants: Option<u64>,
    /// Number of programs.
    #[arg(long, default_value_t = 3)]
    programs: u32,
    /// Implementations per program, named `<program> <n>`.
    #[arg(long, default_value_t = 3)]
    implementations_per_program: u32,
    /// Size of the CCT table the file goes with (`gen-data ccts --rows` of the same number).
    #[arg(long, default_value_t = DEFAULT_CCTS)]
    ccts: u64,
    /// Share of non-NA CCT cells holding a key that is not in that table (about 25% of cells are NA
    /// regardless).
    #[arg(long, default_value_t = 0.05)]
    cct_missing_rate: f64,
    /// Put every row in one program and one implementation (for concurrency tests).
    #[arg(long)]
    same_implementation: bool,
}

#[derive(clap::Args)]
struct CctsArgs {
    /// Number of schools.
    #[arg(long)]
    rows: u64,
    /// Output file, or `-` for stdout.
    #[arg(long, default_value = "-")]
    out: String,
}

fn open(out: &str) -> Result<(Box<dyn Write>, String)> {
    if out == "-" {
        Ok((Box::new(io::stdout().lock()), "stdout".to_owned()))
    } else {
        let path = PathBuf::from(out);
        let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok((Box::new(file), path.display().to_string()))
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let started = Instant::now();
    let (rows, target) = match cli.command {
        Command::Participations(a) => {
            let config = ParticipationsConfig {
                rows: a.rows,
                seed: a.seed,
                participants: a.participants,
                programs: a.programs,
                implementations_per_program: a.implementations_per_program,
                ccts: a.ccts,
                cct_missing_rate: a.cct_missing_rate,
                same_implementation: a.same_implementation,
            };
            let (out, target) = open(&a.out)?;
            (write_participations(&config, out)?, target)
        }
        Command::Ccts(a) => {
            let (out, target) = open(&a.out)?;
            (write_ccts(a.rows, out).with_context(|| format!("writing {target}"))?, target)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
    eprintln!("wrote {rows} rows to {target} in {secs:.2} s ({rate:.0} rows/s)");
    Ok(())
}

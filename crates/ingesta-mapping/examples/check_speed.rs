//! The per-row work of `ingesta check` on one file, timed, without the CLI's dependencies, so it
//! builds in seconds: `cargo run --release -p ingesta-mapping --example check_speed -- FILE [MODE]`.
//! MODE `validate` (the default) is what `check` does; `plan` is the owned path the pipeline takes
//! (`next_row` + `plan`); `rows` is `next_row` alone, to tell reading from planning.

use ingesta_mapping::Schema;
use ingesta_records::{LocalFile, RecordReader};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: check_speed FILE [validate|plan|rows]");
    let mode = args.next().unwrap_or_else(|| "validate".into());
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let started = Instant::now();
    let (rows, invalid, bytes) = runtime.block_on(async {
        let source = LocalFile::new(&path);
        let mut reader = RecordReader::open(&source, None).await.expect("open");
        let schema = Schema::from_headers(reader.headers()).expect("header");
        let (mut rows, mut invalid) = (0u64, 0u64);
        match mode.as_str() {
            "validate" => {
                while let Some(next) = reader.next_record().await.expect("read") {
                    rows += 1;
                    invalid += u64::from(!next.is_ok_and(|record| schema.validate(&record).is_ok()));
                }
            }
            "plan" | "rows" => {
                let plan = mode == "plan";
                while let Some(next) = reader.next_row().await.expect("read") {
                    rows += 1;
                    invalid += u64::from(!next.is_ok_and(|raw| !plan || schema.plan(&raw).is_ok()));
                }
            }
            other => panic!("unknown mode {other}"),
        }
        (rows, invalid, reader.resume_point().byte_offset)
    });
    let seconds = started.elapsed().as_secs_f64();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!("{mode}: rows {rows} invalid {invalid} bytes {bytes} in {seconds:.2} s = {:.1} MiB/s", mib / seconds);
}

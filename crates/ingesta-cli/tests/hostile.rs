//! Hostile files and hostile readers (#14): no cell value of the input in any message, log,
//! summary or metric on any failure path; a report safe to open in a spreadsheet; report
//! folders that stay where they belong; credentials and tokens that are never printed.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use strapi_sim::SimConfig;

/// A cell value no message may contain: one per (row, column), unlike anything ingesta prints.
fn cell(row: usize, col: usize) -> String {
    format!("Zq{row}x{col}Q")
}

fn header() -> Vec<String> {
    let text = std::fs::read_to_string(samples().join("participaciones.csv")).unwrap();
    text.lines().next().unwrap().split(',').map(str::to_string).collect()
}

/// `n` rows of distinctive values, one per column of the sample's header.
fn rows(n: usize) -> Vec<Vec<String>> {
    let width = header().len();
    (1..=n).map(|r| (0..width).map(|c| cell(r, c)).collect()).collect()
}

fn lines(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| r.join(",") + "\n").collect()
}

fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    f
}

/// `ingesta run` as in production: JSON logs at the default level, EMF metrics on stdout.
async fn run(url: &str, input: &Path, out: &Path) -> Output {
    ingesta_at(url, input, out, &["--log-json", "--metrics", "emf", "--max-retries", "0"]).await
}

/// Everything a run said outside errors.csv: stdout (EMF), stderr (logs, the fatal error) and
/// summary.json.
fn said(out: &Output, dir: &Path) -> String {
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    format!("{}\n{}\n{summary}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The bundled model with `participantes.telefono` an integer: our writer sends text, the CMS
/// answers 400 quoting the value.
fn model_with_numeric_phone() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(strapi_model::SCHEMA_DIR).unwrap() {
        let path = entry.unwrap().path();
        let mut schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if path.file_name().unwrap() == "participante.json" {
            schema["attributes"]["telefono"] = serde_json::json!({ "type": "integer" });
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), serde_json::to_vec(&schema).unwrap()).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn no_cell_value_reaches_a_message_on_any_failure_path() {
    let data = rows(3);
    let head = header().join(",") + "\n";
    let mut bad_header = header();
    bad_header[0] = "IDENT".into();
    let mut ragged = data.clone();
    ragged[1].truncate(10);
    let long = cell(1, 6).repeat(12_000);
    let mut over_long = data.clone();
    over_long[0][6] = long.clone();
    let mut bad_utf8 = head.clone().into_bytes();
    bad_utf8.extend(lines(&data[..1]).replace(&cell(1, 4), &(cell(1, 4) + "\u{1}")).into_bytes());
    let at = bad_utf8.iter().rposition(|b| *b == 1).unwrap();
    bad_utf8[at] = 0xff;
    bad_utf8.extend(lines(&data[1..]).into_bytes());
    let json = format!("[{{\"curp\": \"{}\", \"email\": \"{}\"}}]", cell(1, 4), cell(1, 16));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no header line", lines(&data).into_bytes()),
        ("JSON named .csv", json.into_bytes()),
        ("bad header", (bad_header.join(",") + "\n" + &lines(&data)).into_bytes()),
        ("ragged rows", (head.clone() + &lines(&ragged)).into_bytes()),
        ("bad UTF-8", bad_utf8),
        ("over-long field", (head.clone() + &lines(&over_long)).into_bytes()),
        ("API 400 quoting the value", (head.clone() + &lines(&data)).into_bytes()),
    ];
    let strict = model_with_numeric_phone();
    let cms =
        sim_with(SimConfig { schema_dir: Some(strict.path().into()), model_endpoint: false, ..Default::default() });
    let (plain, cms) = (sim().await, cms.await);
    let values: Vec<String> = data.iter().flatten().cloned().collect();
    for (name, bytes) in cases {
        let input = file(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let api = if name.starts_with("API") { cms.base_url() } else { plain.base_url() };
        let out = run(&api, input.path(), dir.path()).await;
        // Header names are compared lowercased and normalised: so are the values.
        let text = said(&out, dir.path()).to_lowercase();
        assert!(text.trim().len() > 20, "{name}: the run said nothing to check");
        let leaked: Vec<&String> = values.iter().filter(|v| text.contains(&v.to_lowercase())).collect();
        assert!(leaked.is_empty(), "{name}: cell values in the output: {leaked:?}\n{text}");
        if name.starts_with("API") {
            let rows = error_rows(dir.path());
            assert_eq!(rows.len(), 3, "{name}: every row refused by the CMS: {text}");
            for (_, _, stage, error) in rows {
                assert_eq!(stage, "participantes");
                assert!(error.contains("telefono") && error.contains("value not shown"), "{error}");
                assert!(!values.iter().any(|v| error.contains(v.as_str())), "the reason quotes a value: {error}");
            }
        }
    }
    plain.shutdown().await;
    cms.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn formulas_in_the_error_report_are_text_and_recoverable() {
    let sim = sim().await;
    let hostile = ["=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"];
    let columns = header();
    let [id, programa, email] = ["ID", "Programa", "Email"].map(|c| columns.iter().position(|h| h == c).unwrap());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&columns).unwrap();
    for (r, h) in hostile.iter().enumerate() {
        let mut row: Vec<String> = (0..columns.len()).map(|c| cell(r + 1, c)).collect();
        row[id] = h.to_string();
        row[email] = h.to_string();
        row[programa] = "NA".into(); // a required value missing: every row fails validation
        w.write_record(&row).unwrap();
    }
    let input = file(&w.into_inner().unwrap());
    let dir = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, input.path(), dir.path(), &[]).await);
    let mut report = csv::Reader::from_path(dir.path().join("errors.csv")).unwrap();
    let got: Vec<(String, String)> =
        report.records().map(|r| r.unwrap()).map(|r| (r[1].to_string(), r[2].to_string())).collect();
    assert_eq!(got.len(), hostile.len());
    for ((id, email), want) in got.iter().zip(hostile) {
        assert_eq!((id.as_str(), email.as_str()), (format!("'{want}").as_str(), format!("'{want}").as_str()));
        assert_eq!(ingesta_pipeline::formula::restore(id), want, "the original is the cell without its first '");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_named_dot_dot_dot_csv_reports_inside_reports() {
    let sim = sim().await;
    let cwd = tempfile::tempdir().unwrap();
    std::fs::copy(samples().join("participaciones_edge.csv"), cwd.path().join("...csv")).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .args(["run", "...csv", "--api", &sim.base_url()])
        .current_dir(cwd.path())
        .env_remove("STRAPI_TOKEN")
        .output()
        .await
        .unwrap();
    assert_success(&out);
    assert!(!cwd.path().join("summary.json").exists(), "reports written to the current directory");
    assert!(!cwd.path().join("errors.csv").exists());
    assert_eq!(summary(&cwd.path().join("reports/input"))["rows_read"], 5);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_the_url_are_refused_and_a_clear_text_token_is_warned_about() {
    let file = samples().join("participaciones.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = run("http://ingesta:Tok3nInUrl@127.0.0.1:9", &file, dir.path()).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("credentials") && err.contains("http://***@127.0.0.1:9"), "{err}");
    assert!(!err.contains("Tok3nInUrl"), "{err}");

    // 192.0.2.0/24 is reserved for documentation: no one answers, and it is not this machine.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .arg("run")
        .arg(&file)
        .args(["--api", "http://192.0.2.1:9", "--token", "Tok3nInFlag", "--request-timeout-ms", "300"])
        .args(["--max-retries", "0", "--circuit-max-wait-secs", "1", "--out"])
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "nothing answers there: {err}");
    assert_eq!(err.matches("sent over plain http://").count(), 1, "{err}");
    assert!(!err.contains("Tok3nInFlag"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stray_quote_costs_one_row_and_warns() {
    let sim = sim().await;
    let clean = replicated_sample(300, 3);
    let text = std::fs::read_to_string(clean.path()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // A row without quoted fields gets a quote opened at the start of its 7th cell and never
    // closed: read literally, it would run on into the rows after it.
    let row = (4..lines.len()).find(|&r| !lines[r].contains('"')).unwrap();
    let mut cells: Vec<&str> = lines[row].split(',').collect();
    let opened = format!("\"{}", cells[6]);
    cells[6] = &opened;
    lines[row] = cells.join(",");
    let input = file((lines.join("\n") + "\n").as_bytes());
    let dir = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, input.path(), dir.path(), &["--concurrency", "32"]).await);
    let s = summary(dir.path());
    assert_eq!((s["rows_read"].as_u64(), s["rows_failed"].as_u64()), (Some(300), Some(1)), "{s}");
    let rows = error_rows(dir.path());
    assert_eq!((rows[0].0, rows[0].2.as_str()), (row as u64, "read"), "{rows:?}");
    assert!(rows[0].3.contains(&format!("quote at row {row}")), "{}", rows[0].3);
    assert!(s["warnings"][0].as_str().unwrap().contains("opened a quote"), "{}", s["warnings"]);
    sim.shutdown().await;
}

//! Bad input loses nothing and says why: bad rows go to the report with their number and a
//! reason, bad files and bad settings stop the run with a message a person can act on.

mod common;

use common::*;
use std::io::Write;

fn temp_csv(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn edge_sample_reports_exactly_its_bad_rows() {
    let sim = sim().await;
    let out = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &samples().join("participaciones_edge.csv"), out.path(), &[]).await);
    let rows = error_rows(out.path());
    let got: Vec<(u64, &str, &str)> = rows.iter().map(|(n, id, stage, _)| (*n, id.as_str(), stage.as_str())).collect();
    assert_eq!(got, [(1, "", "validation"), (2, "E0000002", "validation"), (4, "E0000004", "read")]);
    assert_eq!(rows[0].3, "required value missing: id");
    assert_eq!(rows[1].3, "required value missing: implementacion");
    assert_eq!(rows[2].3, "the row has 20 fields but the header has 46");
    // Rows 3 (multi-line field) and 5 (non-numeric age) land.
    assert_eq!(count(&sim, "participantes").await, 2);
    let s = summary(out.path());
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_failed"].as_u64(), s["rows_succeeded"].as_u64()),
        (Some(5), Some(3), Some(2))
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_without_required_columns_fails_before_any_api_call() {
    let sim = sim().await;
    let f = temp_csv("ID,Implementación,Ciclo escolar\nP1,I,2023\n");
    let out = ingesta(&sim, f.path(), tempfile::tempdir().unwrap().path(), &[]).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("lacks required column(s): periodo_de_implementacion, programa"), "{err}");
    assert_eq!(sim.request_count("GET", "encuestas") + sim.request_count("POST", "programas"), 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_header_only_files_complete_with_zero_rows() {
    let sim = sim().await;
    let header = std::fs::read_to_string(samples().join("participaciones.csv")).unwrap();
    let header = header.lines().next().unwrap().to_string() + "\n";
    for text in ["", header.as_str()] {
        let f = temp_csv(text);
        let dir = tempfile::tempdir().unwrap();
        assert_success(&ingesta(&sim, f.path(), dir.path(), &[]).await);
        let s = summary(dir.path());
        assert_eq!((s["rows_read"].as_u64(), s["complete"].as_bool()), (Some(0), Some(true)), "{text:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fatal_errors_are_clear() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = ingesta(&sim, std::path::Path::new("/nonexistent/file.csv"), dir.path(), &[]).await;
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("input /nonexistent/file.csv does not exist"), "{}", stderr(&missing));

    let sample = samples().join("participaciones.csv");
    let bad_url = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .args(["run", sample.to_str().unwrap(), "--api", "localhost:1337"])
        .output()
        .await
        .unwrap();
    assert!(!bad_url.status.success());
    assert!(stderr(&bad_url).contains("invalid API URL 'localhost:1337'"), "{}", stderr(&bad_url));

    // A port nobody listens on: the API is unreachable.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
        .args(["run", sample.to_str().unwrap(), "--api", &format!("http://127.0.0.1:{port}"), "--max-retries", "1"])
        .arg("--out")
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert!(!down.status.success());
    let err = stderr(&down);
    assert!(err.contains("cannot reach the API") && err.contains(&format!("127.0.0.1:{port}")), "{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_stops_the_run_with_a_message_about_the_token() {
    let sim = sim_with(strapi_sim::SimConfig { token: Some("s3cret".into()), ..Default::default() }).await;
    let file = samples().join("participaciones.csv");
    let no_token = ingesta(&sim, &file, tempfile::tempdir().unwrap().path(), &[]).await;
    assert!(!no_token.status.success());
    assert!(stderr(&no_token).contains("rejected the token"), "{}", stderr(&no_token));
    assert_eq!(sim.count("participantes"), 0);
    let ok = ingesta(&sim, &file, tempfile::tempdir().unwrap().path(), &["--token", "s3cret"]).await;
    assert_success(&ok);
    assert!(sim.count("participantes") > 0);
    sim.shutdown().await;
}

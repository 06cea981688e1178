//! Personal data never reaches the logs, even at debug level and on failing rows.

mod common;

use common::*;

/// Every non-NA CURP, RFC, phone and email value of a sample file.
fn personal_values(file: &std::path::Path) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(file).unwrap();
    let headers: Vec<String> =
        r.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let cols: Vec<usize> =
        ["CURP", "RFC", "Teléfono", "Email"].iter().map(|c| headers.iter().position(|h| h == c).unwrap()).collect();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for &c in &cols {
            if let Some(v) = rec.get(c).map(str::trim).filter(|v| !v.is_empty() && *v != "NA") {
                out.push(v.to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn no_curp_rfc_phone_or_email_in_logs() {
    let sim = sim().await;
    for (name, json) in [("participaciones.csv", true), ("participaciones_edge.csv", false)] {
        let file = samples().join(name);
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ingesta"))
            .arg("run")
            .arg(&file)
            .args(["--api", &sim.base_url()])
            .arg("--out")
            .arg(tempfile::tempdir().unwrap().path())
            .args(if json { &["--log-json"][..] } else { &[][..] })
            .env("RUST_LOG", "trace")
            .output()
            .await
            .unwrap();
        assert_success(&out);
        let logs = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        assert!(logs.contains("batch done"), "the run must have logged something to check: {logs}");
        let values = personal_values(&file);
        assert!(values.len() >= 10, "{name} must carry personal data to check against");
        let leaked: Vec<&String> = values.iter().filter(|v| logs.contains(v.as_str())).collect();
        assert!(
            leaked.is_empty(),
            "{name}: personal data in logs: {} value(s), e.g. {:?}",
            leaked.len(),
            leaked.first()
        );
    }
    sim.shutdown().await;
}

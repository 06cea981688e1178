//! Personal data never reaches the logs, even at debug level and on failing rows.

mod common;

use common::*;
use ingesta_testkit::personal_values;

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

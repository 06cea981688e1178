//! The `gen-data` binary: output identical to the library's, and the closing report on stderr.

use ingesta_gen::{write_participations, ParticipationsConfig};
use std::process::Command;

fn gen_data(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_gen-data")).args(args).output().unwrap();
    assert!(out.status.success(), "gen-data {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn stdout_matches_the_library_and_stderr_reports_rows() {
    let out = gen_data(&["participations", "--rows", "300", "--seed", "8", "--programs", "2", "--participants", "250"]);
    let mut config = ParticipationsConfig::new(300, 8);
    config.programs = 2;
    config.participants = Some(250);
    let mut expected = Vec::new();
    write_participations(&config, &mut expected).unwrap();
    assert!(out.stdout == expected, "binary and library output differ");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("wrote 300 rows to stdout in "), "stderr: {stderr}");
    assert!(stderr.trim_end().ends_with(" rows/s)"), "stderr: {stderr}");
}

#[test]
fn out_file_receives_the_ccts_table() {
    let dir = std::env::temp_dir().join(format!("ingesta-gen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ccts.csv");
    let out = gen_data(&["ccts", "--rows", "25", "--out", path.to_str().unwrap()]);
    let written = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(written.lines().count(), 26);
    assert!(written.lines().nth(25).unwrap().starts_with("25,31DPR0024E,"));
    assert!(String::from_utf8(out.stderr).unwrap().contains(&format!("wrote 25 rows to {}", path.display())));
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_gen-data"))
        .args(["participations", "--rows", "10", "--participants", "11"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot exceed --rows"));
}

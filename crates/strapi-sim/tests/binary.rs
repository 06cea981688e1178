//! The `strapi-sim` binary: the ready line, flags, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn prints_its_url_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strapi-sim"))
        .args(["--port", "0", "--token", "t0k", "--strapi-version", "4", "--burst-429", "1:1:9"])
        .args(["--outage", "60000:1000:refuse", "--fault-seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("strapi-sim listening on ").unwrap_or_else(|| panic!("ready line: {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");

    let http = reqwest::Client::new();
    let faults: serde_json::Value = http.get(format!("{url}/__sim/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(faults["burst_429"], serde_json::json!({"every_n": 1, "length": 1, "retry_after_secs": 9}));
    assert_eq!(faults["outage"]["mode"], "refuse");
    let post = http
        .post(format!("{url}/api/programas"))
        .bearer_auth("t0k")
        .json(&serde_json::json!({"data": {"nombre": "P"}}));
    let created: serde_json::Value = post.send().await.unwrap().json().await.unwrap();
    assert_eq!(created["data"]["attributes"]["nombre"], "P", "Strapi 4 shape");
    let throttled = http.get(format!("{url}/api/programas")).bearer_auth("t0k").send().await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(http.get(format!("{url}/api/programas")).send().await.unwrap().status(), 401);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(status.success(), "{status}");
}

#[test]
fn refuses_bad_flags() {
    for args in
        [&["--strapi-version", "3"][..], &["--burst-429", "1:2"], &["--outage", "1:2:maybe"], &["--error-rate", "2"]]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_strapi-sim")).args(["--port", "0"]).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(out.stdout.is_empty(), "{args:?} printed a ready line");
    }
}

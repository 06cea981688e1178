//! The real function binary under the real Lambda runtime client, driven by `cargo lambda
//! watch` (the Runtime API emulator) and `cargo lambda invoke` with a shipped sample event,
//! against a local S3 (moto) and the local Strapi.
//!
//! Needs `cargo-lambda` in the project's `.venv` (`make setup`); the test fails, never skips,
//! when it is missing.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The shipped sample, the event that announces its upload (same bucket and key), and how long
/// the invocation may take at most once the function is built.
const SAMPLE: &str = "participaciones.csv";
const KEY: &str = "incoming/participaciones.csv";
const EVENT: &str = "s3-put-participaciones.json";
const INVOKE_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn cargo_lambda_invoke_with_the_sample_event_loads_the_sample_and_returns_its_summary() {
    let cargo_lambda = root().join(".venv/bin/cargo-lambda");
    assert!(
        cargo_lambda.exists(),
        "{} is missing: run `make setup` (scripts/setup.sh installs cargo-lambda into .venv)",
        cargo_lambda.display()
    );
    let function_dir = root().join("functions/ingest");
    // Build first, exactly as `watch` will (`cargo run --bin ingest` in functions/ingest), so
    // that its own build is a no-op and the runtime starts at once.
    build_function(&function_dir).await;

    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, KEY, &sample(SAMPLE)).await;

    let port = free_port();
    let env = [
        format!("STRAPI_BASE_URL={}", sim.base_url()),
        format!("S3_ENDPOINT_URL={}", moto.url),
        "AWS_ACCESS_KEY_ID=test".into(),
        "AWS_SECRET_ACCESS_KEY=test".into(),
        "AWS_REGION=us-east-1".into(),
        "AWS_EC2_METADATA_DISABLED=true".into(),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512".into(),
        "RUST_LOG=info".into(),
    ];
    let mut watch = Watch::start(&cargo_lambda, &function_dir, port, &env);
    watch.wait_listening(Duration::from_secs(60));

    let started = Instant::now();
    let invoke = tokio::process::Command::new(&cargo_lambda)
        .args(["lambda", "invoke", "ingest", "--invoke-address", "127.0.0.1", "--invoke-port", &port.to_string()])
        .arg("--data-file")
        .arg(root().join("events").join(EVENT))
        .current_dir(&function_dir)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(INVOKE_TIMEOUT, invoke)
        .await
        .unwrap_or_else(|_| panic!("no answer within {INVOKE_TIMEOUT:?}\n{}", watch.log()))
        .expect("cargo lambda invoke runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo lambda invoke failed ({}): {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        watch.log()
    );
    eprintln!("invocation answered in {:?}", started.elapsed());

    // The invocation's result is the summary of the file...
    let result: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("invoke printed no JSON ({e}): {stdout}"));
    let summaries = result["summaries"].as_array().unwrap_or_else(|| panic!("no summaries: {result}"));
    assert_eq!(summaries.len(), 1, "{result}");
    let summary = &summaries[0];
    assert_eq!(summary["input"], format!("s3://{BUCKET}/{KEY}"), "{summary}");
    assert_eq!(
        (summary["complete"].as_bool(), summary["rows_read"].as_u64(), summary["rows_failed"].as_u64()),
        (Some(true), Some(40), Some(0)),
        "{summary}"
    );

    // ... the same one the function left beside the input, with the error report ...
    let stored = get(&s3, "reports/incoming/participaciones/summary.json").await.expect("summary.json in the bucket");
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(&stored, summary, "the invocation returns the summary it stored");
    let errors = get(&s3, "reports/incoming/participaciones/errors.csv").await.expect("errors.csv in the bucket");
    assert_eq!(errors.lines().count(), 1, "a header and no failed rows: {errors}");
    assert_eq!(get(&s3, &format!("checkpoints/{KEY}.json")).await, None, "a complete run leaves no checkpoint");

    // ... and the API holds what one uninterrupted in-process run of the handler creates.
    assert_eq!(sim.count("participantes"), 39, "{:?}", counts(&sim));
    assert_eq!(counts(&sim), reference_counts().await);

    // The function's logs went through watch: none carries a person's identifiers.
    let log = watch.log();
    assert!(log.contains("file done"), "the function's logs are captured: {log}");
    let identifiers = ingesta_testkit::personal_values(&sample(SAMPLE));
    assert!(identifiers.iter().any(|v| v.contains('@')), "the sample has emails to look for");
    for value in identifiers {
        assert!(!log.contains(&value), "a CURP, RFC, phone or email reached the logs: {value}");
    }
}

/// What the handler creates from the sample when called directly (fresh S3 and API).
async fn reference_counts() -> Vec<(&'static str, usize)> {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, KEY, &sample(SAMPLE)).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event(EVENT), 300.0)).await.unwrap();
    assert_eq!(result["summaries"][0]["complete"], true, "{result}");
    counts(&sim)
}

/// `cargo build --bin ingest` from the function's directory, as `cargo lambda watch` runs it.
async fn build_function(dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let out = tokio::process::Command::new(cargo)
        .args(["build", "--bin", "ingest", "--manifest-path", "Cargo.toml"])
        .current_dir(dir)
        .output()
        .await
        .expect("cargo runs");
    assert!(out.status.success(), "cargo build of the function failed:\n{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("function built in {:?}", started.elapsed());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `cargo lambda watch` on loopback, its output collected; stopped (with the function it
/// started) on drop.
struct Watch {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    fn start(cargo_lambda: &Path, dir: &Path, port: u16, env: &[String]) -> Self {
        let mut cmd = Command::new(cargo_lambda);
        cmd.args(["lambda", "watch", "--ignore-changes", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()]);
        for kv in env {
            cmd.args(["--env-var", kv]);
        }
        let mut child = cmd
            .current_dir(dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cargo lambda watch starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        drain(child.stdout.take().unwrap(), log.clone());
        drain(child.stderr.take().unwrap(), log.clone());
        Self { child, port, log }
    }

    /// Returns once the invoke port accepts connections; fails if watch exits first.
    fn wait_listening(&mut self, within: Duration) {
        let until = Instant::now() + within;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("cargo lambda watch exited ({status}) before listening:\n{}", self.log());
            }
            assert!(Instant::now() < until, "cargo lambda watch is not listening after {within:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // watch stops the function it started on SIGTERM; anything it left (cargo, a build) is
        // killed after a grace period, one process id at a time: never a process group, never
        // a negative pid (procps-ng 4's `kill -KILL -<pgid>` once became kill(-1), every
        // process on the machine), and through libc rather than the `kill` command.
        let pid = self.child.id() as libc::pid_t;
        let mut left = descendants(self.child.id());
        signal(pid, libc::SIGTERM);
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        left.extend(descendants(self.child.id()));
        for p in left {
            signal(p as libc::pid_t, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `sig` to one process (`target` > 1): never to a group or to the special targets 0, 1
/// and -1; a target already gone is fine.
fn signal(target: libc::pid_t, sig: libc::c_int) {
    assert!(target > 1, "refusing to signal {target}");
    // SAFETY: kill(2) takes no pointers; the target was checked above.
    unsafe {
        libc::kill(target, sig);
    }
}

fn drain(stream: impl Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    });
}

/// Every process below `pid` (the function runs in a process group of its own).
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|p| {
                    let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                    // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
                    let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
                    Some((p, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

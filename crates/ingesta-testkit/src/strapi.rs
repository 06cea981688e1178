//! A real Strapi 5 for tests: the app of `scripts/strapi.sh` (installed by `make setup`) on a
//! free loopback port, with its own SQLite file, seeded with reference data, and a fixed
//! full-access token. Stopped by its own process id when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The full-access token the test app creates (see `scripts/strapi/src/index.js`).
pub const TOKEN: &str = "ingesta-test-token";

/// A running Strapi process.
pub struct RealStrapi {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl RealStrapi {
    /// Starts a new Strapi on an empty database seeded from `seed_dir` (`encuestas.csv`,
    /// `ccts.csv`, ids kept) and returns once it answers the token. Panics with its log when it
    /// cannot start: a test that needs it must fail, not skip.
    pub async fn start(seed_dir: &Path) -> RealStrapi {
        let root = crate::root();
        let app = root.join(".strapi/app/node_modules");
        assert!(app.is_dir(), "the test Strapi is not installed: run `make setup` (scripts/strapi.sh install)");
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("strapi.log")).unwrap();
        let port = free_port();
        let child = Command::new(root.join("scripts/strapi.sh"))
            .arg("run")
            .arg(port.to_string())
            .arg(dir.path().join("data.db"))
            .env("SEED_DIR", seed_dir)
            .env("STRAPI_TEST_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("scripts/strapi.sh starts");
        let mut s = RealStrapi { url: format!("http://127.0.0.1:{port}"), child, dir };
        s.wait_ready(Duration::from_secs(180)).await;
        s
    }

    async fn wait_ready(&mut self, within: Duration) {
        let http = reqwest::Client::new();
        let started = Instant::now();
        let probe = format!("{}/api/programas?pagination[limit]=1", self.url);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("Strapi exited ({status}) before it was ready:\n{}", self.log());
            }
            let answer = http.get(&probe).bearer_auth(TOKEN).timeout(Duration::from_secs(5)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(started.elapsed() < within, "Strapi not ready within {within:?}:\n{}", self.log());
            // Polling a server that is still booting: there is no event to wait on.
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Everything the server printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("strapi.log")).unwrap_or_default()
    }

    /// The SQLite file (for a test that wants to look at what was stored).
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data.db")
    }

    /// The process id of the server (the script execs node, so this is the server itself).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RealStrapi {
    fn drop(&mut self) {
        // Only ever this one positive pid: never a group, never by name.
        let pid = self.child.id() as libc::pid_t;
        if pid <= 1 {
            return;
        }
        // SAFETY: signalling a child process we spawned and have not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

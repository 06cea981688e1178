//! A real Strapi 5 for tests: the app of `scripts/strapi.sh` (installed by `make setup`) on a
//! free loopback port, with its own empty database (a SQLite file, or a fresh database in the
//! test PostgreSQL cluster of `scripts/postgres.sh`), seeded with reference data, and a fixed
//! full-access token. Stopped by its own process id when dropped (then its PostgreSQL database
//! is dropped).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The full-access token the test app creates (see `scripts/strapi/src/index.js`).
pub const TOKEN: &str = "ingesta-test-token";

/// Where a test Strapi stores its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file in the server's temporary directory.
    Sqlite,
    /// A fresh database of the test cluster of `scripts/postgres.sh` (started when needed).
    Postgres,
}

impl Database {
    /// `INGESTA_TEST_DB`: `sqlite` (also when unset) or `postgres`.
    pub fn from_env() -> Database {
        match std::env::var("INGESTA_TEST_DB").as_deref() {
            Err(_) | Ok("" | "sqlite") => Database::Sqlite,
            Ok("postgres") => Database::Postgres,
            Ok(other) => panic!("INGESTA_TEST_DB={other}: expected sqlite or postgres"),
        }
    }
}

/// A running Strapi process.
pub struct RealStrapi {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
    /// PostgreSQL: the database's name and its `postgres://` URL.
    pg: Option<(String, String)>,
    launch: Launch,
}

/// How the server process is started (again, for a restart on the same database).
struct Launch {
    seed_dir: PathBuf,
    db_arg: std::ffi::OsString,
    plugin: bool,
}

impl Launch {
    fn spawn(&self, port: u16, dir: &Path) -> Child {
        // Appended to: a restarted server's log follows the first one's.
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("strapi.log")).unwrap();
        Command::new(crate::root().join("scripts/strapi.sh"))
            .arg("run")
            .arg(port.to_string())
            .arg(&self.db_arg)
            .env("SEED_DIR", &self.seed_dir)
            .env("STRAPI_TEST_TOKEN", TOKEN)
            .env("INGESTA_PLUGIN", if self.plugin { "true" } else { "false" })
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("scripts/strapi.sh starts")
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `scripts/postgres.sh ARGS` and returns what it printed; panics with its errors.
fn postgres_sh(args: &[&str]) -> String {
    let out = Command::new(crate::root().join("scripts/postgres.sh"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("scripts/postgres.sh runs");
    assert!(
        out.status.success(),
        "scripts/postgres.sh {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh, empty database in the test cluster (which `createdb` starts if needed; the script
/// serialises concurrent starts), named after this process and a counter: unique among the
/// running tests. Returns its name and URL.
fn fresh_pg_database() -> (String, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("ingesta_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    postgres_sh(&["createdb", &name]);
    let url = postgres_sh(&["url", &name]);
    (name, url)
}

impl RealStrapi {
    /// Starts a new Strapi on an empty database seeded from `seed_dir` (`encuestas.csv`,
    /// `ccts.csv`, ids kept) and returns once it answers the token. Panics with its log when it
    /// cannot start: a test that needs it must fail, not skip. The database is SQLite unless
    /// `INGESTA_TEST_DB=postgres` (see [`Database::from_env`]).
    pub async fn start(seed_dir: &Path) -> RealStrapi {
        RealStrapi::start_on(seed_dir, Database::from_env()).await
    }

    /// [`RealStrapi::start`] on the given kind of database.
    pub async fn start_on(seed_dir: &Path, database: Database) -> RealStrapi {
        RealStrapi::launch(seed_dir, database, true).await
    }

    /// [`RealStrapi::start_on`] without ingesta's plugin (`INGESTA_PLUGIN=false`): a CMS that
    /// only has the REST API.
    pub async fn start_without_plugin(seed_dir: &Path, database: Database) -> RealStrapi {
        RealStrapi::launch(seed_dir, database, false).await
    }

    async fn launch(seed_dir: &Path, database: Database, plugin: bool) -> RealStrapi {
        let root = crate::root();
        let app = root.join(".strapi/app/node_modules");
        assert!(app.is_dir(), "the test Strapi is not installed: run `make setup` (scripts/strapi.sh install)");
        let dir = tempfile::tempdir().unwrap();
        let pg = (database == Database::Postgres).then(fresh_pg_database);
        let db_arg = match &pg {
            Some((name, _)) => format!("pg:{name}").into(),
            None => dir.path().join("data.db").into_os_string(),
        };
        let launch = Launch { seed_dir: seed_dir.to_path_buf(), db_arg, plugin };
        let port = free_port();
        let child = launch.spawn(port, dir.path());
        let mut s = RealStrapi { url: format!("http://127.0.0.1:{port}"), child, dir, pg, launch };
        s.wait_ready(Duration::from_secs(180)).await;
        s
    }

    /// Kills the server at once (SIGKILL: no shutdown, an open transaction is simply gone), then
    /// starts it again on the same database and port, and returns once it answers.
    pub async fn kill_and_restart(&mut self) {
        self.kill_now();
        self.restart().await;
    }

    /// Kills the server at once (SIGKILL) and reaps it; [`RealStrapi::restart`] brings it back.
    pub fn kill_now(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        assert!(pid > 1 && self.child.try_wait().unwrap().is_none(), "the server is not running");
        // SAFETY: signalling our own child, not yet reaped; one positive pid only.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        self.child.wait().unwrap();
    }

    /// Starts the server again, after [`RealStrapi::kill_now`], on the same database and port.
    pub async fn restart(&mut self) {
        assert!(self.child.try_wait().unwrap().is_some(), "the server is still running");
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        self.child = self.launch.spawn(port, self.dir.path());
        self.wait_ready(Duration::from_secs(180)).await;
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

    /// The SQLite file (for a test that wants to look at what was stored; on PostgreSQL, see
    /// [`RealStrapi::pg_database`]).
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data.db")
    }

    /// Which kind of database this server stores its data in.
    pub fn database_kind(&self) -> Database {
        if self.pg.is_some() {
            Database::Postgres
        } else {
            Database::Sqlite
        }
    }

    /// On PostgreSQL, the database's URL (`postgres://ingesta:ingesta@127.0.0.1:PORT/NAME`, e.g.
    /// for `psql`); `None` on SQLite.
    pub fn pg_database(&self) -> Option<String> {
        self.pg.as_ref().map(|(_, url)| url.clone())
    }

    /// On PostgreSQL, runs one SQL statement with `psql` on the server's database and returns
    /// what it printed (unaligned, tuples only).
    pub fn pg_query(&self, sql: &str) -> String {
        let url = self.pg_database().expect("pg_query needs a server on PostgreSQL");
        let out = Command::new("psql")
            .args([url.as_str(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The process id of the server (the script execs node, so this is the server itself).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RealStrapi {
    fn drop(&mut self) {
        self.stop();
        // After the server is gone (no session left on it): a failure only leaves a database
        // behind in the throwaway cluster, so it is reported, not raised in a drop.
        if let Some((name, _)) = &self.pg {
            let dropped = Command::new(crate::root().join("scripts/postgres.sh"))
                .args(["dropdb", name])
                .stdin(Stdio::null())
                .status();
            if !dropped.as_ref().is_ok_and(|s| s.success()) {
                eprintln!("could not drop the test database {name}: {dropped:?}");
            }
        }
    }
}

impl RealStrapi {
    fn stop(&mut self) {
        // Only ever this one positive pid: never a group, never by name.
        let pid = self.child.id() as libc::pid_t;
        // Already reaped (it exited while starting): its pid may belong to another process now.
        if pid <= 1 || self.child.try_wait().ok().flatten().is_some() {
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

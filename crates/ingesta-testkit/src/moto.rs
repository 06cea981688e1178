//! moto's S3 server on a free loopback port, stopped on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto on a free port and returns once it says it is serving.
pub fn moto() -> Moto {
    let bin = crate::root().join(".venv/bin/moto_server");
    assert!(bin.exists(), "{} is missing: run scripts/setup.sh (make test does)", bin.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("moto_server starts");
    // Werkzeug announces "Running on http://127.0.0.1:PORT" once the socket is listening.
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let ready = lines.by_ref().map_while(Result::ok).any(|l| l.contains("Running on"));
    assert!(ready, "moto_server exited before serving");
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Moto { child, url: format!("http://127.0.0.1:{port}") }
}

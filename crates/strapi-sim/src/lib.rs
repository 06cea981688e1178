//! A Strapi-compatible REST server on loopback with an in-memory store, for demos and
//! end-to-end tests. It imitates Strapi 5 (and Strapi 4's `attributes` shape on request); it does
//! not define it: the pipeline must work unchanged against a real Strapi.
//!
//! - every collection of SPEC section 3 ([`schema`]), unique keys enforced with Strapi's 400
//!   `ValidationError`, unknown fields and dangling relations refused;
//! - `filters[..][$eq|$ne|$in|$null]` including relation filters, `pagination[page|pageSize]`
//!   and `pagination[start|limit]`, `populate`;
//! - bearer-token check, seeding of `ccts` and `encuestas` from CSV;
//! - fault injection ([`FaultConfig`]) set at start or at run time (`PUT /__sim/faults`), and
//!   request counts per route (`GET /__sim/stats`).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = strapi_sim::spawn(strapi_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
//! println!("{}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod faults;
mod http;
mod query;
mod render;
pub mod schema;
mod seed;
mod store;

pub use faults::{Burst, FaultConfig, Outage, OutageMode};

use axum::serve::Listener;
use http::{Shared, Stats};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use store::Store;
use tokio::net::{TcpListener, TcpStream};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// When set, every `/api` request needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Loads `ccts.csv` and `encuestas.csv` from here.
    pub seed_dir: Option<PathBuf>,
    /// 5 (flat entries) or 4 (`attributes`).
    pub strapi_version: u8,
    pub faults: FaultConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { token: None, seed_dir: None, strapi_version: 5, faults: FaultConfig::default() }
    }
}

/// A running simulator; stops on [`RunningSim::shutdown`] (or when dropped with its runtime).
pub struct RunningSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Drops new connections while a "refuse" outage is on, so clients see connection errors.
struct RefusingListener {
    inner: TcpListener,
    shared: Arc<Shared>,
}

impl Listener for RefusingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((socket, _)) if self.shared.faults.refusing() => drop(socket),
                Ok(pair) => return pair,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Starts a simulator on `addr` (port 0 picks a free port).
pub async fn spawn(config: SimConfig, addr: SocketAddr) -> anyhow::Result<RunningSim> {
    let mut store = Store::default();
    if let Some(dir) = &config.seed_dir {
        for (collection, n) in seed::seed_dir(&mut store, dir)? {
            tracing::info!(collection, rows = n, "seeded");
        }
    }
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        faults: faults::Faults::new(config.faults),
        stats: Mutex::new(Stats::default()),
        token: config.token.filter(|t| !t.is_empty()),
        version: if config.strapi_version == 4 { 4 } else { 5 },
    });
    let inner = TcpListener::bind(addr).await?;
    let addr = inner.local_addr()?;
    let listener = RefusingListener { inner, shared: shared.clone() };
    let app = http::router(shared.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(RunningSim { addr, shared, stop, task })
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the faults; outage windows count from now.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.faults.set(faults);
    }

    /// Requests received for `METHOD /api/<collection>[/…]`, faulted ones included.
    pub fn request_count(&self, method: &str, collection: &str) -> u64 {
        let stats = self.shared.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats.requests.get(&format!("{} {collection}", method.to_uppercase())).copied().unwrap_or(0)
    }

    /// Entries stored in a collection.
    pub fn count(&self, collection: &str) -> usize {
        self.shared.store.lock().unwrap_or_else(|p| p.into_inner()).count(collection)
    }

    /// A collection's entries, flat, with relations as numeric ids.
    pub fn entries(&self, collection: &str) -> Vec<serde_json::Value> {
        let store = self.shared.store.lock().unwrap_or_else(|p| p.into_inner());
        store
            .all(collection)
            .into_iter()
            .map(|e| {
                let mut m = e.fields.clone();
                m.insert("id".into(), e.id.into());
                m.insert("documentId".into(), e.document_id.clone().into());
                serde_json::Value::Object(m)
            })
            .collect()
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

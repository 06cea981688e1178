//! A Strapi-compatible REST server on loopback with an in-memory store, for demos and end-to-end
//! tests of the ingesta pipeline. It imitates Strapi 5 (and Strapi 4's `attributes` shape on
//! request) closely enough that a client written against it works against a real Strapi:
//!
//! - every collection of the CMS's data model (the project's bundled Strapi schema files, or
//!   another directory's), as strict as Strapi 5: unknown keys, values of the wrong type and
//!   dangling relations refused with its 400 `ValidationError`; `unique` attributes enforced one
//!   by one, no composite keys (unless [`SimConfig::composite_keys`]); the model itself served at
//!   `/api/content-type-builder/content-types`;
//! - `filters[..][$eq|$ne|$in|$notIn|$null]` including relation filters, `pagination[page|pageSize]`
//!   and `pagination[start|limit]`, `populate`; look-ups use indexes, not scans;
//! - an optional bearer token, and `ccts`/`encuestas` seeded from CSV;
//! - fault injection ([`FaultConfig`]) set at start or at run time, and request statistics.
//!
//! `/__sim/health`, `/__sim/stats` (+ `POST /__sim/stats/reset`) and `GET`/`PUT /__sim/faults`
//! steer a running server from outside.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = strapi_sim::spawn(strapi_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
//! println!("{}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod admin;
mod docid;
mod faults;
mod listener;
mod model_route;
mod query;
mod render;
mod routes;
pub mod schema;
mod seed;
mod store;

pub use faults::{Burst, FaultConfig, Outage, OutageMode};

use faults::Faults;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use store::Store;

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// When set, every `/api` request needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Loads `ccts.csv` and `encuestas.csv` from here (a missing file is skipped with a warning).
    pub seed_dir: Option<PathBuf>,
    /// Response shapes of Strapi 5 (flat, the default) or 4 (`attributes`).
    pub strapi_version: u8,
    /// Faults in force from the start.
    pub faults: FaultConfig,
    /// The model's Strapi `schema.json` files; the bundled model when `None`.
    pub schema_dir: Option<PathBuf>,
    /// Also enforce SPEC section 3's natural keys (composite), which real Strapi does not.
    pub composite_keys: bool,
    /// Serve the content-type builder's model (a CMS that hides it answers 404).
    pub model_endpoint: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            token: None,
            seed_dir: None,
            strapi_version: 5,
            faults: FaultConfig::default(),
            schema_dir: None,
            composite_keys: false,
            model_endpoint: true,
        }
    }
}

/// State shared by every request.
pub(crate) struct Shared {
    store: RwLock<Store>,
    faults: Arc<Faults>,
    stats: admin::Stats,
    token: RwLock<Option<String>>,
    version: u8,
    collections: schema::Collections,
    model: strapi_model::Model,
    model_endpoint: bool,
}

impl Shared {
    // A panic while holding the lock leaves the store consistent enough for a test double.
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self) -> Option<String> {
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A running simulator. Stop it with [`RunningSim::shutdown`]; dropping it leaves the server
/// running until its Tokio runtime ends.
pub struct RunningSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts a simulator on `addr` (port 0 picks a free port) and returns once it accepts
/// connections.
pub async fn spawn(config: SimConfig, addr: SocketAddr) -> anyhow::Result<RunningSim> {
    if !matches!(config.strapi_version, 4 | 5) {
        anyhow::bail!("strapi_version must be 4 or 5, got {}", config.strapi_version);
    }
    config.faults.validate().map_err(anyhow::Error::msg)?;
    let (model, collections) = match &config.schema_dir {
        Some(dir) => {
            let model = strapi_model::Model::from_dir(dir)?;
            let collections = schema::from_model(&model, config.composite_keys);
            (model, collections)
        }
        None => (strapi_model::Model::bundled(), schema::bundled(config.composite_keys)),
    };
    let mut store = Store::new(rand::random(), collections);
    if let Some(dir) = &config.seed_dir {
        for (collection, rows) in seed::seed_dir(&mut store, dir)? {
            tracing::info!(collection, rows, "seeded");
        }
    }
    let faults = Arc::new(Faults::new(config.faults));
    let shared = Arc::new(Shared {
        store: RwLock::new(store),
        faults: faults.clone(),
        stats: admin::Stats::default(),
        token: RwLock::new(config.token.filter(|t| !t.is_empty())),
        version: config.strapi_version,
        collections,
        model,
        model_endpoint: config.model_endpoint,
    });
    let inner = tokio::net::TcpListener::bind(addr).await?;
    let addr = inner.local_addr()?;
    let listener = listener::FaultyListener { inner, faults };
    let app = model_route::router()
        .merge(routes::router())
        .merge(admin::router())
        .fallback(|| async { routes::not_found() })
        .with_state(shared.clone());
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
    /// `http://127.0.0.1:PORT` (the bound address).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address, with the port actually chosen.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the token `/api` requests need (`None`: none), as when a CMS admin revokes or
    /// rotates it in the middle of a run.
    pub fn set_token(&self, token: Option<String>) {
        *self.shared.token.write().unwrap_or_else(|p| p.into_inner()) = token.filter(|t| !t.is_empty());
    }

    /// Replaces the faults; outage windows and burst counters start again from now.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.faults.set(faults);
    }

    /// Requests received for `METHOD /api/<collection>[/…]`, faulted ones included.
    pub fn request_count(&self, method: &str, collection: &str) -> u64 {
        self.shared.stats.requests(method, collection)
    }

    /// Entries stored in a collection (0 for an unknown one).
    pub fn count(&self, collection: &str) -> usize {
        self.shared.read().collection(collection).map_or(0, |c| c.len())
    }

    /// A collection's entries by ascending id, flat (Strapi 5 shape) with every relation as its
    /// numeric id, or an array of ids for to-many relations.
    pub fn entries(&self, collection: &str) -> Vec<serde_json::Value> {
        let store = self.shared.read();
        let Some(c) = store.collection(collection) else { return Vec::new() };
        c.iter().map(|e| render::stored(&store, c, e)).collect()
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

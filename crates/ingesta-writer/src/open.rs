//! Opening a run's [`Sink`]: the preflight, then `WRITE_PATH` decides which writer (see
//! [`crate::WritePath`]).

use crate::bulk::{probe, BulkWriter};
use crate::path::WritePath;
use crate::sink::Sink;
use crate::writer::{start, Writer, WriterConfig, WriterError};
use ingesta_cct::CctLookup;
use ingesta_client::StrapiClient;
use ingesta_mapping::Schema;
use std::sync::Arc;

/// The writer for a run, as `cfg.write_path` asks: `rest`, no question asked; `bulk`, the plugin
/// must answer (else the run stops here, before any write); `auto`, the plugin if it answers with
/// this ingesta's protocol, REST otherwise. The CMS's model and reference data are read first
/// either way, so an unreachable API or a refused token is reported as on the REST path.
pub async fn open(
    client: Arc<StrapiClient>,
    schema: &Schema,
    cct: Arc<dyn CctLookup>,
    cfg: WriterConfig,
) -> Result<Arc<dyn Sink>, WriterError> {
    let (checked, encuestas) = start(&client).await?;
    let probed = match cfg.write_path {
        WritePath::Rest => None,
        WritePath::Auto | WritePath::Bulk => Some(probe::probe(&client).await),
    };
    let decision = probe::decide(cfg.write_path, probed).map_err(WriterError::WritePath)?;
    let path = if decision.bulk.is_some() { "bulk" } else { "rest" };
    tracing::info!(write_path = path, reason = %decision.reason, requested = %cfg.write_path, "write path chosen");
    Ok(match decision.bulk {
        Some(plugin) => Arc::new(BulkWriter::started(client, schema, cct, checked, encuestas, plugin)),
        None => Arc::new(Writer::started(client, schema, cct, cfg, checked, encuestas)),
    })
}

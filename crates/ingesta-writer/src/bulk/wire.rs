//! The batch protocol's JSON, version 1 (`infra/strapi-plugin/PROTOCOL.md` is the contract).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// The protocol version this ingesta speaks.
pub(crate) const PROTOCOL: u64 = 1;
pub(crate) const VERSION_PATH: &str = "/api/ingesta/version";
pub(crate) const BATCHES_PATH: &str = "/api/ingesta/batches";

/// What `GET /api/ingesta/version` answers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct PluginInfo {
    pub plugin: String,
    pub version: String,
    pub protocol: u64,
    #[serde(rename = "maxBodyBytes")]
    pub max_body_bytes: usize,
    #[serde(rename = "maxRows")]
    pub max_rows: usize,
    #[serde(default)]
    pub database: Option<String>,
    /// Not in PROTOCOL.md: the plugin's README says it answers `false` (with `problems`) for a
    /// CMS whose model it cannot write (draft & publish, i18n); absent means writable.
    #[serde(default = "yes")]
    pub writable: bool,
    #[serde(default)]
    pub problems: Vec<String>,
}

fn yes() -> bool {
    true
}

/// The file's dynamic columns, as the plugin creates them under every implementation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Columns {
    pub modulos: Vec<String>,
    pub asistencias: Vec<String>,
    pub trabajos: Vec<String>,
}

/// `POST /api/ingesta/batches`. Rows are shaped beforehand ([`super::shape`]) so that their
/// serialised size is known before they are grouped into requests.
#[derive(Debug, Serialize)]
pub(crate) struct Request<'a> {
    pub protocol: u64,
    pub batch: &'a str,
    pub columns: &'a Columns,
    pub encuestas: &'a [u64],
    pub rows: &'a [Value],
}

/// The plugin's `200` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    pub rows: Vec<AnswerRow>,
    #[serde(default)]
    pub created: HashMap<String, u64>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AnswerRow {
    pub row: u64,
    pub outcome: Outcome,
    #[serde(default)]
    pub created: u32,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    Created,
    Existing,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The splitter's arithmetic: a request's size is its size without rows, plus each row's,
    /// plus a comma between rows (whether sent as this struct or as the `Value` made of it).
    #[test]
    fn a_request_is_as_long_as_the_splitter_counts() {
        let columns = Columns { modulos: vec!["mod1".into()], asistencias: vec!["asist_1".into()], trabajos: vec![] };
        let rows = vec![json!({ "row": 1, "correo": "a@b.mx" }), json!({ "row": 2, "correo": null, "x": [1, 2] })];
        let req =
            |rows| Request { protocol: PROTOCOL, batch: "run-1-000001", columns: &columns, encuestas: &[1, 2], rows };
        let len = |v: &Request| serde_json::to_vec(v).unwrap().len();
        let lens: usize = rows.iter().map(|r| serde_json::to_vec(r).unwrap().len()).sum();
        assert_eq!(len(&req(&rows)), len(&req(&[])) + lens + 1);
        let as_value = serde_json::to_value(req(&rows)).unwrap();
        assert_eq!(serde_json::to_vec(&as_value).unwrap().len(), len(&req(&rows)));
        assert_eq!(as_value["rows"][1]["row"], 2);
    }
}

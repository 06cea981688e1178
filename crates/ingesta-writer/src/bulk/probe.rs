//! `WRITE_PATH`: asking the CMS whether it has the `ingesta` plugin, and deciding from its answer.

use crate::bulk::wire::{PluginInfo, PROTOCOL, VERSION_PATH};
use crate::path::WritePath;
use ingesta_client::{ApiError, StrapiClient};
use serde_json::Value;

/// Why the plugin cannot be used.
#[derive(Debug, Clone)]
pub(crate) enum ProbeError {
    /// The request failed.
    Api(ApiError),
    /// Something answered, but not a plugin this ingesta can talk to.
    Answer(String),
}

/// `GET /api/ingesta/version`, and whether what answered speaks this ingesta's protocol.
pub(crate) async fn probe(client: &StrapiClient) -> Result<PluginInfo, ProbeError> {
    usable(client.get(VERSION_PATH).await.map_err(ProbeError::Api)?)
}

/// The version answer, if it is a plugin this ingesta can write through.
fn usable(answer: Value) -> Result<PluginInfo, ProbeError> {
    let info: PluginInfo = serde_json::from_value(answer).map_err(|e| {
        ProbeError::Answer(format!("{VERSION_PATH} answered something else than the ingesta plugin's version ({e})"))
    })?;
    let refuse = |why: String| Err(ProbeError::Answer(why));
    if info.plugin != "ingesta" {
        return refuse(format!("{VERSION_PATH} answered for a plugin named '{}'", info.plugin));
    }
    if info.protocol != PROTOCOL {
        return refuse(format!(
            "the ingesta plugin {} speaks batch protocol {}, this ingesta speaks {PROTOCOL}",
            info.version, info.protocol
        ));
    }
    if !info.writable {
        return refuse(format!(
            "the ingesta plugin {} cannot write this CMS's model ({})",
            info.version,
            info.problems.join("; ")
        ));
    }
    if info.max_rows == 0 || info.max_body_bytes == 0 {
        return refuse(format!(
            "the ingesta plugin {} accepts no batch (maxRows {}, maxBodyBytes {})",
            info.version, info.max_rows, info.max_body_bytes
        ));
    }
    Ok(info)
}

/// The path a run takes, and why (logged once).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    /// The plugin to write through; `None` for REST.
    pub bulk: Option<PluginInfo>,
    pub reason: String,
}

/// Decides from `requested` and, unless it is `rest`, the probe's result. `Err` (only for
/// `bulk`): the run must stop before any write, with this message.
pub(crate) fn decide(requested: WritePath, probed: Option<Result<PluginInfo, ProbeError>>) -> Result<Decision, String> {
    let rest = |reason: String| Ok(Decision { bulk: None, reason });
    let probed = match (requested, probed) {
        (WritePath::Rest, _) | (_, None) => return rest("WRITE_PATH is rest".into()),
        (_, Some(p)) => p,
    };
    let why = match probed {
        Ok(info) => {
            let reason = format!(
                "plugin ingesta {} (protocol {}, {}) answered",
                info.version,
                info.protocol,
                info.database.as_deref().unwrap_or("database not named")
            );
            return Ok(Decision { bulk: Some(info), reason });
        }
        Err(ProbeError::Api(ApiError::Rejected { status: status @ (404 | 405), .. })) => {
            format!("the API has no ingesta plugin (GET {VERSION_PATH}: HTTP {status})")
        }
        Err(ProbeError::Api(ApiError::Unauthorized { status: 403 })) => format!(
            "the token may not use the ingesta plugin (GET {VERSION_PATH}: HTTP 403; it needs the actions \
             plugin::ingesta.batches.version and plugin::ingesta.batches.write)"
        ),
        Err(ProbeError::Api(e)) => format!("asking for the ingesta plugin failed (GET {VERSION_PATH}: {e})"),
        Err(ProbeError::Answer(reason)) => reason,
    };
    match requested {
        WritePath::Bulk => Err(format!("WRITE_PATH (--write-path) is bulk, but {why}")),
        _ => rest(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(protocol: u64) -> PluginInfo {
        PluginInfo {
            plugin: "ingesta".into(),
            version: "0.1.0".into(),
            protocol,
            max_body_bytes: 1 << 20,
            max_rows: 500,
            database: Some("postgres".into()),
            writable: true,
            problems: vec![],
        }
    }

    #[test]
    fn only_a_writable_ingesta_plugin_of_protocol_1_is_usable() {
        let answer = |extra: Value| {
            let mut v = json!({ "plugin": "ingesta", "version": "0.1.0", "protocol": 1, "maxBodyBytes": 1048576,
                                "maxRows": 2000, "database": "sqlite" });
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            v
        };
        let ok = usable(answer(json!({}))).unwrap();
        assert_eq!((ok.max_rows, ok.max_body_bytes, ok.database.as_deref()), (2000, 1048576, Some("sqlite")));
        assert!(usable(answer(json!({ "writable": true, "problems": [] }))).is_ok());
        for (extra, words) in [
            (json!({ "protocol": 2 }), "protocol 2"),
            (json!({ "plugin": "other" }), "'other'"),
            (json!({ "writable": false, "problems": ["programas has draft & publish"] }), "draft & publish"),
            (json!({ "maxRows": 0 }), "accepts no batch"),
            (json!({ "maxRows": "many" }), "something else"),
        ] {
            match usable(answer(extra.clone())) {
                Err(ProbeError::Answer(why)) => assert!(why.contains(words), "{extra}: {why}"),
                other => panic!("{extra}: {other:?}"),
            }
        }
        assert!(matches!(usable(json!({ "data": [] })), Err(ProbeError::Answer(_))));
    }

    type Probed = Option<Result<PluginInfo, ProbeError>>;

    fn api(e: ApiError) -> Probed {
        Some(Err(ProbeError::Api(e)))
    }

    #[test]
    fn auto_takes_bulk_only_when_the_plugin_answers_and_rest_otherwise() {
        use WritePath::{Auto, Bulk, Rest};
        let rejected = |status| ApiError::Rejected { status, message: "Not Found".into() };
        let server = ApiError::Server { status: 500, message: "boom".into() };
        let transport = ApiError::Transport { reason: "Connection refused".into(), sent: false };
        let wrong = Some(Err(ProbeError::Answer("the ingesta plugin 9.0.0 speaks batch protocol 2".into())));
        // (requested, probe result, bulk chosen?, fatal?, words the reason must have)
        let table: Vec<(WritePath, Probed, bool, bool, &str)> = vec![
            (Auto, Some(Ok(info(1))), true, false, "plugin ingesta 0.1.0 (protocol 1, postgres) answered"),
            (Auto, api(rejected(404)), false, false, "HTTP 404"),
            (Auto, api(rejected(405)), false, false, "HTTP 405"),
            (Auto, api(ApiError::Unauthorized { status: 403 }), false, false, "HTTP 403"),
            (Auto, api(ApiError::Unauthorized { status: 401 }), false, false, "HTTP 401"),
            (Auto, api(server.clone()), false, false, "HTTP 500"),
            (Auto, api(transport.clone()), false, false, "Connection refused"),
            (Auto, api(ApiError::Timeout { secs: 10.0 }), false, false, "did not answer"),
            (Auto, wrong.clone(), false, false, "protocol 2"),
            (Rest, Some(Ok(info(1))), false, false, "rest"),
            (Rest, None, false, false, "rest"),
            (Bulk, Some(Ok(info(1))), true, false, "answered"),
            (Bulk, api(rejected(404)), false, true, "HTTP 404"),
            (Bulk, api(ApiError::Unauthorized { status: 403 }), false, true, "HTTP 403"),
            (Bulk, api(server), false, true, "HTTP 500"),
            (Bulk, api(transport), false, true, "Connection refused"),
            (Bulk, wrong, false, true, "protocol 2"),
        ];
        for (requested, probed, bulk, fatal, words) in table {
            let case = format!("{requested} with {probed:?}");
            match decide(requested, probed) {
                Ok(d) => {
                    assert!(!fatal, "{case}: should have stopped the run");
                    assert_eq!(d.bulk.is_some(), bulk, "{case}: {d:?}");
                    assert!(d.reason.contains(words), "{case}: {}", d.reason);
                }
                Err(message) => {
                    assert!(fatal, "{case}: stopped the run: {message}");
                    assert!(message.contains("WRITE_PATH") && message.contains(words), "{case}: {message}");
                }
            }
        }
    }
}

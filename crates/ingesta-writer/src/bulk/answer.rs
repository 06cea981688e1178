//! The plugin's answer → each sent row's outcome, as the REST writer would have reported it.

use crate::bulk::wire::{Answer, Outcome};
use crate::collections::Collection;
use crate::writer::{RowFailure, RowOutcome};
use ingesta_client::ApiError;
use serde_json::Value;
use std::collections::HashMap;

/// A row refused by the plugin, or not carried by a request: the report's stage for it.
pub(crate) const STAGE: &str = "bulk";

/// What one answered request settled.
#[derive(Debug)]
pub(crate) struct Settled {
    pub rows: Vec<(u64, Result<RowOutcome, RowFailure>)>,
    pub created: Vec<(Collection, u64)>,
    pub warnings: Vec<String>,
}

/// Maps the answer to a request that carried the rows `sent`. A sent row the answer leaves out
/// is failed, never assumed written; an answer that is not the protocol's is an error for all.
pub(crate) fn settle(sent: &[u64], answer: Value) -> Result<Settled, ApiError> {
    let answer: Answer = serde_json::from_value(answer)
        .map_err(|e| ApiError::Decode { reason: format!("not an ingesta batch answer: {e}") })?;
    let mut by_row: HashMap<u64, _> = answer.rows.into_iter().map(|r| (r.row, r)).collect();
    let rows = sent
        .iter()
        .map(|&row| {
            let result = match by_row.remove(&row) {
                // A row the plugin calls created made at least one entry, whatever its count says.
                Some(r) if r.outcome == Outcome::Created => Ok(RowOutcome { created: r.created.max(1) }),
                Some(r) if r.outcome == Outcome::Existing => Ok(RowOutcome { created: 0 }),
                Some(r) => Err(RowFailure {
                    stage: r.stage.as_deref().map_or(STAGE, stage),
                    error: ApiError::Rejected {
                        status: 422,
                        message: r.error.unwrap_or_else(|| "refused by the ingesta plugin".into()),
                    },
                }),
                None => Err(RowFailure {
                    stage: STAGE,
                    error: ApiError::Decode { reason: "the ingesta plugin's answer says nothing of this row".into() },
                }),
            };
            (row, result)
        })
        .collect();
    let created = answer
        .created
        .into_iter()
        .filter_map(|(route, n)| match Collection::from_route(&route) {
            Some(c) => Some((c, n)),
            None => {
                tracing::debug!(route = %route, n, "the plugin created entries of a collection ingesta does not count");
                None
            }
        })
        .collect();
    Ok(Settled { rows, created, warnings: answer.warnings })
}

/// The report's stage for a route the plugin names: one of the collections written, or the
/// reference data read; anything else is the plugin's own.
fn stage(route: &str) -> &'static str {
    match route {
        "ccts" => "ccts",
        "encuestas" => "encuestas",
        _ => Collection::from_route(route).map_or(STAGE, Collection::route),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_map_to_the_rest_writers_results() {
        let answer = json!({
            "protocol": 1, "batch": "run-x-000001", "replayed": false,
            "rows": [
                { "row": 7, "outcome": "created", "created": 12 },
                { "row": 8, "outcome": "existing", "created": 0 },
                { "row": 9, "outcome": "failed", "stage": "participantes", "error": "edad must be an integer" },
                { "row": 10, "outcome": "failed", "stage": "somewhere-else", "error": "no" },
                { "row": 11, "outcome": "created" },
                { "row": 99, "outcome": "created", "created": 3 }
            ],
            "created": { "participantes": 2, "modulo-progreso-registros": 5, "unheard-of": 1 },
            "warnings": ["row 12: column 'modalidad_asist_1' differs"]
        });
        let s = settle(&[7, 8, 9, 10, 11, 12], answer).unwrap();
        let by: HashMap<u64, _> = s.rows.into_iter().collect();
        assert_eq!(by.len(), 6, "exactly the rows sent: {by:?}");
        assert_eq!(by[&7].as_ref().unwrap().created, 12);
        assert_eq!(by[&8].as_ref().unwrap().created, 0);
        assert_eq!(by[&11].as_ref().unwrap().created, 1, "created means at least one entry");
        let f = by[&9].as_ref().unwrap_err();
        assert_eq!(f.stage, "participantes");
        assert!(
            matches!(&f.error, ApiError::Rejected { status: 422, message } if message == "edad must be an integer")
        );
        assert_eq!(by[&10].as_ref().unwrap_err().stage, "bulk");
        let missing = by[&12].as_ref().unwrap_err();
        assert!(matches!((missing.stage, &missing.error), ("bulk", ApiError::Decode { .. })), "{missing:?}");
        let mut created = s.created;
        created.sort_by_key(|(c, _)| *c as usize);
        assert_eq!(created, vec![(Collection::Participantes, 2), (Collection::ModuloProgreso, 5)]);
        assert_eq!(s.warnings, vec!["row 12: column 'modalidad_asist_1' differs".to_string()]);
    }

    #[test]
    fn an_answer_off_the_protocol_is_an_error_for_the_whole_request() {
        for bad in [json!({ "data": [] }), json!({ "rows": [{ "row": 1, "outcome": "maybe" }] }), Value::Null] {
            assert!(matches!(settle(&[1], bad.clone()), Err(ApiError::Decode { .. })), "{bad}");
        }
    }
}

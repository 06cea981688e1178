//! Which event records are inputs. The function writes into its own bucket (reports,
//! checkpoints), so anything it could have written must be ignored or it would trigger itself;
//! except a checkpoint, whose upload is meant to trigger it: the next invocation goes on with the
//! checkpoint's file, so a long file completes across invocations (up to MAX_CHECKPOINT_HOPS).

use aws_lambda_events::s3::S3EventRecord;
use ingesta_s3::{decode_event_key, S3Location};

/// Prefixes of the function's own outputs: never inputs, whatever the configured prefix says.
/// `fanout/` holds the shards of a Step Functions fan-out ([`crate::fanout`]), which the state
/// machine runs itself.
pub const OWN_OUTPUTS: [&str; 3] = ["reports/", CHECKPOINTS, crate::fanout::SHARDS];

const CHECKPOINTS: &str = "checkpoints/";

/// The input a record names, or why it is not one. A checkpoint written by a partial run names
/// the input it belongs to: its upload is what starts the invocation that goes on with the file. `cct_table` is the CCT table's key: uploading
/// a new table is not a participations file, even when it matches the prefix and suffix.
pub fn route(record: &S3EventRecord, prefix: &str, suffix: &str, cct_table: &str) -> Result<Input, String> {
    let bucket = record.s3.bucket.name.clone().ok_or("the record names no bucket")?;
    let raw = record.s3.object.key.as_deref().ok_or("the record names no key")?;
    let key = decode_event_key(raw);
    if let Some(name) = record.event_name.as_deref() {
        if !name.starts_with("ObjectCreated") {
            return Err(format!("{key}: event {name} is not an upload"));
        }
    }
    if let Some(input) = key.strip_prefix(CHECKPOINTS).and_then(|k| k.strip_suffix(".json")) {
        let own = OWN_OUTPUTS.iter().any(|p| input.starts_with(p));
        if input.starts_with(prefix) && ends_with_any_case(input, suffix) && input != cct_table && !own {
            return Ok(Input { location: S3Location { bucket, key: input.to_string() }, resume_only: true });
        }
    }
    if OWN_OUTPUTS.iter().any(|p| key.starts_with(p)) {
        return Err(format!("{key}: one of the function's own outputs"));
    }
    if key == cct_table {
        return Err(format!("{key}: the CCT table"));
    }
    if !key.starts_with(prefix) || !ends_with_any_case(&key, suffix) {
        return Err(format!("{key}: outside the input prefix '{prefix}' / suffix '{suffix}'"));
    }
    Ok(Input { location: S3Location { bucket, key }, resume_only: false })
}

/// `key` ends with `suffix`, letters in any case: `.CSV` from a spreadsheet tool is as much a
/// CSV as `.csv`, and ignoring it would lose the file without a word. ASCII case only, as keys
/// are compared byte for byte.
fn ends_with_any_case(key: &str, suffix: &str) -> bool {
    key.len() >= suffix.len() && key.as_bytes()[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// A file to process.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub location: S3Location,
    /// Named by a checkpoint: go on only if the checkpoint is still there. A repeated delivery of
    /// the checkpoint's event, after the file was completed, must not start the file over.
    pub resume_only: bool,
}

/// `reports/<key without .csv, in any case>/<name>`, each folder of the key made safe
/// ([`ingesta_pipeline::safe_folder_name`]): a key with `..` or control characters must not
/// lead a tool that copies the bucket to disk out of `reports/`.
pub fn report_key(input_key: &str, name: &str) -> String {
    let stem = match input_key.len().checked_sub(4) {
        Some(at) if ends_with_any_case(input_key, ".csv") => &input_key[..at],
        _ => input_key,
    };
    let folders: Vec<String> = stem.split('/').map(ingesta_pipeline::safe_folder_name).collect();
    format!("reports/{}/{name}", folders.join("/"))
}

/// `checkpoints/<key>.json`.
pub fn checkpoint_key(input_key: &str) -> String {
    format!("checkpoints/{input_key}.json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::s3::S3Event;

    fn record(key: &str, event: &str) -> S3EventRecord {
        let json = serde_json::json!({"Records": [{
            "eventTime": "2026-11-22T00:00:00Z", "eventName": event, "userIdentity": {}, "requestParameters": {},
            "s3": {"bucket": {"name": "data"}, "object": {"key": key}}
        }]});
        serde_json::from_value::<S3Event>(json).unwrap().records.remove(0)
    }

    #[test]
    fn decodes_and_filters_keys() {
        let ok = route(&record("incoming/Mi+archivo%281%29.csv", "ObjectCreated:Put"), "incoming/", ".csv", "c.csv")
            .unwrap();
        assert_eq!((ok.location.key.as_str(), ok.resume_only), ("incoming/Mi archivo(1).csv", false));
        let resumed =
            route(&record("checkpoints/incoming/a+b.csv.json", "ObjectCreated:Put"), "incoming/", ".csv", "c.csv");
        let resumed = resumed.unwrap();
        assert_eq!((resumed.location.key.as_str(), resumed.resume_only), ("incoming/a b.csv", true));
        for (key, event) in [
            ("reports/incoming/x/errors.csv", "ObjectCreated:Put"),
            ("checkpoints/incoming/x.csv.json", "ObjectRemoved:Delete"),
            ("checkpoints/other/x.csv.json", "ObjectCreated:Put"),
            ("checkpoints/incoming/x.csv", "ObjectCreated:Put"),
            ("fanout/incoming/x.csv/e1/shard-0.csv", "ObjectCreated:Put"),
            ("incoming/ccts.csv", "ObjectCreated:Put"),
            ("other/x.csv", "ObjectCreated:Put"),
            ("incoming/x.txt", "ObjectCreated:Put"),
            ("incoming/x.csv.txt", "ObjectCreated:Put"),
            ("incoming/x.csv", "ObjectRemoved:Delete"),
        ] {
            assert!(route(&record(key, event), "incoming/", ".csv", "incoming/ccts.csv").is_err(), "{key} {event}");
        }
        for key in ["incoming/X.CSV", "incoming/x.Csv", "checkpoints/incoming/X.CSV.json"] {
            let input = route(&record(key, "ObjectCreated:Put"), "incoming/", ".csv", "c.csv");
            assert!(input.is_ok(), "{key}: the suffix's case does not matter: {input:?}");
        }
        // Even a prefix that covers everything never routes the function's own outputs.
        assert!(route(&record("reports/a.csv", "ObjectCreated:Put"), "", ".csv", "c.csv").is_err());
        assert!(route(&record("ccts/ccts.csv", "ObjectCreated:Put"), "", ".csv", "ccts/ccts.csv").is_err());
        // A fan-out shard's checkpoint: the state machine goes on with the shard, not an S3 event.
        let shard = record("checkpoints/fanout/incoming/x.csv/e1/shard-0.csv.json", "ObjectCreated:Put");
        assert!(route(&shard, "", ".csv", "c.csv").is_err());
    }

    #[test]
    fn output_keys() {
        assert_eq!(report_key("incoming/a b.csv", "errors.csv"), "reports/incoming/a b/errors.csv");
        assert_eq!(report_key("incoming/A.CSV", "errors.csv"), "reports/incoming/A/errors.csv");
        assert_eq!(report_key("incoming/á.CsV", "errors.csv"), "reports/incoming/á/errors.csv");
        assert_eq!(report_key("incoming/../x\u{1}.csv", "errors.csv"), "reports/incoming/input/x_/errors.csv");
        assert_eq!(checkpoint_key("incoming/a.csv"), "checkpoints/incoming/a.csv.json");
    }
}

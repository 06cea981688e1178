//! The Step Functions fan-out driven locally, step by step, through the function's dispatcher
//! (moto + strapi-sim): split into shards by participant, parents, every shard, merge. The result
//! must be what one clean run of the whole file gives.

mod common;

use common::*;
use ingesta_lambda::entry::dispatch;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A Lambda invocation of `payload` with five minutes left.
fn invoke(payload: Value) -> LambdaEvent<Value> {
    let mut context = lambda_runtime::Context::default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    context.deadline = now.as_millis() as u64 + 300_000;
    context.request_id = format!("fanout-{}", now.as_nanos());
    LambdaEvent::new(payload, context)
}

/// The 40-row sample four times over (IDs suffixed per copy, implementations in two groups), with
/// the edge sample's rows (a blank ID, a bad age, a multi-line quoted field…) in the middle and
/// a row without an ID at the end: 166 rows, some of which fail.
fn mixed_file() -> tempfile::NamedTempFile {
    let mut r = csv::Reader::from_path(sample("participaciones.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, imp) = (col("ID"), col("Implementación"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let copy = |copy: usize, rec: &csv::StringRecord| -> Vec<String> {
        rec.iter()
            .enumerate()
            .map(|(c, v)| match c {
                c if c == id => format!("{v}-{copy}"),
                c if c == imp => format!("{v} G{}", copy % 2),
                _ => v.to_string(),
            })
            .collect()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for c in 0..2 {
        rows.iter().for_each(|rec| w.write_record(copy(c, rec)).unwrap());
    }
    let mut bytes = w.into_inner().unwrap();
    let edge = std::fs::read(sample("participaciones_edge.csv")).unwrap();
    let body = &edge[edge.iter().position(|&b| b == b'\n').unwrap() + 1..];
    bytes.extend_from_slice(body);
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for c in 2..4 {
        rows.iter().for_each(|rec| w.write_record(copy(c, rec)).unwrap());
    }
    let mut blank = copy(9, &rows[0]);
    blank[id] = "  ".into();
    w.write_record(&blank).unwrap();
    bytes.extend(w.into_inner().unwrap());
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    f
}

fn s3_event() -> Value {
    serde_json::from_slice(&std::fs::read(root().join("events/s3-put-participaciones.json")).unwrap()).unwrap()
}

fn summary_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn split_parents_shards_and_merge_equal_one_clean_run() {
    let started = std::time::Instant::now();
    let file = mixed_file();

    // One clean run of the whole file (through the dispatcher's S3 branch).
    let (moto_a, clean) = (moto(), sim(Default::default()).await);
    let s3a = s3(&moto_a).await;
    put(&s3a, UPLOAD_KEY, file.path()).await;
    let app_a = app(&moto_a, &clean, &[]).await;
    let result = dispatch(&app_a, invoke(s3_event())).await.unwrap();
    assert_eq!(result["summaries"][0]["complete"], true, "{result}");
    let clean_errors = error_rows(&get(&s3a, "reports/incoming/participaciones/errors.csv").await.unwrap());
    let clean_summary = summary_of(&get(&s3a, "reports/incoming/participaciones/summary.json").await.unwrap());
    assert!(clean_errors.len() >= 4, "the file has failing rows: {clean_errors:?}");

    // The fan-out, step by step as the state machine runs it.
    let (moto_b, fanned) = (moto(), sim(Default::default()).await);
    let s3b = s3(&moto_b).await;
    put(&s3b, UPLOAD_KEY, file.path()).await;
    let app_b = app(&moto_b, &fanned, &[]).await;
    let split = json!({"step": "split", "bucket": BUCKET, "key": UPLOAD_KEY, "shards": 3});
    let split = dispatch(&app_b, invoke(split)).await.unwrap();
    let run = split["run"].as_str().unwrap().to_string();
    let shards = split["shards"].as_array().unwrap().clone();
    assert_eq!((shards.len(), split["rows"].as_u64()), (3, clean_summary["rows_read"].as_u64()), "{split}");

    // Every participant's rows are in exactly one shard, and the row maps cover every row once.
    let mut shard_of_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut all_rows = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let key = shard["key"].as_str().unwrap();
        assert_eq!(key, format!("fanout/{UPLOAD_KEY}/{run}/shard-{i}.csv"));
        let text = get(&s3b, key).await.expect("shard object");
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let id_col = reader.headers().unwrap().iter().position(|h| h.trim_start_matches('\u{feff}') == "ID").unwrap();
        for rec in reader.records() {
            let id = rec.unwrap().get(id_col).unwrap_or("").trim().to_string();
            if id.is_empty() {
                assert_eq!(i, 0, "rows without an ID go to shard 0");
                continue;
            }
            let first = *shard_of_id.entry(id.clone()).or_insert(i);
            assert_eq!(first, i, "participant {id} is in shards {first} and {i}");
        }
        let map = get(&s3b, &format!("fanout/{UPLOAD_KEY}/{run}/shard-{i}.rows")).await.expect("row map");
        let map: Vec<u64> = map.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(map.len() as u64, shard["rows"].as_u64().unwrap());
        all_rows.extend(map);
    }
    assert!(shard_of_id.values().collect::<BTreeSet<_>>().len() == 3, "all three shards hold participants");
    all_rows.sort_unstable();
    let rows_read = clean_summary["rows_read"].as_u64().unwrap();
    assert_eq!(all_rows, (1..=rows_read).collect::<Vec<_>>());

    let parents = json!({"step": "parents", "bucket": BUCKET, "key": UPLOAD_KEY, "run": run});
    let parents = dispatch(&app_b, invoke(parents)).await.unwrap();
    assert!(parents["created"]["implementaciones"].as_u64().unwrap() > 0, "{parents}");
    let posts_of_parents = fanned.request_count("POST", "implementaciones");

    for shard in &shards {
        let ask = json!({"step": "shard", "bucket": shard["bucket"], "key": shard["key"]});
        let done = dispatch(&app_b, invoke(ask)).await.unwrap();
        assert_eq!(done["complete"], true, "{done}");
    }
    assert_eq!(fanned.request_count("POST", "implementaciones"), posts_of_parents, "shards create no parent");

    let merge = json!({"step": "merge", "bucket": BUCKET, "key": UPLOAD_KEY, "run": run, "shards": 3});
    let merged = dispatch(&app_b, invoke(merge)).await.unwrap();
    assert_eq!(merged["complete"], true, "{merged}");

    // The same entities, the same failed rows (original numbers, in order), the same counts.
    assert_eq!(counts(&fanned), counts(&clean));
    let merged_errors = error_rows(&get(&s3b, "reports/incoming/participaciones/errors.csv").await.unwrap());
    let mut clean_sorted = clean_errors.clone();
    clean_sorted.sort_unstable();
    assert_eq!(merged_errors, clean_sorted);
    let summary = summary_of(&get(&s3b, "reports/incoming/participaciones/summary.json").await.unwrap());
    for field in ["rows_read", "rows_failed", "rows_succeeded", "created"] {
        assert_eq!(summary[field], clean_summary[field], "{field}");
    }
    assert_eq!((summary["complete"].as_bool(), summary["invocations"].as_u64()), (Some(true), Some(3)));
    assert_eq!(summary["input"], format!("s3://{BUCKET}/{UPLOAD_KEY}"));
    eprintln!(
        "fan-out of {rows_read} rows in 3 shards: failed rows {merged_errors:?}, {} participants, took {:.1} s",
        fanned.count("participantes"),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_payloads_and_steps_are_refused_by_name() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let _s3 = s3(&moto).await;
    let app = app(&moto, &sim, &[]).await;
    let err = dispatch(&app, invoke(json!({"BatchInput": {}, "Items": []}))).await.unwrap_err().to_string();
    assert!(err.contains("neither an S3 event") && err.contains("split, parents, shard, merge"), "{err}");
    let err = dispatch(&app, invoke(json!({"step": "spread", "bucket": BUCKET, "key": "k"}))).await.unwrap_err();
    assert!(err.to_string().contains("not a fan-out step"), "{err}");
    let bad = json!({"step": "shard", "bucket": BUCKET, "key": UPLOAD_KEY});
    let err = dispatch(&app, invoke(bad)).await.unwrap_err().to_string();
    assert!(err.contains("not a fan-out shard"), "{err}");
}

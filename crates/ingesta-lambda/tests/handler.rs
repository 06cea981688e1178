//! The function's handler against a local S3 (moto) and the local Strapi: events in, entities
//! in the API, reports and checkpoints in the bucket.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn two_uploads_in_one_event_are_both_processed_and_reported() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    put(&s3, "incoming/participaciones_edge.csv", &sample("participaciones_edge.csv")).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event("s3-put-two-records.json"), 120.0)).await.unwrap();
    let summaries = result["summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 2);
    assert_eq!(summaries[0]["rows_read"], 40);
    assert_eq!(summaries[1]["rows_failed"], 3);
    assert_eq!(sim.count("participantes"), 39 + 2);
    let errors = get(&s3, "reports/incoming/participaciones_edge/errors.csv").await.expect("error report in S3");
    assert_eq!(errors.lines().count(), 1 + 3);
    let summary: serde_json::Value =
        serde_json::from_str(&get(&s3, "reports/incoming/participaciones/summary.json").await.expect("summary in S3"))
            .unwrap();
    assert_eq!((summary["rows_read"].as_u64(), summary["complete"].as_bool()), (Some(40), Some(true)));
    assert_eq!(
        get(&s3, "checkpoints/incoming/participaciones.csv.json").await,
        None,
        "complete runs leave no checkpoint"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn url_encoded_keys_are_decoded() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/Participaciones de prueba (edge).csv", &sample("participaciones_edge.csv")).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event("s3-put-encoded-key.json"), 120.0)).await.unwrap();
    assert_eq!(result["summaries"][0]["input"], "s3://ingesta-local/incoming/Participaciones de prueba (edge).csv");
    // The report folder keeps letters, digits, spaces, `-`, `_` and `.`; the parentheses become `_`.
    assert!(get(&s3, "reports/incoming/Participaciones de prueba (edge)/errors.csv").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn own_outputs_and_other_prefixes_are_ignored() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let _s3 = s3(&moto).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event("s3-put-ignored.json"), 120.0)).await.unwrap();
    assert_eq!(result["summaries"].as_array().unwrap().len(), 0);
    let ignored: Vec<&str> = result["ignored"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ignored.len(), 2);
    assert!(ignored[0].contains("own outputs") && ignored[1].contains("outside the input prefix"), "{ignored:?}");
    assert_eq!(sim.request_count("GET", "encuestas"), 0, "nothing was sent to the API");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_object_fails_the_invocation_with_its_name() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let _s3 = s3(&moto).await;
    let app = app(&moto, &sim, &[]).await;
    let err = app.handle(invocation(event("s3-put-participaciones.json"), 120.0)).await.unwrap_err();
    assert!(err.to_string().contains("s3://ingesta-local/incoming/participaciones.csv does not exist"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deadline_leaves_a_checkpoint_and_the_next_invocation_completes_the_file() {
    // A slow API and small batches so that the first invocation cannot finish in its time.
    let Slow { moto: _moto, sim, s3, app } = slow_world(&sample("participaciones.csv")).await;
    let first = app.handle(invocation(event("s3-put-participaciones.json"), 1.5)).await.unwrap();
    let partial = &first["summaries"][0];
    assert_eq!(partial["complete"], false, "{partial}");
    let done_rows = partial["rows_read"].as_u64().unwrap();
    assert!(done_rows > 0 && done_rows < 40, "{done_rows}");
    let checkpoint = get(&s3, "checkpoints/incoming/participaciones.csv.json").await.expect("checkpoint written");
    let checkpoint: serde_json::Value = serde_json::from_str(&checkpoint).unwrap();
    assert_eq!(checkpoint["next_row"].as_u64(), Some(done_rows + 1));

    // Writing the checkpoint is what triggers the next invocation in AWS: its event continues the file.
    let second = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    let whole = &second["summaries"][0];
    assert_eq!((whole["complete"].as_bool(), whole["rows_read"].as_u64()), (Some(true), Some(40)), "{whole}");
    assert_eq!(whole["invocations"], 2);
    assert_eq!(get(&s3, "checkpoints/incoming/participaciones.csv.json").await, None, "checkpoint removed when done");
    // S3 may deliver that event twice; the repeat must not start the completed file over.
    let posts_before = sim.request_count("POST", "participantes");
    let repeat = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    assert_eq!(repeat["summaries"].as_array().unwrap().len(), 0, "{repeat}");
    assert!(repeat["ignored"][0].as_str().unwrap().contains("checkpoint is gone"), "{repeat}");
    assert_eq!((sim.request_count("POST", "participantes"), sim.request_count("GET", "encuestas")), (posts_before, 2));

    // Together they hold exactly what one uninterrupted run creates.
    let (moto2, clean) = (common::moto(), common::sim(Default::default()).await);
    let s3b = common::s3(&moto2).await;
    put(&s3b, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    let app2 = common::app(&moto2, &clean, &[]).await;
    app2.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    assert_eq!(counts(&sim), counts(&clean));
}

fn checkpoint_event() -> aws_lambda_events::s3::S3Event {
    event("s3-put-checkpoint.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invocation_that_cannot_read_a_row_fails_instead_of_checkpointing_in_a_loop() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    let app = app(&moto, &sim, &[]).await;
    let err = app.handle(invocation(event("s3-put-participaciones.json"), 0.0)).await.unwrap_err().to_string();
    assert!(err.contains("before reading a row") && err.contains("SAFETY_MARGIN_SECS"), "{err}");
    assert_eq!(get(&s3, "checkpoints/incoming/participaciones.csv.json").await, None, "no checkpoint, no loop");
    assert_eq!(sim.count("participantes"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cct_table_in_the_bucket_is_preloaded_and_its_upload_is_not_an_input() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    put(&s3, "ccts/ccts.csv", &sample("ccts.csv")).await;
    let app = app(&moto, &sim, &["--input-prefix", ""]).await;
    let result = app.handle(invocation(event("s3-put-participaciones.json"), 120.0)).await.unwrap();
    let cct = &result["summaries"][0]["cct"];
    assert_eq!(cct["mode"], "preload", "{cct}");
    assert_eq!(cct["choice"]["table_rows"], 60);
    assert_eq!(sim.request_count("GET", "ccts"), 0);
    assert!(cct["found"].as_u64().unwrap() > 0);

    let mut upload = event("s3-put-participaciones.json");
    upload.records[0].s3.object.key = Some("ccts/ccts.csv".into());
    let result = app.handle(invocation(upload, 120.0)).await.unwrap();
    assert_eq!(result["summaries"].as_array().unwrap().len(), 0);
    assert!(result["ignored"][0].as_str().unwrap().contains("the CCT table"), "{result}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_cct_table_the_run_looks_up_on_demand_and_says_so() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event("s3-put-participaciones.json"), 120.0)).await.unwrap();
    let s = &result["summaries"][0];
    assert_eq!(s["cct"]["mode"], "ondemand");
    assert!(s["warnings"][0].as_str().unwrap().contains("ccts/ccts.csv does not exist"), "{}", s["warnings"]);
    assert!(sim.request_count("GET", "ccts") > 0);
    assert_eq!(s["rows_failed"], 0);
}

/// `participaciones.csv` with the ID blanked on every fourth row (4, 8, …, 40): rows that fail
/// the same way wherever an invocation stops, and at least one after any checkpoint.
fn every_fourth_row_failing(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sample("participaciones.csv")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| if i > 0 && i % 4 == 0 { line[line.find(',').unwrap()..].to_string() } else { line.into() })
        .collect();
    let path = dir.join("participaciones.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_a_lost_checkpoint_write_reports_each_failed_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = every_fourth_row_failing(dir.path());
    let Slow { moto: _moto, sim: _sim, s3, app } = slow_world(&file).await;
    let first = app.handle(invocation(event("s3-put-participaciones.json"), 1.5)).await.unwrap();
    assert_eq!(first["summaries"][0]["complete"], false, "{first}");
    let failed_first = first["summaries"][0]["rows_failed"].as_u64().unwrap();
    let checkpoint_key = "checkpoints/incoming/participaciones.csv.json";
    let first_checkpoint = get(&s3, checkpoint_key).await.expect("checkpoint written");

    // The second invocation appends its failed rows to errors.csv. Whether it then writes a
    // checkpoint (deadline) or deletes it (done), putting the first one back is that write lost:
    // the invocation fails, and Lambda retries the same event.
    let second = app.handle(invocation(checkpoint_event(), 1.5)).await.unwrap();
    let failed_second = second["summaries"][0]["rows_failed"].as_u64().unwrap();
    assert!(failed_second > failed_first, "the second invocation failed rows of its own: {second}");
    put_bytes(&s3, checkpoint_key, first_checkpoint).await;
    let retry = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    let whole = &retry["summaries"][0];
    assert_eq!((whole["complete"].as_bool(), whole["rows_failed"].as_u64()), (Some(true), Some(10)), "{whole}");

    let report = get(&s3, "reports/incoming/participaciones/errors.csv").await.unwrap();
    let rows = error_rows(&report);
    let unique: std::collections::BTreeSet<u64> = rows.iter().copied().collect();
    assert_eq!(unique.len(), rows.len(), "a failed row reported twice: {rows:?}");
    // The same file in one uninterrupted run (another key, so nothing of the above is resumed).
    put(&s3, "incoming/clean.csv", &file).await;
    let mut clean = event("s3-put-participaciones.json");
    clean.records[0].s3.object.key = Some("incoming/clean.csv".into());
    app.handle(invocation(clean, 300.0)).await.unwrap();
    let clean_report = get(&s3, "reports/incoming/clean/errors.csv").await.unwrap();
    assert_eq!(unique, error_rows(&clean_report).into_iter().collect());
    assert_eq!(unique, (1..=10).map(|n| n * 4).collect());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_uploaded_again_under_the_same_key_starts_over() {
    let Slow { moto: _moto, sim, s3, app } = slow_world(&sample("participaciones.csv")).await;
    let first = app.handle(invocation(event("s3-put-participaciones.json"), 1.5)).await.unwrap();
    assert_eq!(first["summaries"][0]["complete"], false, "{first}");
    let checkpoint_key = "checkpoints/incoming/participaciones.csv.json";
    assert!(get(&s3, checkpoint_key).await.is_some());

    put(&s3, "incoming/participaciones.csv", &sample("participaciones_edge.csv")).await;
    // The old checkpoint's event (a late delivery, a retry) must not resume into the new file;
    // the new file's own upload event starts it over.
    let posts_before = sim.request_count("POST", "participantes");
    let stale = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    assert_eq!(stale["summaries"].as_array().unwrap().len(), 0, "{stale}");
    let reason = stale["ignored"][0].as_str().unwrap();
    assert!(reason.contains("uploaded again") && reason.contains("incoming/participaciones.csv"), "{reason}");
    assert_eq!(sim.request_count("POST", "participantes"), posts_before);

    let again = app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    let whole = &again["summaries"][0];
    let got = (whole["complete"].as_bool(), whole["rows_read"].as_u64(), whole["rows_failed"].as_u64());
    assert_eq!(got, (Some(true), Some(5), Some(3)), "{whole}");
    assert_eq!(whole["invocations"], 1, "{whole}");
    assert_eq!(get(&s3, checkpoint_key).await, None, "the old checkpoint is removed");
    let report = get(&s3, "reports/incoming/participaciones/errors.csv").await.unwrap();
    assert_eq!(report.lines().count(), 1 + 3, "only the new file's failed rows:\n{report}");
    let summary: serde_json::Value =
        serde_json::from_str(&get(&s3, "reports/incoming/participaciones/summary.json").await.unwrap()).unwrap();
    assert_eq!((summary["rows_read"].as_u64(), summary["invocations"].as_u64()), (Some(5), Some(1)));
}

const CHECKPOINT: &str = "checkpoints/incoming/participaciones.csv.json";

/// The function with a row budget per invocation: each invocation stops with a checkpoint after
/// `rows` rows, as at its deadline, but without depending on timing.
async fn app_stopping_every(
    moto: &Moto,
    sim: &strapi_sim::RunningSim,
    rows: u64,
    extra: &[&str],
) -> ingesta_lambda::App {
    let rows = rows.to_string();
    let mut settings = vec!["--fixed-batch", "--batch-size-initial", "5", "--rows-per-invocation", rows.as_str()];
    settings.extend_from_slice(extra);
    app(moto, sim, &settings).await
}

/// The checkpoint's `hops`, or `None` when there is no checkpoint.
async fn checkpoint_hops(s3: &aws_sdk_s3::Client) -> Option<u64> {
    let text = get(s3, CHECKPOINT).await?;
    Some(serde_json::from_str::<serde_json::Value>(&text).unwrap()["hops"].as_u64().expect("hops in the checkpoint"))
}

/// `file` in one uninterrupted run: its summary, error report and the API's counts.
async fn one_clean_run(file: &std::path::Path) -> (serde_json::Value, String, Vec<(&'static str, usize)>) {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", file).await;
    let app = app(&moto, &sim, &[]).await;
    let result = app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    let report = get(&s3, "reports/incoming/participaciones/errors.csv").await.unwrap();
    (result["summaries"][0].clone(), report, counts(&sim))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_goes_through_more_than_twenty_checkpoint_hops_and_ends_as_one_clean_run() {
    let started = std::time::Instant::now();
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let file = every_fourth_row_failing(dir.path());
    put(&s3, "incoming/participaciones.csv", &file).await;
    // One row per invocation: 40 rows, 40 checkpoints (the last one points at the end of the
    // file, which the 41st invocation finds and completes).
    let app = app_stopping_every(&moto, &sim, 1, &[]).await;
    let mut result = app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    let mut hops = 0;
    while let Some(written) = checkpoint_hops(&s3).await {
        hops += 1;
        assert_eq!(written, hops, "each continuation counts one hop");
        let partial = &result["summaries"][0];
        assert_eq!(
            (partial["complete"].as_bool(), partial["rows_read"].as_u64()),
            (Some(false), Some(hops)),
            "{partial}"
        );
        assert!(hops <= 60, "the chain does not end");
        result = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    }
    assert!(hops >= 20, "{hops} hops");
    let whole = &result["summaries"][0];
    assert_eq!(whole["complete"], true, "{whole}");
    assert_eq!(whole["invocations"].as_u64(), Some(hops + 1), "{whole}");

    let (clean, clean_report, clean_counts) = one_clean_run(&file).await;
    for field in ["rows_read", "rows_succeeded", "rows_failed", "created"] {
        assert_eq!(whole[field], clean[field], "{field}: chained {whole} vs clean {clean}");
    }
    assert_eq!(counts(&sim), clean_counts);
    let report = get(&s3, "reports/incoming/participaciones/errors.csv").await.unwrap();
    assert_eq!(error_rows(&report), error_rows(&clean_report), "the same failed rows, each once, in order");
    let summary = get(&s3, "reports/incoming/participaciones/summary.json").await.unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!((summary["rows_read"].as_u64(), summary["invocations"].as_u64()), (Some(40), Some(hops + 1)));
    eprintln!("{hops} hops in {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread")]
async fn past_max_checkpoint_hops_the_invocation_fails_naming_the_setting_and_a_redrive_goes_on() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/participaciones.csv", &sample("participaciones.csv")).await;
    let app = app_stopping_every(&moto, &sim, 5, &["--max-checkpoint-hops", "2"]).await;
    app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    assert_eq!(checkpoint_hops(&s3).await, Some(2));
    let kept = get(&s3, CHECKPOINT).await.unwrap();

    // The third invocation would write a third checkpoint: it fails instead.
    let err = app.handle(invocation(checkpoint_event(), 300.0)).await.unwrap_err().to_string();
    assert!(err.contains("MAX_CHECKPOINT_HOPS=2") && err.contains("incoming/participaciones.csv"), "{err}");
    assert_eq!(get(&s3, CHECKPOINT).await.as_deref(), Some(kept.as_str()), "no new checkpoint, the last one kept");
    let summary = get(&s3, "reports/incoming/participaciones/summary.json").await.unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let got = (summary["complete"].as_bool(), summary["rows_read"].as_u64(), summary["invocations"].as_u64());
    assert_eq!(got, (Some(false), Some(15), Some(3)), "the summary so far is written: {summary}");
    assert!(summary["stopped"].as_str().unwrap().contains("MAX_CHECKPOINT_HOPS"), "{summary}");

    // Raised, the failed event (redriven from the dead-letter queue) goes on to the end.
    let raised = app_stopping_every(&moto, &sim, 5, &["--max-checkpoint-hops", "100"]).await;
    let mut result = raised.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    while get(&s3, CHECKPOINT).await.is_some() {
        result = raised.handle(invocation(checkpoint_event(), 300.0)).await.unwrap();
    }
    let whole = &result["summaries"][0];
    assert_eq!((whole["complete"].as_bool(), whole["rows_read"].as_u64()), (Some(true), Some(40)), "{whole}");
    let (_, _, clean_counts) = one_clean_run(&sample("participaciones.csv")).await;
    assert_eq!(counts(&sim), clean_counts);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upper_case_csv_suffix_is_an_input() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    let s3 = s3(&moto).await;
    put(&s3, "incoming/PARTICIPACIONES.CSV", &sample("participaciones.csv")).await;
    let app = app(&moto, &sim, &[]).await;
    let mut upload = event("s3-put-participaciones.json");
    upload.records[0].s3.object.key = Some("incoming/PARTICIPACIONES.CSV".into());
    let result = app.handle(invocation(upload, 300.0)).await.unwrap();
    assert_eq!(result["summaries"][0]["rows_read"], 40, "{result}");
    assert!(get(&s3, "reports/incoming/PARTICIPACIONES/summary.json").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_rotated_in_ssm_is_read_again_when_the_api_refuses_the_old_one() {
    let (moto, sim) = (moto(), sim(Default::default()).await);
    sim.set_token(Some("old-token".into()));
    let s3 = s3(&moto).await;
    put(&s3, UPLOAD_KEY, &sample("participaciones.csv")).await;
    // Every AWS client on moto: S3 and SSM.
    let sdk = sdk_config().await.into_builder().endpoint_url(moto.url.clone()).build();
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let store = |value: &'static str| {
        let ssm = ssm.clone();
        async move {
            let put = ssm.put_parameter().name("/ingesta/strapi-token").value(value).overwrite(true);
            put.r#type(aws_sdk_ssm::types::ParameterType::SecureString).send().await.unwrap();
        }
    };
    store("old-token").await;
    let app = app_with_sdk(&moto, &sim, &["--token-ssm-param", "/ingesta/strapi-token"], &sdk).await;

    // Rotated: the CMS takes only the new token, and SSM holds it. The warm container goes on.
    sim.set_token(Some("new-token".into()));
    store("new-token").await;
    let done = app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap();
    let s = &done["summaries"][0];
    assert_eq!(
        (s["complete"].as_bool(), s["rows_read"].as_u64(), s["rows_failed"].as_u64()),
        (Some(true), Some(40), Some(0)),
        "{s}"
    );
    assert_eq!(sim.count("participantes"), 39);

    // A token refused while SSM still holds it is no rotation: the invocation fails.
    sim.set_token(Some("third-token".into()));
    let err = app.handle(invocation(event("s3-put-participaciones.json"), 300.0)).await.unwrap_err();
    assert!(err.to_string().contains("token"), "{err}");
}

//! `--write-path`: the run picks REST or the ingesta plugin's batches, and the report and the
//! summary come out the same way whichever writes. The plugin here is a small stand-in on
//! loopback that keeps the protocol's contract (limits, idempotency keys, per-row outcomes); the
//! real plugin is tested against a real Strapi elsewhere.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// A row the stand-in refuses, as the plugin refuses a row the database will not take.
const REFUSED: &str = "P0000013";
const CCT_ID: u64 = 77;

#[derive(Default)]
struct Seen {
    /// Every batch request: its key, its rows' numbers, its size in bytes.
    requests: Vec<(String, Vec<u64>, usize)>,
    answers: HashMap<String, Value>,
    participants: HashSet<String>,
    rows: BTreeMap<u64, Value>,
    created: BTreeMap<String, u64>,
    existing: u64,
    /// Batches to answer 503 before committing (the client must resend them as they were).
    fail_next: u32,
}

struct Plugin {
    max_rows: usize,
    max_body: usize,
    seen: Mutex<Seen>,
}

type Shared = Arc<Plugin>;

async fn version(State(p): State<Shared>) -> Json<Value> {
    Json(json!({
        "plugin": "ingesta", "version": "0.1.0", "protocol": 1,
        "maxBodyBytes": p.max_body, "maxRows": p.max_rows, "database": "sqlite"
    }))
}

fn list(data: Value) -> Json<Value> {
    let n = data.as_array().map_or(0, Vec::len);
    Json(json!({ "data": data, "meta": { "pagination": { "page": 1, "pageSize": 100, "pageCount": 1, "total": n } } }))
}

async fn batches(State(p): State<Shared>, body: Bytes) -> Response {
    let refuse = |status: StatusCode, message: &str| {
        (status, Json(json!({ "error": { "status": status.as_u16(), "message": message } }))).into_response()
    };
    let Ok(req) = serde_json::from_slice::<Value>(&body) else { return refuse(StatusCode::BAD_REQUEST, "not JSON") };
    let rows = req["rows"].as_array().cloned().unwrap_or_default();
    if req["protocol"] != 1 || !req["columns"]["modulos"].is_array() || !req["encuestas"].is_array() {
        return refuse(StatusCode::BAD_REQUEST, "not a protocol 1 batch");
    }
    if rows.len() > p.max_rows || body.len() > p.max_body {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "batch too large");
    }
    let key = req["batch"].as_str().unwrap_or_default().to_string();
    let mut s = p.seen.lock().unwrap();
    s.requests.push((key.clone(), rows.iter().map(|r| r["row"].as_u64().unwrap()).collect(), body.len()));
    if let Some(stored) = s.answers.get(&key) {
        let mut replay = stored.clone();
        replay["replayed"] = json!(true);
        return Json(replay).into_response();
    }
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "database busy, nothing written");
    }
    let mut created_here: BTreeMap<String, u64> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for r in &rows {
        let n = r["row"].as_u64().unwrap();
        s.rows.insert(n, r.clone());
        let id = r["participante"]["id_externo"].as_str().unwrap().to_string();
        if id == REFUSED {
            outcomes.push(json!({ "row": n, "outcome": "failed", "stage": "participaciones", "error": "refused by the test's plugin" }));
            continue;
        }
        if !s.participants.insert(id) {
            s.existing += 1;
            outcomes.push(json!({ "row": n, "outcome": "existing", "created": 0 }));
            continue;
        }
        let len = |k: &str| r[k].as_array().map_or(0, Vec::len) as u64;
        let mut made = vec![
            ("participantes", 1),
            ("participaciones", 1),
            ("modulo-progreso-registros", len("modulos")),
            ("encuesta-completada-registros", len("encuestas")),
            ("participante-asistencia-registros", len("asistencias")),
            ("trabajo-realizado-registros", len("trabajos")),
        ];
        made.push(("uso-app-participantes", u64::from(!r["uso_app"].is_null())));
        made.push(("correo-participantes", u64::from(!r["correo"].is_null())));
        let mut total = 0;
        for (c, k) in made.into_iter().filter(|(_, k)| *k > 0) {
            *created_here.entry(c.to_string()).or_default() += k;
            total += k;
        }
        outcomes.push(json!({ "row": n, "outcome": "created", "created": total }));
    }
    for (c, k) in &created_here {
        *s.created.entry(c.clone()).or_default() += k;
    }
    let answer = json!({ "protocol": 1, "batch": key, "replayed": false, "rows": outcomes, "created": created_here, "warnings": [] });
    s.answers.insert(key, answer.clone());
    Json(answer).into_response()
}

/// A CMS with the plugin and the reference data a run reads; its model is not served, so the
/// run checks against the bundled one (as for a CMS that hides its content-type builder).
async fn plugin_cms(max_rows: usize, max_body: usize, fail_next: u32) -> (String, Shared) {
    let plugin = Arc::new(Plugin { max_rows, max_body, seen: Mutex::new(Seen { fail_next, ..Seen::default() }) });
    let app = axum::Router::new()
        .route("/api/ingesta/version", get(version))
        .route("/api/ingesta/batches", post(batches))
        .route(
            "/api/encuestas",
            get(|| async {
                list(json!([{ "id": 1, "clave": "encuesta_inicial" }, { "id": 2, "clave": "encuesta_final" }]))
            }),
        )
        .route("/api/ccts", get(|| async { list(json!([{ "id": CCT_ID, "clave": "any" }])) }))
        .with_state(plugin.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, plugin)
}

fn created_counts(summary: &Value) -> BTreeMap<String, u64> {
    let created = summary["created"].as_object().unwrap();
    created.iter().map(|(c, n)| (c.clone(), n.as_u64().unwrap())).filter(|(_, n)| *n > 0).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_writes_through_the_plugin_in_batches_within_its_limits() {
    let (url, plugin) = plugin_cms(7, 1 << 20, 1).await;
    let out = tempfile::tempdir().unwrap();
    let file = samples().join("participaciones.csv");
    let run = ingesta_at(&url, &file, out.path(), &["--backoff-base-ms", "1", "--backoff-max-ms", "5"]).await;
    assert_success(&run);
    let s = summary(out.path());
    let seen = plugin.seen.lock().unwrap();
    assert_eq!(s["write_path"], "bulk", "{s}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("write path bulk"), "the final summary says so");

    // One request per batch but the one the stand-in refused with a 503, which came again with
    // the same key: at most ceil(40 / 7) batches, each within the limits, in row order.
    let keys: Vec<&str> = seen.requests.iter().map(|(k, _, _)| k.as_str()).collect();
    let distinct: Vec<&str> = keys.iter().copied().fold(Vec::new(), |mut v, k| {
        if v.last() != Some(&k) {
            v.push(k)
        }
        v
    });
    assert_eq!(keys.len(), distinct.len() + 1, "the refused batch was sent again, nothing else: {keys:?}");
    assert_eq!(keys[0], keys[1], "a retry keeps its idempotency key");
    assert!(distinct.len() <= 40usize.div_ceil(7), "{} batches", distinct.len());
    assert_eq!(distinct.iter().collect::<HashSet<_>>().len(), distinct.len(), "every key unique: {distinct:?}");
    let sent: Vec<u64> = seen.requests.iter().skip(1).flat_map(|(_, rows, _)| rows.clone()).collect();
    assert_eq!(sent, (1..=40).collect::<Vec<_>>(), "each row once, in file order");
    assert!(seen.requests.iter().all(|(_, rows, _)| rows.len() <= 7));
    assert!(s["api"]["retries"].as_u64().unwrap() >= 1);

    // The summary and the report are the plugin's answers.
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_succeeded"].as_u64(), s["rows_failed"].as_u64()),
        (Some(40), Some(39), Some(1))
    );
    assert_eq!(s["rows_already_complete"].as_u64(), Some(seen.existing));
    assert_eq!(created_counts(&s), seen.created);
    let errors = error_rows(out.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].1.as_str(), errors[0].2.as_str()), (REFUSED, "participaciones"));
    assert!(errors[0].3.contains("refused by the test's plugin"), "{errors:?}");

    // Bodies as the REST writer shapes them: the CCT resolved to its id, numbers as numbers,
    // surveys as ids, the address apart from the participant.
    let row1 = &seen.rows[&1]["participante"];
    assert_eq!(
        (row1["id_externo"].as_str(), row1["edad"].as_u64()),
        (Some("P0000001"), Some(44)),
        "edad an integer, as the model has it"
    );
    assert_eq!(row1["cct"], Value::Null, "row 1 has no CCT");
    assert!(row1.get("email").is_none());
    assert_eq!(seen.rows[&2]["participante"]["cct"], CCT_ID);
    assert_eq!(seen.rows[&1]["correo"], "maría.0@example.org");
    let surveys: HashSet<u64> = seen
        .rows
        .values()
        .flat_map(|r| r["encuestas"].as_array().unwrap().clone())
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(!surveys.is_empty() && surveys.is_subset(&HashSet::from([1, 2])), "{surveys:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_requests_fit_the_plugins_byte_limit() {
    let max_body = 6_000;
    let (url, plugin) = plugin_cms(1000, max_body, 0).await;
    let out = tempfile::tempdir().unwrap();
    let run = ingesta_at(&url, &samples().join("participaciones.csv"), out.path(), &["--write-path", "bulk"]).await;
    assert_success(&run);
    let seen = plugin.seen.lock().unwrap();
    assert!(seen.requests.len() > 1, "the limit cut the batch: {} request(s)", seen.requests.len());
    assert!(seen.requests.iter().all(|(_, _, bytes)| *bytes <= max_body), "{:?}", seen.requests);
    let sent: Vec<u64> = seen.requests.iter().flat_map(|(_, rows, _)| rows.clone()).collect();
    assert_eq!(sent, (1..=40).collect::<Vec<_>>());
    assert_eq!(summary(out.path())["rows_failed"].as_u64(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_plugin_auto_writes_over_rest_and_bulk_stops_before_any_write() {
    let sim = sim().await;
    let file = samples().join("participaciones.csv");

    let bulk = tempfile::tempdir().unwrap();
    let run = ingesta(&sim, &file, bulk.path(), &["--write-path", "bulk"]).await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "bulk without a plugin must fail");
    assert!(stderr.contains("WRITE_PATH") && stderr.contains("HTTP 404"), "{stderr}");
    let posts: u64 = COLLECTIONS.iter().map(|c| sim.request_count("POST", c)).sum();
    assert_eq!(posts, 0, "nothing written");

    let auto = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &file, auto.path(), &[]).await);
    let s = summary(auto.path());
    assert_eq!(s["write_path"], "rest");
    assert_eq!((s["rows_read"].as_u64(), s["rows_failed"].as_u64()), (Some(40), Some(0)));
    assert_eq!(sim.request_count("GET", "ingesta"), 2, "one probe per run that asked");

    let rest = tempfile::tempdir().unwrap();
    assert_success(&ingesta(&sim, &file, rest.path(), &["--write-path", "rest"]).await);
    assert_eq!(sim.request_count("GET", "ingesta"), 2, "rest asks nothing");
    let s = summary(rest.path());
    assert_eq!((s["write_path"].as_str(), s["rows_already_complete"].as_u64()), (Some("rest"), Some(40)));
    sim.shutdown().await;
}

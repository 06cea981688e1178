//! The REST surface against a server on loopback: shapes, validation, filters, pagination,
//! populate, updates and deletes, auth, Strapi 4 shapes and seeding.

mod common;

use common::{start, start_default};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use strapi_sim::SimConfig;

fn is_document_id(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 24 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn is_timestamp(v: &Value) -> bool {
    // 2026-11-03T09:15:02.123Z
    v.as_str().is_some_and(|s| s.len() == 24 && s.ends_with('Z') && &s[4..5] == "-" && &s[10..11] == "T")
}

#[tokio::test]
async fn create_answers_strapi_5_entries_with_sequential_ids() {
    let s = start_default().await;
    let a = s.post("programas", json!({"nombre": "P1"})).await;
    assert_eq!(a.status, StatusCode::CREATED);
    let d = &a.body["data"];
    assert_eq!(d["id"], 1);
    assert_eq!(d["nombre"], "P1");
    assert!(is_document_id(&d["documentId"]), "{d}");
    for stamp in ["createdAt", "updatedAt", "publishedAt"] {
        assert!(is_timestamp(&d[stamp]), "{stamp}: {d}");
    }
    assert_eq!(a.body["meta"], json!({}));
    let second = s.post("programas", json!({"nombre": "P2"})).await.body;
    assert_eq!(second["data"]["id"], 2);
    assert_ne!(second["data"]["documentId"], d["documentId"]);
    assert_eq!(s.sim.count("programas"), 2);
    assert_eq!(s.sim.request_count("POST", "programas"), 2);
    assert_eq!(s.sim.request_count("post", "programas"), 2, "method is case-insensitive");
    assert_eq!(s.sim.request_count("GET", "programas"), 0);
}

#[tokio::test]
async fn duplicates_get_strapis_exact_unique_error() {
    let s = start_default().await;
    s.create("programas", json!({"nombre": "P1"})).await;
    let a = s.post("programas", json!({"nombre": "P1"})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let want = json!({"data":null,"error":{"status":400,"name":"ValidationError",
        "message":"This attribute must be unique","details":{"errors":[{"path":["nombre"],
        "message":"This attribute must be unique","name":"ValidationError","value":"P1"}]}}});
    assert_eq!(a.body, want);

    // Like real Strapi, nothing makes a tuple of fields unique: the same implementation twice
    // is two entries.
    let imp = json!({"nombre": "I", "ciclo_escolar": "2024-2025", "periodo": "Otoño", "programa": 1});
    s.create("implementaciones", imp.clone()).await;
    assert_eq!(s.post("implementaciones", imp.clone()).await.status, StatusCode::CREATED);
    assert_eq!(s.sim.count("implementaciones"), 2);
}

#[tokio::test]
async fn composite_keys_when_asked_for() {
    let s = start(SimConfig { composite_keys: true, ..Default::default() }).await;
    s.create("programas", json!({"nombre": "P1"})).await;
    let imp = json!({"nombre": "I", "ciclo_escolar": "2024-2025", "periodo": "Otoño", "programa": 1});
    s.create("implementaciones", imp.clone()).await;
    let dup = s.post("implementaciones", imp.clone()).await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    let paths: Vec<&Value> =
        dup.body["error"]["details"]["errors"].as_array().unwrap().iter().map(|e| &e["path"][0]).collect();
    assert_eq!(paths, ["nombre", "ciclo_escolar", "periodo"]);
    let mut other = imp;
    other["periodo"] = json!("Primavera");
    s.create("implementaciones", other).await;
    assert_eq!(s.sim.count("implementaciones"), 2);
}

#[tokio::test]
async fn concurrent_duplicates_give_one_create() {
    let s = start_default().await;
    let posts = (0..20).map(|_| s.post("participantes", json!({"id_externo": "E1"})));
    let statuses: Vec<StatusCode> = futures::future::join_all(posts).await.into_iter().map(|a| a.status).collect();
    assert_eq!(statuses.iter().filter(|st| **st == StatusCode::CREATED).count(), 1);
    assert_eq!(statuses.iter().filter(|st| **st == StatusCode::BAD_REQUEST).count(), 19);
    assert_eq!(s.sim.count("participantes"), 1);
}

#[tokio::test]
async fn bad_bodies_keys_relations_and_routes() {
    let s = start_default().await;
    let unknown = s.post("programas", json!({"nombre": "P", "color": "red"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"]["name"], "ValidationError");
    assert_eq!(unknown.body["error"]["message"], "Invalid key color");

    let missing = r#"Missing "data" payload in the request body"#;
    for body in [json!({"nombre": "P"}), json!({"data": "P"}), json!([1])] {
        let a = s.call(Method::POST, "/api/programas", Some(body)).await;
        assert_eq!((a.status, a.body["error"]["message"].as_str()), (StatusCode::BAD_REQUEST, Some(missing)));
    }
    let garbage = s.http.post(s.url("/api/programas")).body("{not json").send().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    let dangling = s.post("modulos", json!({"nombre": "mod1", "implementacion": 99})).await;
    assert_eq!(dangling.status, StatusCode::BAD_REQUEST);
    let message = dangling.body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "1 relation(s) of type api::implementacion.implementacion associated with this entity do not exist"
    );
    assert_eq!(s.sim.count("modulos"), 0);

    let not_found =
        json!({"data":null,"error":{"status":404,"name":"NotFoundError","message":"Not Found","details":{}}});
    for path in ["/api/nope", "/api/nope/1", "/api/programas/1", "/elsewhere"] {
        let a = s.get(path).await;
        assert_eq!((a.status, &a.body), (StatusCode::NOT_FOUND, &not_found), "{path}");
    }
    let bad_filter = s.get("/api/programas?filters[color][$eq]=red").await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    let bad_op = s.get("/api/programas?filters[nombre][$regex]=x").await;
    assert_eq!(bad_op.status, StatusCode::BAD_REQUEST);
}

/// A program, an implementation with two surveys, and `n` participants with participations.
async fn small_world(s: &common::Sim, n: usize) {
    s.create("encuestas", json!({"clave": "encuesta_inicial"})).await;
    s.create("encuestas", json!({"clave": "encuesta_final"})).await;
    s.create("programas", json!({"nombre": "Programa Único"})).await;
    let doc = s.doc("programas", 1);
    let imp = json!({"nombre": "Impl A", "ciclo_escolar": "2024-2025", "periodo": "Otoño 2024",
        "programa": doc, "encuestas": [1, 2]});
    s.create("implementaciones", imp).await;
    for i in 1..=n {
        let p = json!({"id_externo": format!("E{i}"), "edad": 30 + i, "hablante_maya": i % 2 == 0,
            "nombre_completo": format!("Ana María {i}+{i}"), "estado_civil": null});
        let pid = s.create("participantes", p).await;
        s.create("participaciones", json!({"participante": pid, "implementacion": 1, "turno": "Matutino"})).await;
    }
}

#[tokio::test]
async fn relations_are_stored_as_ids_and_shown_only_when_populated() {
    let s = start_default().await;
    small_world(&s, 1).await;
    let imp = s.doc("implementaciones", 1);
    let plain = s.get(&format!("/api/implementaciones/{imp}")).await.body;
    assert!(plain["data"].get("programa").is_none() && plain["data"].get("encuestas").is_none(), "{plain}");
    assert_eq!(plain["data"]["nombre"], "Impl A");

    let one = s.get(&format!("/api/implementaciones/{imp}?populate=programa")).await.body;
    assert_eq!(one["data"]["programa"]["nombre"], "Programa Único");
    assert!(one["data"].get("encuestas").is_none());
    let list = s.get("/api/implementaciones?populate[0]=encuestas").await.body;
    let claves: Vec<&Value> = list["data"][0]["encuestas"].as_array().unwrap().iter().map(|e| &e["clave"]).collect();
    assert_eq!(claves, ["encuesta_inicial", "encuesta_final"]);
    let all = s.get(&format!("/api/implementaciones/{imp}?populate=*")).await.body;
    assert_eq!(
        (all["data"]["programa"]["id"].clone(), all["data"]["encuestas"][1]["id"].clone()),
        (json!(1), json!(2))
    );
    let no_cct = s.get(&format!("/api/participantes/{}?populate=cct", s.doc("participantes", 1))).await.body;
    assert_eq!(no_cct["data"]["cct"], Value::Null);

    let stored = s.sim.entries("implementaciones");
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0]["programa"].clone(), stored[0]["encuestas"].clone()), (json!(1), json!([1, 2])));
    assert_eq!(s.sim.entries("participaciones")[0]["participante"], 1);
    assert!(s.sim.entries("nope").is_empty());
}

#[tokio::test]
async fn filters_decode_values_and_combine() {
    let s = start_default().await;
    small_world(&s, 4).await;
    let ids =
        |body: &Value| body["data"].as_array().unwrap().iter().map(|e| e["id"].as_u64().unwrap()).collect::<Vec<_>>();

    let b = s.get("/api/implementaciones?filters[periodo][$eq]=Oto%C3%B1o+2024&filters[nombre][$eq]=Impl%20A").await;
    assert_eq!(ids(&b.body), [1]);
    let b = s.get("/api/participantes?filters[nombre_completo][$eq]=Ana+Mar%C3%ADa+3%2B3").await;
    assert_eq!(ids(&b.body), [3], "+ is a space, %2B a plus");
    let b = s.get("/api/participantes?filters[nombre_completo][$eq]=Ana+Mar%C3%ADa+3+3").await;
    assert!(ids(&b.body).is_empty());

    let b = s.get("/api/participaciones?filters[participante][id][$eq]=2&filters[implementacion][id][$eq]=1").await;
    assert_eq!(ids(&b.body), [2]);
    let doc = s.doc("participantes", 3);
    let b = s.get(&format!("/api/participaciones?filters[participante][documentId][$eq]={doc}")).await;
    assert_eq!(ids(&b.body), [3]);
    let b = s.get("/api/participaciones?filters[participante][id_externo][$eq]=E4").await;
    assert_eq!(ids(&b.body), [4], "a field of the related entry");

    let b = s.get("/api/participantes?filters[id_externo][$in][0]=E4&filters[id_externo][$in][1]=E1&filters[id_externo][$in][2]=X").await;
    assert_eq!(ids(&b.body), [1, 4], "sorted by id");
    let b = s.get("/api/participantes?filters[edad][$eq]=32&filters[hablante_maya][$eq]=true").await;
    assert_eq!(ids(&b.body), [2], "numbers and booleans compare as text");
    let b = s.get("/api/participantes?filters[edad][$eq]=32&filters[hablante_maya][$eq]=false").await;
    assert!(ids(&b.body).is_empty(), "filters AND");
    let b = s.get("/api/participantes?filters[estado_civil][$null]=true&filters[cct][$null]=true").await;
    assert_eq!(ids(&b.body), [1, 2, 3, 4]);
    let b = s.get("/api/participantes?filters[edad][$null]=true").await;
    assert!(ids(&b.body).is_empty());
    let b = s.get("/api/implementaciones?filters[encuestas][id][$eq]=2").await;
    assert_eq!(ids(&b.body), [1], "a to-many relation matches any of its ids");
}

#[tokio::test]
async fn pagination_meta_in_both_styles() {
    let s = start_default().await;
    for i in 1..=130 {
        s.create("ccts", json!({"clave": format!("C{i:03}")})).await;
    }
    let b = s.get("/api/ccts?pagination[pageSize]=1").await.body;
    assert_eq!(b["meta"]["pagination"], json!({"page": 1, "pageSize": 1, "pageCount": 130, "total": 130}));
    assert_eq!(b["data"].as_array().unwrap().len(), 1);
    let b = s.get("/api/ccts").await.body;
    assert_eq!(b["meta"]["pagination"], json!({"page": 1, "pageSize": 25, "pageCount": 6, "total": 130}));
    let b = s.get("/api/ccts?pagination[page]=2&pagination[pageSize]=500").await.body;
    assert_eq!(b["meta"]["pagination"], json!({"page": 2, "pageSize": 100, "pageCount": 2, "total": 130}));
    assert_eq!((b["data"].as_array().unwrap().len(), b["data"][0]["id"].clone()), (30, json!(101)));
    let b = s.get("/api/ccts?filters[clave][$eq]=C007&pagination[limit]=1").await.body;
    assert_eq!(b["meta"]["pagination"], json!({"start": 0, "limit": 1, "total": 1}));
    assert_eq!(b["data"][0]["clave"], "C007");
    let b = s.get("/api/ccts?pagination[start]=128&pagination[limit]=5").await.body;
    assert_eq!(b["meta"]["pagination"], json!({"start": 128, "limit": 5, "total": 130}));
    let ids: Vec<&Value> = b["data"].as_array().unwrap().iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, [129, 130]);
    let mixed = s.get("/api/ccts?pagination[start]=1&pagination[page]=1").await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn get_update_and_delete_by_document_id() {
    let s = start_default().await;
    small_world(&s, 2).await;
    let doc = &s.doc("participantes", 1);
    let p1 = s.get(&format!("/api/participantes/{doc}")).await.body["data"].clone();
    assert_eq!(p1["id_externo"], "E1");
    for m in [Method::GET, Method::PUT, Method::DELETE] {
        let by_id = s.call(m.clone(), "/api/participantes/1", Some(json!({"data": {"sexo": "M"}}))).await;
        assert_eq!(by_id.status, StatusCode::NOT_FOUND, "Strapi 5 paths take documentIds only ({m})");
    }

    let put = s.call(Method::PUT, &format!("/api/participantes/{doc}"), Some(json!({"data": {"sexo": "M"}}))).await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!((put.body["data"]["sexo"].clone(), put.body["data"]["id_externo"].clone()), (json!("M"), json!("E1")));
    let clash =
        s.call(Method::PUT, &format!("/api/participantes/{doc}"), Some(json!({"data": {"id_externo": "E2"}}))).await;
    assert_eq!(
        (clash.status, clash.body["error"]["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("This attribute must be unique"))
    );
    let same =
        s.call(Method::PUT, &format!("/api/participantes/{doc}"), Some(json!({"data": {"id_externo": "E1"}}))).await;
    assert_eq!(same.status, StatusCode::OK, "an entry does not clash with itself");
    let absent =
        s.call(Method::PUT, "/api/participantes/nosuchdocumentid00000000", Some(json!({"data": {"sexo": "M"}}))).await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);

    let part = format!("/api/participaciones/{}", s.doc("participaciones", 1));
    let del = s.call(Method::DELETE, &part, None).await;
    assert_eq!((del.status, del.body.clone()), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(s.get(&part).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.call(Method::DELETE, &part, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.sim.count("participaciones"), 1);
    // A half-done earlier run: the key is free again and the new entry gets a fresh id.
    assert_eq!(s.create("participaciones", json!({"participante": 1, "implementacion": 1})).await, 3);
}

#[tokio::test]
async fn bearer_token_guards_api_but_not_admin() {
    let s = start(SimConfig { token: Some("s3cret".into()), ..Default::default() }).await;
    let want = json!({"data":null,"error":{"status":401,"name":"UnauthorizedError",
        "message":"Missing or invalid credentials","details":{}}});
    let none = s.get("/api/programas").await;
    assert_eq!((none.status, none.body), (StatusCode::UNAUTHORIZED, want));
    let wrong = s.http.get(s.url("/api/programas")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unauth_post = s.post("programas", json!({"nombre": "P"})).await;
    assert_eq!(unauth_post.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.sim.count("programas"), 0);
    let ok = s.http.post(s.url("/api/programas")).bearer_auth("s3cret").json(&json!({"data": {"nombre": "P"}}));
    assert_eq!(ok.send().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(s.get("/__sim/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn strapi_4_shapes() {
    let s = start(SimConfig { strapi_version: 4, ..Default::default() }).await;
    let a = s.post("programas", json!({"nombre": "P"})).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.body["data"]["id"], 1);
    assert_eq!(a.body["data"]["attributes"]["nombre"], "P");
    assert!(is_timestamp(&a.body["data"]["attributes"]["createdAt"]));
    assert!(a.body["data"].get("documentId").is_none() && a.body["data"].get("nombre").is_none());
    s.create("encuestas", json!({"clave": "encuesta_inicial"})).await;
    s.create("implementaciones", json!({"nombre": "I", "programa": 1, "encuestas": [1]})).await;
    let b = s.get("/api/implementaciones?filters[programa][id][$eq]=1&populate=*").await.body;
    let attrs = &b["data"][0]["attributes"];
    assert_eq!(attrs["programa"]["data"]["attributes"]["nombre"], "P");
    assert_eq!(attrs["encuestas"]["data"][0]["attributes"]["clave"], "encuesta_inicial");
    assert_eq!(b["meta"]["pagination"]["total"], 1);
}

#[tokio::test]
async fn seeds_reference_data_keeping_ids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ccts.csv"),
        "\u{feff}id,clave,Nombre\n10,31DPR0000A,\"Escuela, Centro\"\n7,31DPR0001B,\n",
    )
    .unwrap();
    let s = start(SimConfig { seed_dir: Some(dir.path().into()), ..Default::default() }).await;
    assert_eq!((s.sim.count("ccts"), s.sim.count("encuestas")), (2, 0), "a missing file is skipped");
    let b = s.get("/api/ccts?filters[clave][$eq]=31DPR0000A&pagination[limit]=1").await.body;
    assert_eq!(b["data"][0]["id"], json!(10));
    assert!(b["data"][0].get("nombre").is_none(), "a column the model lacks is not stored: {b}");
    let ids: Vec<Value> = s.sim.entries("ccts").iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids, [7, 10]);
    assert_eq!(s.create("ccts", json!({"clave": "NEW"})).await, 11, "ids continue after the seeded ones");
    let p = s.create("participantes", json!({"id_externo": "E1", "cct": 7})).await;
    let b = s.get(&format!("/api/participantes/{}?populate=cct", s.doc("participantes", p))).await.body;
    assert_eq!(b["data"]["cct"]["clave"], "31DPR0001B");

    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("encuestas.csv"), "clave\nencuesta_inicial\n").unwrap();
    let err = strapi_sim::spawn(
        SimConfig { seed_dir: Some(broken.path().into()), ..Default::default() },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    assert!(err.is_err(), "a seed file without ids is refused");
}

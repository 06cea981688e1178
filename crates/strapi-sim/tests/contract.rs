//! One suite of requests against `strapi-sim` and against a real Strapi 5 (the pinned app of
//! `scripts/strapi.sh`, same model, same seed data): every answer must have the same status,
//! the same error name, the same pagination and the same shape (keys and value types, not the
//! values themselves). A simulator easier than the real thing would prove nothing about it.

use ingesta_testkit::strapi::{RealStrapi, TOKEN};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use strapi_sim::SimConfig;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

/// What is compared of an answer.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    error: Value,
    pagination: Value,
    shape: Value,
    /// The ids answered, where the order matters (keyset paging); else null.
    ids: Value,
}

/// Keys and value types, recursively; arrays by their first element. Strapi's echo of the
/// refused value (`details.errors[].value`) is left out: it is whatever was sent.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter().filter(|(k, _)| k.as_str() != "value").map(|(k, v)| (k.clone(), shape(v))).collect::<Map<_, _>>(),
        ),
        Value::Array(a) => json!([a.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!(null),
    }
}

struct Server {
    url: String,
    http: reqwest::Client,
}

impl Server {
    async fn call(&self, method: &str, path: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The whole suite; returns what was seen per step, and the model the server describes.
    async fn suite(&self) -> (Vec<(String, Seen)>, Value) {
        let mut seen = Vec::new();
        let mut doc = String::new();
        for (name, method, path, body, token) in steps() {
            let path = path.replace("{doc}", &doc);
            let (status, body) = self.call(method, &path, body, token).await;
            if name == "create" {
                doc = body["data"]["documentId"].as_str().unwrap_or_default().to_string();
            }
            let error = json!({ "name": body["error"]["name"], "details": shape(&body["error"]["details"]) });
            let pagination = body["meta"]["pagination"].clone();
            let ids = match name.starts_with("keyset") {
                true => {
                    body["data"].as_array().map(|d| d.iter().map(|e| e["id"].clone()).collect()).unwrap_or_default()
                }
                false => Value::Null,
            };
            seen.push((name.to_string(), Seen { status, error, pagination, shape: shape(&body), ids }));
        }
        let model = self.call("GET", "/api/content-type-builder/content-types", None, Some(TOKEN)).await.1;
        (seen, model)
    }
}

type Step = (&'static str, &'static str, &'static str, Option<Value>, Option<&'static str>);

/// (name, method, path, body, token), run in order on a server seeded from `samples/`.
/// `{doc}` is the documentId of the first program created.
fn steps() -> Vec<Step> {
    let t = Some(TOKEN);
    let data = |v: Value| Some(json!({ "data": v }));
    let imp =
        json!({"nombre": "I", "ciclo_escolar": "2024-2025", "periodo": "Otoño", "programa": 1, "encuestas": [1, 2]});
    let part = json!({"participante": 1, "implementacion": 1, "promedio_modulos": "6.1", "estudiantes_a_cargo": 3});
    vec![
        ("create", "POST", "/api/programas", data(json!({"nombre": "P1"})), t),
        ("unique", "POST", "/api/programas", data(json!({"nombre": "P1"})), t),
        ("unknown key", "POST", "/api/participantes", data(json!({"id_externo": "E1", "email": "x"})), t),
        ("number to text", "POST", "/api/participaciones", data(json!({"promedio_modulos": 6.1})), t),
        ("fraction to integer", "POST", "/api/participantes", data(json!({"id_externo": "E1", "edad": 40.5})), t),
        ("numeric text to integer", "POST", "/api/participantes", data(json!({"id_externo": "E0", "edad": "40"})), t),
        ("text to boolean", "POST", "/api/participantes", data(json!({"id_externo": "E1", "hablante_maya": "si"})), t),
        ("missing relation", "POST", "/api/participantes", data(json!({"id_externo": "E1", "cct": 99999})), t),
        (
            "full participant",
            "POST",
            "/api/participantes",
            data(json!({"id_externo": "E1", "edad": 44, "lengua_indigena": true, "cct": 2})),
            t,
        ),
        ("implementation", "POST", "/api/implementaciones", data(imp.clone()), t),
        ("same implementation: no composite keys", "POST", "/api/implementaciones", data(imp), t),
        ("participation", "POST", "/api/participaciones", data(part.clone()), t),
        ("same participation: no composite keys", "POST", "/api/participaciones", data(part), t),
        ("look-up", "GET", "/api/participantes?filters[id_externo][$eq]=E1&pagination[limit]=1", None, t),
        ("page size capped", "GET", "/api/ccts?pagination[pageSize]=500", None, t),
        ("limit capped", "GET", "/api/ccts?pagination[limit]=500", None, t),
        ("populate", "GET", "/api/implementaciones?populate[0]=programa&populate[1]=encuestas", None, t),
        ("relation filter", "GET", "/api/participaciones?filters[participante][id][$eq]=1", None, t),
        ("clave filter", "GET", "/api/ccts?filters[clave][$eq]=31DPR0001B", None, t),
        ("keyset page", "GET", "/api/ccts?filters[id][$gt]=9&sort[0]=id:asc&pagination[pageSize]=3", None, t),
        ("update by documentId", "PUT", "/api/programas/{doc}", data(json!({"nombre": "P1b"})), t),
        ("update by numeric id", "PUT", "/api/programas/1", data(json!({"nombre": "P1c"})), t),
        ("unknown filter key", "GET", "/api/participantes?filters[nada][$eq]=1", None, t),
        ("unknown collection", "GET", "/api/nada", None, t),
        ("no data", "POST", "/api/programas", Some(json!({"nombre": "x"})), t),
        ("model without a token", "GET", "/api/content-type-builder/content-types", None, None),
        ("bogus token", "GET", "/api/programas", None, Some("bogus")),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn strapi_sim_answers_as_real_strapi_does() {
    let real = RealStrapi::start(&samples()).await;
    let config = SimConfig { token: Some(TOKEN.into()), seed_dir: Some(samples()), ..Default::default() };
    let sim = strapi_sim::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    let (want, real_model) = Server { url: real.url.clone(), http: http.clone() }.suite().await;
    let (got, sim_model) = Server { url: sim.base_url(), http }.suite().await;
    let mut differ = Vec::new();
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        if w != g {
            differ.push(format!("{name}:\n  real Strapi: {w:?}\n  strapi-sim:  {g:?}"));
        }
    }
    assert!(differ.is_empty(), "{} of {} answers differ:\n{}", differ.len(), want.len(), differ.join("\n"));
    let (real_model, sim_model) = (
        strapi_model::Model::from_content_type_builder(&real_model).unwrap(),
        strapi_model::Model::from_content_type_builder(&sim_model).unwrap(),
    );
    assert!(real_model.differences(&sim_model).is_empty(), "{:?}", real_model.differences(&sim_model));
    assert_eq!(real_model.types.len(), 15);
    sim.shutdown().await;
}

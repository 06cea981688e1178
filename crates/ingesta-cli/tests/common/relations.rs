//! Every link the API holds after a load, read back over HTTP and put in the CSV's own terms
//! (participant ids, implementation keys, column names), next to the same links computed from
//! the CSV independently of the code under test (with the cell rules of `expect.rs`, which a
//! test file including this one must include too). Works against `strapi-sim` and real Strapi.
#![allow(dead_code)]

use crate::expect::{column, done, na, open, truthy};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// An API base URL and its token, read as a person checking it would.
pub struct Api {
    pub url: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(url: &str, token: Option<&str>) -> Self {
        Self { url: url.to_string(), token: token.map(str::to_string), http: reqwest::Client::new() }
    }

    pub async fn get(&self, path_and_query: &str) -> Value {
        let mut req = self.http.get(format!("{}{path_and_query}", self.url));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert!(status.is_success(), "GET {path_and_query}: {status} {body}");
        body
    }

    /// `meta.pagination.total` of a one-entry page: the API's own count.
    pub async fn count(&self, collection: &str) -> u64 {
        let v = self.get(&format!("/api/{collection}?pagination[pageSize]=1")).await;
        v["meta"]["pagination"]["total"].as_u64().unwrap_or_else(|| panic!("no total for {collection}: {v}"))
    }

    pub async fn counts(&self) -> BTreeMap<&'static str, u64> {
        let mut m = BTreeMap::new();
        for c in crate::common::COLLECTIONS {
            m.insert(c, self.count(c).await);
        }
        m
    }

    /// Every entry, 100 a page (Strapi's cap), with one level of `populate`.
    pub async fn all(&self, collection: &str, populate: &[&str]) -> Vec<Value> {
        let mut out = Vec::new();
        let pop: String = populate.iter().enumerate().map(|(i, p)| format!("&populate[{i}]={p}")).collect();
        for page in 1.. {
            let v = self.get(&format!("/api/{collection}?pagination[page]={page}&pagination[pageSize]=100{pop}")).await;
            let items = v["data"].as_array().unwrap().clone();
            let n = items.len();
            out.extend(items);
            if n < 100 {
                break;
            }
        }
        out
    }
}

/// The links of one load, keyed by what the CSV says.
#[derive(Debug, Default, PartialEq)]
pub struct Links {
    /// Participant id → the clave of its CCT (`None`: no CCT or a key missing from the table).
    pub participant_cct: BTreeMap<String, Option<String>>,
    /// Implementation key → (program name, survey claves).
    pub implementations: BTreeMap<String, (String, BTreeSet<String>)>,
    /// (participant id, implementation key).
    pub participations: BTreeSet<(String, String)>,
    /// Per child kind (progress, survey, attendance, work): (participant, implementation, column).
    pub children: [BTreeSet<(String, String, String)>; 4],
    /// Participants with an app-use record.
    pub app_use: BTreeSet<String>,
    /// (participant, address lowercased, principal).
    pub emails: BTreeSet<(String, String, bool)>,
    /// Natural keys held by more than one entry, as `collection: key`.
    pub duplicates: Vec<String>,
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().map(str::to_string).unwrap_or_default()
}

fn imp_key(v: &Value) -> String {
    format!("{}|{}|{}", s(v, "nombre"), s(v, "ciclo_escolar"), s(v, "periodo"))
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// What the API holds, in the CSV's terms, with every natural key held twice listed in
/// `duplicates`. Panics on a link to nothing, or on a child whose module/session/work belongs to
/// another implementation than its participation.
pub async fn actual(api: &Api) -> Links {
    let mut l = Links::default();
    let mut dup = |c: &str, fresh: bool, key: String| {
        if !fresh {
            l.duplicates.push(format!("{c}: {key}"));
        }
    };
    let mut participant_cct = BTreeMap::new();
    for p in api.all("participantes", &["cct"]).await {
        let cct = p["cct"].as_object().map(|c| c["clave"].as_str().unwrap().to_string());
        dup("participantes", participant_cct.insert(s(&p, "id_externo"), cct).is_none(), s(&p, "id_externo"));
    }
    let mut programs = BTreeSet::new();
    for p in api.all("programas", &[]).await {
        dup("programas", programs.insert(s(&p, "nombre")), s(&p, "nombre"));
    }
    let mut implementations = BTreeMap::new();
    for i in api.all("implementaciones", &["programa", "encuestas"]).await {
        let surveys = i["encuestas"].as_array().unwrap().iter().map(|e| s(e, "clave")).collect();
        let fresh = implementations.insert(imp_key(&i), (s(&i["programa"], "nombre"), surveys)).is_none();
        dup("implementaciones", fresh, imp_key(&i));
    }
    let mut parts = HashMap::new();
    let mut participations = BTreeSet::new();
    for p in api.all("participaciones", &["participante", "implementacion"]).await {
        let key = (s(&p["participante"], "id_externo"), imp_key(&p["implementacion"]));
        dup("participaciones", participations.insert(key.clone()), format!("{key:?}"));
        parts.insert(id(&p), (key, id(&p["implementacion"])));
    }
    // Parents of children: module/session/work id → (column name, implementation id).
    let mut parents: HashMap<&str, HashMap<u64, (String, Option<u64>)>> = HashMap::new();
    for (c, name) in [("modulos", "nombre"), ("asistencias", "clave_sesion"), ("trabajos", "nombre")] {
        let m = api.all(c, &["implementacion"]).await;
        let mut seen = BTreeSet::new();
        for e in &m {
            let key = (s(e, name), e["implementacion"]["id"].as_u64());
            dup(c, seen.insert(key.clone()), format!("{key:?}"));
        }
        parents.insert(c, m.iter().map(|e| (id(e), (s(e, name), e["implementacion"]["id"].as_u64()))).collect());
    }
    let mut children: [BTreeSet<(String, String, String)>; 4] = Default::default();
    let encuestas: HashMap<u64, (String, Option<u64>)> =
        api.all("encuestas", &[]).await.iter().map(|e| (id(e), (s(e, "clave"), None))).collect();
    parents.insert("encuestas", encuestas);
    for (k, (c, rel, parent)) in [
        ("modulo-progreso-registros", "modulo", "modulos"),
        ("encuesta-completada-registros", "encuesta", "encuestas"),
        ("participante-asistencia-registros", "asistencia", "asistencias"),
        ("trabajo-realizado-registros", "trabajo", "trabajos"),
    ]
    .into_iter()
    .enumerate()
    {
        for e in api.all(c, &["participacion", rel]).await {
            let ((person, imp), imp_id) = parts[&id(&e["participacion"])].clone();
            let (column, parent_imp) = parents[parent][&id(&e[rel])].clone();
            if let Some(pi) = parent_imp {
                assert_eq!(pi, imp_id, "{c} {}: its {rel} belongs to another implementation", id(&e));
            }
            let key = (person, imp, column);
            dup(c, children[k].insert(key.clone()), format!("{key:?}"));
        }
    }
    let mut app_use = BTreeSet::new();
    for u in api.all("uso-app-participantes", &["participante"]).await {
        let person = s(&u["participante"], "id_externo");
        dup("uso-app-participantes", app_use.insert(person.clone()), person);
    }
    let mut emails = BTreeSet::new();
    let mut addresses = BTreeSet::new();
    for e in api.all("correo-participantes", &["participante"]).await {
        let principal = e["principal"].as_bool().unwrap_or(false);
        let (person, addr) = (s(&e["participante"], "id_externo"), s(&e, "correo").to_lowercase());
        dup("correo-participantes", addresses.insert((person.clone(), addr.clone())), format!("({person}, …)"));
        emails.insert((person, addr, principal));
    }
    l.participant_cct = participant_cct;
    l.implementations = implementations;
    l.participations = participations;
    l.children = children;
    l.app_use = app_use;
    l.emails = emails;
    l
}

/// A child kind's columns (position, name) and the rule that makes a cell a record.
type ChildColumns<'a> = (Vec<(usize, &'a str)>, fn(&str) -> bool);

/// The links a load of `file` must leave, with the CCT table `ccts` (`id,clave`).
pub fn expected(file: &Path, ccts: &Path) -> Links {
    let table: BTreeSet<String> =
        csv::Reader::from_path(ccts).unwrap().records().map(|r| r.unwrap()[1].trim().to_string()).collect();
    let (mut r, headers) = open(file);
    let col = |name: &str| column(&headers, name);
    let (idc, prog, imp, ciclo, periodo, cct) = (
        col("ID"),
        col("Programa"),
        col("Implementación"),
        col("Ciclo escolar"),
        col("Periodo de implementación"),
        col("CCT"),
    );
    let kinds: [ChildColumns; 4] = [
        (vec![(col("mod1"), "mod1"), (col("mod2"), "mod2"), (col("mod3"), "mod3")], |v| !na(v)),
        (vec![(col("Encuesta inicial"), "encuesta_inicial"), (col("Encuesta final"), "encuesta_final")], done),
        (
            vec![
                (col("asist_1"), "asist_1"),
                (col("asist_2"), "asist_2"),
                (col("ses_3"), "ses_3"),
                (col("trip_1"), "trip_1"),
            ],
            done,
        ),
        (vec![(col("trabajo_final"), "trabajo_final"), (col("evidencia_1"), "evidencia_1")], done),
    ];
    let (minutos, descarga, email) = (col("Minutos app"), col("Descarga app"), col("Email"));
    let surveys: BTreeSet<String> = ["encuesta_inicial", "encuesta_final"].map(String::from).into();
    let mut l = Links::default();
    let mut first_email: BTreeSet<String> = BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if rec.len() != headers.len() || [idc, prog, imp, ciclo, periodo].iter().any(|&c| na(&rec[c])) {
            continue;
        }
        let person = rec[idc].trim().to_string();
        let key = format!("{}|{}|{}", rec[imp].trim(), rec[ciclo].trim(), rec[periodo].trim());
        l.implementations.entry(key.clone()).or_insert_with(|| (rec[prog].trim().to_string(), surveys.clone()));
        let clave = Some(rec[cct].trim().to_string()).filter(|c| !na(c) && table.contains(c));
        l.participant_cct.entry(person.clone()).or_insert(clave);
        l.participations.insert((person.clone(), key.clone()));
        for (k, (cols, keep)) in kinds.iter().enumerate() {
            for (c, name) in cols {
                if keep(&rec[*c]) {
                    l.children[k].insert((person.clone(), key.clone(), name.to_string()));
                }
            }
        }
        if !na(&rec[minutos]) || truthy(&rec[descarga]) {
            l.app_use.insert(person.clone());
        }
        if !na(&rec[email]) {
            let addr = rec[email].trim().to_lowercase();
            if !l.emails.iter().any(|(p, a, _)| *p == person && *a == addr) {
                let principal = first_email.insert(person.clone());
                l.emails.insert((person.clone(), addr, principal));
            }
        }
    }
    l
}

//! What the API must hold after loading a file, computed straight from the CSV with the `csv`
//! crate and the rules of SPEC sections 2–3 written out here again, independently of the code
//! under test.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub fn na(v: &str) -> bool {
    let t = v.trim().to_lowercase();
    t.is_empty() || t == "na" || t == "n/a"
}

pub fn done(v: &str) -> bool {
    let t = v.trim().to_lowercase();
    !na(v) && t != "0" && t != "no" && t != "false"
}

pub fn truthy(v: &str) -> bool {
    matches!(v.trim().to_lowercase().as_str(), "true" | "1" | "si" | "sí" | "yes")
}

/// A sample-shaped CSV (ragged rows allowed) and its header, BOM removed.
pub fn open(file: &Path) -> (csv::Reader<std::fs::File>, Vec<String>) {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(file).unwrap();
    let headers = r.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    (r, headers)
}

/// The position of the header column `name` (as written in the sample).
pub fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// Expected entry counts per collection for one file loaded into the seeded local API.
pub fn expected_counts(file: &Path) -> BTreeMap<&'static str, u64> {
    let (mut r, headers) = open(file);
    let col = |name: &str| column(&headers, name);
    let (id, prog, imp, ciclo, periodo) =
        (col("ID"), col("Programa"), col("Implementación"), col("Ciclo escolar"), col("Periodo de implementación"));
    let mods = ["mod1", "mod2", "mod3"].map(col);
    let surveys = ["Encuesta inicial", "Encuesta final"].map(col);
    let sessions = ["asist_1", "asist_2", "ses_3", "trip_1"].map(col);
    let works = ["trabajo_final", "evidencia_1"].map(col);
    let (minutos, descarga, email) = (col("Minutos app"), col("Descarga app"), col("Email"));

    let mut programs = BTreeSet::new();
    let mut impls = BTreeSet::new();
    let mut people = BTreeSet::new();
    let mut participations = BTreeSet::new();
    let mut children: [BTreeSet<(String, String, usize)>; 4] = Default::default();
    let mut app = BTreeSet::new();
    let mut emails = BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if rec.len() != headers.len() || [id, prog, imp, ciclo, periodo].iter().any(|&c| na(&rec[c])) {
            continue;
        }
        let person = rec[id].trim().to_string();
        let key = format!("{}|{}|{}", rec[imp].trim(), rec[ciclo].trim(), rec[periodo].trim());
        programs.insert(rec[prog].trim().to_string());
        impls.insert(key.clone());
        people.insert(person.clone());
        participations.insert((person.clone(), key.clone()));
        for (set, cols, keep) in [
            (0, &mods[..], (|v: &str| !na(v)) as fn(&str) -> bool),
            (1, &surveys[..], done as fn(&str) -> bool),
            (2, &sessions[..], done),
            (3, &works[..], done),
        ] {
            for &c in cols {
                if keep(&rec[c]) {
                    children[set].insert((person.clone(), key.clone(), c));
                }
            }
        }
        if !na(&rec[minutos]) || truthy(&rec[descarga]) {
            app.insert(person.clone());
        }
        if !na(&rec[email]) {
            emails.insert((person.clone(), rec[email].trim().to_lowercase()));
        }
    }
    let n = |s: usize| s as u64;
    BTreeMap::from([
        ("programas", n(programs.len())),
        ("implementaciones", n(impls.len())),
        ("modulos", n(impls.len() * mods.len())),
        ("asistencias", n(impls.len() * sessions.len())),
        ("trabajos", n(impls.len() * works.len())),
        ("participantes", n(people.len())),
        ("participaciones", n(participations.len())),
        ("modulo-progreso-registros", n(children[0].len())),
        ("encuesta-completada-registros", n(children[1].len())),
        ("participante-asistencia-registros", n(children[2].len())),
        ("trabajo-realizado-registros", n(children[3].len())),
        ("uso-app-participantes", n(app.len())),
        ("correo-participantes", n(emails.len())),
        ("ccts", 60),
        ("encuestas", 2),
    ])
}

/// Distinct non-NA CCT keys of a file: what on-demand look-up may ask the API for.
pub fn distinct_cct_keys(file: &Path) -> u64 {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(file).unwrap();
    let col = r.headers().unwrap().iter().position(|h| h == "CCT").expect("CCT column");
    let keys: BTreeSet<String> =
        r.records().filter_map(|rec| rec.ok()?.get(col).filter(|v| !na(v)).map(|v| v.trim().to_string())).collect();
    keys.len() as u64
}

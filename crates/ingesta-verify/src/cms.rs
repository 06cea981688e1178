//! The CMS side: each collection read page by page (keyset on `id`, 100 a page, Strapi's cap,
//! so a page costs the same at the millionth entry as at the first), each entry's natural key
//! computed in the CSV's terms from its fields and the keys of the entries it links to.

use crate::key;
use crate::tally::Tally;
use ingesta_client::{ApiError, StrapiClient};
use ingesta_writer::Collection;
use serde_json::Value;
use std::collections::HashMap;

const PAGE: usize = 100;

/// Keys of the entries others link to, by entry id.
#[derive(Default)]
pub struct Links {
    implementations: HashMap<u64, u64>,
    /// The targets of the four record kinds: modulos, encuestas, asistencias, trabajos.
    targets: [HashMap<u64, u64>; 4],
    participations: HashMap<u64, u64>,
}

/// What an entry's key is.
enum Keyed {
    Key(u64),
    /// It links to an entry this check does not account for (another file's participation).
    Elsewhere,
    /// A relation its key needs is empty.
    Unlinked,
}

/// The relation of each record kind naming what it counts, and the index of its targets.
fn record_kind(c: Collection) -> Option<(&'static str, usize)> {
    match c {
        Collection::ModuloProgreso => Some(("modulo", 0)),
        Collection::EncuestaCompletada => Some(("encuesta", 1)),
        Collection::ParticipanteAsistencia => Some(("asistencia", 2)),
        Collection::TrabajoRealizado => Some(("trabajo", 3)),
        _ => None,
    }
}

/// The relations a key of `c` is made of.
fn populate(c: Collection) -> Vec<&'static str> {
    use Collection::*;
    match c {
        Modulos | Asistencias | Trabajos => vec!["implementacion"],
        Participaciones => vec!["participante", "implementacion"],
        UsoApp | Correo => vec!["participante"],
        _ => record_kind(c).map(|(rel, _)| vec!["participacion", rel]).unwrap_or_default(),
    }
}

fn text<'a>(e: &'a Value, field: &str) -> &'a str {
    e[field].as_str().unwrap_or_default()
}

fn rel(e: &Value, relation: &str) -> Option<u64> {
    e[relation]["id"].as_u64()
}

fn id(e: &Value) -> u64 {
    e["id"].as_u64().unwrap_or_default()
}

/// Calls `f` with every entry of `route` (relations `populate`d), by ascending id.
async fn each_entry(
    client: &StrapiClient,
    route: &str,
    populate: &[&str],
    mut f: impl FnMut(&Value),
) -> Result<(), ApiError> {
    let pop: String = populate.iter().enumerate().map(|(i, p)| format!("&populate[{i}]={p}")).collect();
    let mut after = 0;
    loop {
        let path = format!("/api/{route}?filters[id][$gt]={after}&sort[0]=id:asc&pagination[pageSize]={PAGE}{pop}");
        let body = client.get(&path).await?;
        let Some(page) = body["data"].as_array() else {
            return Err(ApiError::Decode { reason: format!("GET /api/{route}: no data list in the answer") });
        };
        page.iter().for_each(&mut f);
        match page.last().map(id) {
            Some(last) if page.len() == PAGE && last > after => after = last,
            _ => return Ok(()),
        }
    }
}

impl Links {
    /// The surveys' keys: reference data the records link to, not written by a load.
    pub async fn load_surveys(&mut self, client: &StrapiClient) -> Result<(), ApiError> {
        let surveys = &mut self.targets[1];
        each_entry(client, "encuestas", &[], |e| {
            surveys.insert(id(e), key::survey(text(e, "clave")));
        })
        .await
    }

    /// Reads every entry of `c` into `tally`, and keeps the keys later collections link to
    /// (participations only where `tally` counts them: that map is the big one).
    pub async fn scan(&mut self, client: &StrapiClient, c: Collection, tally: &mut Tally) -> Result<(), ApiError> {
        each_entry(client, c.route(), &populate(c), |e| match self.key(c, e) {
            Keyed::Key(k) => {
                self.remember(c, id(e), k, tally);
                tally.found(k, id(e), || describe(c, e));
            }
            Keyed::Elsewhere => {}
            Keyed::Unlinked => tally.unlinked(),
        })
        .await
    }

    fn remember(&mut self, c: Collection, id: u64, k: u64, tally: &Tally) {
        let map = match c {
            Collection::Implementaciones => &mut self.implementations,
            Collection::Modulos => &mut self.targets[0],
            Collection::Asistencias => &mut self.targets[2],
            Collection::Trabajos => &mut self.targets[3],
            Collection::Participaciones if tally.counts(k) => &mut self.participations,
            _ => return,
        };
        map.insert(id, k);
    }

    fn key(&self, c: Collection, e: &Value) -> Keyed {
        use Collection::*;
        let linked = |map: &HashMap<u64, u64>, relation: &str| match rel(e, relation) {
            None => Err(Keyed::Unlinked),
            Some(i) => map.get(&i).copied().ok_or(Keyed::Elsewhere),
        };
        let participant = |relation: &str| match e[relation]["id_externo"].as_str() {
            Some(p) => Ok(key::participant(p)),
            None => Err(Keyed::Unlinked),
        };
        let keyed = match c {
            Programas => Ok(key::program(text(e, "nombre"))),
            Implementaciones => {
                Ok(key::implementation(text(e, "nombre"), text(e, "ciclo_escolar"), text(e, "periodo")))
            }
            Modulos | Trabajos => {
                linked(&self.implementations, "implementacion").map(|i| key::of_implementation(i, text(e, "nombre")))
            }
            Asistencias => linked(&self.implementations, "implementacion")
                .map(|i| key::of_implementation(i, text(e, "clave_sesion"))),
            Participantes => Ok(key::participant(text(e, "id_externo"))),
            Participaciones => participant("participante")
                .and_then(|p| Ok(key::participation(p, linked(&self.implementations, "implementacion")?))),
            UsoApp => participant("participante"),
            Correo => participant("participante").map(|p| key::email(p, text(e, "correo"))),
            ModuloProgreso | EncuestaCompletada | ParticipanteAsistencia | TrabajoRealizado => {
                let (relation, k) = record_kind(c).expect("a record kind");
                linked(&self.participations, "participacion")
                    .and_then(|p| Ok(key::record(p, linked(&self.targets[k], relation)?)))
            }
        };
        keyed.map_or_else(|k| k, Keyed::Key)
    }
}

/// A key as a person finds it in the CMS. Addresses are personal data: never printed.
fn describe(c: Collection, e: &Value) -> String {
    use Collection::*;
    let person = |e: &Value| format!("participant {}", text(&e["participante"], "id_externo"));
    let of_imp =
        |field: &str| format!("{} of implementacion {}", text(e, field), rel(e, "implementacion").unwrap_or(0));
    match c {
        Programas => text(e, "nombre").to_string(),
        Implementaciones => format!("{} | {} | {}", text(e, "nombre"), text(e, "ciclo_escolar"), text(e, "periodo")),
        Modulos | Trabajos => of_imp("nombre"),
        Asistencias => of_imp("clave_sesion"),
        Participantes => format!("participant {}", text(e, "id_externo")),
        Participaciones => format!("{} in implementacion {}", person(e), rel(e, "implementacion").unwrap_or(0)),
        UsoApp => person(e),
        Correo => format!("an address of {}", person(e)),
        _ => {
            let (relation, _) = record_kind(c).expect("a record kind");
            let (p, t) = (rel(e, "participacion").unwrap_or(0), rel(e, relation).unwrap_or(0));
            format!("participacion {p} → {relation} {t}")
        }
    }
}

//! A participant and everything hanging off it: participations, app use, email addresses.
//! All of it sits behind one lock per participant, so rows of the same person never race.

use crate::children::Children;
use crate::collections::Collection;
use crate::parents::Implementation;
use crate::store::Store;
use crate::writer::{RowFailure, Tally};
use ingesta_client::Filter;
use ingesta_mapping::RowPlan;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) struct Participant {
    pub id: u64,
    pub state: tokio::sync::Mutex<State>,
}

/// What is known about a participant's dependents. `None` means "not asked yet": for a
/// participant this run created, nothing can exist yet, so everything starts known and empty.
pub(crate) struct State {
    pub created: bool,
    pub emails: Option<Vec<String>>,
    pub app_use: Option<bool>,
    pub participations: HashMap<u64, Participation>,
}

pub(crate) struct Participation {
    pub id: u64,
    pub children: Children,
}

impl Participant {
    pub(crate) fn new(id: u64, created: bool) -> Self {
        Self {
            id,
            state: tokio::sync::Mutex::new(State {
                created,
                emails: created.then(Vec::new),
                app_use: created.then_some(false),
                participations: HashMap::new(),
            }),
        }
    }
}

impl State {
    /// The participation of this participant in `imp`: taken from memory, looked up, or created
    /// with the first row's values.
    pub(crate) async fn participation(
        &mut self,
        store: &Store,
        participant: u64,
        imp: &Implementation,
        plan: &RowPlan,
        tally: &Tally,
    ) -> Result<&mut Participation, RowFailure> {
        if !self.participations.contains_key(&imp.id) {
            let key = [Filter::rel("participante", participant), Filter::rel("implementacion", imp.id)];
            let mut body = plan.participacion.clone();
            body.insert("participante".into(), json!(participant));
            body.insert("implementacion".into(), json!(imp.id));
            let got =
                match store.get_or_create(Collection::Participaciones, &key, Value::Object(body), self.created).await {
                    Ok(got) => got,
                    Err(e) => {
                        // The failed create may have landed: from now on, look before writing.
                        self.created = false;
                        return Err(RowFailure::at(Collection::Participaciones)(e));
                    }
                };
            tally.note(got.created);
            let children = if got.created { Children::known_empty() } else { Children::default() };
            self.participations.insert(imp.id, Participation { id: got.entry.id, children });
        }
        Ok(self.participations.get_mut(&imp.id).expect("inserted above"))
    }

    /// One app-use record per participant; the first row that has usage writes it.
    pub(crate) async fn app_use(
        &mut self,
        store: &Store,
        participant: u64,
        plan: &RowPlan,
        tally: &Tally,
    ) -> Result<(), RowFailure> {
        let Some(usage) = &plan.app_use else { return Ok(()) };
        let c = Collection::UsoApp;
        let key = [Filter::rel("participante", participant)];
        if self.app_use.is_none() {
            let found = store.client.find_one(c.route(), &key).await.map_err(RowFailure::at(c))?;
            self.app_use = Some(found.is_some());
        }
        if self.app_use == Some(false) {
            let body = json!({ "participante": participant, "minutos_uso_app": usage.minutos_uso_app, "descargo_app": usage.descargo_app });
            let got = store.create(c, &key, body).await.map_err(|e| {
                // It may have landed: ask again next time rather than assume either way.
                self.app_use = None;
                RowFailure::at(c)(e)
            })?;
            tally.note(got.created);
            self.app_use = Some(true);
        }
        Ok(())
    }

    /// Adds the row's address unless the participant has it; the first address is the principal.
    pub(crate) async fn email(
        &mut self,
        store: &Store,
        participant: u64,
        plan: &RowPlan,
        tally: &Tally,
    ) -> Result<(), RowFailure> {
        let Some(correo) = &plan.email else { return Ok(()) };
        let c = Collection::Correo;
        if self.emails.is_none() {
            let found = store
                .client
                .find_all(c.route(), &[Filter::rel("participante", participant)], &[])
                .await
                .map_err(RowFailure::at(c))?;
            self.emails = Some(found.iter().filter_map(|e| e.str("correo").map(str::to_string)).collect());
        }
        let emails = self.emails.as_mut().expect("loaded above");
        if emails.iter().any(|e| e.eq_ignore_ascii_case(correo)) {
            return Ok(());
        }
        let key = [Filter::rel("participante", participant), Filter::eq("correo", correo.as_str())];
        let body = json!({ "participante": participant, "correo": correo, "principal": emails.is_empty() });
        let got = match store.create(c, &key, body).await {
            Ok(got) => got,
            Err(e) => {
                // It may have landed: list the addresses again next time, so that a later one
                // is not made principal too.
                self.emails = None;
                return Err(RowFailure::at(c)(e));
            }
        };
        tally.note(got.created);
        emails.push(correo.clone());
        Ok(())
    }
}

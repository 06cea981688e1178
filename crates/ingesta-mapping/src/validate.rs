//! A row's verdict without its plan: what `ingesta check` needs, at a fraction of the cost.

use crate::columns::REQUIRED;
use crate::plan::PlanError;
use crate::schema::Schema;
use ingesta_records::values::is_na;
use ingesta_records::Record;

impl Schema {
    /// What [`Self::plan`] says of a row read by [`ingesta_records::RecordReader::next_record`],
    /// without building the plan: a plan fails only for a missing required value.
    pub fn validate(&self, record: &Record<'_>) -> Result<(), PlanError> {
        self.check_required(|i| record.get(i))
    }

    /// The one way a plan fails. `cell` gives the row's field at a position.
    pub(crate) fn check_required<'r>(&self, cell: impl Fn(usize) -> Option<&'r str>) -> Result<(), PlanError> {
        let present = |i: &usize| cell(*i).is_some_and(|c| !is_na(c));
        if self.required.iter().all(present) {
            return Ok(());
        }
        let missing = REQUIRED.iter().zip(&self.required).filter(|(_, i)| !present(i));
        Err(PlanError(missing.map(|(c, _)| c.to_string()).collect()))
    }
}

#[cfg(test)]
mod tests;

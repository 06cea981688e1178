//! The rows between the reader and the API: prepared rows waiting, rows being written, and
//! outcomes held until every earlier row is done, so that the report stays in row order.
//!
//! There is no barrier between batches: a row starts as soon as a slot is free, whatever batch it
//! was read in. Two rules hold instead. A participant's rows are written one after another, in
//! file order (the first row's values are the ones kept). And at most `cap` rows are written at
//! once, `cap` following the client's current limit of requests in flight.

use ingesta_mapping::RowPlan;
use ingesta_writer::{RowFailure, RowOutcome, Sink};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use tokio::task::JoinSet;

use crate::report::ErrorRow;
use crate::run::StopFlag;

/// How a finished row ended.
pub(crate) enum Finished {
    Done { already_complete: bool },
    Failed(ErrorRow),
}

type Written = (RowPlan, Result<RowOutcome, RowFailure>);

#[derive(Default)]
pub(crate) struct Window {
    /// Prepared rows in file order, not yet started.
    ready: VecDeque<RowPlan>,
    /// Rows whose participant's previous row has finished: they go first.
    next_of_busy: VecDeque<RowPlan>,
    /// Participants with a row being written, and their later rows, in file order.
    busy: HashMap<String, VecDeque<RowPlan>>,
    writing: JoinSet<Written>,
    /// Rows read and not finished (waiting, being prepared or written).
    open: BTreeSet<u64>,
    /// Finished rows not yet released: some earlier row is still open.
    held: BTreeMap<u64, Finished>,
}

impl Window {
    /// Rows read and not yet released: open, or finished behind an open one.
    pub(crate) fn unreleased(&self) -> usize {
        self.open.len() + self.held.len()
    }

    /// Rows prepared and waiting for a slot.
    pub(crate) fn waiting(&self) -> usize {
        self.ready.len() + self.next_of_busy.len() + self.busy.values().map(VecDeque::len).sum::<usize>()
    }

    pub(crate) fn writing(&self) -> usize {
        self.writing.len()
    }

    /// A row was read: it stays open until it finishes.
    pub(crate) fn opened(&mut self, row: u64) {
        self.open.insert(row);
    }

    pub(crate) fn finish(&mut self, row: u64, how: Finished) {
        self.open.remove(&row);
        self.held.insert(row, how);
    }

    /// Prepared rows, in file order.
    pub(crate) fn push_ready(&mut self, plans: impl IntoIterator<Item = RowPlan>) {
        self.ready.extend(plans);
    }

    /// Starts waiting rows while fewer than `cap` are being written.
    pub(crate) fn start(&mut self, cap: usize, writer: &Arc<dyn Sink>, stop: &Arc<StopFlag>) {
        while self.writing.len() < cap.max(1) {
            let plan = match self.next_of_busy.pop_front() {
                Some(plan) => plan,
                None => {
                    let Some(plan) = self.ready.pop_front() else { return };
                    if let Some(later) = self.busy.get_mut(&plan.id_externo) {
                        later.push_back(plan);
                        continue;
                    }
                    self.busy.insert(plan.id_externo.clone(), VecDeque::new());
                    plan
                }
            };
            let (writer, stop) = (writer.clone(), stop.clone());
            self.writing.spawn(async move {
                // Once a stop is asked for, rows not yet under way are reported, not written.
                let result = match stop.reason() {
                    Some(reason) => Err(RowFailure::not_started(reason)),
                    None => writer.write_row(&plan).await,
                };
                (plan, result)
            });
        }
    }

    /// Waits for the next written row; `None` when none is being written.
    pub(crate) async fn next_written(&mut self) -> Option<Written> {
        let (plan, result) = match self.writing.join_next().await? {
            Ok(written) => written,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        // The participant's next row, if any, may start now.
        match self.busy.get_mut(&plan.id_externo).and_then(VecDeque::pop_front) {
            Some(next) => self.next_of_busy.push_back(next),
            None => {
                self.busy.remove(&plan.id_externo);
            }
        }
        Some((plan, result))
    }

    /// Rows not yet started, taken out of the window (a stop): each is reported as not started.
    pub(crate) fn take_waiting(&mut self) -> Vec<RowPlan> {
        let mut rows: Vec<RowPlan> = self.ready.drain(..).chain(self.next_of_busy.drain(..)).collect();
        for later in self.busy.values_mut() {
            rows.extend(later.drain(..));
        }
        rows.sort_by_key(|p| p.row_number);
        rows
    }

    /// Finished rows that every earlier row has caught up with, in row order.
    pub(crate) fn release(&mut self) -> Vec<Finished> {
        let low_water = self.open.first().copied().unwrap_or(u64::MAX);
        let mut out = Vec::new();
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > low_water {
                break;
            }
            out.push(entry.remove());
        }
        out
    }
}

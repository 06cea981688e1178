//! Synthetic input files for ingesta's tests and benchmarks: a participations CSV shaped like
//! `samples/participaciones.csv` (SPEC section 2) and a CCT table shaped like `samples/ccts.csv`.
//!
//! Output is a pure function of the arguments and the seed: the same call writes the same bytes, so
//! a benchmark or a failing test can be reproduced from its command line. CCT keys are derived from
//! a school number alone ([`mod@cct_key`]), which is how a participations file and a separately generated
//! CCT table of the same size agree on which keys exist.
//!
//! Rows are formatted by hand into one large buffer; a million rows take about a second.

mod catalog;
pub mod cct_key;
pub mod cct_table;
mod participants;
pub mod participations;
mod sink;

pub use cct_key::cct_key;
pub use cct_table::{write_ccts, CCT_HEADER};
pub use participations::{
    default_participants, program_name, write_participations, ParticipationsConfig, DEFAULT_CCTS,
    PARTICIPATIONS_COLUMNS, PARTICIPATIONS_HEADER,
};

//! From CSV columns to entities. [`Schema`] reads the header once: which column is which
//! field, which columns are dynamic (modules, surveys, sessions, work items) and which are unknown.
//! [`Schema::plan`] then turns each row into a [`RowPlan`]: every entity that row needs, with
//! bodies in the API's field names, and no I/O; [`Schema::validate`] only says whether it would.

mod columns;
mod plan;
mod recipe;
mod schema;
mod validate;

pub use plan::{AppUse, ImplementationKey, ModuleGrade, PlanError, RowPlan};
pub use schema::{Schema, SchemaError, SessionColumn};

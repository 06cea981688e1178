//! Natural keys as 64-bit digests, built the same way from a CSV row and from a CMS entry, so
//! that a collection of a million entries costs a few bytes per entry to check, not its text.
//! A false duplicate needs two keys of one collection with the same digest: for a million
//! entries the odds are about 3 in 100 million.

use std::hash::{DefaultHasher, Hash, Hasher};

/// One part of a key: a text value, or the digest of a parent entity's key.
enum Part<'a> {
    Text(&'a str),
    Key(u64),
}

fn digest(parts: &[Part]) -> u64 {
    // `DefaultHasher::new()` has fixed keys: the same key gives the same digest in every pass.
    let mut h = DefaultHasher::new();
    for p in parts {
        match p {
            Part::Text(t) => (0u8, t).hash(&mut h),
            Part::Key(k) => (1u8, k).hash(&mut h),
        }
    }
    h.finish()
}

pub fn program(nombre: &str) -> u64 {
    digest(&[Part::Text(nombre)])
}

pub fn implementation(nombre: &str, ciclo_escolar: &str, periodo: &str) -> u64 {
    digest(&[Part::Text(nombre), Part::Text(ciclo_escolar), Part::Text(periodo)])
}

/// A module, session or work item: its name within its implementation.
pub fn of_implementation(implementation: u64, name: &str) -> u64 {
    digest(&[Part::Key(implementation), Part::Text(name)])
}

pub fn survey(clave: &str) -> u64 {
    digest(&[Part::Text(clave)])
}

pub fn participant(id_externo: &str) -> u64 {
    digest(&[Part::Text(id_externo)])
}

pub fn participation(participant: u64, implementation: u64) -> u64 {
    digest(&[Part::Key(participant), Part::Key(implementation)])
}

/// A progress, survey, attendance or work record: its participation and the entity it counts.
pub fn record(participation: u64, target: u64) -> u64 {
    digest(&[Part::Key(participation), Part::Key(target)])
}

/// Addresses differ only in case are one address, as the writer compares them.
pub fn email(participant: u64, address: &str) -> u64 {
    digest(&[Part::Key(participant), Part::Text(&address.to_lowercase())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_do_not_run_together() {
        assert_ne!(implementation("ab", "c", "d"), implementation("a", "bc", "d"));
        assert_ne!(program("x"), of_implementation(program("x"), ""));
        assert_eq!(email(7, "A@x.MX"), email(7, "a@x.mx"));
        assert_ne!(record(1, 2), record(2, 1));
    }
}

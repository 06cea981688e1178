//! The CCT reference table: `id,clave,nombre,municipio`, ids from 1.
//!
//! It takes no seed: the participations generator refers to schools by key alone, so the table has
//! to be the same whatever seed produced the participations. Rows are also prefix-stable (row i is
//! the same whatever the table's size) so a small table is a prefix of a large one.

use crate::catalog::{self, chance};
use crate::cct_key;
use crate::sink::Sink;
use rand::{rngs::SmallRng, Rng, SeedableRng};
use std::io::Write;

pub const CCT_HEADER: &str = "id,clave,nombre,municipio";

/// Fixed seed of the names and municipalities.
const TABLE_SEED: u64 = 0x00CC_7AB1;

/// What a school of each type is called, by the last two letters of its type code.
fn school_kind(type_code: &str) -> &'static str {
    match &type_code[1..] {
        "PR" => "Escuela Primaria",
        "JN" => "Jardín de Niños",
        "ES" => "Escuela Secundaria",
        "ST" => "Escuela Secundaria Técnica",
        "TV" => "Telesecundaria",
        "CC" => "Preescolar Indígena",
        "PB" => "Primaria Indígena",
        "ML" => "Centro de Atención Múltiple",
        _ => "Centro de Educación Básica",
    }
}

/// Writes `rows` CCT rows after the header; returns the number of data rows.
pub fn write_ccts<W: Write>(rows: u64, out: W) -> std::io::Result<u64> {
    let mut sink = Sink::new(out);
    let mut rng = SmallRng::seed_from_u64(TABLE_SEED);
    sink.raw(CCT_HEADER);
    sink.end_row()?;
    for n in 0..rows {
        let (state, kind, _) = cct_key::parts(n);
        let name = catalog::SCHOOL_NAMES[rng.random_range(0..catalog::SCHOOL_NAMES.len())];
        let places = catalog::municipios(state);
        let municipio = places[rng.random_range(0..places.len())];
        let style = rng.random_range(0..10u8);

        sink.uint(n + 1);
        sink.comma();
        cct_key::write_key(&mut sink, n);
        sink.comma();
        // Most names are plain; some carry a comma or quotes, as official names do, to keep
        // consumers honest about RFC 4180 quoting.
        match style {
            0 => {
                sink.byte(b'"');
                sink.raw(school_kind(kind));
                sink.raw(" \"\"");
                sink.raw(name);
                sink.raw("\"\"\"");
            }
            1 => {
                sink.byte(b'"');
                sink.raw(school_kind(kind));
                sink.byte(b' ');
                sink.raw(name);
                sink.raw(", turno vespertino\"");
            }
            _ => {
                sink.raw(school_kind(kind));
                sink.byte(b' ');
                sink.raw(name);
            }
        }
        sink.comma();
        if chance(&mut rng, 20) {
            sink.raw(catalog::NA);
        } else {
            sink.raw(municipio);
        }
        sink.end_row()?;
    }
    sink.finish()?;
    Ok(rows)
}

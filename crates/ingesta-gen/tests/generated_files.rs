//! Properties of the generated files, checked by parsing them as CSV the way a consumer would.

use ingesta_gen::{write_ccts, write_participations, ParticipationsConfig, PARTICIPATIONS_COLUMNS};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

fn participations(config: &ParticipationsConfig) -> Vec<u8> {
    let mut out = Vec::new();
    let rows = write_participations(config, &mut out).unwrap();
    assert_eq!(rows, config.rows);
    out
}

fn ccts(rows: u64) -> Vec<u8> {
    let mut out = Vec::new();
    assert_eq!(write_ccts(rows, &mut out).unwrap(), rows);
    out
}

/// Header and records, failing if any record's field count differs from the header's.
fn parse(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.len(), header.len(), "record {} has {} fields, header has {}", i + 1, r.len(), header.len());
    }
    (header, records)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let mut config = ParticipationsConfig::new(2_000, 42);
    config.programs = 4;
    let a = participations(&config);
    let b = participations(&config);
    assert!(a == b, "two runs with seed 42 differ");
    config.seed = 43;
    assert!(participations(&config) != a, "seeds 42 and 43 gave the same file");
    assert_eq!(ccts(500), ccts(500));
}

#[test]
fn header_is_the_samples_header_byte_for_byte() {
    let sample = std::fs::read_to_string(samples().join("participaciones.csv")).unwrap();
    let sample_header = sample.lines().next().unwrap();
    let generated = participations(&ParticipationsConfig::new(3, 1));
    let generated = String::from_utf8(generated).unwrap();
    assert_eq!(generated.lines().next().unwrap(), sample_header);
    assert_eq!(sample_header.split(',').count(), PARTICIPATIONS_COLUMNS);
}

#[test]
fn every_row_is_written_with_as_many_fields_as_the_header() {
    let bytes = participations(&ParticipationsConfig::new(5_000, 7));
    let (header, records) = parse(&bytes);
    assert_eq!(header.len(), PARTICIPATIONS_COLUMNS);
    assert_eq!(records.len(), 5_000);
    // A quoted field with a comma must come back whole, not split.
    let detail = column(&header, "Puesto detalle");
    assert!(records.iter().any(|r| r[detail].contains(", ")), "no quoted value with a comma was generated");
    assert!(records.iter().any(|r| r[detail].contains('"')), "no value with an escaped quote was generated");
}

#[test]
fn zero_rows_is_just_the_header() {
    let bytes = participations(&ParticipationsConfig::new(0, 1));
    let (header, records) = parse(&bytes);
    assert_eq!(header.len(), PARTICIPATIONS_COLUMNS);
    assert!(records.is_empty());
}

#[test]
fn participant_ids_repeat_as_asked() {
    let (header, records) = parse(&participations(&ParticipationsConfig::new(2_000, 5)));
    let id = column(&header, "ID");
    let distinct: HashSet<&str> = records.iter().map(|r| &r[id]).collect();
    assert_eq!(distinct.len(), 1_800, "default is 90% distinct ids");

    let mut config = ParticipationsConfig::new(2_000, 5);
    config.participants = Some(500);
    let (_, records) = parse(&participations(&config));
    let mut rows_per_id: HashMap<&str, usize> = HashMap::new();
    for r in &records {
        *rows_per_id.entry(&r[id]).or_default() += 1;
    }
    assert_eq!(rows_per_id.len(), 500);
    assert!(rows_per_id.keys().all(|k| k.len() == 8 && k.starts_with('P')), "ids look like P0000001");
}

#[test]
fn a_repeated_participant_keeps_their_personal_data() {
    let mut config = ParticipationsConfig::new(1_000, 9);
    config.participants = Some(300);
    let (header, records) = parse(&participations(&config));
    let [id, curp, name, cct] = ["ID", "CURP", "Nombre completo", "CCT"].map(|c| column(&header, c));
    let mut first: HashMap<&str, (&str, &str, &str)> = HashMap::new();
    for r in &records {
        let seen = *first.entry(&r[id]).or_insert((&r[curp], &r[name], &r[cct]));
        assert_eq!(seen, (&r[curp], &r[name], &r[cct]), "participant {} changed", &r[id]);
    }
}

#[test]
fn cct_keys_come_mostly_from_the_table_of_the_same_size() {
    let mut config = ParticipationsConfig::new(4_000, 3);
    config.participants = Some(4_000);
    config.ccts = 200;
    config.cct_missing_rate = 0.1;
    let (header, records) = parse(&participations(&config));
    let (_, table) = parse(&ccts(200));
    let known: HashSet<&str> = table.iter().map(|r| &r[1]).collect();
    let cct = column(&header, "CCT");
    let cells: Vec<&str> = records.iter().map(|r| &r[cct]).collect();
    let na = cells.iter().filter(|c| **c == "NA").count();
    let keys: Vec<&str> = cells.iter().copied().filter(|c| *c != "NA").collect();
    let missing = keys.iter().filter(|k| !known.contains(*k)).count();
    let na_share = na as f64 / cells.len() as f64;
    let missing_share = missing as f64 / keys.len() as f64;
    assert!((0.2..0.3).contains(&na_share), "NA share {na_share}");
    assert!((0.08..0.12).contains(&missing_share), "unknown-key share {missing_share}, asked 0.1");
    assert!(keys.iter().all(|k| k.starts_with("31DPR") && k.len() == 10), "keys look like 31DPR0039K");
}

#[test]
fn implementations_are_programs_times_implementations_or_one() {
    let mut config = ParticipationsConfig::new(3_000, 11);
    config.programs = 4;
    config.implementations_per_program = 5;
    let (header, records) = parse(&participations(&config));
    let cols = ["Programa", "Implementación", "Ciclo escolar", "Periodo de implementación"].map(|c| column(&header, c));
    let key = |r: &csv::StringRecord| cols.map(|c| r[c].to_owned());
    let implementations: HashSet<[String; 4]> = records.iter().map(key).collect();
    assert_eq!(implementations.len(), 20);
    let programs: HashSet<&str> = records.iter().map(|r| &r[cols[0]]).collect();
    assert_eq!(programs.len(), 4);
    for [program, implementation, ciclo, periodo] in &implementations {
        assert!(implementation.starts_with(&format!("{program} ")), "{implementation} is not '<program> <n>'");
        assert!(ciclo.len() == 9 && ciclo.as_bytes()[4] == b'-', "ciclo {ciclo}");
        assert!(periodo == "Otoño" || periodo == "Primavera");
    }

    config.same_implementation = true;
    let (_, records) = parse(&participations(&config));
    let implementations: HashSet<[String; 4]> = records.iter().map(key).collect();
    assert_eq!(implementations.len(), 1);
}

#[test]
fn values_are_what_the_loader_understands() {
    let (header, records) = parse(&participations(&ParticipationsConfig::new(3_000, 13)));
    let grade_cols = ["mod1", "mod2", "mod3", "Promedio módulos"].map(|c| column(&header, c));
    let attendance_cols = ["asist_1", "asist_2", "ses_3", "trip_1"].map(|c| column(&header, c));
    let modality_cols = ["Modalidad asist_1", "Modalidad asist_2"].map(|c| column(&header, c));
    let email = column(&header, "Email");
    let phone = column(&header, "Teléfono");
    let mut grades = 0;
    for r in &records {
        for c in grade_cols {
            if &r[c] != "NA" {
                let g: f64 = r[c].parse().unwrap();
                assert!((5.0..=10.0).contains(&g), "grade {g}");
                grades += 1;
            }
        }
        for c in attendance_cols {
            assert!(["1", "0", "NA"].contains(&&r[c]), "attendance {}", &r[c]);
        }
        for c in modality_cols {
            assert!(["Virtual", "Presencial", "NA"].contains(&&r[c]), "modality {}", &r[c]);
        }
        let e = &r[email];
        assert!(e == "NA" || (e.ends_with("example.org") && e.to_lowercase() == e), "email {e}");
        let p = &r[phone];
        assert!(p == "NA" || (p.len() == 10 && p.starts_with("999")), "phone {p}");
    }
    // Roughly two thirds of module cells carry a grade: NA appears, but not everywhere.
    assert!(grades > 3_000 * 4 / 2 && grades < 3_000 * 4 * 9 / 10, "{grades} grades");
}

#[test]
fn cct_table_starts_with_the_sample_and_keys_stay_unique() {
    let (header, table) = parse(&ccts(100_000));
    assert_eq!(header, ["id", "clave", "nombre", "municipio"]);
    assert_eq!(table.len(), 100_000);
    let keys: HashSet<&str> = table.iter().map(|r| &r[1]).collect();
    assert_eq!(keys.len(), 100_000, "duplicate CCT keys");
    for (i, r) in table.iter().enumerate() {
        assert_eq!(r[0].parse::<usize>().unwrap(), i + 1);
    }

    let sample = std::fs::read_to_string(samples().join("ccts.csv")).unwrap();
    let sample_rows: Vec<&str> = sample.lines().skip(1).collect();
    assert_eq!(sample_rows.len(), 60);
    for (row, expected) in table.iter().zip(&sample_rows) {
        assert_eq!(format!("{},{}", &row[0], &row[1]), *expected);
    }
}

//! The participations file (SPEC section 2): the sample's header, then one row per participation.

use crate::catalog::{self, chance, Sex, NA};
use crate::cct_key;
use crate::participants::{assign_rows, CctCell, CctDraw, Person};
use crate::sink::Sink;
use anyhow::{ensure, Result};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use std::io::Write;

/// The header of `samples/participaciones.csv`, byte for byte.
pub const PARTICIPATIONS_HEADER: &str = "ID,Edad,Sexo,Teléfono,CURP,RFC,Nombre,Primer apellido,Segundo apellido,\
Nombre completo,Entidad,Estado civil,Lengua indígena,Hablante maya,Nivel educativo,CCT,Email,Programa,\
Implementación,Ciclo escolar,Periodo de implementación,Puesto,Puesto detalle,Antigüedad,Estudiantes a cargo,\
Turno,Participa director(a),Centro de trabajo verificado,Constancia,Involucramiento,Promedio módulos,\
Minutos app,Descarga app,mod1,mod2,mod3,Encuesta inicial,Encuesta final,asist_1,Modalidad asist_1,asist_2,\
Modalidad asist_2,ses_3,trip_1,trabajo_final,evidencia_1";

/// Number of columns of [`PARTICIPATIONS_HEADER`].
pub const PARTICIPATIONS_COLUMNS: usize = 46;

/// Default CCT table size: that of `samples/ccts.csv`.
pub const DEFAULT_CCTS: u64 = 60;

/// What to generate.
#[derive(Clone, Debug)]
pub struct ParticipationsConfig {
    /// Data rows (not counting the header).
    pub rows: u64,
    pub seed: u64,
    /// Distinct participant ids; `None` means [`default_participants`].
    pub participants: Option<u64>,
    pub programs: u32,
    pub implementations_per_program: u32,
    /// Size of the CCT table the file goes with (`gen-data ccts --rows` of the same size).
    pub ccts: u64,
    /// Share of non-NA CCT cells whose key is not in that table.
    pub cct_missing_rate: f64,
    /// Every row in the first implementation of the first program.
    pub same_implementation: bool,
}

impl ParticipationsConfig {
    /// The defaults of the command line for `rows` rows.
    pub fn new(rows: u64, seed: u64) -> Self {
        ParticipationsConfig {
            rows,
            seed,
            participants: None,
            programs: 3,
            implementations_per_program: 3,
            ccts: DEFAULT_CCTS,
            cct_missing_rate: 0.05,
            same_implementation: false,
        }
    }

    /// Distinct participant ids this configuration produces.
    pub fn participant_count(&self) -> u64 {
        self.participants.unwrap_or_else(|| default_participants(self.rows))
    }

    fn validate(&self) -> Result<()> {
        ensure!(self.programs >= 1, "--programs must be at least 1");
        ensure!(self.implementations_per_program >= 1, "--implementations-per-program must be at least 1");
        ensure!(
            (0.0..=1.0).contains(&self.cct_missing_rate),
            "--cct-missing-rate must be between 0 and 1, got {}",
            self.cct_missing_rate
        );
        Ok(())
    }
}

/// 90 % of the rows, so about one row in ten repeats a participant seen elsewhere in the file.
pub fn default_participants(rows: u64) -> u64 {
    if rows == 0 {
        return 0;
    }
    ((rows as f64 * 0.9).round() as u64).clamp(1, rows)
}

/// Program name `k` (0-based).
pub fn program_name(k: u32) -> String {
    match catalog::PROGRAMS.get(k as usize) {
        Some(name) => (*name).to_owned(),
        None => format!("Programa Complementario {}", k + 1),
    }
}

/// Writes the header and `config.rows` rows; returns the number of data rows written.
pub fn write_participations<W: Write>(config: &ParticipationsConfig, out: W) -> Result<u64> {
    config.validate()?;
    let order = assign_rows(config.rows, config.participant_count(), config.seed)?;
    let programs: Vec<String> = (0..config.programs).map(program_name).collect();
    let draw = CctDraw { table_size: config.ccts, missing_rate: config.cct_missing_rate };
    let mut rng = SmallRng::seed_from_u64(config.seed);
    let mut sink = Sink::new(out);

    sink.raw(PARTICIPATIONS_HEADER);
    sink.end_row()?;
    for &participant in &order {
        let person = Person::generate(config.seed, participant, draw);
        let (program, implementation) = if config.same_implementation {
            (0, 0)
        } else {
            (rng.random_range(0..config.programs), rng.random_range(0..config.implementations_per_program))
        };
        write_person(&mut sink, &person, &mut rng);
        write_participation(&mut sink, &mut rng, config.seed, &programs[program as usize], program, implementation);
        sink.end_row()?;
    }
    sink.finish()?;
    Ok(config.rows)
}

/// Participant columns, `ID` to `Email`.
fn write_person<W: Write>(sink: &mut Sink<W>, p: &Person, rng: &mut SmallRng) {
    sink.byte(b'P');
    sink.padded(p.number, 7);
    sink.comma();
    if p.age_known {
        sink.uint(u64::from(p.age));
    } else {
        sink.raw(NA);
    }
    sink.comma();
    let sex_letter = if p.sex == Sex::Woman { "M" } else { "H" };
    sink.raw(if p.sex_known { sex_letter } else { NA });
    sink.comma();
    match p.phone {
        Some(digits) => {
            sink.raw("999");
            sink.padded(u64::from(digits), 7);
        }
        None => sink.raw(NA),
    }
    sink.comma();
    // The sample's synthetic CURPs and RFCs: the XEXX placeholder, the birth date, and for the
    // CURP the sex and state codes, so they look right without being anybody's.
    if p.has_curp {
        sink.raw("XEXX");
        write_birth(sink, p.birth);
        sink.raw(sex_letter);
        sink.raw(p.state.curp_code);
        sink.raw("RRR0");
        sink.byte(b'0' + p.curp_check);
    } else {
        sink.raw(NA);
    }
    sink.comma();
    if p.has_rfc {
        sink.raw("XEXX");
        write_birth(sink, p.birth);
        sink.raw("XX0");
    } else {
        sink.raw(NA);
    }
    sink.comma();
    sink.raw(p.first_name);
    sink.comma();
    sink.raw(p.surname1);
    sink.comma();
    sink.raw(p.surname2);
    sink.comma();
    sink.raw(p.first_name);
    sink.byte(b' ');
    sink.raw(p.surname1);
    sink.byte(b' ');
    sink.raw(p.surname2);
    sink.comma();
    sink.raw(p.state.name);
    sink.comma();
    sink.raw(p.estado_civil);
    sink.comma();
    sink.raw(p.lengua_indigena);
    sink.comma();
    sink.raw(p.hablante_maya);
    sink.comma();
    sink.raw(p.nivel_educativo);
    sink.comma();
    match p.cct {
        CctCell::Na => sink.raw(NA),
        CctCell::School(n) => cct_key::write_key(sink, n),
    }
    sink.comma();
    if p.has_email {
        // Now and then a second address, so "principal only for the first address" gets exercised.
        let alternate = chance(rng, 20);
        sink.raw(p.email_word);
        sink.byte(b'.');
        sink.uint(p.number);
        sink.raw(if alternate { "@correo.example.org" } else { "@example.org" });
    } else {
        sink.raw(NA);
    }
    sink.comma();
}

fn write_birth<W: Write>(sink: &mut Sink<W>, (yy, mm, dd): (u8, u8, u8)) {
    sink.padded(u64::from(yy), 2);
    sink.padded(u64::from(mm), 2);
    sink.padded(u64::from(dd), 2);
}

/// Participation columns, `Programa` to `evidencia_1`.
fn write_participation<W: Write>(
    sink: &mut Sink<W>,
    rng: &mut SmallRng,
    seed: u64,
    program_name: &str,
    program: u32,
    implementation: u32,
) {
    sink.raw(program_name);
    sink.comma();
    sink.raw(program_name);
    sink.byte(b' ');
    sink.uint(u64::from(implementation) + 1);
    sink.comma();
    // The school year and term are a function of the implementation, so the (nombre, ciclo,
    // periodo) key yields exactly programs × implementations entities: successive implementations
    // of a program run in successive terms.
    let year = 2023 + u64::from(implementation / 2);
    sink.uint(year);
    sink.byte(b'-');
    sink.uint(year + 1);
    sink.comma();
    sink.raw(if implementation % 2 == 0 { "Otoño" } else { "Primavera" });
    sink.comma();

    let puesto = catalog::PUESTOS.pick(rng);
    sink.raw(puesto.name);
    sink.comma();
    sink.raw(puesto.detail.pick(rng));
    sink.comma();
    if chance(rng, 250) {
        sink.raw(NA);
    } else {
        let years = rng.random_range(1..=35u64);
        sink.uint(years);
        sink.raw(if years == 1 { " año" } else { " años" });
    }
    sink.comma();
    optional_uint(sink, rng, 200, 1..=45);
    sink.comma();
    sink.raw(catalog::TURNO.pick(rng));
    sink.comma();
    sink.raw(catalog::SI_NO.pick(rng));
    sink.comma();
    sink.raw(catalog::UNO_CERO.pick(rng));
    sink.comma();
    sink.raw(catalog::CONSTANCIA.pick(rng));
    sink.comma();
    sink.raw(catalog::INVOLUCRAMIENTO.pick(rng));
    sink.comma();

    // Module grades are drawn first because the average is written before them.
    let grades: [Option<u32>; 3] = std::array::from_fn(|_| (!chance(rng, 350)).then(|| rng.random_range(50..=100u32)));
    let (sum, count) = grades.iter().flatten().fold((0, 0), |(s, c), g| (s + g, c + 1));
    if chance(rng, 120) {
        sink.raw(NA);
    } else {
        // The mean of the grades shown, or any plausible value when every grade is NA.
        let mean = (sum + count / 2).checked_div(count).unwrap_or_else(|| rng.random_range(50..=100));
        sink.tenths(mean);
    }
    sink.comma();
    optional_uint(sink, rng, 450, 0..=600);
    sink.comma();
    sink.raw(catalog::SI_NO_NA.pick(rng));
    sink.comma();
    for grade in grades {
        match grade {
            Some(t) => sink.tenths(t),
            None => sink.raw(NA),
        }
        sink.comma();
    }

    sink.raw(catalog::ENCUESTA.pick(rng));
    sink.comma();
    sink.raw(catalog::ENCUESTA.pick(rng));
    sink.comma();
    for session in 0..2 {
        sink.raw(catalog::ASISTENCIA.pick(rng));
        sink.comma();
        write_modality(sink, rng, seed, program, implementation, session);
        sink.comma();
    }
    sink.raw(catalog::ASISTENCIA.pick(rng));
    sink.comma();
    sink.raw(catalog::ASISTENCIA.pick(rng));
    sink.comma();
    sink.raw(catalog::TRABAJO.pick(rng));
    sink.comma();
    sink.raw(catalog::EVIDENCIA.pick(rng));
}

/// A session's modality is a property of the implementation: rows mostly agree on it or leave it
/// NA, and a few contradict it (the spec's "conflicting later value" warning).
fn write_modality<W: Write>(
    sink: &mut Sink<W>,
    rng: &mut SmallRng,
    seed: u64,
    program: u32,
    implementation: u32,
    session: u32,
) {
    let h = (seed ^ (u64::from(program) << 40) ^ (u64::from(implementation) << 8) ^ u64::from(session))
        .wrapping_mul(0xD6E8_FEB8_6659_FD93);
    let usual = (h >> 63) as usize;
    match rng.random_range(0..100u32) {
        0..58 => sink.raw(catalog::MODALIDADES[usual]),
        58..60 => sink.raw(catalog::MODALIDADES[1 - usual]),
        _ => sink.raw(NA),
    }
}

/// NA with probability `na_permille / 1000`, otherwise a number from `range`.
fn optional_uint<W: Write>(
    sink: &mut Sink<W>,
    rng: &mut SmallRng,
    na_permille: u32,
    range: std::ops::RangeInclusive<u64>,
) {
    if chance(rng, na_permille) {
        sink.raw(NA);
    } else {
        sink.uint(rng.random_range(range));
    }
}

//! The vocabulary the generator draws from, with weights chosen to look like the sample file:
//! names, states, the spellings of booleans and "not available" at roughly the sample's rates.
//!
//! Values that contain a comma or a quote are stored already quoted, so rows never need escaping
//! at run time.

use rand::Rng;

/// A weighted choice among a fixed set of values.
pub(crate) struct Weighted<T: 'static> {
    items: &'static [(T, u32)],
    total: u32,
}

impl<T: Copy> Weighted<T> {
    pub(crate) const fn new(items: &'static [(T, u32)]) -> Self {
        let mut total = 0;
        let mut i = 0;
        while i < items.len() {
            total += items[i].1;
            i += 1;
        }
        assert!(total > 0, "a weighted choice needs a positive total weight");
        Weighted { items, total }
    }

    #[inline]
    pub(crate) fn pick(&self, rng: &mut impl Rng) -> T {
        let mut r = rng.random_range(0..self.total);
        for &(item, weight) in self.items {
            if r < weight {
                return item;
            }
            r -= weight;
        }
        unreachable!("r is below the total weight")
    }
}

/// True with probability `permille / 1000`.
#[inline]
pub(crate) fn chance(rng: &mut impl Rng, permille: u32) -> bool {
    rng.random_range(0..1000) < permille
}

pub(crate) const NA: &str = "NA";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sex {
    Woman,
    Man,
}

/// A given name, the lowercase first word used in e-mail addresses (accents kept, as in the
/// sample), and the sex the name usually goes with.
pub(crate) const FIRST_NAMES: &[(&str, &str, Sex)] = &[
    ("María José", "maría", Sex::Woman),
    ("Ana", "ana", Sex::Woman),
    ("Luis", "luis", Sex::Man),
    ("Sofía", "sofía", Sex::Woman),
    ("Jorge", "jorge", Sex::Man),
    ("Iván", "iván", Sex::Man),
    ("Raúl", "raúl", Sex::Man),
    ("Elena", "elena", Sex::Woman),
    ("Pedro", "pedro", Sex::Man),
    ("Lucía", "lucía", Sex::Woman),
    ("José Luis", "josé", Sex::Man),
    ("Guadalupe", "guadalupe", Sex::Woman),
    ("Juan Carlos", "juan", Sex::Man),
    ("Verónica", "verónica", Sex::Woman),
    ("Martín", "martín", Sex::Man),
    ("Rocío", "rocío", Sex::Woman),
    ("Andrés", "andrés", Sex::Man),
    ("Mónica", "mónica", Sex::Woman),
    ("Héctor", "héctor", Sex::Man),
    ("Beatriz", "beatriz", Sex::Woman),
    ("Fernando", "fernando", Sex::Man),
    ("Yolanda", "yolanda", Sex::Woman),
    ("Jesús", "jesús", Sex::Man),
    ("Concepción", "concepción", Sex::Woman),
    ("Efraín", "efraín", Sex::Man),
    ("Itzel", "itzel", Sex::Woman),
    ("Noé", "noé", Sex::Man),
    ("Nicté", "nicté", Sex::Woman),
];

/// Surnames, Spanish and Maya, as found in the Yucatán peninsula.
pub(crate) const SURNAMES: &[&str] = &[
    "Díaz",
    "García",
    "Cruz",
    "Hernández",
    "Martínez",
    "Chan",
    "Pech",
    "López",
    "Gómez",
    "Pérez",
    "Canché",
    "May",
    "Poot",
    "Tun",
    "Ek",
    "Uc",
    "Dzul",
    "Cauich",
    "Pat",
    "Chi",
    "Euán",
    "Balam",
    "Rodríguez",
    "González",
    "Sánchez",
    "Ramírez",
    "Cetina",
    "Novelo",
    "Góngora",
    "Peña",
];

/// A state: its name as written in the file and its two-letter code inside a CURP.
#[derive(Clone, Copy)]
pub(crate) struct State {
    pub name: &'static str,
    pub curp_code: &'static str,
}

pub(crate) static STATES: Weighted<State> = Weighted::new(&[
    (State { name: "Yucatán", curp_code: "YN" }, 50),
    (State { name: "Campeche", curp_code: "CC" }, 15),
    (State { name: "Quintana Roo", curp_code: "QR" }, 15),
    (State { name: "Chiapas", curp_code: "CS" }, 12),
    (State { name: "Tabasco", curp_code: "TC" }, 8),
]);

pub(crate) static ESTADO_CIVIL: Weighted<&str> = Weighted::new(&[
    ("Soltero(a)", 30),
    ("Casado(a)", 28),
    ("Unión libre", 4),
    ("Divorciado(a)", 3),
    ("Viudo(a)", 1),
    (NA, 34),
]);

/// Every spelling of a boolean the spec accepts shows up, as in the sample.
pub(crate) static LENGUA_INDIGENA: Weighted<&str> =
    Weighted::new(&[(NA, 28), ("Sí", 14), ("No", 14), ("1", 10), ("0", 10), ("true", 12), ("si", 6), ("false", 6)]);

pub(crate) static SI_NO_NA: Weighted<&str> = Weighted::new(&[("si", 30), ("no", 30), (NA, 40)]);

pub(crate) static NIVEL_EDUCATIVO: Weighted<&str> =
    Weighted::new(&[("Normal", 22), ("Licenciatura", 30), ("Maestría", 12), ("Doctorado", 1), (NA, 35)]);

/// Program names; past the end of this list, programs are numbered.
pub(crate) const PROGRAMS: &[&str] = &[
    "Aprendizajes Fundamentales",
    "Matemáticas para la Vida",
    "Lectura en Voz Alta",
    "Ciencia en el Aula",
    "Escritura Creativa",
    "Convivencia Escolar",
    "Liderazgo Directivo",
    "Inglés Básico",
];

/// A job and the details that go with it (some with commas, hence quoted).
#[derive(Clone, Copy)]
pub(crate) struct Puesto {
    pub name: &'static str,
    pub detail: &'static Weighted<&'static str>,
}

static DETALLE_DOCENTE: Weighted<&str> = Weighted::new(&[
    ("\"Frente a grupo, 1er grado\"", 10),
    ("\"Frente a grupo, 2do grado\"", 10),
    ("\"Frente a grupo, 3er grado\"", 12),
    ("\"Frente a grupo, 4to grado\"", 10),
    ("\"Frente a grupo, 5to grado\"", 10),
    ("\"Frente a grupo, 6to grado\"", 10),
    ("\"Grupo multigrado, escuela \"\"unitaria\"\"\"", 2),
    ("Educación física", 3),
    (NA, 33),
]);

static DETALLE_DIRECTOR: Weighted<&str> = Weighted::new(&[
    ("Sin grupo", 25),
    ("\"Con grupo, 6to grado\"", 15),
    ("\"Frente a grupo, 3er grado\"", 10),
    (NA, 50),
]);

static DETALLE_SUPERVISOR: Weighted<&str> =
    Weighted::new(&[("\"Zona escolar 012, sector 3\"", 20), ("\"Zona escolar 045, sector 7\"", 20), (NA, 60)]);

static DETALLE_ATP: Weighted<&str> = Weighted::new(&[("Apoyo técnico pedagógico", 50), (NA, 50)]);

pub(crate) static PUESTOS: Weighted<Puesto> = Weighted::new(&[
    (Puesto { name: "Docente", detail: &DETALLE_DOCENTE }, 55),
    (Puesto { name: "Director(a)", detail: &DETALLE_DIRECTOR }, 25),
    (Puesto { name: "Supervisor(a)", detail: &DETALLE_SUPERVISOR }, 12),
    (Puesto { name: "Asesor(a) técnico pedagógico", detail: &DETALLE_ATP }, 8),
]);

pub(crate) static TURNO: Weighted<&str> =
    Weighted::new(&[("Matutino", 58), ("Vespertino", 36), ("Tiempo completo", 3), (NA, 3)]);

pub(crate) static SI_NO: Weighted<&str> = Weighted::new(&[("si", 72), ("no", 28)]);

pub(crate) static CONSTANCIA: Weighted<&str> = Weighted::new(&[("si", 35), ("no", 65)]);

pub(crate) static UNO_CERO: Weighted<&str> = Weighted::new(&[("1", 55), ("0", 45)]);

pub(crate) static INVOLUCRAMIENTO: Weighted<&str> =
    Weighted::new(&[("Alto", 25), ("Medio", 22), ("Bajo", 20), (NA, 33)]);

/// Survey cells: done (`1`), not done (`0`, rare in practice) or not available.
pub(crate) static ENCUESTA: Weighted<&str> = Weighted::new(&[("1", 60), ("0", 3), (NA, 37)]);

/// Attendance cells: `0` means absent (SPEC section 2), so it must appear too.
pub(crate) static ASISTENCIA: Weighted<&str> = Weighted::new(&[("1", 50), ("0", 8), (NA, 42)]);

pub(crate) const MODALIDADES: [&str; 2] = ["Virtual", "Presencial"];

pub(crate) static TRABAJO: Weighted<&str> = Weighted::new(&[("entregado", 45), (NA, 55)]);

pub(crate) static EVIDENCIA: Weighted<&str> = Weighted::new(&[("sí", 40), ("1", 5), (NA, 55)]);

/// Words for school names in the CCT table.
pub(crate) const SCHOOL_NAMES: &[&str] = &[
    "Benito Juárez",
    "Emiliano Zapata",
    "Miguel Hidalgo y Costilla",
    "Josefa Ortiz de Domínguez",
    "Felipe Carrillo Puerto",
    "Sor Juana Inés de la Cruz",
    "Niños Héroes",
    "Lázaro Cárdenas",
    "Rosario Castellanos",
    "Justo Sierra O'Reilly",
    "Jacinto Canek",
    "Elvia Carrillo Puerto",
    "Andrés Quintana Roo",
    "Leona Vicario",
    "Salvador Alvarado",
    "Nachi Cocom",
];

/// Municipalities by CCT state code; other states get a generic one.
pub(crate) fn municipios(state_code: &str) -> &'static [&'static str] {
    match state_code {
        "31" => {
            &["Mérida", "Valladolid", "Tizimín", "Progreso", "Umán", "Kanasín", "Motul", "Ticul", "Tekax", "Izamal"]
        }
        "04" => &["Campeche", "Carmen", "Champotón", "Escárcega", "Calkiní", "Hopelchén"],
        "23" => &["Benito Juárez", "Othón P. Blanco", "Felipe Carrillo Puerto", "José María Morelos", "Solidaridad"],
        "07" => &["Tuxtla Gutiérrez", "San Cristóbal de las Casas", "Tapachula", "Palenque", "Comitán de Domínguez"],
        _ => &["Cabecera municipal"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::SmallRng, SeedableRng};

    #[test]
    fn weighted_choice_follows_the_weights() {
        static W: Weighted<&str> = Weighted::new(&[("a", 1), ("b", 3)]);
        let mut rng = SmallRng::seed_from_u64(7);
        let b = (0..40_000).filter(|_| W.pick(&mut rng) == "b").count();
        assert!((29_000..31_000).contains(&b), "b picked {b} times out of 40,000, expected ~30,000");
    }

    #[test]
    fn email_words_are_the_lowercase_first_word_of_the_name() {
        for (name, word, _) in FIRST_NAMES {
            assert_eq!(name.split(' ').next().unwrap().to_lowercase(), *word);
        }
    }
}

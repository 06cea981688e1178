//! Who appears on each row, and what each person looks like.
//!
//! A person's attributes are drawn from a generator seeded by (seed, participant number) rather than
//! from the row stream, so a participant who appears on several rows (in several implementations)
//! has the same name, CURP, CCT and e-mail on every one of them, as a real export would.

use crate::catalog::{self, chance, Sex, State, Weighted};
use anyhow::{ensure, Result};
use rand::{rngs::SmallRng, seq::SliceRandom, Rng, SeedableRng};

/// Participant number (0-based) of every row: each of the `participants` numbers appears at least
/// once and the remaining rows repeat randomly chosen ones, in shuffled order. The number of
/// distinct ids is therefore exactly what was asked for.
pub(crate) fn assign_rows(rows: u64, participants: u64, seed: u64) -> Result<Vec<u32>> {
    ensure!(participants <= rows, "--participants ({participants}) cannot exceed --rows ({rows})");
    ensure!(rows == 0 || participants > 0, "--participants must be at least 1 when there are rows");
    ensure!(participants <= u64::from(u32::MAX), "--participants must be below 2^32");
    let rows = usize::try_from(rows)?;
    // A stream of its own, so that the row stream does not depend on how the shuffle consumes it.
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xA551_6E00_0000_0000);
    let mut order: Vec<u32> = Vec::with_capacity(rows);
    order.extend(0..participants as u32);
    while order.len() < rows {
        order.push(rng.random_range(0..participants as u32));
    }
    order.shuffle(&mut rng);
    Ok(order)
}

/// What the CCT cell of a person holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CctCell {
    Na,
    /// A school number, rendered through [`crate::cct_key`]; numbers at or above the table size
    /// are keys the table does not have.
    School(u64),
}

/// How CCT cells are drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CctDraw {
    /// Size of the CCT table the file is meant to go with.
    pub table_size: u64,
    /// Probability that a non-NA cell holds a key that is not in the table.
    pub missing_rate: f64,
}

/// Share of people (in permille) with no CCT at all; the sample has about a third.
const CCT_NA_PERMILLE: u32 = 250;

static SEXO_SHOWN: Weighted<bool> = Weighted::new(&[(true, 70), (false, 30)]);

/// One participant's attributes, drawn once per row from the participant's own generator.
pub(crate) struct Person {
    /// 1-based participant number: `P0000001` is number 1.
    pub number: u64,
    pub first_name: &'static str,
    pub email_word: &'static str,
    pub sex: Sex,
    pub surname1: &'static str,
    pub surname2: &'static str,
    pub age: u8,
    pub age_known: bool,
    pub sex_known: bool,
    /// Seven digits after the `999` area code.
    pub phone: Option<u32>,
    pub has_curp: bool,
    pub has_rfc: bool,
    /// Birth date as YYMMDD digits, shared by CURP and RFC as in real ones.
    pub birth: (u8, u8, u8),
    pub curp_check: u8,
    pub state: State,
    pub estado_civil: &'static str,
    pub lengua_indigena: &'static str,
    pub hablante_maya: &'static str,
    pub nivel_educativo: &'static str,
    pub cct: CctCell,
    pub has_email: bool,
}

/// The year ages are counted from; fixed so output does not depend on the clock.
const REFERENCE_YEAR: u32 = 2024;

impl Person {
    pub(crate) fn generate(seed: u64, index: u32, cct: CctDraw) -> Person {
        // Multiplying spreads consecutive indices over the seed space before SmallRng's own
        // seed expansion; without it, seed s / person i+1 would equal seed s+1 / person i.
        let mut rng = SmallRng::seed_from_u64(seed ^ (u64::from(index) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (first_name, email_word, sex) = catalog::FIRST_NAMES[rng.random_range(0..catalog::FIRST_NAMES.len())];
        let surname1 = catalog::SURNAMES[rng.random_range(0..catalog::SURNAMES.len())];
        let surname2 = catalog::SURNAMES[rng.random_range(0..catalog::SURNAMES.len())];
        let age: u8 = rng.random_range(22..=64);
        let birth_year = REFERENCE_YEAR - u32::from(age);
        let birth = ((birth_year % 100) as u8, rng.random_range(1..=12), rng.random_range(1..=28));
        let cct = if chance(&mut rng, CCT_NA_PERMILLE) {
            CctCell::Na
        } else if cct.table_size == 0 || rng.random_bool(cct.missing_rate) {
            // Unknown keys come from a range as large as the table, so some repeat across rows
            // (exercising the cache of misses) and none collides with a real key.
            CctCell::School(cct.table_size + rng.random_range(0..cct.table_size.max(1)))
        } else {
            CctCell::School(rng.random_range(0..cct.table_size))
        };
        Person {
            number: u64::from(index) + 1,
            first_name,
            email_word,
            sex,
            surname1,
            surname2,
            age,
            age_known: !chance(&mut rng, 20),
            sex_known: SEXO_SHOWN.pick(&mut rng),
            phone: (!chance(&mut rng, 150)).then(|| rng.random_range(0..10_000_000)),
            has_curp: !chance(&mut rng, 200),
            has_rfc: !chance(&mut rng, 120),
            birth,
            curp_check: rng.random_range(0..10),
            state: catalog::STATES.pick(&mut rng),
            estado_civil: catalog::ESTADO_CIVIL.pick(&mut rng),
            lengua_indigena: catalog::LENGUA_INDIGENA.pick(&mut rng),
            hablante_maya: catalog::SI_NO_NA.pick(&mut rng),
            nivel_educativo: catalog::NIVEL_EDUCATIVO.pick(&mut rng),
            cct,
            has_email: !chance(&mut rng, 300),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAW: CctDraw = CctDraw { table_size: 60, missing_rate: 0.05 };

    #[test]
    fn every_participant_appears_and_extra_rows_repeat_them() {
        let order = assign_rows(1000, 900, 3).unwrap();
        assert_eq!(order.len(), 1000);
        let mut seen = vec![0u32; 900];
        for &p in &order {
            seen[p as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n >= 1));
        assert_eq!(seen.iter().filter(|&&n| n > 1).map(|&n| n - 1).sum::<u32>(), 100);
    }

    #[test]
    fn impossible_participant_counts_are_refused() {
        assert!(assign_rows(10, 11, 0).is_err());
        assert!(assign_rows(10, 0, 0).is_err());
        assert!(assign_rows(0, 0, 0).unwrap().is_empty());
    }

    #[test]
    fn a_person_is_the_same_every_time_they_are_drawn() {
        let a = Person::generate(5, 42, DRAW);
        let b = Person::generate(5, 42, DRAW);
        assert_eq!(
            (a.first_name, a.surname1, a.surname2, a.birth, a.cct),
            (b.first_name, b.surname1, b.surname2, b.birth, b.cct)
        );
    }

    #[test]
    fn cct_cells_mix_table_keys_unknown_keys_and_na() {
        let draw = CctDraw { table_size: 60, missing_rate: 0.2 };
        let (mut na, mut known, mut unknown) = (0, 0, 0);
        for i in 0..10_000 {
            match Person::generate(1, i, draw).cct {
                CctCell::Na => na += 1,
                CctCell::School(n) if n < 60 => known += 1,
                CctCell::School(n) => {
                    assert!(n < 120);
                    unknown += 1
                }
            }
        }
        assert!((2_200..2_800).contains(&na), "NA cells: {na}");
        let rate = f64::from(unknown) / f64::from(known + unknown);
        assert!((0.17..0.23).contains(&rate), "unknown-key rate {rate}, asked 0.2");
    }
}

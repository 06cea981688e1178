//! How a single cell is read (SPEC section 2). Every stage goes through these functions so that
//! "absent" means the same thing everywhere.

/// A cell is "not available" when it is empty, `NA` or `N/A` (any case, trimmed).
pub fn is_na(cell: &str) -> bool {
    let t = cell.trim();
    t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("n/a")
}

/// The cell as text, or `None` when it is NA. Surrounding whitespace is trimmed.
pub fn text(cell: &str) -> Option<&str> {
    (!is_na(cell)).then(|| cell.trim())
}

/// Boolean rule: `true`, `1`, `si`, `sí`, `yes` (any case) are true; anything else is false.
/// NA is absent (`None`) so that an unknown answer is not written as a "no".
pub fn boolean(cell: &str) -> Option<bool> {
    let t = text(cell)?;
    // What lowercasing `t` and comparing would say, without a `String` per cell: every character
    // that lowercases into these words is ASCII, `í` or `Í`.
    let yes = ["true", "1", "si", "yes"].iter().any(|w| t.eq_ignore_ascii_case(w))
        || t.strip_prefix(['s', 'S']).is_some_and(|rest| rest == "í" || rest == "Í");
    Some(yes)
}

/// Decimal number, or `None` when NA or not a number (a bad number is absent, not an error).
pub fn number(cell: &str) -> Option<f64> {
    text(cell)?.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Whether a survey, attendance or work cell counts as done: present and not false-like.
/// A `0` in an attendance column means absent, so it must not count.
pub fn is_done(cell: &str) -> bool {
    match text(cell) {
        None => false,
        Some(t) => !(t == "0" || t.eq_ignore_ascii_case("no") || t.eq_ignore_ascii_case("false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn na_forms() {
        for c in ["", "  ", "NA", "na", " n/a ", "N/A"] {
            assert!(is_na(c), "{c:?} should be NA");
        }
        for c in ["0", "no", "NAN", "nada"] {
            assert!(!is_na(c), "{c:?} should not be NA");
        }
    }

    #[test]
    fn booleans() {
        for c in ["true", "TRUE", "1", "si", "Sí", "SÍ", "yes", " Yes "] {
            assert_eq!(boolean(c), Some(true), "{c:?}");
        }
        for c in ["false", "0", "no", "No", "x", "2"] {
            assert_eq!(boolean(c), Some(false), "{c:?}");
        }
        assert_eq!(boolean("NA"), None);
    }

    /// Every string that could lowercase to a true word, against the lowercasing rule itself: a
    /// character whose lowercase is in none of the words cannot be part of one.
    #[test]
    fn booleans_are_read_as_lowercasing_would_read_them() {
        let words = ["true", "1", "si", "sí", "yes"];
        let by_lowercase = |t: &str| words.contains(&t.to_lowercase().as_str());
        let parts: Vec<char> = (0..=char::MAX as u32)
            .filter_map(char::from_u32)
            .filter(|c| words.iter().any(|w| w.contains(&c.to_lowercase().to_string())))
            .collect();
        assert!(parts.len() < 30, "{parts:?}");
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| parts.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        for s in strings.iter().filter(|s| !is_na(s)) {
            assert_eq!(boolean(s), Some(by_lowercase(s)), "{s:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number(" 44 "), Some(44.0));
        assert_eq!(number("6.1"), Some(6.1));
        assert_eq!(number("cuarenta"), None);
        assert_eq!(number("29 años"), None);
        assert_eq!(number("NA"), None);
        assert_eq!(number("inf"), None);
    }

    #[test]
    fn done_cells() {
        for c in ["1", "entregado", "si", "x"] {
            assert!(is_done(c), "{c:?}");
        }
        for c in ["0", "no", "NO", "false", "NA", ""] {
            assert!(!is_done(c), "{c:?}");
        }
    }
}

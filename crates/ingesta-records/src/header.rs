//! Header normalisation (SPEC section 2), so `Periodo de implementación` and
//! `periodo_de_implementacion` name the same column.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Normalises a CSV header cell: trim, lowercase, strip accents, collapse every run of characters
/// outside `[a-z0-9_]` into one `_`, and drop leading/trailing `_`.
///
/// ```
/// assert_eq!(ingesta_records::normalize_header(" Periodo de implementación "), "periodo_de_implementacion");
/// assert_eq!(ingesta_records::normalize_header("Participa director(a)"), "participa_director_a");
/// ```
pub fn normalize_header(raw: &str) -> String {
    let lowered = raw.trim_start_matches('\u{feff}').trim().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    let mut pending_sep = false;
    for c in lowered.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            if pending_sep {
                out.push('_');
                pending_sep = false;
            }
            out.push(c);
        } else {
            pending_sep = true;
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::normalize_header;

    #[test]
    fn normalises_the_sample_headers() {
        let cases = [
            ("ID", "id"),
            ("Teléfono", "telefono"),
            ("Lengua indígena", "lengua_indigena"),
            ("Antigüedad", "antiguedad"),
            ("Promedio módulos", "promedio_modulos"),
            ("Modalidad asist_1", "modalidad_asist_1"),
            ("\u{feff}ID", "id"),
            ("  --Año__escolar--  ", "ano__escolar"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_header(raw), want, "header {raw:?}");
        }
    }
}

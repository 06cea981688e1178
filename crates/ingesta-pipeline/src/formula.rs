//! Cells that a spreadsheet would run as a formula (OWASP's CSV-injection rule): a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which Excel
//! and LibreOffice show as text. A cell that already starts with `'` gets one too, so the rule
//! is reversible: the original is the cell without its first `'` whenever it starts with one.

use std::borrow::Cow;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as written to a report.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if TRIGGERS.contains(&c) || c == '\'' => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The original value of a report cell.
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_every_value_comes_back() {
        let hostile = ["=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1", "\r=1"];
        for v in hostile {
            let n = neutralise(v);
            assert!(n.starts_with('\''), "{v:?} -> {n:?}");
            assert_eq!(restore(&n), v);
        }
        for v in ["P-001", "ana@example.mx", "'quoted", "''", "", "a=b"] {
            assert_eq!(restore(&neutralise(v)), v, "{v:?}");
        }
        assert_eq!(neutralise("P-001"), "P-001", "ordinary cells are untouched");
        assert_eq!(neutralise("'x"), "''x");
    }
}

//! Report locations named after an input: the name becomes one safe folder name, so that no
//! input name (`...csv`, `../x.csv`, slashes, control characters) puts a report anywhere else.

/// `name` as one folder name: letters, digits, spaces, `-`, `_`, `.` and parentheses (as in
/// `export (1)`) kept, anything else `_`, leading dots dropped (no `..`, no hidden folder), at
/// most 100 characters; `input` when nothing is left.
pub fn safe_folder_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ' | '(' | ')') { c } else { '_' })
        .skip_while(|c| *c == '.')
        .take(100)
        .collect();
    if kept.is_empty() {
        "input".into()
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_leaves_its_folder() {
        for (name, want) in [
            ("..", "input"),
            ("", "input"),
            ("../x", "_x"),
            ("a/b\\c", "a_b_c"),
            ("x\u{7}\ny", "x__y"),
            (".hidden", "hidden"),
            ("participaciones 2024-Otoño", "participaciones 2024-Otoño"),
            ("export (1)", "export (1)"),
        ] {
            assert_eq!(safe_folder_name(name), want, "{name:?}");
        }
        assert_eq!(safe_folder_name(&"x".repeat(300)).len(), 100);
    }
}

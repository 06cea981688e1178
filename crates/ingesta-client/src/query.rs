//! Strapi look-up query strings.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but unreserved characters is escaped, so keys like `Otoño & co` survive intact.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// One equality condition of a look-up.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `filters[field][$eq]=value`
    Eq(String, String),
    /// `filters[relation][id][$eq]=id`
    Rel(String, u64),
}

impl Filter {
    pub fn eq(field: &str, value: impl Into<String>) -> Self {
        Self::Eq(field.to_string(), value.into())
    }

    pub fn rel(relation: &str, id: u64) -> Self {
        Self::Rel(relation.to_string(), id)
    }
}

/// The query string for `filters` plus the given pagination parameters.
pub(crate) fn query_string(filters: &[Filter], pagination: &[(&str, u64)]) -> String {
    let mut parts: Vec<String> = filters
        .iter()
        .map(|f| match f {
            Filter::Eq(k, v) => format!("filters[{k}][$eq]={}", utf8_percent_encode(v, VALUE)),
            Filter::Rel(k, id) => format!("filters[{k}][id][$eq]={id}"),
        })
        .collect();
    parts.extend(pagination.iter().map(|(k, v)| format!("pagination[{k}]={v}")));
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_values_not_keys() {
        let q = query_string(&[Filter::eq("periodo", "Otoño & 1+1"), Filter::rel("programa", 4)], &[("limit", 1)]);
        assert_eq!(
            q,
            "filters[periodo][$eq]=Oto%C3%B1o%20%26%201%2B1&filters[programa][id][$eq]=4&pagination[limit]=1"
        );
    }
}

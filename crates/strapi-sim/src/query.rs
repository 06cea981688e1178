//! Strapi's list query string: `filters[...]`, `pagination[...]`, `populate`.

use crate::store::{Filter, Op};
use percent_encoding::percent_decode_str;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Pagination {
    /// `pagination[start]` / `pagination[limit]`.
    Offset { start: usize, limit: usize },
    /// `pagination[page]` / `pagination[pageSize]` (the default).
    Page { page: usize, page_size: usize },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Populate {
    #[default]
    Nothing,
    All,
    Fields(Vec<String>),
}

impl Populate {
    pub fn includes(&self, field: &str) -> bool {
        match self {
            Populate::Nothing => false,
            Populate::All => true,
            Populate::Fields(f) => f.iter().any(|x| x == field),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub pagination: Pagination,
    pub populate: Populate,
}

/// Strapi caps page sizes at 100 by default.
pub const MAX_PAGE_SIZE: usize = 100;

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `filters[a][b][$eq]` → `["filters", "a", "b", "$eq"]`.
fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (head, rest) = key.split_once('[').map_or((key, ""), |(h, r)| (h, r));
    out.push(head.to_string());
    for part in rest.split('[') {
        let p = part.trim_end_matches(']');
        if !p.is_empty() {
            out.push(p.to_string());
        }
    }
    out
}

/// Parses a raw query string; an unsupported filter operator is an error (Strapi answers 400).
pub fn parse(raw: &str) -> Result<ListQuery, String> {
    let mut filters = Vec::new();
    let mut ins: BTreeMap<(String, Option<String>), Vec<String>> = BTreeMap::new();
    let (mut page, mut page_size, mut start, mut limit) = (None, None, None, None);
    let mut populate = Populate::Nothing;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(k), decode(v));
        let seg = segments(&key);
        let number = || value.parse::<usize>().map_err(|_| format!("{key} must be a number"));
        match seg.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["filters", field, rest @ ..] => {
                let (sub, op, is_in_item) = match rest {
                    [op] => (None, op.to_string(), false),
                    ["$in", _] => (None, "$in".into(), true),
                    [sub, op] if !sub.starts_with('$') => (Some(sub.to_string()), op.to_string(), false),
                    [sub, "$in", _] => (Some(sub.to_string()), "$in".into(), true),
                    _ => return Err(format!("Invalid filter {key}")),
                };
                let op = match op.as_str() {
                    "$eq" => Op::Eq(value),
                    "$ne" => Op::Ne(value),
                    "$null" => Op::Null(value == "true"),
                    "$in" if is_in_item => {
                        ins.entry((field.to_string(), sub)).or_default().push(value);
                        continue;
                    }
                    other => return Err(format!("Invalid operator {other}")),
                };
                filters.push(Filter { field: field.to_string(), sub, op });
            }
            ["pagination", "page"] => page = Some(number()?),
            ["pagination", "pageSize"] => page_size = Some(number()?),
            ["pagination", "start"] => start = Some(number()?),
            ["pagination", "limit"] => limit = Some(number()?),
            ["populate"] if value == "*" => populate = Populate::All,
            ["populate", ..] => {
                let mut names = match populate {
                    Populate::Fields(f) => f,
                    _ => Vec::new(),
                };
                // `populate[0]=a` and `populate=a,b` name fields; `populate[a]=true` too.
                let named = if seg.len() == 2 && seg[1].parse::<usize>().is_err() {
                    vec![seg[1].clone()]
                } else {
                    value.split(',').map(str::to_string).collect()
                };
                names.extend(named);
                populate = if names.iter().any(|n| n == "*") { Populate::All } else { Populate::Fields(names) };
            }
            _ => {}
        }
    }
    filters.extend(ins.into_iter().map(|((field, sub), values)| Filter { field, sub, op: Op::In(values) }));
    let pagination = if start.is_some() || limit.is_some() {
        Pagination::Offset { start: start.unwrap_or(0), limit: limit.unwrap_or(25).min(MAX_PAGE_SIZE) }
    } else {
        Pagination::Page { page: page.unwrap_or(1).max(1), page_size: page_size.unwrap_or(25).clamp(1, MAX_PAGE_SIZE) }
    };
    Ok(ListQuery { filters, pagination, populate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters_pagination_and_populate() {
        let q = parse("filters[periodo][$eq]=Oto%C3%B1o+2&filters[programa][id][$eq]=4&filters[clave][$in][0]=a&filters[clave][$in][1]=b&pagination[limit]=1&populate[0]=cct&populate=modulo").unwrap();
        assert_eq!(q.filters[0], Filter { field: "periodo".into(), sub: None, op: Op::Eq("Otoño 2".into()) });
        assert_eq!(q.filters[1], Filter { field: "programa".into(), sub: Some("id".into()), op: Op::Eq("4".into()) });
        assert_eq!(q.filters[2].op, Op::In(vec!["a".into(), "b".into()]));
        assert_eq!(q.pagination, Pagination::Offset { start: 0, limit: 1 });
        assert!(q.populate.includes("cct") && q.populate.includes("modulo") && !q.populate.includes("x"));
        let encoded = parse("filters%5Bnombre%5D%5B%24eq%5D=x&pagination%5BpageSize%5D=500").unwrap();
        assert_eq!(encoded.filters[0].op, Op::Eq("x".into()));
        assert_eq!(encoded.pagination, Pagination::Page { page: 1, page_size: 100 });
        assert!(parse("filters[a][$regex]=x").is_err());
    }
}

//! Strapi's query string: `filters[...]`, `pagination[...]` and `populate`, decoded like a
//! browser form (`+` is a space, `%xx` bytes are UTF-8).

use percent_encoding::percent_decode_str;

/// One condition of `filters[field]([sub])[op]=value`; a list of them is ANDed.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    /// For a relation: `id`, `documentId` or a field of the related collection.
    pub sub: Option<String>,
    pub op: Op,
}

/// The supported operators; values stay text and are compared with stored values' text form.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Eq(String),
    Ne(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    /// `$null=true` (or `$notNull=false`) wants the field empty.
    Null(bool),
    /// `$gt` / `$lt`: numbers compare as numbers (what keyset paging by `id` relies on), text as text.
    Gt(String),
    Lt(String),
}

/// Which page of the matching entries to answer, and how `meta.pagination` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// `pagination[start]` / `pagination[limit]`.
    Offset { start: usize, limit: usize },
    /// `pagination[page]` / `pagination[pageSize]`, the default.
    Page { page: usize, page_size: usize },
}

impl Pagination {
    /// How many matching entries to skip and return.
    pub fn window(&self) -> (usize, usize) {
        match *self {
            Pagination::Offset { start, limit } => (start, limit),
            Pagination::Page { page, page_size } => ((page - 1).saturating_mul(page_size), page_size),
        }
    }
}

/// Which relations to nest in the response.
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
            Populate::Fields(names) => names.iter().any(|n| n == field),
        }
    }

    fn add(&mut self, name: &str) {
        if name == "*" {
            *self = Populate::All;
        } else if let Populate::Fields(names) = self {
            names.push(name.to_string());
        } else if *self == Populate::Nothing {
            *self = Populate::Fields(vec![name.to_string()]);
        }
    }
}

/// A parsed list or single-entry query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub pagination: Pagination,
    pub populate: Populate,
}

/// Strapi's default `api.rest.maxLimit`.
pub const MAX_PAGE_SIZE: usize = 100;
/// Strapi's default `api.rest.defaultLimit`.
pub const DEFAULT_PAGE_SIZE: usize = 25;

/// Decodes one key or value of an `application/x-www-form-urlencoded` string.
pub fn decode(s: &str) -> String {
    // `+` must become a space before `%2B` turns into a literal plus.
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `filters[a][b][$eq]` → `["filters", "a", "b", "$eq"]`; `x[]` yields no empty segment.
fn segments(key: &str) -> Vec<&str> {
    let (head, rest) = key.split_once('[').unwrap_or((key, ""));
    std::iter::once(head).chain(rest.split('[').map(|p| p.trim_end_matches(']')).filter(|p| !p.is_empty())).collect()
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "t" | "1")
}

/// The filter a `filters[...]` key denotes; `$and` groups are flattened since all filters AND.
fn filter(path: &[&str], value: String, key: &str) -> Result<Filter, String> {
    let bad = || format!("Invalid filter {key}");
    match path {
        ["$and", index, rest @ ..] if index.parse::<usize>().is_ok() => filter(rest, value, key),
        [field, rest @ ..] if !field.starts_with('$') => {
            // A trailing list index (`$in][0]`) is positional only: values keep their order of arrival.
            let rest = match rest {
                [init @ .., last] if last.parse::<usize>().is_ok() => init,
                _ => rest,
            };
            let (sub, op) = match rest {
                [op] => (None, *op),
                [sub, op] if !sub.starts_with('$') => (Some(sub.to_string()), *op),
                _ => return Err(bad()),
            };
            let op = match op {
                "$eq" => Op::Eq(value),
                "$ne" => Op::Ne(value),
                "$in" => Op::In(vec![value]),
                "$notIn" => Op::NotIn(vec![value]),
                "$null" => Op::Null(truthy(&value)),
                "$notNull" => Op::Null(!truthy(&value)),
                "$gt" => Op::Gt(value),
                "$lt" => Op::Lt(value),
                other => return Err(format!("Invalid operator {other}")),
            };
            Ok(Filter { field: field.to_string(), sub, op })
        }
        _ => Err(bad()),
    }
}

fn number(key: &str, value: &str) -> Result<usize, String> {
    value.trim().parse().map_err(|_| format!("Invalid pagination parameter {key}: {value}"))
}

/// Parses a raw query string. Unsupported filters are errors (Strapi answers 400); unknown
/// parameters such as `sort` or `fields` are ignored.
pub fn parse(raw: &str) -> Result<ListQuery, String> {
    let mut filters: Vec<Filter> = Vec::new();
    let (mut page, mut page_size, mut start, mut limit) = (None, None, None, None);
    let mut populate = Populate::Nothing;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(k), decode(v));
        let seg = segments(&key);
        match seg.as_slice() {
            ["filters", path @ ..] => {
                let f = filter(path, value, &key)?;
                // The items of one `$in` list arrive as separate parameters: gather them.
                let same_list = filters.iter_mut().find(|g| {
                    g.field == f.field
                        && g.sub == f.sub
                        && matches!((&g.op, &f.op), (Op::In(_), Op::In(_)) | (Op::NotIn(_), Op::NotIn(_)))
                });
                match (same_list, f.op) {
                    (Some(g), Op::In(mut more) | Op::NotIn(mut more)) => match &mut g.op {
                        Op::In(items) | Op::NotIn(items) => items.append(&mut more),
                        _ => unreachable!("matched as a list above"),
                    },
                    (_, op) => filters.push(Filter { op, ..f }),
                }
            }
            ["pagination", "page"] => page = Some(number(&key, &value)?),
            ["pagination", "pageSize"] => page_size = Some(number(&key, &value)?),
            ["pagination", "start"] => start = Some(number(&key, &value)?),
            ["pagination", "limit"] => limit = Some(number(&key, &value)?),
            ["populate"] => value.split(',').map(str::trim).filter(|n| !n.is_empty()).for_each(|n| populate.add(n)),
            ["populate", index] if index.parse::<usize>().is_ok() => populate.add(&value),
            // `populate[a]=false` is how a client says "not a".
            ["populate", _, ..] if value == "false" => {}
            ["populate", name, ..] => populate.add(name),
            _ => {}
        }
    }
    let offset = start.is_some() || limit.is_some();
    if offset && (page.is_some() || page_size.is_some()) {
        return Err("Invalid pagination attributes. The page parameters are incorrectly mixed with the offset \
                    parameters. Please use only one pagination technique"
            .into());
    }
    let pagination = if offset {
        Pagination::Offset { start: start.unwrap_or(0), limit: limit.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE) }
    } else {
        let page = page.unwrap_or(1);
        if page == 0 {
            return Err("Invalid pagination parameter pagination[page]: 0".into());
        }
        Pagination::Page { page, page_size: page_size.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) }
    };
    Ok(ListQuery { filters, pagination, populate })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(field: &str, sub: Option<&str>, v: &str) -> Filter {
        Filter { field: field.into(), sub: sub.map(Into::into), op: Op::Eq(v.into()) }
    }

    #[test]
    fn decodes_like_a_form() {
        assert_eq!(decode("Oto%C3%B1o+2024"), "Otoño 2024");
        assert_eq!(decode("a%2Bb+c"), "a+b c");
        assert_eq!(decode("%ZZ"), "%ZZ");
    }

    #[test]
    fn parses_filters_pagination_and_populate() {
        let q = parse(
            "filters[periodo][$eq]=Oto%C3%B1o+2&filters[programa][id][$eq]=4&filters[clave][$in][0]=a\
             &filters[clave][$in][1]=b&filters[cct][$null]=true&pagination[limit]=1&populate[0]=cct&populate=modulo",
        )
        .unwrap();
        assert_eq!(q.filters[0], eq("periodo", None, "Otoño 2"));
        assert_eq!(q.filters[1], eq("programa", Some("id"), "4"));
        assert_eq!(q.filters[2].op, Op::In(vec!["a".into(), "b".into()]));
        assert_eq!(q.filters[3].op, Op::Null(true));
        assert_eq!(q.filters.len(), 4);
        assert_eq!(q.pagination, Pagination::Offset { start: 0, limit: 1 });
        assert!(q.populate.includes("cct") && q.populate.includes("modulo") && !q.populate.includes("x"));
    }

    #[test]
    fn encoded_brackets_defaults_and_limits() {
        let q = parse("filters%5Bnombre%5D%5B%24eq%5D=x&pagination%5BpageSize%5D=500").unwrap();
        assert_eq!(q.filters, vec![eq("nombre", None, "x")]);
        assert_eq!(q.pagination, Pagination::Page { page: 1, page_size: 100 });
        let d = parse("").unwrap();
        assert_eq!(d.pagination, Pagination::Page { page: 1, page_size: 25 });
        assert_eq!(d.populate, Populate::Nothing);
        assert_eq!(parse("pagination[page]=3&pagination[pageSize]=10").unwrap().pagination.window(), (20, 10));
        assert_eq!(parse("filters[$and][0][a][$eq]=1").unwrap().filters, vec![eq("a", None, "1")]);
        assert_eq!(parse("populate=*").unwrap().populate, Populate::All);
        assert_eq!(parse("populate[cct][fields][0]=clave").unwrap().populate, Populate::Fields(vec!["cct".into()]));
    }

    #[test]
    fn refuses_what_strapi_refuses() {
        assert!(parse("filters[a][$regex]=x").unwrap_err().contains("$regex"));
        assert!(parse("filters[$or][0][a][$eq]=x").is_err());
        assert!(parse("pagination[limit]=x").is_err());
        assert!(parse("pagination[limit]=1&pagination[page]=1").unwrap_err().contains("mixed"));
        assert!(parse("pagination[page]=0").is_err());
    }
}

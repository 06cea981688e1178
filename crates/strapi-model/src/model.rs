//! The model's types, read from Strapi's `schema.json` shape or the content-type builder's.

use serde_json::{Map, Value};

/// What an attribute holds, grouped by how a value must be sent.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrType {
    /// `string`, `text`, `richtext`, `email`, `uid`, `password`: a JSON string.
    Text,
    /// `enumeration`: one of the listed strings.
    Enumeration(Vec<String>),
    /// `integer`, `biginteger`: a whole JSON number.
    Integer,
    /// `decimal`, `float`: any JSON number.
    Decimal,
    /// `boolean`.
    Boolean,
    /// A relation to the content type `target` (a uid such as `api::cct.cct`); `many` for
    /// `oneToMany`/`manyToMany`, which take an array of ids.
    Relation { target: String, many: bool },
    /// Anything ingesta never sends (dates, JSON, media, components…), by Strapi's type name.
    Other(String),
}

impl AttrType {
    fn parse(a: &Map<String, Value>) -> Self {
        let name = a.get("type").and_then(Value::as_str).unwrap_or("");
        match name {
            "string" | "text" | "richtext" | "email" | "uid" | "password" => Self::Text,
            "enumeration" => Self::Enumeration(
                a.get("enum")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default(),
            ),
            "integer" | "biginteger" => Self::Integer,
            "decimal" | "float" => Self::Decimal,
            "boolean" => Self::Boolean,
            "relation" => Self::Relation {
                target: a.get("target").and_then(Value::as_str).unwrap_or("").to_string(),
                many: matches!(a.get("relation").and_then(Value::as_str), Some("oneToMany" | "manyToMany")),
            },
            other => Self::Other(other.to_string()),
        }
    }
}

/// One attribute of a content type.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: AttrType,
    /// Strapi's own type name (`string`, `integer`, `relation`…), for messages.
    pub type_name: String,
    /// The server refuses a second entry with the same value (single field only: Strapi has no
    /// composite unique keys).
    pub unique: bool,
    pub required: bool,
}

/// One collection type.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentType {
    /// `api::<singular>.<singular>`.
    pub uid: String,
    pub singular: String,
    /// The REST route: `/api/<plural>`.
    pub plural: String,
    /// Entries are drafts unless created with `status=published`.
    pub draft_and_publish: bool,
    /// By name.
    pub attributes: Vec<Attribute>,
}

impl ContentType {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Attributes the server keeps unique.
    pub fn unique_fields(&self) -> impl Iterator<Item = &str> {
        self.attributes.iter().filter(|a| a.unique).map(|a| a.name.as_str())
    }
}

/// A model that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{source_name}: {reason}")]
    Invalid { source_name: String, reason: String },
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
}

pub(crate) fn invalid(source_name: &str, reason: impl Into<String>) -> ModelError {
    ModelError::Invalid { source_name: source_name.to_string(), reason: reason.into() }
}

/// Every collection type of one CMS.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub types: Vec<ContentType>,
}

impl Model {
    /// The collection served at `/api/<plural>`.
    pub fn collection(&self, plural: &str) -> Option<&ContentType> {
        self.types.iter().find(|t| t.plural == plural)
    }

    /// The collection with this uid (`api::cct.cct`), as relations name their targets.
    pub fn by_uid(&self, uid: &str) -> Option<&ContentType> {
        self.types.iter().find(|t| t.uid == uid)
    }

    /// The route of a relation's target, or the uid itself when the model lacks it.
    pub fn route_of<'a>(&'a self, uid: &'a str) -> &'a str {
        self.by_uid(uid).map_or(uid, |t| t.plural.as_str())
    }

    /// Reads one Strapi `schema.json` (the file a Strapi project keeps per content type).
    pub fn parse_schema_file(source_name: &str, v: &Value) -> Result<ContentType, ModelError> {
        let info = v.get("info").ok_or_else(|| invalid(source_name, "no \"info\" object"))?;
        let dap = v.pointer("/options/draftAndPublish").and_then(Value::as_bool).unwrap_or(false);
        content_type(source_name, info, v.get("attributes"), dap)
    }

    /// Reads the answer of `GET /api/content-type-builder/content-types`: `{"data": [{"uid",
    /// "schema": {...}}]}`. Only the project's own types (`api::…`) are kept; plugin and admin
    /// types are not collections we write.
    pub fn from_content_type_builder(v: &Value) -> Result<Model, ModelError> {
        const SRC: &str = "content-type-builder answer";
        let items = v.get("data").and_then(Value::as_array).ok_or_else(|| invalid(SRC, "no \"data\" array"))?;
        let mut types = Vec::new();
        for item in items {
            let uid = item.get("uid").and_then(Value::as_str).unwrap_or("");
            if !uid.starts_with("api::") {
                continue;
            }
            let schema = item.get("schema").ok_or_else(|| invalid(SRC, format!("{uid} has no schema")))?;
            if schema.get("kind").and_then(Value::as_str) == Some("singleType") {
                continue;
            }
            let dap = schema.get("draftAndPublish").and_then(Value::as_bool).unwrap_or(false);
            types.push(content_type(SRC, schema, schema.get("attributes"), dap)?);
        }
        Ok(Model { types })
    }
}

fn content_type(
    source_name: &str,
    names: &Value,
    attributes: Option<&Value>,
    draft_and_publish: bool,
) -> Result<ContentType, ModelError> {
    let name = |k: &str| {
        names.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| invalid(source_name, format!("no {k}")))
    };
    let singular = name("singularName")?;
    let plural = name("pluralName")?;
    let attrs = attributes
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(source_name, format!("{plural} has no attributes object")))?;
    let attributes = attrs
        .iter()
        .map(|(n, a)| {
            let a = a.as_object().ok_or_else(|| invalid(source_name, format!("{plural}.{n} is not an object")))?;
            Ok(Attribute {
                name: n.clone(),
                ty: AttrType::parse(a),
                type_name: a.get("type").and_then(Value::as_str).unwrap_or("?").to_string(),
                unique: a.get("unique").and_then(Value::as_bool).unwrap_or(false),
                required: a.get("required").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect::<Result<_, ModelError>>()?;
    Ok(ContentType { uid: format!("api::{singular}.{singular}"), singular, plural, draft_and_publish, attributes })
}

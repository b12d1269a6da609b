//! CSV columns → a credential subject. The header names the claims; a dotted name
//! builds nested objects (`address.locality`), a numeric segment an array element
//! (`representatives.0.family_name`); elements are taken in index order and gaps
//! close up, so a file with columns for three representatives serves rows with one.
//! The type's JSON Schema says what a cell holds: a list of strings is written
//! `62.01;62.02` (items trimmed, empty items dropped), an integer, number or
//! boolean is parsed (and left as text if it does not parse, for the issuer to
//! report), anything else is text as written. An empty cell gives no claim.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

/// The column that holds the applicant reference.
pub const REFERENCE_COLUMN: &str = "reference";
/// Largest array index in a column name.
pub const MAX_INDEX: usize = 999;
/// Most segments in a column name.
pub const MAX_DEPTH: usize = 8;
/// Separates the items of a list of strings in one cell.
pub const LIST_SEPARATOR: char = ';';

/// A header the importer cannot use: the whole file is refused before any row is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// No `reference` column.
    #[error("the header has no {REFERENCE_COLUMN:?} column")]
    NoReference,
    /// A name used twice.
    #[error("column {0:?} appears twice in the header")]
    Duplicate(String),
    /// A name that is not a claim path.
    #[error("column {column:?}: {why}")]
    BadName {
        /// The column.
        column: String,
        /// What is wrong.
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// What one cell holds, from the schema at the column's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Text,
    TextList,
    Integer,
    Number,
    Boolean,
}

#[derive(Debug, Clone)]
struct Column {
    field: usize,
    path: Vec<Seg>,
    leaf: Leaf,
}

/// How a file's columns map to claims.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    reference: usize,
    width: usize,
    columns: Vec<Column>,
}

impl CsvColumns {
    /// Reads the header against the type's JSON Schema (`None`: every cell is text).
    ///
    /// # Errors
    /// [`HeaderError`]: no reference column, a name twice, a bad name, or names that
    /// would put a value and nested fields (or an object and a list) in one place.
    pub fn from_header(header: &[String], schema: Option<&Value>) -> Result<Self, HeaderError> {
        let mut reference = None;
        let mut columns = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut shape = Node::Object(BTreeMap::new());
        for (field, name) in header.iter().enumerate() {
            let name = name.trim();
            if !seen.insert(name.to_owned()) {
                return Err(HeaderError::Duplicate(name.to_owned()));
            }
            if name == REFERENCE_COLUMN {
                reference = Some(field);
                continue;
            }
            let bad = |why: &str| HeaderError::BadName {
                column: name.to_owned(),
                why: why.to_owned(),
            };
            let path = parse_name(name).map_err(bad)?;
            shape.insert(&path, Value::Bool(true)).map_err(bad)?;
            let leaf = schema.map_or(Leaf::Text, |s| leaf_at(s, &path));
            columns.push(Column { field, path, leaf });
        }
        Ok(CsvColumns {
            reference: reference.ok_or(HeaderError::NoReference)?,
            width: header.len(),
            columns,
        })
    }

    /// How many fields every record has.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// The reference cell, trimmed (empty when the record is short).
    #[must_use]
    pub fn reference<'a>(&self, fields: &'a [String]) -> &'a str {
        fields.get(self.reference).map_or("", |f| f.trim())
    }

    /// The claims of one record.
    ///
    /// # Errors
    /// A sentence, if the cells cannot form a subject (not expected after the header
    /// was accepted, but never a panic).
    pub fn claims(&self, fields: &[String]) -> Result<Map<String, Value>, String> {
        let mut root = Node::Object(BTreeMap::new());
        for column in &self.columns {
            let Some(cell) = fields.get(column.field) else {
                continue;
            };
            if let Some(value) = cell_value(cell, column.leaf) {
                root.insert(&column.path, value)
                    .map_err(|why| format!("column {}: {why}", column.field + 1))?;
            }
        }
        match root.into_value() {
            Value::Object(map) => Ok(map),
            _ => Err("the claims are not an object".into()),
        }
    }
}

fn parse_name(name: &str) -> Result<Vec<Seg>, &'static str> {
    if name.is_empty() {
        return Err("a column name is empty");
    }
    let mut path = Vec::new();
    for segment in name.split('.') {
        if path.len() == MAX_DEPTH {
            return Err("the name nests too deep");
        }
        if segment.is_empty() {
            return Err("a name segment is empty");
        }
        if segment.bytes().all(|b| b.is_ascii_digit()) {
            let index: usize = segment
                .parse()
                .ok()
                .filter(|i| *i <= MAX_INDEX)
                .ok_or("an array index is above 999")?;
            if path.is_empty() {
                return Err("a name cannot start with an array index");
            }
            path.push(Seg::Index(index));
        } else {
            path.push(Seg::Key(segment.to_owned()));
        }
    }
    Ok(path)
}

fn cell_value(cell: &str, leaf: Leaf) -> Option<Value> {
    if cell.is_empty() {
        return None;
    }
    let text = || Some(Value::String(cell.to_owned()));
    match leaf {
        Leaf::Text => text(),
        Leaf::TextList => {
            let items: Vec<Value> = cell
                .split(LIST_SEPARATOR)
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Leaf::Integer => cell
            .trim()
            .parse::<i64>()
            .map(|n| Value::Number(n.into()))
            .ok()
            .or_else(text),
        Leaf::Number => cell
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .or_else(text),
        Leaf::Boolean => match cell.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => text(),
        },
    }
}

/// Follows local `$ref`s (`#/$defs/…`), a bounded number of times.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer))
        {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

fn type_of(node: &Value) -> Option<&str> {
    match node.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

/// What the schema expects at `path` (text when it does not say).
fn leaf_at(root: &Value, path: &[Seg]) -> Leaf {
    let mut node = resolve(root, root);
    for seg in path {
        let next = match seg {
            Seg::Key(key) => node.get("properties").and_then(|p| p.get(key)),
            Seg::Index(_) => node.get("items"),
        };
        match next {
            Some(next) => node = resolve(root, next),
            None => return Leaf::Text,
        }
    }
    match type_of(node) {
        Some("array") => {
            let items = node.get("items").map(|i| resolve(root, i));
            if items.and_then(type_of) == Some("string") {
                Leaf::TextList
            } else {
                Leaf::Text
            }
        }
        Some("integer") => Leaf::Integer,
        Some("number") => Leaf::Number,
        Some("boolean") => Leaf::Boolean,
        _ => Leaf::Text,
    }
}

/// A subject being built: arrays are kept by index until the end.
enum Node {
    Value(Value),
    Object(BTreeMap<String, Node>),
    Array(BTreeMap<usize, Node>),
}

impl Node {
    fn empty_for(rest: &[Seg]) -> Node {
        match rest.first() {
            None => Node::Value(Value::Null),
            Some(Seg::Key(_)) => Node::Object(BTreeMap::new()),
            Some(Seg::Index(_)) => Node::Array(BTreeMap::new()),
        }
    }

    fn insert(&mut self, path: &[Seg], value: Value) -> Result<(), &'static str> {
        let Some((seg, rest)) = path.split_first() else {
            return Err("an empty claim path");
        };
        let child = match (self, seg) {
            (Node::Object(map), Seg::Key(key)) => map
                .entry(key.clone())
                .or_insert_with(|| Node::empty_for(rest)),
            (Node::Array(map), Seg::Index(index)) => {
                map.entry(*index).or_insert_with(|| Node::empty_for(rest))
            }
            (Node::Value(_), _) => return Err("it puts nested fields under a plain value"),
            _ => return Err("it makes one claim both an object and a list"),
        };
        if rest.is_empty() {
            return match child {
                Node::Value(slot @ Value::Null) => {
                    *slot = value;
                    Ok(())
                }
                Node::Value(_) => Err("the claim is given twice"),
                _ => Err("it gives a plain value where nested fields are"),
            };
        }
        child.insert(rest, value)
    }

    fn into_value(self) -> Value {
        match self {
            Node::Value(v) => v,
            Node::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, node)| (key, node.into_value()))
                    .collect(),
            ),
            Node::Array(map) => Value::Array(map.into_values().map(Node::into_value).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn business_schema() -> Value {
        sigillum_credential::schema::CredentialTypes::builtin()
            .unwrap()
            .get("business_license")
            .unwrap()
            .spec()
            .schema
            .clone()
    }

    #[test]
    fn dotted_and_indexed_names_build_nested_objects_and_lists_from_the_schema() {
        let schema = business_schema();
        let header = strings(&[
            "reference",
            "legal_name",
            "address.street",
            "address.locality",
            "activity_codes",
            "representatives.0.family_name",
            "representatives.0.role",
            "representatives.1.family_name",
            "representatives.1.role",
            "representatives.2.family_name",
        ]);
        let columns = CsvColumns::from_header(&header, Some(&schema)).unwrap();
        let row = strings(&[
            " B-1 ",
            "Zenith Ltd.",
            "Harbour Street 40",
            "Zenith",
            "62.01; 62.02;;",
            "",
            "",
            "OKONKWO",
            "partner",
            "ERIKSSON",
        ]);
        assert_eq!(columns.reference(&row), "B-1");
        assert_eq!(
            Value::Object(columns.claims(&row).unwrap()),
            json!({
                "legal_name": "Zenith Ltd.",
                "address": {"street": "Harbour Street 40", "locality": "Zenith"},
                "activity_codes": ["62.01", "62.02"],
                "representatives": [
                    {"family_name": "OKONKWO", "role": "partner"},
                    {"family_name": "ERIKSSON"}
                ]
            })
        );
    }

    #[test]
    fn empty_cells_give_no_claim_and_unknown_columns_stay_text() {
        let header = strings(&["reference", "eye_colour", "address.country"]);
        let columns = CsvColumns::from_header(&header, Some(&business_schema())).unwrap();
        let claims = columns.claims(&strings(&["r", "", "UTO"])).unwrap();
        assert_eq!(
            Value::Object(claims),
            json!({"address": {"country": "UTO"}})
        );
        let claims = columns.claims(&strings(&["r", "blue;green", ""])).unwrap();
        assert_eq!(Value::Object(claims), json!({"eye_colour": "blue;green"}));
    }

    #[test]
    fn numbers_and_booleans_are_parsed_where_the_schema_says_so() {
        let schema = json!({"type": "object", "properties": {
            "n": {"type": "integer"}, "x": {"type": ["number", "null"]},
            "ok": {"$ref": "#/$defs/flag"}}, "$defs": {"flag": {"type": "boolean"}}});
        let columns =
            CsvColumns::from_header(&strings(&["reference", "n", "x", "ok"]), Some(&schema))
                .unwrap();
        let claims = columns
            .claims(&strings(&["r", "42", "2.5", "true"]))
            .unwrap();
        assert_eq!(
            Value::Object(claims),
            json!({"n": 42, "x": 2.5, "ok": true})
        );
        let claims = columns.claims(&strings(&["r", "4x", "no", "yes"])).unwrap();
        assert_eq!(
            Value::Object(claims),
            json!({"n": "4x", "x": "no", "ok": "yes"})
        );
    }

    #[test]
    fn bad_headers_are_refused_with_the_column() {
        let refuse = |names: &[&str]| CsvColumns::from_header(&strings(names), None).unwrap_err();
        assert_eq!(refuse(&["name"]), HeaderError::NoReference);
        assert_eq!(
            refuse(&["reference", "a", " a "]),
            HeaderError::Duplicate("a".into())
        );
        for (names, column) in [
            (
                &["reference", "address", "address.street"][..],
                "address.street",
            ),
            (&["reference", "a.b", "a"][..], "a"),
            (&["reference", "x.0", "x.k"][..], "x.k"),
            (&["reference", "x..y"][..], "x..y"),
            (&["reference", "0.x"][..], "0.x"),
            (&["reference", "x.1000"][..], "x.1000"),
            (&["reference", ""][..], ""),
            (&["reference", "a.b.c.d.e.f.g.h.i"][..], "a.b.c.d.e.f.g.h.i"),
        ] {
            assert!(
                matches!(refuse(names), HeaderError::BadName { column: c, .. } if c == column),
                "{names:?}"
            );
        }
    }
}

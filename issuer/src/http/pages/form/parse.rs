//! A submitted form read back as a claims object: empty optional fields left out,
//! blank rows dropped (and the rows after them renumbered), and a map from each JSON
//! Pointer in the claims to the form field it came from, so the schema's messages land
//! next to the right input.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::{Field, FormSpec, Kind};

/// Most name/value pairs read from one submission.
pub(crate) const MAX_PAIRS: usize = 2000;

/// The submitted name/value pairs; the first value of a name counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Values(HashMap<String, String>);

impl Values {
    /// From a form body's pairs, at most [`MAX_PAIRS`] of them (`None` when there are more).
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Option<Self> {
        if pairs.len() > MAX_PAIRS {
            return None;
        }
        let mut map = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            map.entry(name).or_insert(value);
        }
        Some(Values(map))
    }

    /// The value of `name`, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

/// A submission read as claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Parsed {
    /// The claims object, empty optional fields left out.
    pub claims: Map<String, Value>,
    /// JSON Pointer of each place in `claims` → the dotted form name it came from
    /// (rows are renumbered when blank ones are left out).
    places: HashMap<String, String>,
}

impl Parsed {
    /// The form field a schema violation at `pointer` belongs to: the field at that
    /// place, or the nearest enclosing one (`/activity_codes/1` → `activity_codes`).
    pub(crate) fn field_for(&self, pointer: &str) -> Option<&str> {
        let mut pointer = pointer;
        loop {
            if let Some(name) = self.places.get(pointer) {
                return Some(name);
            }
            let (parent, _) = pointer.rsplit_once('/')?;
            pointer = parent;
        }
    }
}

/// Reads a submission as claims.
pub(crate) fn parse(spec: &FormSpec, values: &Values) -> Parsed {
    let mut parsed = Parsed::default();
    let claims = parse_fields(&spec.fields, "", "", values, &mut parsed.places);
    parsed.claims = claims;
    parsed
}

fn parse_fields(
    fields: &[Field],
    prefix: &str,
    pointer: &str,
    values: &Values,
    places: &mut HashMap<String, String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for field in fields {
        let name = format!("{prefix}{}", field.key);
        let here = format!("{pointer}/{}", field.key);
        places.insert(here.clone(), name.clone());
        if let Some(value) = parse_field(field, &name, &here, values, places) {
            out.insert(field.key.clone(), value);
        }
    }
    out
}

fn parse_field(
    field: &Field,
    name: &str,
    pointer: &str,
    values: &Values,
    places: &mut HashMap<String, String>,
) -> Option<Value> {
    let raw = values.get(name).trim();
    match &field.kind {
        Kind::Text(rules) => {
            if raw.is_empty() {
                // A required string that may be empty (given_names) is sent as "";
                // any other empty field is left out, so the schema says it is missing.
                (field.required && rules.allows_empty()).then(|| Value::String(String::new()))
            } else {
                Some(Value::String(raw.to_owned()))
            }
        }
        Kind::Date => (!raw.is_empty()).then(|| Value::String(raw.to_owned())),
        Kind::Number { integer } => (!raw.is_empty()).then(|| number(raw, *integer)),
        Kind::Bool => match raw {
            "" => None,
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            other => Some(Value::String(other.to_owned())),
        },
        Kind::Choice(options) => (!raw.is_empty()).then(|| {
            options
                .iter()
                .find(|o| option_text(o) == raw)
                .cloned()
                .unwrap_or_else(|| Value::String(raw.to_owned()))
        }),
        Kind::Json => (!raw.is_empty())
            .then(|| serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))),
        Kind::List { .. } => {
            let items: Vec<Value> = raw
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(|i| Value::String(i.to_owned()))
                .collect();
            (field.required || !items.is_empty()).then_some(Value::Array(items))
        }
        Kind::Group(fields) => {
            let prefix = format!("{name}.");
            let inner = parse_fields(fields, &prefix, pointer, values, places);
            (field.required || !blank(fields, &prefix, values)).then_some(Value::Object(inner))
        }
        Kind::Rows { rows, fields, .. } => {
            let mut items = Vec::new();
            for row in 0..*rows {
                let prefix = format!("{name}.{row}.");
                if blank(fields, &prefix, values) {
                    continue;
                }
                let at = format!("{pointer}/{}", items.len());
                places.insert(at.clone(), format!("{name}.{row}"));
                items.push(Value::Object(parse_fields(
                    fields, &prefix, &at, values, places,
                )));
            }
            (field.required || !items.is_empty()).then_some(Value::Array(items))
        }
    }
}

/// Whether every input under `prefix` is empty (a row or optional group left unfilled).
fn blank(fields: &[Field], prefix: &str, values: &Values) -> bool {
    fields.iter().all(|field| {
        let name = format!("{prefix}{}", field.key);
        match &field.kind {
            Kind::Group(inner) => blank(inner, &format!("{name}."), values),
            Kind::Rows { rows, fields, .. } => {
                (0..*rows).all(|row| blank(fields, &format!("{name}.{row}."), values))
            }
            _ => values.get(&name).trim().is_empty(),
        }
    })
}

/// An integer, a finite number, or else the text itself (which the schema then
/// refuses with its own message).
fn number(raw: &str, integer: bool) -> Value {
    if let Ok(i) = raw.parse::<i64>() {
        return Value::Number(i.into());
    }
    if !integer && let Some(n) = raw.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(raw.to_owned())
}

/// How an `enum` value is written in an `<option value>`.
pub(crate) fn option_text(option: &Value) -> String {
    match option {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

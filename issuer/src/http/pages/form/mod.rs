//! A credential type's JSON Schema (2020-12) as an HTML form, and the submitted form
//! back as a claims object.
//!
//! ```text
//!  schema ──FormSpec::from_type──▶ [Field] ──render──▶ <input name="address.locality">
//!  form pairs ──Values──▶ parse ──▶ claims {"address": {"locality": …}}  + where each
//!                                   JSON Pointer came from (for the schema's messages)
//! ```
//!
//! | schema                                   | form                                    |
//! | ---------------------------------------- | --------------------------------------- |
//! | `type: string` (`pattern`, `*Length`)    | text input with those attributes        |
//! | `format: date` (`$ref: #/$defs/date`)    | `<input type=date>`                     |
//! | `enum`                                   | `<select>`                              |
//! | `integer` / `number`, `boolean`          | number input; yes/no select             |
//! | `object` with `properties`               | `<fieldset>`, names `address.locality`  |
//! | array of strings                         | one text input, comma-separated         |
//! | array of objects                         | [`ROWS`] repeated fieldsets, `reps.0.x` |
//! | anything else                            | a textarea holding JSON                 |
//!
//! Only local references (`#/…`) are followed, at most [`MAX_REF_HOPS`] deep, and
//! objects nest at most [`MAX_DEPTH`] levels, so a schema cannot make the form unbounded.

mod parse;
#[cfg(test)]
mod tests;

use serde_json::Value;
use sigillum_credential::schema::CredentialType;

/// Form fields that are not claims: the applicant reference and the credential format.
pub(crate) const RESERVED: [&str; 2] = ["reference", "format"];
/// Rows shown for an array of objects (more when the schema's `minItems` asks).
pub(crate) const ROWS: usize = 3;
/// Most rows shown for one array of objects.
const MAX_ROWS: usize = 20;
/// Deepest nesting of objects and arrays of objects.
pub(crate) const MAX_DEPTH: usize = 4;
/// Most `$ref` hops followed from one schema node.
pub(crate) const MAX_REF_HOPS: usize = 8;
/// Most fields one form holds (rows included).
const MAX_FIELDS: usize = 1000;
/// Longest property name accepted as a form field name segment.
const MAX_KEY: usize = 64;

/// Why a schema cannot be shown as a form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum FormError {
    /// The subject schema is not an object with properties.
    #[error("the subject schema has no properties")]
    NotAnObject,
    /// A property name the form cannot carry (a reserved name, a dot, odd characters).
    #[error("property {0:?} cannot be a form field name")]
    Name(String),
    /// Too many fields.
    #[error("the form would have more than {MAX_FIELDS} fields")]
    TooLarge,
}

/// The shape of the text a string field accepts (JSON Schema Validation 2020-12 §6.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TextRules {
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
}

impl TextRules {
    /// Whether the empty string can be valid (no pattern, no positive `minLength`).
    pub(crate) fn allows_empty(&self) -> bool {
        self.pattern.is_none() && self.min_length.unwrap_or(0) == 0
    }
}

/// How one field is entered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A text input.
    Text(TextRules),
    /// `<input type=date>` (RFC 3339 full-date, what the control submits).
    Date,
    /// A number input.
    Number {
        /// `integer` rather than `number`.
        integer: bool,
    },
    /// Yes / no.
    Bool,
    /// One of the `enum` values.
    Choice(Vec<Value>),
    /// An object's properties, in a fieldset.
    Group(Vec<Field>),
    /// An array of strings, comma-separated in one input.
    List {
        /// Each item's rules.
        item: TextRules,
        /// `minItems`.
        min_items: u64,
    },
    /// An array of objects, as repeated fieldsets; blank rows are left out.
    Rows {
        /// Rows shown.
        rows: usize,
        /// `minItems`.
        min_items: usize,
        /// Each row's fields.
        fields: Vec<Field>,
    },
    /// Anything else, typed as JSON.
    Json,
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// The property name (one segment of the dotted form name).
    pub key: String,
    /// What the officer reads.
    pub label: String,
    /// A sentence under the input, if the type says one.
    pub hint: Option<String>,
    /// Listed in the object's `required`.
    pub required: bool,
    /// How it is entered.
    pub kind: Kind,
}

impl Field {
    /// Whether an empty input can stand for a valid value (so the browser must not
    /// insist on one): a string without pattern or minimum length, e.g. `given_names`.
    pub(crate) fn allows_empty(&self) -> bool {
        match &self.kind {
            Kind::Text(rules) => rules.allows_empty(),
            Kind::List { min_items, .. } => *min_items == 0,
            Kind::Rows { min_items, .. } => *min_items == 0,
            _ => false,
        }
    }
}

/// A credential type's form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FormSpec {
    /// The top-level claims.
    pub fields: Vec<Field>,
}

/// A schema node together with the nodes its `$ref` chain leads to; keywords are looked
/// up in that order (2020-12 lets `$ref` sit beside other keywords).
struct Node<'a>(Vec<&'a Value>);

impl<'a> Node<'a> {
    fn new(root: &'a Value, mut node: &'a Value) -> Self {
        let mut chain = vec![node];
        for _ in 0..MAX_REF_HOPS {
            let target = node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| root.pointer(pointer));
            match target {
                Some(next) => {
                    chain.push(next);
                    node = next;
                }
                None => break,
            }
        }
        Node(chain)
    }

    fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.0.iter().find_map(|n| n.get(keyword))
    }

    fn str(&self, keyword: &str) -> Option<&'a str> {
        self.get(keyword).and_then(Value::as_str)
    }

    fn u64(&self, keyword: &str) -> Option<u64> {
        self.get(keyword).and_then(Value::as_u64)
    }

    /// The first non-null `type`.
    fn json_type(&self) -> Option<&'a str> {
        match self.get("type")? {
            Value::String(t) => Some(t),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
            _ => None,
        }
    }

    fn text_rules(&self) -> TextRules {
        TextRules {
            pattern: self.str("pattern").map(str::to_owned),
            min_length: self.u64("minLength"),
            max_length: self.u64("maxLength"),
        }
    }
}

/// Counts fields as they are made, to stop at [`MAX_FIELDS`].
struct Builder<'a> {
    root: &'a Value,
    made: usize,
}

impl FormSpec {
    /// The form of a credential type: its schema's properties, labelled from its `claims`.
    ///
    /// # Errors
    /// [`FormError`] when the schema cannot be shown as a form.
    pub(crate) fn from_type(spec: &CredentialType) -> Result<Self, FormError> {
        Self::from_schema(&spec.schema, |claim| {
            spec.claims
                .get(claim)
                .map(|c| (c.label.clone(), c.description.clone()))
        })
    }

    /// The form of a subject schema; `claim` gives a top-level property's label and
    /// description.
    ///
    /// # Errors
    /// [`FormError`] when the schema cannot be shown as a form.
    pub(crate) fn from_schema(
        schema: &Value,
        claim: impl Fn(&str) -> Option<(String, String)>,
    ) -> Result<Self, FormError> {
        let mut builder = Builder {
            root: schema,
            made: 0,
        };
        let node = Node::new(schema, schema);
        if node.get("properties").and_then(Value::as_object).is_none() {
            return Err(FormError::NotAnObject);
        }
        let mut fields = builder.fields(&node, 0)?;
        for field in &mut fields {
            if RESERVED.contains(&field.key.as_str()) {
                return Err(FormError::Name(field.key.clone()));
            }
            if let Some((label, description)) = claim(&field.key) {
                field.label = label;
                field.hint = Some(description).filter(|d| !d.is_empty());
            }
        }
        Ok(FormSpec { fields })
    }

    /// What the officer calls the field with dotted name `name`
    /// (`Representatives, row 2: Family name`).
    pub(crate) fn describe(&self, name: &str) -> String {
        let mut parts = Vec::new();
        let mut fields = &self.fields;
        let mut segments = name.split('.');
        while let Some(key) = segments.next() {
            let Some(field) = fields.iter().find(|f| f.key == key) else {
                break;
            };
            parts.push(field.label.clone());
            match &field.kind {
                Kind::Group(inner) => fields = inner,
                Kind::Rows { fields: inner, .. } => {
                    if let Some(row) = segments.next().and_then(|r| r.parse::<usize>().ok()) {
                        parts.push(format!("row {}", row.saturating_add(1)));
                    }
                    fields = inner;
                }
                _ => break,
            }
        }
        if parts.is_empty() {
            "The credential".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

impl Builder<'_> {
    /// The properties of an object node: `required` ones first in their listed order,
    /// then the others (serde_json keeps object members sorted, not in document order).
    fn fields(&mut self, node: &Node<'_>, depth: usize) -> Result<Vec<Field>, FormError> {
        let Some(properties) = node.get("properties").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut keys: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| properties.contains_key(*k))
            .collect();
        keys.dedup();
        keys.extend(
            properties
                .keys()
                .map(String::as_str)
                .filter(|k| !required.contains(k)),
        );
        let mut fields = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(schema) = properties.get(key) else {
                continue;
            };
            fields.push(self.field(key, schema, required.contains(&key), depth)?);
        }
        Ok(fields)
    }

    fn field(
        &mut self,
        key: &str,
        schema: &Value,
        required: bool,
        depth: usize,
    ) -> Result<Field, FormError> {
        let name_ok = !key.is_empty()
            && key.len() <= MAX_KEY
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(FormError::Name(key.chars().take(MAX_KEY).collect()));
        }
        self.made += 1;
        if self.made > MAX_FIELDS {
            return Err(FormError::TooLarge);
        }
        let node = Node::new(self.root, schema);
        let kind = self.kind(&node, depth)?;
        Ok(Field {
            key: key.to_owned(),
            label: schema
                .get("title")
                .and_then(Value::as_str)
                .map_or_else(|| humanize(key), str::to_owned),
            hint: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            required,
            kind,
        })
    }

    fn kind(&mut self, node: &Node<'_>, depth: usize) -> Result<Kind, FormError> {
        if let Some(options) = node.get("enum").and_then(Value::as_array) {
            return Ok(if options.is_empty() {
                Kind::Json
            } else {
                Kind::Choice(options.clone())
            });
        }
        let has_properties = node.get("properties").is_some_and(Value::is_object);
        let json_type = node.json_type().or_else(|| {
            if has_properties {
                Some("object")
            } else if node.get("pattern").is_some() || node.get("maxLength").is_some() {
                Some("string")
            } else {
                None
            }
        });
        Ok(match json_type {
            Some("string") if node.str("format") == Some("date") => Kind::Date,
            Some("string") => Kind::Text(node.text_rules()),
            Some("integer") => Kind::Number { integer: true },
            Some("number") => Kind::Number { integer: false },
            Some("boolean") => Kind::Bool,
            Some("object") if has_properties && depth < MAX_DEPTH => {
                Kind::Group(self.fields(node, depth + 1)?)
            }
            Some("array") => self.array(node, depth)?,
            _ => Kind::Json,
        })
    }

    fn array(&mut self, node: &Node<'_>, depth: usize) -> Result<Kind, FormError> {
        let Some(items) = node.get("items").filter(|i| i.is_object()) else {
            return Ok(Kind::Json);
        };
        let min_items = node.u64("minItems").unwrap_or(0);
        let max_items = node.u64("maxItems");
        let items = Node::new(self.root, items);
        Ok(match self.kind(&items, depth + 1)? {
            Kind::Text(item) => Kind::List { item, min_items },
            Kind::Date | Kind::Choice(_) => Kind::List {
                item: TextRules::default(),
                min_items,
            },
            Kind::Group(fields) if depth < MAX_DEPTH => {
                let min = usize::try_from(min_items).unwrap_or(MAX_ROWS);
                let max = max_items.map_or(MAX_ROWS, |m| usize::try_from(m).unwrap_or(MAX_ROWS));
                let rows = ROWS.max(min).min(max).clamp(1, MAX_ROWS);
                // The first row's fields are counted already; the others repeat them.
                self.made = self
                    .made
                    .saturating_add(inputs(&fields).saturating_mul(rows.saturating_sub(1)));
                if self.made > MAX_FIELDS {
                    return Err(FormError::TooLarge);
                }
                Kind::Rows {
                    rows,
                    min_items: min.min(rows),
                    fields,
                }
            }
            _ => Kind::Json,
        })
    }
}

/// How many inputs `fields` render as (rows repeat their fields).
fn inputs(fields: &[Field]) -> usize {
    fields
        .iter()
        .map(|field| match &field.kind {
            Kind::Group(inner) => inputs(inner),
            Kind::Rows { rows, fields, .. } => inputs(fields).saturating_mul(*rows),
            _ => 1,
        })
        .fold(0, usize::saturating_add)
}

/// `postal_code` → `Postal code`.
pub(crate) fn humanize(key: &str) -> String {
    let spaced = key.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) use parse::{Values, option_text, parse};

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sigillum_credential::schema::CredentialTypes;

use super::parse::MAX_PAIRS;
use super::*;

/// Form pairs for a claims object, the inverse of [`parse`].
fn to_pairs(claims: &Map<String, Value>) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(members) => {
                for (k, v) in members {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            Value::Array(items) if items.iter().all(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&format!("{prefix}.{i}"), item, out);
                }
            }
            Value::Array(items) => out.push((
                prefix.to_owned(),
                items.iter().map(option_text).collect::<Vec<_>>().join(", "),
            )),
            other => out.push((prefix.to_owned(), option_text(other))),
        }
    }
    let mut out = Vec::new();
    for (k, v) in claims {
        walk(k, v, &mut out);
    }
    out
}

/// Every field's dotted name and kind, depth first (for the tests).
fn flatten(fields: &[Field], prefix: &str) -> BTreeMap<String, Kind> {
    let mut out = BTreeMap::new();
    for field in fields {
        let name = format!("{prefix}{}", field.key);
        match &field.kind {
            Kind::Group(inner) => out.extend(flatten(inner, &format!("{name}."))),
            Kind::Rows { rows, fields, .. } => {
                for row in 0..*rows {
                    out.extend(flatten(fields, &format!("{name}.{row}.")));
                }
            }
            kind => {
                out.insert(name, kind.clone());
            }
        }
    }
    out
}

fn spec(type_name: &str) -> FormSpec {
    let schema = CredentialTypes::builtin().unwrap().get(type_name).unwrap();
    FormSpec::from_type(schema.spec()).unwrap()
}

fn sample(type_name: &str, n: usize) -> Map<String, Value> {
    let schema = CredentialTypes::builtin().unwrap().get(type_name).unwrap();
    schema.spec().samples[n].as_object().unwrap().clone()
}

fn values(pairs: &[(&str, &str)]) -> Values {
    Values::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
    .unwrap()
}

fn text(pattern: Option<&str>, min: Option<u64>, max: Option<u64>) -> Kind {
    Kind::Text(TextRules {
        pattern: pattern.map(str::to_owned),
        min_length: min,
        max_length: max,
    })
}

#[test]
fn passport_has_every_property_with_its_input_kind_label_and_order() {
    let form = spec("passport");
    let keys: Vec<&str> = form.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "document_number",
            "document_type",
            "issuing_state",
            "nationality",
            "family_name",
            "given_names",
            "birth_date",
            "sex",
            "place_of_birth",
            "issue_date",
            "expiry_date",
            "issuing_authority",
            "portrait_digest"
        ]
    );
    assert!(form.fields.iter().all(|f| f.required));
    let flat = flatten(&form.fields, "");
    assert_eq!(
        flat["document_number"],
        text(Some("^[A-Z0-9]{1,20}$"), None, None)
    );
    // $ref to #/$defs/country, resolved
    assert_eq!(flat["issuing_state"], text(Some("^[A-Z]{3}$"), None, None));
    assert_eq!(flat["family_name"], text(None, Some(1), Some(100)));
    assert_eq!(flat["given_names"], text(None, None, Some(100)));
    for date in ["birth_date", "issue_date", "expiry_date"] {
        assert_eq!(flat[date], Kind::Date, "{date}");
    }
    assert_eq!(
        flat["sex"],
        Kind::Choice(vec![json!("F"), json!("M"), json!("X")])
    );
    let birth = form.fields.iter().find(|f| f.key == "birth_date").unwrap();
    assert_eq!(birth.label, "Date of birth");
    assert_eq!(birth.hint.as_deref(), Some("Holder's date of birth."));
    let given = form.fields.iter().find(|f| f.key == "given_names").unwrap();
    assert!(given.allows_empty(), "given_names may be empty");
    let family = form.fields.iter().find(|f| f.key == "family_name").unwrap();
    assert!(!family.allows_empty());
}

#[test]
fn business_licence_has_a_fieldset_rows_and_a_list() {
    let form = spec("business_license");
    let flat = flatten(&form.fields, "");
    for name in [
        "address.street",
        "address.locality",
        "address.postal_code",
        "address.country",
        "representatives.0.family_name",
        "representatives.0.given_names",
        "representatives.0.role",
        "representatives.2.role",
        "activity_codes",
    ] {
        assert!(flat.contains_key(name), "{name} missing: {:?}", flat.keys());
    }
    assert!(!flat.contains_key("representatives.3.role"));
    assert!(!flat.contains_key("address"));
    assert_eq!(
        flat["activity_codes"],
        Kind::List {
            item: TextRules {
                pattern: Some("^[0-9]{2}(\\.[0-9]{1,2})?$".into()),
                min_length: None,
                max_length: None
            },
            min_items: 1
        }
    );
    let reps = form
        .fields
        .iter()
        .find(|f| f.key == "representatives")
        .unwrap();
    let Kind::Rows {
        rows, min_items, ..
    } = &reps.kind
    else {
        panic!("{:?}", reps.kind)
    };
    assert_eq!((*rows, *min_items), (ROWS, 1));
    assert_eq!(reps.label, "Representatives");
    let address = form.fields.iter().find(|f| f.key == "address").unwrap();
    let Kind::Group(inner) = &address.kind else {
        panic!()
    };
    let postal = inner.iter().find(|f| f.key == "postal_code").unwrap();
    assert!(!postal.required);
    assert_eq!(postal.label, "Postal code");
    assert_eq!(
        form.describe("representatives.1.family_name"),
        "Representatives, row 2, Family name"
    );
    assert_eq!(
        form.describe("address.locality"),
        "Registered address, Locality"
    );
    assert_eq!(form.describe(""), "The credential");
}

#[test]
fn every_sample_of_every_type_survives_the_form_round_trip() {
    for schema in CredentialTypes::builtin().unwrap() {
        let form = FormSpec::from_type(schema.spec()).unwrap();
        for (n, sample) in schema.spec().samples.iter().enumerate() {
            let sample = sample.as_object().unwrap();
            let parsed = parse(&form, &Values::from_pairs(to_pairs(sample)).unwrap());
            assert_eq!(&parsed.claims, sample, "{} sample {n}", schema.name());
            schema
                .validate_subject(&Value::Object(parsed.claims))
                .unwrap();
        }
    }
}

#[test]
fn empty_optional_fields_are_left_out_and_required_empty_strings_kept() {
    let form = spec("residence_permit");
    let mut pairs = to_pairs(&sample("residence_permit", 0));
    pairs.retain(|(k, _)| !k.starts_with("address.") && k != "remarks");
    pairs.push(("remarks".into(), "   ".into()));
    pairs.push(("address.street".into(), String::new()));
    pairs.push(("given_names".into(), String::new()));
    pairs.retain(|(k, v)| k != "given_names" || v.is_empty());
    let parsed = parse(&form, &Values::from_pairs(pairs).unwrap());
    assert!(!parsed.claims.contains_key("remarks"));
    assert!(
        !parsed.claims.contains_key("address"),
        "a blank optional group"
    );
    assert_eq!(parsed.claims["given_names"], json!(""));
    assert_eq!(parsed.field_for("/address/street"), Some("address.street"));
}

#[test]
fn a_partly_filled_group_is_sent_so_the_schema_names_what_is_missing() {
    let form = spec("residence_permit");
    let parsed = parse(&form, &values(&[("address.locality", " Zenith ")]));
    assert_eq!(parsed.claims["address"], json!({"locality": "Zenith"}));
    assert!(!parsed.claims.contains_key("permit_number"));
    assert_eq!(parsed.field_for("/permit_number"), Some("permit_number"));
}

#[test]
fn blank_rows_are_skipped_and_pointers_lead_back_to_the_form_row() {
    let form = spec("business_license");
    let parsed = parse(
        &form,
        &values(&[
            ("representatives.0.family_name", "ERIKSSON"),
            ("representatives.0.role", "partner"),
            ("representatives.1.given_names", "  "),
            ("representatives.2.family_name", "OKONKWO"),
            ("activity_codes", "62.01, ,62.02,"),
        ]),
    );
    assert_eq!(
        parsed.claims["representatives"],
        json!([
            {"family_name": "ERIKSSON", "given_names": "", "role": "partner"},
            {"family_name": "OKONKWO", "given_names": ""}
        ])
    );
    assert_eq!(parsed.claims["activity_codes"], json!(["62.01", "62.02"]));
    assert_eq!(
        parsed.field_for("/representatives/1/role"),
        Some("representatives.2.role")
    );
    assert_eq!(
        parsed.field_for("/representatives/1"),
        Some("representatives.2")
    );
    assert_eq!(
        parsed.field_for("/activity_codes/1"),
        Some("activity_codes")
    );
    assert_eq!(
        parsed.field_for("/representatives"),
        Some("representatives")
    );
    assert_eq!(parsed.field_for(""), None);
    assert_eq!(parsed.field_for("/eye_colour"), None);
}

#[test]
fn required_arrays_left_empty_are_sent_empty() {
    let form = spec("business_license");
    let parsed = parse(&form, &Values::default());
    assert_eq!(parsed.claims["representatives"], json!([]));
    assert_eq!(parsed.claims["activity_codes"], json!([]));
    assert_eq!(parsed.claims["address"], json!({}), "a required group");
    assert!(!parsed.claims.contains_key("legal_name"));
}

#[test]
fn numbers_booleans_json_and_unknown_enum_values() {
    let schema = json!({
        "type": "object",
        "required": ["n"],
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "ok": {"type": "boolean"},
            "any": {},
            "level": {"enum": [1, 2, "three"]},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}}
        }
    });
    let form = FormSpec::from_schema(&schema, |_| None).unwrap();
    let flat = flatten(&form.fields, "");
    assert_eq!(flat["n"], Kind::Number { integer: true });
    assert_eq!(flat["x"], Kind::Number { integer: false });
    assert_eq!(flat["ok"], Kind::Bool);
    assert_eq!(flat["any"], Kind::Json);
    assert!(matches!(flat["tags"], Kind::List { .. }));
    assert_eq!(form.fields[0].key, "n", "required first");
    let parsed = parse(
        &form,
        &values(&[
            ("n", "12"),
            ("x", "1.5"),
            ("ok", "false"),
            ("any", "{\"a\": [1]}"),
            ("level", "2"),
            ("tags", "a,b"),
        ]),
    );
    assert_eq!(
        Value::Object(parsed.claims),
        json!({"n": 12, "x": 1.5, "ok": false, "any": {"a": [1]}, "level": 2, "tags": ["a", "b"]})
    );
    // What does not parse is passed on as text, for the schema to refuse by name.
    let parsed = parse(
        &form,
        &values(&[("n", "1.5"), ("x", "NaN"), ("any", "{"), ("level", "4")]),
    );
    assert_eq!(
        Value::Object(parsed.claims),
        json!({"n": "1.5", "x": "NaN", "any": "{", "level": "4"})
    );
}

#[test]
fn names_the_form_cannot_carry_are_refused() {
    for bad in ["reference", "format"] {
        let schema = json!({"type": "object", "properties": {bad: {"type": "string"}}});
        assert_eq!(
            FormSpec::from_schema(&schema, |_| None),
            Err(FormError::Name(bad.into()))
        );
    }
    for bad in ["a.b", "", "a b", "<x>"] {
        let schema = json!({"type": "object", "properties": {bad: {"type": "string"}}});
        assert!(matches!(
            FormSpec::from_schema(&schema, |_| None),
            Err(FormError::Name(_))
        ));
    }
    // "reference" is only reserved at the top level.
    let nested = json!({"type": "object", "properties": {
        "a": {"type": "object", "properties": {"reference": {"type": "string"}}}}});
    assert!(FormSpec::from_schema(&nested, |_| None).is_ok());
    assert_eq!(
        FormSpec::from_schema(&json!({"type": "string"}), |_| None),
        Err(FormError::NotAnObject)
    );
}

#[test]
fn reference_cycles_and_deep_nesting_are_bounded() {
    let cyclic = json!({
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/loop"}, "t": {"$ref": "#/$defs/node"}},
        "$defs": {
            "loop": {"$ref": "#/$defs/loop"},
            "node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}}
        }
    });
    let form = FormSpec::from_schema(&cyclic, |_| None).unwrap();
    let flat = flatten(&form.fields, "");
    assert_eq!(flat["a"], Kind::Json);
    let deepest = flat.keys().find(|k| k.starts_with("t.")).unwrap();
    assert_eq!(deepest.matches('.').count(), MAX_DEPTH);
    assert_eq!(flat[deepest.as_str()], Kind::Json);
    // Rows of rows multiply: the field cap stops them.
    let wide = json!({"type": "object", "properties": {"r": {"$ref": "#/$defs/r"}},
        "$defs": {"r": {"type": "array", "minItems": 20, "items": {"type": "object",
            "properties": {"r": {"$ref": "#/$defs/r"}, "s": {"type": "string"},
                "t": {"type": "string"}, "u": {"type": "string"}, "v": {"type": "string"}}}}}});
    assert_eq!(
        FormSpec::from_schema(&wide, |_| None),
        Err(FormError::TooLarge)
    );
}

#[test]
fn too_many_pairs_are_refused_and_the_first_value_counts() {
    let many = (0..=MAX_PAIRS)
        .map(|i| (i.to_string(), String::new()))
        .collect();
    assert_eq!(Values::from_pairs(many), None);
    let v = values(&[("a", "1"), ("a", "2")]);
    assert_eq!(v.get("a"), "1");
    assert_eq!(v.get("b"), "");
}

#[test]
fn humanize_makes_labels() {
    assert_eq!(humanize("postal_code"), "Postal code");
    assert_eq!(humanize("x"), "X");
    assert_eq!(humanize(""), "");
}

//! A [`FormSpec`](super::form::FormSpec)'s fields as HTML inputs, each with its label,
//! hint and error messages tied to it (`for`, `aria-describedby`, `aria-invalid`), and
//! the officer's submitted values put back.
//!
//! Ids are the dotted names with a prefix: `f-address.locality` (the input),
//! `h-…` (its hint), `e-…` (its errors).

use std::collections::HashMap;

use super::form::{Field, Kind, TextRules, Values, option_text};
use super::html::Html;

/// Messages per dotted field name ("" for the credential as a whole).
pub(crate) type Errors = HashMap<String, Vec<String>>;

/// What one input needs besides its field.
pub(crate) struct Slot<'a> {
    /// Dotted name.
    pub name: &'a str,
    /// Label text.
    pub label: &'a str,
    /// Hint under the label.
    pub hint: Option<&'a str>,
    /// Marked required.
    pub required: bool,
    /// The browser must insist on a value.
    pub browser_required: bool,
    /// Messages to show.
    pub errors: Option<&'a Vec<String>>,
}

/// Writes `fields` named under `prefix`; `browser_required` is false inside an optional
/// group or a row beyond `minItems`, where an empty input is fine.
pub(crate) fn fields(
    h: &mut Html,
    fields: &[Field],
    prefix: &str,
    values: &Values,
    errors: &Errors,
    browser_required: bool,
) {
    for field in fields {
        let name = format!("{prefix}{}", field.key);
        let slot = Slot {
            name: &name,
            label: &field.label,
            hint: field.hint.as_deref(),
            required: field.required,
            browser_required: browser_required && field.required && !field.allows_empty(),
            errors: errors.get(&name),
        };
        match &field.kind {
            Kind::Group(inner) => fieldset(h, &slot, |h| {
                grid(h, |h| {
                    self::fields(
                        h,
                        inner,
                        &format!("{name}."),
                        values,
                        errors,
                        browser_required && field.required,
                    );
                });
            }),
            Kind::Rows {
                rows,
                min_items,
                fields: inner,
            } => fieldset(h, &slot, |h| {
                for row in 0..*rows {
                    let row_name = format!("{name}.{row}");
                    let row_label = format!("{} {}", field.label, row + 1);
                    let row_slot = Slot {
                        name: &row_name,
                        label: &row_label,
                        hint: None,
                        required: false,
                        browser_required: false,
                        errors: errors.get(&row_name),
                    };
                    fieldset(h, &row_slot, |h| {
                        grid(h, |h| {
                            self::fields(
                                h,
                                inner,
                                &format!("{row_name}."),
                                values,
                                errors,
                                browser_required && field.required && row < *min_items,
                            );
                        });
                    });
                }
            }),
            kind => input(h, &slot, kind, values.get(&name)),
        }
    }
}

/// A grid of fields (one column on a phone).
pub(crate) fn grid(h: &mut Html, f: impl FnOnce(&mut Html)) {
    h.tag("div").attr("class", "grid").body(f);
}

fn described_by(name: &str, hint: bool, errors: bool) -> Option<String> {
    match (hint, errors) {
        (true, true) => Some(format!("h-{name} e-{name}")),
        (true, false) => Some(format!("h-{name}")),
        (false, true) => Some(format!("e-{name}")),
        (false, false) => None,
    }
}

/// The hint and error paragraphs.
fn notes(h: &mut Html, name: &str, hint: Option<&str>, errors: Option<&Vec<String>>) {
    if let Some(hint) = hint {
        h.tag("p")
            .attr("class", "hint")
            .attr("id", &format!("h-{name}"))
            .text(hint);
    }
    if let Some(errors) = errors {
        h.tag("p")
            .attr("class", "error")
            .attr("id", &format!("e-{name}"))
            .text(&errors.join("; "));
    }
}

fn label_text(h: &mut Html, label: &str, required: bool) {
    h.text(label);
    if required {
        h.tag("span").attr("class", "req").text("required");
    }
}

fn fieldset(h: &mut Html, slot: &Slot<'_>, content: impl FnOnce(&mut Html)) {
    let described = described_by(slot.name, slot.hint.is_some(), slot.errors.is_some());
    h.tag("fieldset")
        .attr("id", &format!("f-{}", slot.name))
        .attr_opt("class", slot.errors.map(|_| "invalid"))
        .attr_opt("aria-describedby", described.as_deref())
        .body(|h| {
            h.tag("legend")
                .body(|h| label_text(h, slot.label, slot.required));
            notes(h, slot.name, slot.hint, slot.errors);
            content(h);
        });
}

/// One labelled input (or select, or textarea) holding `value`.
pub(crate) fn input(h: &mut Html, slot: &Slot<'_>, kind: &Kind, value: &str) {
    let id = format!("f-{}", slot.name);
    let how = match kind {
        Kind::List { .. } => Some("Separate several values with commas."),
        Kind::Json => Some("A JSON value."),
        _ => None,
    };
    let hint = match (slot.hint, how) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b).map(str::to_owned),
    };
    let described = described_by(slot.name, hint.is_some(), slot.errors.is_some());
    let described = described.as_deref();
    let invalid = slot.errors.map(|_| "true");
    let class = if slot.errors.is_some() {
        "field invalid"
    } else {
        "field"
    };
    h.tag("div").attr("class", class).body(|h| {
        h.tag("label")
            .attr("for", &id)
            .body(|h| label_text(h, slot.label, slot.required));
        notes(h, slot.name, hint.as_deref(), slot.errors);
        match kind {
            Kind::Choice(options) => {
                let options: Vec<(String, String)> = options
                    .iter()
                    .map(|o| {
                        // The schema has no labels for enum values: show the value,
                        // its underscores as spaces ("managing director").
                        let text = option_text(o);
                        let shown = text.replace('_', " ");
                        (text, shown)
                    })
                    .collect();
                select(h, slot, described, value, &options, Some("— choose —"));
            }
            Kind::Bool => {
                let options = [
                    ("true".to_owned(), "Yes".to_owned()),
                    ("false".to_owned(), "No".to_owned()),
                ];
                select(h, slot, described, value, &options, Some("— choose —"));
            }
            Kind::Json => {
                h.tag("textarea")
                    .attr("id", &id)
                    .attr("name", slot.name)
                    .attr_opt("aria-describedby", described)
                    .attr_opt("aria-invalid", invalid)
                    .flag("required", slot.browser_required)
                    .text(value);
            }
            kind => {
                let (input_type, step) = match kind {
                    Kind::Date => ("date", None),
                    Kind::Number { integer: true } => ("number", Some("1")),
                    Kind::Number { integer: false } => ("number", Some("any")),
                    _ => ("text", None),
                };
                let rules = match kind {
                    Kind::Text(rules) => rules.clone(),
                    _ => TextRules::default(),
                };
                let max = rules.max_length.map(|n| n.to_string());
                let min = rules.min_length.map(|n| n.to_string());
                h.tag("input")
                    .attr("type", input_type)
                    .attr("id", &id)
                    .attr("name", slot.name)
                    .attr("value", value)
                    .attr_opt("step", step)
                    .attr_opt("pattern", rules.pattern.as_deref())
                    .attr_opt("maxlength", max.as_deref())
                    .attr_opt("minlength", min.as_deref())
                    .attr_opt("aria-describedby", described)
                    .attr_opt("aria-invalid", invalid)
                    .flag("required", slot.browser_required)
                    .void();
            }
        }
    });
}

/// A `<select>` of `(value, text)` options, `value` selected, with an empty first
/// choice when `placeholder` says one.
pub(crate) fn select(
    h: &mut Html,
    slot: &Slot<'_>,
    described: Option<&str>,
    value: &str,
    options: &[(String, String)],
    placeholder: Option<&str>,
) {
    h.tag("select")
        .attr("id", &format!("f-{}", slot.name))
        .attr("name", slot.name)
        .attr_opt("aria-describedby", described)
        .attr_opt("aria-invalid", slot.errors.map(|_| "true"))
        .flag("required", slot.browser_required)
        .body(|h| {
            if let Some(placeholder) = placeholder {
                h.tag("option").attr("value", "").text(placeholder);
            }
            for (option, text) in options {
                h.tag("option")
                    .attr("value", option)
                    .flag("selected", option == value)
                    .text(text);
            }
        });
}

/// A labelled `<select>` of `(value, text)` options without an empty choice (the first
/// option is the default).
pub(crate) fn select_field(
    h: &mut Html,
    slot: &Slot<'_>,
    value: &str,
    options: &[(String, String)],
) {
    let described = described_by(slot.name, slot.hint.is_some(), slot.errors.is_some());
    let class = if slot.errors.is_some() {
        "field invalid"
    } else {
        "field"
    };
    h.tag("div").attr("class", class).body(|h| {
        h.tag("label")
            .attr("for", &format!("f-{}", slot.name))
            .body(|h| label_text(h, slot.label, slot.required));
        notes(h, slot.name, slot.hint, slot.errors);
        select(h, slot, described.as_deref(), value, options, None);
    });
}

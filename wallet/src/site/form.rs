//! What every form shares: the CSRF field and the checks on a POST (our origin,
//! the session's CSRF token), reading a multipart form (RFC 7578) within bounds,
//! and labelled inputs large enough for a thumb.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sigillum_web::html::Html;
use sigillum_web::page::{origin_of, same_origin};

use super::session::Unlocked;
use super::{Site, problem};

/// The hidden field that carries the session's CSRF token.
pub(crate) const CSRF: &str = "csrf";
/// Most fields read from a multipart form.
const MAX_FIELDS: usize = 16;

/// The hidden CSRF field of `unlocked`'s session.
pub(crate) fn csrf_field(h: &mut Html, unlocked: &Unlocked) {
    h.tag("input")
        .attr("type", "hidden")
        .attr("name", CSRF)
        .attr("value", &unlocked.csrf)
        .void();
}

/// Refuses a POST from another site (Origin, Fetch Metadata) or, in a session,
/// without the session's CSRF token.
pub(crate) fn check_post(
    site: &Site,
    headers: &HeaderMap,
    unlocked: Option<&Unlocked>,
    csrf: Option<&str>,
) -> Result<(), Box<Response>> {
    if !same_origin(headers, origin_of(site.public_url()).as_deref()) {
        return Err(Box::new(problem(
            unlocked,
            StatusCode::FORBIDDEN,
            "origin_refused",
            "This form was sent from another site, so it was refused. Open the wallet from \
             its own address and try again.",
        )));
    }
    if let Some(unlocked) = unlocked {
        let given = csrf.unwrap_or_default().as_bytes();
        let expected = unlocked.csrf.as_bytes();
        let same = given.len() == expected.len()
            && given
                .iter()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(Box::new(problem(
                Some(unlocked),
                StatusCode::FORBIDDEN,
                "csrf_token_invalid",
                "This form is out of date or was not made by this wallet. Go back, reload \
                 the page and try again.",
            )));
        }
    }
    Ok(())
}

/// A multipart form's fields, by name (the last of a repeated name wins).
#[derive(Default)]
pub(crate) struct Fields(HashMap<String, Vec<u8>>);

impl Fields {
    /// Reads `form` (the body limit bounds the total size).
    pub(crate) async fn read(mut form: Multipart) -> Result<Fields, String> {
        let mut fields = HashMap::new();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| format!("the form could not be read: {e}"))?
        {
            if fields.len() >= MAX_FIELDS {
                return Err("the form has too many fields".into());
            }
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("the form could not be read: {e}"))?;
            fields.insert(name, bytes.to_vec());
        }
        Ok(Fields(fields))
    }

    /// A text field, trimmed; empty when absent or not UTF-8.
    pub(crate) fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    /// An uploaded file's bytes, if one was chosen.
    pub(crate) fn file(&self, name: &str) -> Option<&[u8]> {
        self.0
            .get(name)
            .map(Vec::as_slice)
            .filter(|b| !b.is_empty())
    }
}

/// A labelled input; `kind` is its `type`, `autocomplete` its hint to the browser.
pub(crate) fn input(
    h: &mut Html,
    label: &str,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: &str,
) {
    h.tag("div").attr("class", "field").body(|h| {
        h.tag("label").attr("for", name).text(label);
        let mut tag = h
            .tag("input")
            .attr("id", name)
            .attr("name", name)
            .attr("type", kind)
            .attr("autocomplete", autocomplete);
        if name.contains("pin") {
            tag = tag.attr("inputmode", "numeric");
        }
        if !hint.is_empty() {
            tag = tag.attr("aria-describedby", &format!("{name}-hint"));
        }
        tag.void();
        if !hint.is_empty() {
            h.tag("p")
                .attr("class", "hint")
                .attr("id", &format!("{name}-hint"))
                .text(hint);
        }
    });
}

/// What a QR code holds, given either way a phone can: a pasted link (textarea
/// `link_name`, holding `value`) or a photo of the code (file input `photo`, opening
/// the back camera), decoded on the server.
pub(crate) struct LinkOrPhoto<'a> {
    pub link_label: &'a str,
    pub link_name: &'static str,
    pub value: &'a str,
    pub hint: &'a str,
    pub photo_label: &'a str,
}

impl LinkOrPhoto<'_> {
    pub(crate) fn write(&self, h: &mut Html) {
        let hint_id = format!("{}-hint", self.link_name);
        h.tag("div").attr("class", "field").body(|h| {
            h.tag("label")
                .attr("for", self.link_name)
                .text(self.link_label);
            h.tag("textarea")
                .attr("id", self.link_name)
                .attr("name", self.link_name)
                .attr("rows", "3")
                .attr("aria-describedby", &hint_id)
                .text(self.value);
            h.tag("p")
                .attr("class", "hint")
                .attr("id", &hint_id)
                .text(self.hint);
        });
        h.tag("div").attr("class", "field").body(|h| {
            h.tag("label").attr("for", "photo").text(self.photo_label);
            h.tag("input")
                .attr("id", "photo")
                .attr("name", "photo")
                .attr("type", "file")
                .attr("accept", "image/*")
                .attr("capture", "environment")
                .void();
        });
    }
}

/// A submit button.
pub(crate) fn submit(h: &mut Html, text: &str) {
    h.tag("button").attr("type", "submit").text(text);
}

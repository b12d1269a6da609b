//! A tiny HTML writer in which every interpolated value is escaped by construction:
//! tag and attribute names are `&'static str` (chosen by this code, never by input),
//! text and attribute values always pass through [`escape_into`]. The only raw
//! insertions are `&'static str` (the style sheet) and a QR symbol drawn by our own
//! renderer ([`QrSvg`]).

use sigillum_credential::qr::QrError;
use sigillum_credential::qr::render::render_svg;

/// Appends `text` with the five HTML-significant characters escaped (HTML Living
/// Standard §13.1.2.3/§13.1.3: safe both as text and inside a double-quoted attribute
/// value). NUL, which the parser would reject, becomes U+FFFD.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `text`, escaped.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// An HTML document or fragment being written.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    /// An empty buffer.
    #[must_use]
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(8 * 1024),
        }
    }

    /// Opens `<name`; finish it with [`Tag::body`], [`Tag::text`] or [`Tag::void`].
    pub fn tag(&mut self, name: &'static str) -> Tag<'_> {
        self.out.push('<');
        self.out.push_str(name);
        Tag { html: self, name }
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text);
        self
    }

    /// Markup written in this program's source (the doctype, the style sheet).
    pub fn raw_static(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// A QR symbol.
    pub fn qr(&mut self, svg: &QrSvg) -> &mut Self {
        self.out.push_str(&svg.0);
        self
    }

    /// The markup.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }
}

/// An element whose start tag is being written.
#[must_use = "a tag must be finished with body, text or void"]
pub struct Tag<'h> {
    html: &'h mut Html,
    name: &'static str,
}

impl Tag<'_> {
    /// ` name="value"`, the value escaped.
    pub fn attr(self, name: &'static str, value: &str) -> Self {
        let out = &mut self.html.out;
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape_into(out, value);
        out.push('"');
        self
    }

    /// ` name="value"` when there is a value.
    pub fn attr_opt(self, name: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.attr(name, value),
            None => self,
        }
    }

    /// A boolean attribute (` required`) when `on`.
    pub fn flag(self, name: &'static str, on: bool) -> Self {
        if on {
            self.html.out.push(' ');
            self.html.out.push_str(name);
        }
        self
    }

    /// `>`, the content `f` writes, then the end tag.
    pub fn body(self, f: impl FnOnce(&mut Html)) {
        self.html.out.push('>');
        f(self.html);
        self.end();
    }

    /// `>`, escaped text, then the end tag.
    pub fn text(self, text: &str) {
        self.html.out.push('>');
        escape_into(&mut self.html.out, text);
        self.end();
    }

    /// `>` of a void element (`input`, `meta`): no end tag.
    pub fn void(self) {
        self.html.out.push('>');
    }

    fn end(self) {
        self.html.out.push_str("</");
        self.html.out.push_str(self.name);
        self.html.out.push('>');
    }
}

/// The SVG of a QR symbol, as our renderer draws it: only `svg`, `rect`/`path`
/// elements and numbers, no text from the encoded link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSvg(String);

impl QrSvg {
    /// The markup.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl QrSvg {
    /// Draws `text` (ISO/IEC 18004, level M) as inline SVG, without the XML
    /// declaration (an HTML parser would read it as a bogus comment).
    ///
    /// # Errors
    /// [`QrError`] when the text does not fit a symbol, or the drawing is not the
    /// plain `<svg>…</svg>` expected.
    pub fn draw(text: &str) -> Result<Self, QrError> {
        let svg = render_svg(text)?;
        let start = svg.find("<svg").ok_or(QrError::RenderFailed {
            reason: "the QR drawing has no <svg> element",
        })?;
        let svg = svg.get(start..).unwrap_or_default();
        let lower = svg.to_ascii_lowercase();
        if !lower.ends_with("</svg>") || lower.contains("<script") || lower.contains("<foreign") {
            return Err(QrError::RenderFailed {
                reason: "the QR drawing is not plain SVG",
            });
        }
        Ok(Self(svg.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.tag("p")
            .attr("title", "\"><script>x</script>")
            .flag("hidden", true)
            .flag("required", false)
            .text("a & b <i>'c'</i>\0");
        assert_eq!(
            h.finish(),
            "<p title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\" hidden>\
             a &amp; b &lt;i&gt;&#39;c&#39;&lt;/i&gt;\u{FFFD}</p>"
        );
    }

    #[test]
    fn nested_bodies_close_in_order() {
        let mut h = Html::new();
        h.tag("ul").body(|h| {
            h.tag("li").text("1");
            h.tag("li").body(|h| {
                h.tag("input").attr("value", "x").void();
            });
        });
        assert_eq!(
            h.finish(),
            "<ul><li>1</li><li><input value=\"x\"></li></ul>"
        );
    }

    #[test]
    fn escape_leaves_plain_text_alone() {
        assert_eq!(escape("ERIKSSON, Anna-Maria"), "ERIKSSON, Anna-Maria");
    }

    #[test]
    fn qr_svg_has_no_xml_declaration() {
        let svg = QrSvg::draw("openid-credential-offer://?credential_offer=x").unwrap();
        assert!(svg.0.starts_with("<svg"), "{}", &svg.0[..40]);
        assert!(svg.0.ends_with("</svg>"));
    }
}

//! What Sigillum's server-rendered pages share (the issuer's officer page, the
//! checkpoint screen, the web wallet): an HTML writer in which every interpolated
//! value is escaped by construction, and QR symbols drawn inline as SVG.
//!
//!  html   the writer (`Html`, `Tag`), `escape`, `QrSvg`
//!  page   security headers, HTML and redirect responses, notices, origins, cookies

pub mod html;
pub mod page;

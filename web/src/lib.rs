//! What Sigillum's server-rendered pages share (the issuer's officer page, the
//! checkpoint screen, the web wallet): an HTML writer in which every interpolated
//! value is escaped by construction, and QR symbols drawn inline as SVG.
//!
//!  html   the writer (`Html`, `Tag`), `escape`, `QrSvg`
//!  page     security headers, HTML and redirect responses, notices, origins, cookies
//!  metrics  `GET /metrics` for every service: requests by route template, latency
//!  serve    the accept loop: header-read timeout, connection cap, graceful stop
//!  attempts failed-attempt limits, per client address, for the endpoints taking a PIN

pub mod attempts;
pub mod html;
pub mod metrics;
pub mod page;
pub mod serve;

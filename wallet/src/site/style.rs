//! The wallet's one style sheet, inlined in every page (the Content-Security-Policy
//! allows inline styles and nothing from elsewhere). Phone first: one column, touch
//! targets at least 44 px high (WCAG 2.2 §2.5.5), a QR code as wide as the screen.

/// The CSS.
pub(crate) const CSS: &str = r#"
:root{color-scheme:light dark;--fg:#16191d;--bg:#fff;--soft:#f2f4f7;--muted:#5b6470;--line:#cfd6de;
--accent:#0a5bb0;--bad:#b3261e;--ok:#1a7f37;--warn:#8a5a00}
@media (prefers-color-scheme:dark){:root{--fg:#e8edf2;--bg:#0e1116;--soft:#171b22;--muted:#9ba6b2;
--line:#2f3640;--accent:#5aa2f8;--bad:#ff7b72;--ok:#3fb950;--warn:#d29922}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;justify-content:space-between;padding:.5rem .75rem;
background:var(--soft);border-bottom:1px solid var(--line)}
header .brand{font-weight:700;color:var(--fg);text-decoration:none}
header nav{display:flex;flex-wrap:wrap;gap:.25rem;align-items:center}
header nav a{display:inline-flex;align-items:center;min-height:2.75rem;padding:0 .5rem}
header form{margin:0}
main{max-width:40rem;margin:0 auto;padding:.75rem;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input,textarea{display:block;width:100%;min-height:2.75rem;padding:.55rem .65rem;font:inherit;color:var(--fg);
background:var(--bg);border:1px solid var(--line);border-radius:.4rem}
input[type=checkbox]{display:inline-block;width:1.5rem;min-height:1.5rem;vertical-align:middle;margin:0 .5rem 0 0}
.check label{display:inline;font-weight:400}
input:focus,textarea:focus,button:focus,a:focus{outline:3px solid var(--accent);outline-offset:2px}
button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:3rem;padding:.5rem 1.2rem;
font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:.5rem;text-decoration:none;cursor:pointer}
button.secondary,.button.secondary{color:var(--accent);background:transparent;border:1px solid var(--accent)}
button.danger{background:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.actions>*{flex:1 1 10rem}
.hint{margin:.25rem 0 0;color:var(--muted);font-size:.92em}
.notice{padding:.7rem .9rem;margin:0 0 1rem;border:1px solid var(--line);border-left:.4rem solid var(--line);
border-radius:.4rem;background:var(--soft)}
.notice.ok{border-left-color:var(--ok)}.notice.error{border-left-color:var(--bad)}
.notice p{margin:0;overflow-wrap:anywhere}
ul.cards{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
a.card{display:grid;grid-template-columns:1fr auto;gap:.15rem .5rem;padding:.9rem;border:1px solid var(--line);
border-radius:.75rem;background:var(--soft);color:var(--fg);text-decoration:none}
.card-type{font-weight:700;font-size:1.15rem}
.card-issuer,.card-validity{grid-column:1/-1;color:var(--muted);font-size:.92em;overflow-wrap:anywhere}
.badge{align-self:start;padding:.1rem .55rem;border-radius:1rem;font-size:.85em;font-weight:700;color:#fff;background:var(--muted)}
.badge-valid{background:var(--ok)}.badge-suspended,.badge-unchecked{background:var(--warn)}
.badge-revoked,.badge-expired,.badge-invalid,.badge-reissue{background:var(--bad)}
dl{display:grid;grid-template-columns:1fr;gap:.1rem;margin:.5rem 0}
dt{font-weight:600;color:var(--muted);font-size:.92em}dd{margin:0 0 .6rem;overflow-wrap:anywhere}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
section.ask{padding:.25rem .9rem;margin:0 0 1rem;border:1px solid var(--line);border-radius:.75rem}
ul.shared li{margin:.2rem 0}
.qr{margin:0 auto;padding:.75rem;background:#fff;border-radius:.5rem;max-width:28rem}
.qr svg{display:block;width:100%;height:auto}
.qr.full{padding:.5rem}
table{width:100%;border-collapse:collapse}
th,td{padding:.45rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
@media (max-width:40rem){
table,tbody,tr,td{display:block}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{margin:0 0 .75rem;border:1px solid var(--line);border-radius:.5rem}
td{border:0;padding:.3rem .6rem}
td::before{content:attr(data-label);display:block;font-size:.8em;font-weight:600;color:var(--muted)}
}
"#;

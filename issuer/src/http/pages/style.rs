//! The pages' one style sheet, inlined in every page (the Content-Security-Policy
//! allows inline styles and nothing from elsewhere). One column on a phone; on a wide
//! screen fields sit in a grid and the offer shows the QR code beside the PIN. The
//! results table becomes one card per credential below 40rem.

/// The CSS.
pub(crate) const CSS: &str = r#"
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--soft:#f4f6f8;--muted:#57606a;--line:#c9d1d9;
--accent:#0b57a4;--bad:#b3261e;--ok:#1a7f37;--warn:#8a5a00}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--soft:#161b22;--muted:#9aa5b1;
--line:#30363d;--accent:#4f9ef8;--bad:#ff7b72;--ok:#3fb950;--warn:#d29922}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;
padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
header .office{font-weight:700;text-decoration:none;color:var(--fg)}
header nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header form{margin:0}
main{max-width:62rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
label,legend{display:block;font-weight:600}
legend{padding:0 .25rem}
.req{color:var(--bad);font-weight:400;font-size:.85em;margin-left:.35em}
.hint{margin:.2rem 0 0;color:var(--muted);font-size:.9em}
.error{margin:.2rem 0 0;color:var(--bad);font-weight:600;font-size:.95em}
input,select,textarea{display:block;width:100%;max-width:100%;min-height:2.75rem;padding:.5rem .6rem;
font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:.3rem}
textarea{min-height:6rem}
input:focus,select:focus,textarea:focus,button:focus{outline:3px solid var(--accent);outline-offset:1px}
.invalid input,.invalid select,.invalid textarea{border:2px solid var(--bad)}
.field{margin:0 0 1rem;min-width:0}
.grid{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fill,minmax(min(15rem,100%),1fr))}
.grid>fieldset{grid-column:1/-1}
fieldset{margin:0 0 1rem;padding:.75rem;border:1px solid var(--line);border-radius:.3rem;min-width:0}
fieldset fieldset{background:var(--soft)}
button{min-height:2.75rem;padding:.5rem 1.1rem;font:inherit;font-weight:600;color:#fff;
background:var(--accent);border:0;border-radius:.3rem;cursor:pointer}
button.secondary{color:var(--accent);background:transparent;border:1px solid var(--accent)}
button.danger{background:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.inline .field{flex:1 1 12rem;margin:0}
.notice{padding:.75rem 1rem;margin:0 0 1rem;border-radius:.3rem;border:1px solid var(--line);
border-left-width:.4rem;background:var(--soft)}
.notice.ok{border-left-color:var(--ok)}
.notice.error{border-left-color:var(--bad)}
.notice ul{margin:.5rem 0 0;padding-left:1.25rem}
.offer{display:grid;gap:1rem 2rem;grid-template-columns:repeat(auto-fit,minmax(min(16rem,100%),1fr));
align-items:start}
.qr{margin:0;padding:.75rem;background:#fff;border-radius:.3rem;max-width:24rem}
.qr svg{display:block;width:100%;height:auto}
.pin{margin:.25rem 0;font:700 2.6rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
letter-spacing:.25em;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}
dt{font-weight:600}dd{margin:0;min-width:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
table{width:100%;border-collapse:collapse}
th,td{padding:.5rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
.status{font-weight:700}.status-valid{color:var(--ok)}.status-suspended{color:var(--warn)}
.status-revoked{color:var(--bad)}
ul.types{padding-left:1.25rem}ul.types li{margin:.35rem 0}
@media (max-width:40rem){
main{padding:.75rem}
.pin{font-size:2.1rem}
dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}
table,tbody,tr,td{display:block}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{margin:0 0 1rem;border:1px solid var(--line);border-radius:.3rem}
td{border:0;padding:.35rem .6rem}
td::before{content:attr(data-label);display:block;font-size:.8em;font-weight:600;color:var(--muted)}
}
"#;

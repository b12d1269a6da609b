//! The checkpoint screen's style sheet, inlined (the Content-Security-Policy allows
//! inline style and nothing from elsewhere). Made for a tablet on a desk or a phone
//! in a hand: one column, large touch targets, a verdict readable from a metre away.

/// The CSS.
pub(super) const CSS: &str = r#"
:root{color-scheme:light dark;--fg:#16191d;--bg:#fff;--panel:#f2f4f7;--dim:#5b6470;--rule:#cdd3da;
--blue:#0a58a8;--red:#b42318;--green:#18794e;--amber:#8f5b00}
@media (prefers-color-scheme:dark){:root{--fg:#eef1f4;--bg:#0f1216;--panel:#181c22;--dim:#a3acb7;
--rule:#2f353d;--blue:#5aa4f5;--red:#ff8a80;--green:#4cc38a;--amber:#e5b33c}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1.05rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
.bar{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;justify-content:space-between;
padding:.6rem 1rem;background:var(--panel);border-bottom:1px solid var(--rule)}
.bar a{font-weight:700;color:var(--fg);text-decoration:none}
.bar small{color:var(--dim);overflow-wrap:anywhere}
main{max-width:48rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.4rem 0 1rem}
h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
p{margin:.4rem 0}
.muted{color:var(--dim)}
.choices{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(14rem,100%),1fr));padding:0;margin:0;list-style:none}
.choices form{margin:0;height:100%}
.choices button{width:100%;height:100%;text-align:left}
.choices button span{display:block;font-weight:400;font-size:.9rem;opacity:.9}
button,.button{display:inline-block;min-height:3rem;padding:.65rem 1.2rem;font:inherit;font-weight:700;
color:#fff;background:var(--blue);border:0;border-radius:.4rem;cursor:pointer;text-decoration:none}
button.quiet{color:var(--blue);background:transparent;border:2px solid var(--blue)}
button:focus,input:focus,textarea:focus,summary:focus{outline:3px solid var(--blue);outline-offset:2px}
.qr{display:block;width:min(100%,22rem);margin:0 auto;background:#fff;padding:.6rem;border-radius:.4rem}
.qr svg{display:block;width:100%;height:auto}
.link{font-family:ui-monospace,monospace;font-size:.8rem;overflow-wrap:anywhere;color:var(--dim)}
.verdict{margin:0 0 1rem;padding:1.2rem;border-radius:.5rem;color:#fff;font-size:2rem;font-weight:800;text-align:center}
.verdict small{display:block;font-size:1rem;font-weight:600}
.accepted{background:var(--green)}.rejected{background:var(--red)}.unchecked{background:var(--amber)}
.prompt{padding:.8rem;border:3px solid var(--amber);border-radius:.4rem;font-weight:600;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.3rem 1rem;margin:.5rem 0}
dt{color:var(--dim)}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
ul.why{padding-left:1.2rem}ul.why li{margin:.3rem 0;overflow-wrap:anywhere}
.code{font-family:ui-monospace,monospace;font-size:.85rem;color:var(--dim)}
table{width:100%;border-collapse:collapse;font-size:.92rem}
td,th{padding:.35rem;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
.ok{color:var(--green);font-weight:700}.bad{color:var(--red);font-weight:700}.skip{color:var(--dim)}
details{margin:1rem 0;padding:.6rem;border:1px solid var(--rule);border-radius:.4rem}
summary{cursor:pointer;font-weight:700;min-height:2.5rem;display:flex;align-items:center}
label{display:block;font-weight:700;margin:.6rem 0 .25rem}
input[type=file],textarea{display:block;width:100%;min-height:3rem;padding:.5rem;font:inherit;color:var(--fg);
background:var(--bg);border:1px solid var(--rule);border-radius:.4rem}
.error{color:var(--red);font-weight:700}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.2rem 0}
.actions form{margin:0}
"#;

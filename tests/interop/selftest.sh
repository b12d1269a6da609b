#!/usr/bin/env bash
# Self-test of the interop harness, node only (no Rust): proves that sdjwt.mjs
# issues/presents/verifies correctly and rejects what it must.
# Usage: bash tests/interop/selftest.sh      (runs `npm ci` first if node_modules is missing)
# Exit status: 0 when every case behaves as expected, 1 otherwise.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
[ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund >/dev/null
CLI=(node "$HERE/sdjwt.mjs")
T="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }

# expect RC NAME CMD...  : run CMD (stdout to $T/out), require exit code RC.
expect() {
  local want=$1 name=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name (exit $rc, want $want): $(cat "$T/out" "$T/err" | head -c 400)"; fi
}

# reject NAME REGEX CMD... : require exit 1 AND {"valid":false,"error":E} with E matching REGEX,
# so a harness bug (e.g. a TypeError) cannot pass for a genuine rejection.
reject() {
  local name=$1 re=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" -eq 1 ] && node -e "const r=JSON.parse(require('fs').readFileSync('$T/out','utf8')); process.exit(r.valid===false && new RegExp(process.argv[1]).test(r.error)?0:1)" "$re"; then
    ok "$name"; else bad "$name (exit $rc, want 1 with error ~ /$re/): $(cat "$T/out" "$T/err" | head -c 400)"; fi
}

# check NAME JS-EXPR : evaluate JS-EXPR with `r` = JSON of the last output.
check() {
  if node -e "const r=JSON.parse(require('fs').readFileSync('$T/out','utf8')); process.exit(($2)?0:1)"; then
    ok "$1"; else bad "$1: $(head -c 400 "$T/out")"; fi
}

# tamper IN OUT INDEX : replace the value of the INDEX-th disclosure (1-based) and re-encode it.
tamper() {
  node -e '
    const fs = require("fs"); const p = fs.readFileSync(process.argv[1], "utf8").trim().split("~");
    const d = JSON.parse(Buffer.from(p[+process.argv[3]], "base64url"));
    d[d.length - 1] = "tampered";
    p[+process.argv[3]] = Buffer.from(JSON.stringify(d)).toString("base64url");
    fs.writeFileSync(process.argv[2], p.join("~"));' "$1" "$2" "$3"
}

EXP=$(( $(date +%s) + 3600 ))
cat >"$T/claims.json" <<EOF
{"given_name":"Erika","family_name":"Mustermann","birthdate":"1963-08-12",
 "address":{"street_address":"Heidestrasse 17","locality":"Koeln","country":"DE"},
 "nationalities":["DE","FR"],"exp":$EXP}
EOF
cat >"$T/frame.json" <<'EOF'
{"_sd":["given_name","family_name","birthdate","address"],"_sd_decoy":2,
 "address":{"_sd":["street_address","locality"]},"nationalities":{"_sd":[0,1]}}
EOF
echo '{"given_name":true,"address":{"locality":true},"nationalities":{"1":true}}' >"$T/pframe.json"

# ------------------------------------------------------------ SD-JWT VC
# issuer/holder algorithm pairs, including mixed ones
for pair in ES256:ES256 EdDSA:EdDSA ES256:EdDSA EdDSA:ES256; do
  IA=${pair%%:*}; HA=${pair##*:}; P="[$IA/$HA]"
  "${CLI[@]}" keygen --alg "$IA" >"$T/iss.jwk" && "${CLI[@]}" pubjwk --jwk "$T/iss.jwk" >"$T/iss.pub" || bad "$P keygen issuer"
  "${CLI[@]}" keygen --alg "$HA" >"$T/hol.jwk" && "${CLI[@]}" pubjwk --jwk "$T/hol.jwk" >"$T/hol.pub" || bad "$P keygen holder"
  "${CLI[@]}" keygen --alg "$IA" >"$T/other.jwk"; "${CLI[@]}" pubjwk --jwk "$T/other.jwk" >"$T/other.pub"
  "${CLI[@]}" keygen --alg "$HA" >"$T/hol2.jwk"

  expect 0 "$P issue" "${CLI[@]}" issue --issuer-jwk "$T/iss.jwk" --claims "$T/claims.json" \
    --disclose-frame "$T/frame.json" --vct urn:sigillum:vct:test:1 --iss https://issuer.example --holder-jwk "$T/hol.pub"
  cp "$T/out" "$T/cred"
  node -e '
    const s = require("fs").readFileSync(process.argv[1], "utf8").trim();
    const h = JSON.parse(Buffer.from(s.split(".")[0], "base64url"));
    const p = JSON.parse(Buffer.from(s.split("~")[0].split(".")[1], "base64url"));
    if (!s.endsWith("~") || h.typ !== "dc+sd-jwt" || p._sd_alg !== "sha-256" || !p.cnf?.jwk || p.cnf.jwk.d || typeof p.iat !== "number") process.exit(1);' \
    "$T/cred" && ok "$P issued shape (typ, _sd_alg, cnf.jwk public, iat, trailing ~)" || bad "$P issued shape"

  expect 0 "$P verify issued SD-JWT" "${CLI[@]}" verify --sdjwt "$T/cred" --issuer-jwk "$T/iss.pub"
  check "$P all claims recovered" 'r.claims.family_name==="Mustermann" && r.claims.address.street_address && r.claims.nationalities.length===2 && !("_sd" in r.claims) && !("_sd_alg" in r.claims)'
  reject "$P wrong issuer key rejected" 'Invalid JWT Signature' "${CLI[@]}" verify --sdjwt "$T/cred" --issuer-jwk "$T/other.pub"
  reject "$P --require-kb without KB rejected" 'no KB-JWT present' "${CLI[@]}" verify --sdjwt "$T/cred" --issuer-jwk "$T/iss.pub" --require-kb

  expect 0 "$P present with KB" "${CLI[@]}" present --sdjwt "$T/cred" --holder-jwk "$T/hol.jwk" \
    --disclose "$T/pframe.json" --nonce n-123 --aud https://verifier.example
  cp "$T/out" "$T/pres"
  expect 0 "$P verify presentation (nonce, aud, require-kb)" "${CLI[@]}" verify --sdjwt "$T/pres" \
    --issuer-jwk "$T/iss.pub" --nonce n-123 --aud https://verifier.example --require-kb
  check "$P only selected claims disclosed" 'r.claims.given_name==="Erika" && r.claims.address.locality==="Koeln" && !("street_address" in r.claims.address) && !("family_name" in r.claims) && JSON.stringify(r.claims.nationalities)==="[\"FR\"]" && r.kb.nonce==="n-123" && typeof r.kb.sd_hash==="string"'
  reject "$P wrong nonce rejected" 'Invalid Nonce' "${CLI[@]}" verify --sdjwt "$T/pres" --issuer-jwk "$T/iss.pub" --nonce n-999 --aud https://verifier.example
  reject "$P wrong aud rejected" 'aud mismatch' "${CLI[@]}" verify --sdjwt "$T/pres" --issuer-jwk "$T/iss.pub" --nonce n-123 --aud https://evil.example

  tamper "$T/pres" "$T/pres.bad" 1
  reject "$P tampered disclosure with KB rejected" 'not referenced' "${CLI[@]}" verify --sdjwt "$T/pres.bad" --issuer-jwk "$T/iss.pub" --nonce n-123 --aud https://verifier.example
  reject "$P tampered disclosure with KB rejected (library only: sd_hash)" 'Invalid sd_hash' "${CLI[@]}" verify --sdjwt "$T/pres.bad" --issuer-jwk "$T/iss.pub" --nonce n-123 --library-only

  # KB-JWT signed by a key other than cnf.jwk
  expect 0 "$P present with foreign holder key" "${CLI[@]}" present --sdjwt "$T/cred" --holder-jwk "$T/hol2.jwk" \
    --disclose "$T/pframe.json" --nonce n-123 --aud https://verifier.example
  cp "$T/out" "$T/pres.foreign"
  reject "$P KB signed by non-cnf key rejected" 'Invalid JWT Signature' "${CLI[@]}" verify --sdjwt "$T/pres.foreign" --issuer-jwk "$T/iss.pub" --nonce n-123 --aud https://verifier.example
  reject "$P KB signed by non-cnf key rejected without --nonce" 'Invalid JWT Signature' "${CLI[@]}" verify --sdjwt "$T/pres.foreign" --issuer-jwk "$T/iss.pub"

  # presentation without KB; tampering is caught by the harness, NOT by the library alone
  expect 0 "$P present without KB" "${CLI[@]}" present --sdjwt "$T/cred" --disclose "$T/pframe.json"
  cp "$T/out" "$T/pres.nokb"
  expect 0 "$P verify presentation without KB" "${CLI[@]}" verify --sdjwt "$T/pres.nokb" --issuer-jwk "$T/iss.pub"
  tamper "$T/pres.nokb" "$T/pres.nokb.bad" 1
  reject "$P tampered disclosure without KB rejected" 'not referenced' "${CLI[@]}" verify --sdjwt "$T/pres.nokb.bad" --issuer-jwk "$T/iss.pub"
  expect 0 "$P (library quirk) --library-only silently drops the tampered disclosure" "${CLI[@]}" verify --sdjwt "$T/pres.nokb.bad" --issuer-jwk "$T/iss.pub" --library-only
  check "$P (library quirk) tampered claim absent" '!("given_name" in r.claims)'
done

# ------------------------------------------------------------ hand-crafted malformed SD-JWTs
# Each is correctly signed by the issuer, so only the harness's RFC 9901 checks can catch it;
# the --library-only runs record what stock @sd-jwt 0.19.0 does with the same token.
"${CLI[@]}" keygen --alg ES256 >"$T/c.jwk"; "${CLI[@]}" pubjwk --jwk "$T/c.jwk" >"$T/c.pub"
# craft OUT JS : JS (with helpers b64, D) evaluates to {header, payload, disclosures:[encoded]}.
CRAFT='
  const fs = require("fs"), crypto = require("crypto");
  const jwk = JSON.parse(fs.readFileSync(process.env.KEY, "utf8"));
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const D = (a) => { const enc = b64(a); return { enc, dg: crypto.createHash("sha256").update(enc).digest("base64url") }; };
  const { header, payload, disclosures } = eval(process.env.SPEC);
  const si = b64(header) + "." + b64(payload);
  const key = crypto.createPrivateKey({ key: jwk, format: "jwk" });
  const sig = crypto.sign("sha256", Buffer.from(si), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  fs.writeFileSync(process.env.OUT, [si + "." + sig, ...disclosures, ""].join("~"));'
craft() { KEY="$T/c.jwk" OUT="$1" SPEC="$2" node -e "$CRAFT"; }
H='({ alg: "ES256", typ: "dc+sd-jwt" })'
A='D(["salt-a", "a", "FROM-DISCLOSURE"])'

craft "$T/ok.sd" "(() => { const a = $A; return { header: $H, payload: { vct: \"x\", _sd: [a.dg], _sd_alg: \"sha-256\" }, disclosures: [a.enc] }; })()"
expect 0 "[crafted] well-formed control token accepted" "${CLI[@]}" verify --sdjwt "$T/ok.sd" --issuer-jwk "$T/c.pub"
check "[crafted] control token claim" 'r.claims.a==="FROM-DISCLOSURE"'

craft "$T/legacy.sd" "(() => { const a = $A; return { header: { alg: \"ES256\", typ: \"vc+sd-jwt\" }, payload: { vct: \"x\", _sd: [a.dg], _sd_alg: \"sha-256\" }, disclosures: [a.enc] }; })()"
reject "[crafted] typ vc+sd-jwt rejected" 'typ must be "dc\+sd-jwt"' "${CLI[@]}" verify --sdjwt "$T/legacy.sd" --issuer-jwk "$T/c.pub"
expect 0 "[crafted] (library quirk) typ not checked by @sd-jwt" "${CLI[@]}" verify --sdjwt "$T/legacy.sd" --issuer-jwk "$T/c.pub" --library-only

craft "$T/override.sd" "(() => { const a = $A; return { header: $H, payload: { vct: \"x\", a: \"PLAIN\", _sd: [a.dg], _sd_alg: \"sha-256\" }, disclosures: [a.enc] }; })()"
reject "[crafted] disclosure re-using a plaintext claim name rejected" 'already exists' "${CLI[@]}" verify --sdjwt "$T/override.sd" --issuer-jwk "$T/c.pub"
expect 0 "[crafted] (library quirk) @sd-jwt lets the disclosure overwrite the plaintext claim" "${CLI[@]}" verify --sdjwt "$T/override.sd" --issuer-jwk "$T/c.pub" --library-only
check "[crafted] (library quirk) overwritten value" 'r.claims.a==="FROM-DISCLOSURE"'

craft "$T/dupdigest.sd" "(() => { const a = $A; return { header: $H, payload: { vct: \"x\", _sd: [a.dg, a.dg], _sd_alg: \"sha-256\" }, disclosures: [a.enc] }; })()"
reject "[crafted] digest listed twice rejected" 'more than once' "${CLI[@]}" verify --sdjwt "$T/dupdigest.sd" --issuer-jwk "$T/c.pub"
expect 0 "[crafted] (library quirk) duplicate digest accepted by @sd-jwt" "${CLI[@]}" verify --sdjwt "$T/dupdigest.sd" --issuer-jwk "$T/c.pub" --library-only

craft "$T/dupdisc.sd" "(() => { const a = $A; return { header: $H, payload: { vct: \"x\", _sd: [a.dg], _sd_alg: \"sha-256\" }, disclosures: [a.enc, a.enc] }; })()"
reject "[crafted] same disclosure sent twice rejected" 'included twice' "${CLI[@]}" verify --sdjwt "$T/dupdisc.sd" --issuer-jwk "$T/c.pub"

craft "$T/arrobj.sd" "(() => { const a = $A; return { header: $H, payload: { vct: \"x\", list: [{ \"...\": a.dg }], _sd_alg: \"sha-256\" }, disclosures: [a.enc] }; })()"
reject "[crafted] name/value disclosure referenced from an array rejected" 'referenced from an array' "${CLI[@]}" verify --sdjwt "$T/arrobj.sd" --issuer-jwk "$T/c.pub"

craft "$T/novct.sd" "({ header: $H, payload: { iss: \"x\" }, disclosures: [] })"
reject "[crafted] missing vct rejected" 'vct' "${CLI[@]}" verify --sdjwt "$T/novct.sd" --issuer-jwk "$T/c.pub"

craft "$T/alglie.sd" "({ header: { alg: \"EdDSA\", typ: \"dc+sd-jwt\" }, payload: { vct: \"x\" }, disclosures: [] })"
reject "[crafted] header alg not matching the key rejected" 'does not match key' "${CLI[@]}" verify --sdjwt "$T/alglie.sd" --issuer-jwk "$T/c.pub"

craft "$T/future.sd" "({ header: $H, payload: { vct: \"x\", iat: $(( $(date +%s) + 600 )) }, disclosures: [] })"
reject "[crafted] iat in the future rejected (by @sd-jwt, zero skew)" 'not yet valid' "${CLI[@]}" verify --sdjwt "$T/future.sd" --issuer-jwk "$T/c.pub"
expect 0 "[crafted] --now moves the clock" "${CLI[@]}" verify --sdjwt "$T/future.sd" --issuer-jwk "$T/c.pub" --now $(( $(date +%s) + 900 ))

craft "$T/expired.sd" "({ header: $H, payload: { vct: \"x\", exp: $(( $(date +%s) - 10 )) }, disclosures: [] })"
reject "[crafted] exp in the past rejected" 'expired' "${CLI[@]}" verify --sdjwt "$T/expired.sd" --issuer-jwk "$T/c.pub"

# ------------------------------------------------------------ vc+jwt (VC-JOSE-COSE)
NOW=$(date +%s)
vc() {  # vc VALIDFROM VALIDUNTIL > credential.json
  cat <<EOF
{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:5c4f1d7e-0000-4000-8000-000000000001",
 "type":["VerifiableCredential","PassportCredential"],"issuer":"did:example:issuer",
 "validFrom":"$1","validUntil":"$2","credentialSubject":{"id":"did:example:holder","family_name":"Mustermann"}}
EOF
}
iso() { node -e "console.log(new Date(($1)*1000).toISOString().replace(/\.\d+Z$/,'Z'))"; }
vc "$(iso $((NOW - 60)))" "$(iso $((NOW + 3600)))" >"$T/vc.json"
vc "$(iso $((NOW - 7200)))" "$(iso $((NOW - 3600)))" >"$T/vc.expired.json"
vc "$(iso $((NOW + 3600)))" "$(iso $((NOW + 7200)))" >"$T/vc.future.json"

for A in ES256 EdDSA; do
  P="[vc+jwt $A]"
  "${CLI[@]}" keygen --alg "$A" >"$T/vk.jwk"; "${CLI[@]}" pubjwk --jwk "$T/vk.jwk" >"$T/vk.pub"
  "${CLI[@]}" keygen --alg "$A" >"$T/vk2.jwk"; "${CLI[@]}" pubjwk --jwk "$T/vk2.jwk" >"$T/vk2.pub"
  expect 0 "$P sign" "${CLI[@]}" vcjwt-sign --issuer-jwk "$T/vk.jwk" --credential "$T/vc.json"; cp "$T/out" "$T/vc.jwt"
  expect 0 "$P verify" "${CLI[@]}" vcjwt-verify --jwt "$T/vc.jwt" --issuer-jwk "$T/vk.pub"
  check "$P header and payload" "r.header.typ==='vc+jwt' && r.header.alg==='$A' && typeof r.header.kid==='string' && r.payload.credentialSubject.family_name==='Mustermann'"
  reject "$P wrong key rejected" 'signature verification failed' "${CLI[@]}" vcjwt-verify --jwt "$T/vc.jwt" --issuer-jwk "$T/vk2.pub"
  # tamper: swap the payload for another credential, keep header and signature
  node -e '
    const fs = require("fs"); const [h, , s] = fs.readFileSync(process.argv[1], "utf8").trim().split(".");
    const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); p.credentialSubject.family_name = "Evil";
    fs.writeFileSync(process.argv[3], [h, Buffer.from(JSON.stringify(p)).toString("base64url"), s].join("."));' \
    "$T/vc.jwt" "$T/vc.json" "$T/vc.bad.jwt"
  reject "$P tampered payload rejected" 'signature verification failed' "${CLI[@]}" vcjwt-verify --jwt "$T/vc.bad.jwt" --issuer-jwk "$T/vk.pub"
  "${CLI[@]}" vcjwt-sign --issuer-jwk "$T/vk.jwk" --credential "$T/vc.expired.json" >"$T/vc.exp.jwt"
  reject "$P validUntil in the past rejected" 'expired \(validUntil\)' "${CLI[@]}" vcjwt-verify --jwt "$T/vc.exp.jwt" --issuer-jwk "$T/vk.pub"
  "${CLI[@]}" vcjwt-sign --issuer-jwk "$T/vk.jwk" --credential "$T/vc.future.json" >"$T/vc.fut.jwt"
  reject "$P validFrom in the future rejected" 'not yet valid \(validFrom\)' "${CLI[@]}" vcjwt-verify --jwt "$T/vc.fut.jwt" --issuer-jwk "$T/vk.pub"
  expect 0 "$P --now inside the window accepts the future credential" "${CLI[@]}" vcjwt-verify --jwt "$T/vc.fut.jwt" --issuer-jwk "$T/vk.pub" --now $((NOW + 5400))
done

# a JWS with typ "JWT" instead of "vc+jwt" must be rejected
"${CLI[@]}" keygen --alg ES256 >"$T/t.jwk"; "${CLI[@]}" pubjwk --jwk "$T/t.jwk" >"$T/t.pub"
node --input-type=module -e "
  import * as jose from 'jose'; import fs from 'node:fs';
  const jwk = JSON.parse(fs.readFileSync('$T/t.jwk', 'utf8'));
  const key = await jose.importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, 'ES256');
  const sign = (typ) => new jose.CompactSign(fs.readFileSync('$T/vc.json')).setProtectedHeader({ alg: 'ES256', typ }).sign(key);
  fs.writeFileSync('$T/typ-jwt.jwt', await sign('JWT'));
  fs.writeFileSync('$T/typ-app.jwt', await sign('application/vc+jwt'));"
reject "[vc+jwt] typ JWT rejected" 'typ' "${CLI[@]}" vcjwt-verify --jwt "$T/typ-jwt.jwt" --issuer-jwk "$T/t.pub"
reject "[vc+jwt] typ application/vc+jwt rejected (harness is exact)" 'exactly "vc\+jwt"' "${CLI[@]}" vcjwt-verify --jwt "$T/typ-app.jwt" --issuer-jwk "$T/t.pub"

# ------------------------------------------------------------ usage errors exit 2
expect 2 "unknown command exits 2" "${CLI[@]}" frobnicate
expect 2 "missing argument exits 2" "${CLI[@]}" verify --sdjwt "$T/cred"

echo "selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

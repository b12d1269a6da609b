#!/usr/bin/env bash
# Bulk issuance at scale (issue #4 item 5): a release `sigillum registry serve` and
# `sigillum issuer serve` on loopback, a CSV of 100,000 passport applicants of which
# 130 are bad on purpose (100 schema violations, 20 duplicate references, 10 without
# a reference), and `sigillum issuer import` with its progress bar (a bar on a
# terminal, a line every 5 s otherwise). Then the report is checked (every good row
# offered exactly once, every bad row reported with its code) and a second run must
# skip every row. Everything runs in a temporary directory, removed at the end.
# Needs jq and python3. Usage: scripts/import_100k.sh [rows] [concurrency] [link|png|svg]
set -euo pipefail
rows="${1:-100000}"
conc="${2:-32}"
qr="${3:-link}"
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "needs jq: apt-get install jq" >&2; exit 2; }
cargo build -q --release -j1
bin="$PWD/target/release/sigillum"
sample=$(jq -c '.samples[0]' specs/credential-types/passport.json)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "$1 did not come up" >&2; exit 1; }

# A registry node.
rport=$(free_port)
"$bin" registry init --dir registry >/dev/null
"$bin" registry serve --listen "127.0.0.1:$rport" 2> registry.log &
pids+=($!)
wait_up "http://127.0.0.1:$rport/healthz"

# An issuing office for passports, its officer, and governance's accreditation.
iport=$(free_port)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > issuer.key
jq -n --arg key "$(jq -r '.nodes[0].vkey' registry/genesis.json)" \
      --arg origin "$(jq -r .origin registry/genesis.json)" \
      --arg listen "127.0.0.1:$iport" --arg reg "http://127.0.0.1:$rport" '{
  name: "Ministry of Interior", listen: $listen, data_dir: "interior",
  types: ["passport"], keys: {key_file: "issuer.key"},
  registry: {url: $reg, origin: $origin, log_key: $key}}' > interior.json
"$bin" issuer officer add --config interior.json --name bulk-clerk --roles issue:passport > clerk.json
did=$(jq -r .issuer clerk.json)
jq -n --arg did "$did" '{issuer: $did, credential_type: "passport", valid_from: (now | floor)}' > grant-body.json
"$bin" registry op --type accreditation.grant --id "accreditation:$did:passport" --body grant-body.json \
    --key registry/governance-0.jwk --kid gov-0 --key registry/governance-1.jwk --kid gov-1 > grant.json
"$bin" registry submit grant.json --url "http://127.0.0.1:$rport" >/dev/null
"$bin" issuer serve --config interior.json 2> issuer.log &
pids+=($!)
wait_up "http://127.0.0.1:$iport/healthz"

# The applicants: row i is P-<i>, except every 1000th (at 500) has sex Q, every
# 5000th repeats the previous reference, and every 10000th (at 1234) has none.
echo "$sample" | jq -r 'keys_unsorted | "reference," + join(",")' > passports.csv
echo "$sample" | jq -r '[.[]] | map(tostring) | join("\t")' > sample.tsv
column() { echo "$sample" | jq --arg k "$1" 'keys_unsorted | index($k) + 1'; }
awk -v rows="$rows" -v docn="$(column document_number)" -v sexk="$(column sex)" -F'\t' '
  NR == 1 { n = split($0, v, "\t") }
  END {
    bad = 0
    for (i = 1; i <= rows; i++) {
      ref = sprintf("P-%06d", i)
      if (i % 1000 == 500) bad++
      if (i % 5000 == 0) { ref = sprintf("P-%06d", i - 1); bad++ }
      if (i % 10000 == 1234) { ref = ""; bad++ }
      line = ref
      for (k = 1; k <= n; k++) {
        val = v[k]
        if (k == docn) val = sprintf("D%07d", i)
        if (k == sexk && i % 1000 == 500) val = "Q"
        line = line "," val
      }
      print line
    }
    print bad > "bad.txt"
  }' sample.tsv >> passports.csv
echo "$(($(wc -l < passports.csv) - 1)) rows in passports.csv; importing with concurrency $conc, --qr $qr" >&2

"$bin" issuer import passports.csv --type passport --url "http://127.0.0.1:$iport" \
    --token-file clerk.json --out out --concurrency "$conc" --qr "$qr" > summary.json
jq -c . summary.json

# The report.
offers=$(wc -l < out/offers.jsonl)
twice=$(jq -r .reference out/offers.jsonl | sort | uniq -d | wc -l)
echo "offers.jsonl: $offers lines, $twice references twice" >&2
echo "rejected.jsonl by code: $(jq -r .code out/rejected.jsonl | sort | uniq -c | tr -s ' \n' ' ')" >&2
bad=$(cat bad.txt)
[ "$offers" = $((rows - bad)) ] && [ "$twice" = 0 ] || { echo "FAIL: expected $((rows - bad)) offers" >&2; exit 1; }

# Again: every row is done.
"$bin" issuer import passports.csv --type passport --url "http://127.0.0.1:$iport" \
    --token-file clerk.json --out out --concurrency "$conc" --qr "$qr" > again.json
jq -c '{imported, rejected, skipped, seconds}' again.json
[ "$(jq .skipped again.json)" = "$rows" ] || { echo "FAIL: the second run did not skip every row" >&2; exit 1; }
echo "OK" >&2

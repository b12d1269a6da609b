#!/usr/bin/env bash
# Load soak (issue 8): each service held under load for SECONDS (default 120), on
# loopback only, with no error response allowed and the service process's resident
# set (VmRSS, sampled once a second) held under a bound: its RSS a quarter of the way
# in (at most 10 s; "warm") + LOAD_RSS_GROWTH_MIB (default 256 MiB; the issuer 512).
#   registry reads   `sigillum up` (the whole product, as the README's first command)
#                    in the background with a temporary data folder; two open-loop
#                    generators at the same time, READ_RATE/s each (default 500):
#                    GET /v1/dids/{the passport office's DID} and GET /v1/checkpoint;
#                    the RSS is that whole process's (registry, offices, wallet, checkpoint)
#   issuer           examples/issue_load.rs: 64 clients each running the whole issuance
#                    story (apply, token with PIN, nonce, credential) back to back for
#                    SECONDS, then its in-process and floor figures (SECONDS + 3 s more)
#   checkpoint       examples/checkpoint_load.rs: answers posted open-loop from another
#                    process at the highest rate the checkpoint's 9,000-answer cap allows
#                    (at most 75/s for 120 s), each verified against the ledger
# Prints one line per service (requests, errors, p50, p99, RSS warm/max/last/bound,
# PASS or FAIL) and exits 1 when any failed. Every process it starts stops by itself.
# Usage: scripts/load_soak.sh [SECONDS]
set -euo pipefail
secs="${1:-120}"
read_rate="${READ_RATE:-500}"
cd "$(dirname "$0")/.."

echo "== build"
cargo build --release -j1 --bin sigillum --example open_loop --example issue_load --example checkpoint_load
bin=target/release
work="$(mktemp -d)"
server=""
# Ctrl-C for `sigillum up`, then SIGKILL if it has not stopped within 10 s.
stop_server() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -INT "$server" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server" 2>/dev/null || true
    fi
    server=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
status=0
summary=()
# Keeps a log's `load:` lines for the summary (a missing one is a failure).
collect() {
    mapfile -t -O "${#summary[@]}" summary < <(grep '^load:' "$1" || echo "load: $2: no result: FAIL")
}
# Runs a load tool, shows its output and keeps its `load:` lines; a failure fails the soak.
measure() {
    local name="$1"
    shift
    if ! "$@" 2>&1 | tee "$work/$name.log"; then status=1; fi
    collect "$work/$name.log" "$name"
}

echo "== registry reads: sigillum up, ${read_rate}/s on each of two routes for ${secs} s"
"$bin/sigillum" up --port-base 0 --data "$work/data" --json >"$work/up.json" 2>"$work/up.err" &
server=$!
for _ in $(seq 300); do
    [ -s "$work/up.json" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/up.err"; exit 1; }
    sleep 0.1
done
registry=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["registry"])' <"$work/up.json")
did=$(python3 -c 'import json,sys; print([o["did"] for o in json.load(sys.stdin)["offices"] if o["type"] == "passport"][0])' <"$work/up.json")
case "$registry" in http://127.0.0.1:*) ;; *) echo "registry not on loopback: $registry"; exit 1 ;; esac
curl -fsS "$registry/v1/dids/$did" >/dev/null
echo "registry $registry (pid $server), reading $did"
"$bin/examples/open_loop" "$registry/v1/dids/$did" "$read_rate" "$secs" \
    --pid "$server" --name "registry (sigillum up) GET /v1/dids/{did}" >"$work/reads-did.log" 2>&1 &
did_job=$!
measure reads-checkpoint "$bin/examples/open_loop" "$registry/v1/checkpoint" "$read_rate" "$secs" \
    --pid "$server" --name "registry (sigillum up) GET /v1/checkpoint"
wait "$did_job" || status=1
cat "$work/reads-did.log"
collect "$work/reads-did.log" reads-did
stop_server

echo "== issuer: issue_load ${secs} s"
# Its process holds the registry's and the issuer's sled page caches (256 + 128 MiB
# configured), still filling at 10 s: a 2-minute run grew ~260 MiB past warm and
# levelled off after ~1 minute, hence the larger allowance.
measure issue env LOAD_RSS_GROWTH_MIB="${ISSUE_RSS_GROWTH_MIB:-512}" "$bin/examples/issue_load" "$secs"

rate=$(( (9300 - 300) / secs ))
if [ "$rate" -gt 1000 ]; then rate=1000; fi
echo "== checkpoint: checkpoint_load ${rate}/s for ${secs} s"
measure checkpoint "$bin/examples/checkpoint_load" "$rate" "$secs"

echo
echo "== summary (${secs} s per service)"
printf '%s\n' "${summary[@]}"
for line in "${summary[@]}"; do
    case "$line" in *": PASS") ;; *) status=1 ;; esac
done
exit "$status"

#!/usr/bin/env bash
# Whole-process load run of registry reads: a release `sigillum registry serve` on
# loopback with 1,000 issuer DIDs, and wrk (Debian package `wrk`) holding 500
# concurrent connections on GET /v1/dids/{did} (each answer: the document, its log
# entry, inclusion proof, state proof and the signed checkpoint) for 20 s.
# Traffic stays on 127.0.0.1; the server is stopped at the end.
# Then an open-loop run (examples/open_loop.rs) at a fixed rate, latency measured
# from each request's due time, which is what a latency target is about.
# Usage: registry/scripts/read_load.sh [connections] [seconds] [open-loop rate/s]
set -euo pipefail
conns="${1:-500}"
secs="${2:-20}"
rate="${3:-5000}"
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }
cargo build -q --release
cargo build -q --release --example open_loop
bin="$PWD/target/release/sigillum"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
"$bin" registry init --dir registry >/dev/null
"$bin" registry serve --listen 127.0.0.1:0 2> serve.log &
server=$!
for _ in $(seq 50); do grep -q 'http://' serve.log 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' serve.log)
for i in $(seq 1000); do
  "$bin" key generate --alg EdDSA --out k.jwk > k.json 2>/dev/null
  python3 -c "import json;p=json.load(open('k.json'))['public_jwk'];json.dump({'verificationMethod':[{'id':'#k','type':'JsonWebKey2020','controller':'','publicKeyJwk':p}],'assertionMethod':['#k'],'capabilityInvocation':['#k']},open('doc.json','w'))"
  "$bin" registry op --type did.create --body doc.json --key k.jwk --kid '#k' > op.json
  "$bin" registry submit op.json --url "$url" > /dev/null
  [ "$i" = 500 ] && did=$(python3 -c "import json,base64;p=json.load(open('op.json'))['payload'];p+='='*(-len(p)%4);print(json.loads(base64.urlsafe_b64decode(p))['id'])")
done
"$bin" registry get "$did" --url "$url" >/dev/null   # the answer verifies
echo "1000 DIDs; reading $did with $conns connections for ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$url/v1/dids/$did"
echo "open loop at ${rate}/s for ${secs}s"
"$(dirname "$bin")/examples/open_loop" "$url/v1/dids/$did" "$rate" "$secs"

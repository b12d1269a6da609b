#!/usr/bin/env bash
# Fault soak (issue 8): N SIGKILL trials (default 250) of each of the four durable
# write paths, so 4N kills in all, each followed by a restart and a check that
# nothing acknowledged was lost:
#   registry store    an appending child killed at a random 50-400 ms
#                     (registry/tests/store_crash.rs: no hole, meta in step)
#   issuer store      applications with status allocation and revocations, killed
#                     at a random 10-300 ms (issuer/tests/store_crash.rs: no index twice)
#   registry node     `sigillum registry serve` under 16 writers (tests/registry_crash.rs:
#                     every acknowledged operation proven, no rollback)
#   issuer node       `sigillum issuer serve` under 4 clients running OpenID4VCI
#                     (tests/issuer_crash.rs: every acknowledged application and copy on
#                     record, no status index twice, the audit chain verified)
# The test suite runs 25-50 trials of each. Traffic stays on loopback.
# Usage: scripts/kill_trials.sh [N] — STAGES="registry-node issuer-node" (any of
# registry-store, issuer-store, registry-node, issuer-node) runs only those.
set -euo pipefail
n="${1:-250}"
stages="${STAGES:-registry-store issuer-store registry-node issuer-node}"
cd "$(dirname "$0")/.."
run() {
  case " $stages " in *" $1 "*) ;; *) return 0 ;; esac
  echo "== $2"; shift 2
  "$@" 2>&1 | grep -E "trials in|kills,|SIGKILLs in|test result|panicked|FAILED"
}
run registry-store "registry store, $n kills" env CRASH_TRIALS="$n" cargo test --release -p sigillum-registry --test store_crash -- --nocapture
run issuer-store "issuer store, $n kills" env ISSUER_CRASH_TRIALS="$n" cargo test --release -p sigillum-issuer --test store_crash -- --nocapture
run registry-node "registry node, $n kills" env KILL_TRIALS="$n" cargo test --release --test registry_crash every_acknowledged -- --nocapture
run issuer-node "issuer node, $n kills" env KILL_TRIALS="$n" cargo test --release --test issuer_crash acknowledged_credentials -- --nocapture

#!/usr/bin/env bash
# Soak test of the registry's storage layer: N kill -9 trials (default 500) against one
# store directory. Each trial kills the appending child at a random 50-400 ms and checks
# that every acknowledged append survived, the log has no holes and meta is in step
# (registry/tests/store_crash.rs; the test suite itself runs 50 trials).
# Usage: registry/scripts/store_crash_trials.sh [N]
set -euo pipefail
trials="${1:-500}"
cd "$(dirname "$0")/../.."
CRASH_TRIALS="$trials" cargo test --release -p sigillum-registry --test store_crash -- --nocapture

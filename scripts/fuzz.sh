#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes with cargo fuzz (libFuzzer), one target at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default: 600 s, every target)
#
# Each target starts from its seeds (fuzz/src/seeds.rs: inputs built with the
# harnesses' keys, and the public vectors in ../shared/vectors) and whatever an
# earlier run left in target/fuzz/corpus/<target>; at the end that corpus is
# minimized (cargo fuzz cmin). Corpora are not committed (thousands of files a
# target); the regressions are.
# A crash, leak, timeout or allocation over the limit stops the target and lands in
# fuzz/artifacts/<target>/: reproduce it with `cargo +nightly fuzz run --features
# libfuzzer <target> <file>`, fix it, and keep the input in fuzz/regressions/<target>/
# (replayed by `cargo test -p sigillum-fuzz`) and as a case in tests/adversarial/.
#
# Needs the nightly toolchain and cargo-fuzz (both installed here when missing,
# from the Rust registries). The summary's last line per target: runs, seconds,
# coverage, corpus size.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-600}
shift || true
all=(jws sd_jwt kb_jwt status_list did registry_op checkpoint qr openid4vc witness)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

work=target/fuzz
mkdir -p "$work/logs"
echo "== seeds"
cargo run -q -p sigillum-fuzz --example seed_corpus -- "$work/corpus" ../shared/vectors

echo "== build"
(cd fuzz && cargo +nightly fuzz build --features libfuzzer -O)

# Appended to, so that two runs over different targets (one per core) can share it.
summary="$work/summary.txt"
status=0
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  mkdir -p "$work/corpus/$t"
  log="$work/logs/$t.log"
  # -malloc_limit_mb: one allocation over 256 MiB is a finding (the harnesses' parsers
  # are bounded far below it); -timeout: one input over 25 s is a finding.
  if (cd fuzz && cargo +nightly fuzz run --features libfuzzer -O "$t" "../$work/corpus/$t" -- \
        -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=256 \
        -max_len=65536 -print_final_stats=1) >"$log" 2>&1; then
    verdict=clean
  else
    verdict="FINDING (see $log and fuzz/artifacts/$t/)"
    status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  # Keep the smallest corpus that covers what the run found.
  (cd fuzz && cargo +nightly fuzz cmin --features libfuzzer -O "$t" "../$work/corpus/$t" -- \
        -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=256 -max_len=65536) >>"$log" 2>&1 || true
  kept=$(ls "$work/corpus/$t" | wc -l)
  line="$(date -u +%FT%TZ) $t: ${secs}s, ${runs:-?} runs, coverage ${cov:-?}, corpus $kept, $verdict"
  echo "$line" | tee -a "$summary"
done
echo "== summary (this run's lines appended to $summary)"
exit "$status"

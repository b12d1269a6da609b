#!/usr/bin/env bash
# Checks every crate in Cargo.lock against the RustSec advisory database.
#
#   scripts/audit.sh
#
# The database is a git repository on GitHub, which cargo audit clones; where
# GitHub is unreachable (as on the build machines here) this says so and fails.
# Exceptions, each explained, are in .cargo/audit.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-audit >/dev/null || cargo install cargo-audit --locked
cargo audit --deny warnings

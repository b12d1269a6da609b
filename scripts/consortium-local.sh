#!/usr/bin/env bash
# A 3-node consortium registry on one machine (specs/registry/CONSORTIUM.md): three
# `sigillum registry serve --node-id N` processes on 127.0.0.1:7401-7403, 2 of 3
# cosignatures required, node 1 forming the cluster on its first start. Keys and data
# live in DIR (default ./consortium); run it again to restart on the same data.
# Ctrl-C stops all three.
# Usage: scripts/consortium-local.sh [DIR]
set -euo pipefail
dir="${1:-consortium}"
bin="${SIGILLUM:-sigillum}"
command -v "$bin" >/dev/null || bin="cargo run --release --quiet --"
peers="1=http://127.0.0.1:7401,2=http://127.0.0.1:7402,3=http://127.0.0.1:7403"
if [ ! -f "$dir/genesis.json" ]; then
    $bin registry init --dir "$dir" --nodes 3 --cosign-threshold 2
fi
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for id in 1 2 3; do
    init=()
    [ "$id" = 1 ] && init=(--init)
    $bin registry serve --genesis "$dir/genesis.json" \
        --node-key "$dir/node-$id/node.key" --cosigner-key "$dir/node-$id/cosigner.key" \
        --data "$dir/data-$id" --listen "127.0.0.1:740$id" \
        --node-id "$id" --peers "$peers" "${init[@]}" &
    pids+=($!)
done
echo "consortium: nodes on http://127.0.0.1:7401-7403; try: sigillum registry status --url http://127.0.0.1:7401"
wait

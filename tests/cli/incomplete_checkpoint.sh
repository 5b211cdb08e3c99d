#!/usr/bin/env bash
# A checkpoint without its COMPLETE marker may be half written: export-hf and
# model.init_from refuse it with an error naming it, and accept it once the
# marker is back.
set -euo pipefail
anvil=$1 config=$2
expect=$(dirname "$0")/expect.sh
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
tiny=(run.threads=1 train.max_steps=2 schedule.warmup_steps=1 eval.every=0 eval.batches=2 model.n_layer=1 model.n_embd=32
      model.n_head=2 model.block_size=32 train.batch_size=4)
"$anvil" train "$config" "${tiny[@]}" run.dir="$run/run" >/dev/null
checkpoint=$run/run/checkpoints/step_00000002
rm "$checkpoint/COMPLETE"

# expect_refused EXIT_CODE COMMAND...: COMMAND exits so, with an error naming the checkpoint.
expect_refused() { local code=$1; shift; "$expect" "$code" stderr "$checkpoint.* without its COMPLETE marker" -- "$@"; }
expect_refused 1 "$anvil" export-hf "$checkpoint" "$run/hf"
# In model.init_from it is a config error.
expect_refused 2 "$anvil" train "$config" "${tiny[@]}" run.dir="$run/tuned" model.init_from="$checkpoint"
[ ! -e "$run/hf" ] && [ ! -e "$run/tuned" ] || { echo "a refused command wrote its output"; exit 1; }

touch "$checkpoint/COMPLETE"
"$anvil" export-hf "$checkpoint" "$run/hf" >/dev/null
echo "incomplete checkpoints refused"

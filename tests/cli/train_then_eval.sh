#!/usr/bin/env bash
# End to end through the binary: train a few steps, then `anvil eval` on the
# checkpoint must report the final validation loss the run logged, and
# `anvil generate` must continue a prompt, the same with and without KV cache.
set -euo pipefail
anvil=$1 config=$2
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
overrides=(run.dir="$run" run.threads=1 train.max_steps=40 schedule.warmup_steps=5 train.log_every=20 eval.every=0 model.n_layer=1 model.n_embd=32 model.n_head=2)
"$anvil" train "$config" "${overrides[@]}"
logged=$(grep val_loss "$run/metrics.jsonl" | tail -1 | sed 's/.*"val_loss":\([0-9.e+-]*\).*/\1/')
evaluated=$("$anvil" eval "$config" "${overrides[@]}" --json | sed 's/.*"val_loss":\([0-9.e+-]*\).*/\1/')
echo "logged $logged evaluated $evaluated"
python3 - "$logged" "$evaluated" <<'PY'
import sys
a, b = map(float, sys.argv[1:])
assert abs(a - b) < 1e-6, f"checkpoint evaluates to {b}, run logged {a}"
PY

generated=$("$anvil" generate "$config" "${overrides[@]}" generate.prompt="ROMEO:" generate.max_new_tokens=100)
# Generation reads no data: the checkpoint carries the vocabulary, so the
# training text need not be there any more.
uncached=$("$anvil" generate "$config" "${overrides[@]}" generate.prompt="ROMEO:" generate.max_new_tokens=100 \
  generate.use_cache=false data.train="$run/gone.txt")
[[ "$generated" == ROMEO:* ]] || { echo "generation does not continue the prompt: $generated"; exit 1; }
[ "${#generated}" -gt 50 ] || { echo "generation too short: $generated"; exit 1; }
[ "$generated" == "$uncached" ] || { echo "KV cache changed the sample"; exit 1; }
echo "train, eval and generate OK"

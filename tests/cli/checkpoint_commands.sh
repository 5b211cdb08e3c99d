#!/usr/bin/env bash
# Commands that read a trained checkpoint and write a new directory (export-hf,
# merge-lora, import-hf), given bad input: each must stop with an error that
# names the problem, and never overwrite what is already on disk.
set -euo pipefail
anvil=$1 config=$2
expect=$(dirname "$0")/expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=(run.threads=1 model.n_layer=2 model.n_embd=64 model.n_head=4 model.block_size=32 train.batch_size=8
  schedule.warmup_steps=5 eval.batches=2 train.log_every=10)
"$anvil" train "$config" run.dir="$work/run" train.max_steps=20 checkpoint.every=10 eval.every=10 "${model[@]}" > /dev/null
checkpoint=$work/run/checkpoints/step_00000020
lora=(run.dir="$work/lora" model.init_from="$checkpoint" lora.rank=2 "${model[@]}")
"$anvil" train "$config" "${lora[@]}" train.max_steps=5 > /dev/null
lora_checkpoint=$work/lora/checkpoints/step_00000005

# expect_error WHAT COMMAND...: COMMAND exits 1 (an error, not a config error) with WHAT on stderr.
expect_error() { local what=$1; shift; "$expect" -F 1 stderr "$what" -- "$@"; }
# unchanged DIR: DIR's files are byte for byte what they were before the command.
snapshot() { (cd "$1" && find . -type f -exec md5sum {} + | sort); }

# An OUT_DIR that holds anything is refused, the source checkpoint above all.
before=$(snapshot "$checkpoint")
expect_error "output directory '$checkpoint' already exists and is not empty" \
  "$anvil" export-hf "$checkpoint" "$checkpoint"
expect_error "output directory '$lora_checkpoint' already exists and is not empty" \
  "$anvil" merge-lora "$config" "$lora_checkpoint" "${lora[@]}"
mkdir "$work/taken" && echo keep > "$work/taken/notes.txt"
expect_error "output directory '$work/taken' already exists and is not empty" \
  "$anvil" export-hf "$checkpoint" "$work/taken"
expect_error "output directory '$work/taken' already exists and is not empty" \
  "$anvil" import-hf "$work/exported" "$work/taken"
[ "$(snapshot "$checkpoint")" == "$before" ] || { echo "export-hf changed its source checkpoint"; exit 1; }
[ "$(cat "$work/taken/notes.txt")" == keep ] && [ "$(ls "$work/taken")" == notes.txt ] ||
  { echo "a refused command wrote into OUT_DIR"; exit 1; }

# A config whose model differs from the checkpoint's in ways that keep every
# tensor's shape is refused, naming the key and both values; dropout may differ.
expect_error "model.n_head is 1 here but 4 in the checkpoint" "$anvil" eval "$work/run/config.yaml" model.n_head=1
expect_error "model.norm_eps is 0.5 here but 1e-05 in the checkpoint" \
  "$anvil" generate "$work/run/config.yaml" model.norm_eps=0.5 generate.max_new_tokens=5
expect_error "lora.alpha is 64 here but 16 in the checkpoint" \
  "$anvil" merge-lora "$config" "$work/alpha" "${lora[@]}" lora.alpha=64
"$anvil" eval "$work/run/config.yaml" model.dropout=0.5 > /dev/null

# export-hf wants a whole model's checkpoint directory.
expect_error "'$work/run' is a run directory; export-hf wants a checkpoint directory, such as its newest: '$checkpoint'" \
  "$anvil" export-hf "$work/run" "$work/from_run"
expect_error "merge them into the base first with \`anvil merge-lora" "$anvil" export-hf "$lora_checkpoint" "$work/from_lora"

# A new or empty OUT_DIR is written, and no temporary directory is left beside it.
mkdir "$work/empty"
"$anvil" export-hf "$checkpoint" "$work/empty" > /dev/null
"$anvil" export-hf "$checkpoint" "$work/exported/" > /dev/null
"$anvil" import-hf "$work/exported" "$work/imported" > /dev/null
"$anvil" merge-lora "$config" "$work/merged" "${lora[@]}" > /dev/null
for d in empty exported imported; do [ -f "$work/$d/model.safetensors" ] || { echo "$d: no model.safetensors"; exit 1; }; done
[ -f "$work/merged/config.yaml" ] || { echo "merge-lora wrote no config.yaml"; exit 1; }
if ls -a "$work" | grep -q '^\.tmp-'; then echo "a temporary output directory was left behind"; ls -a "$work"; exit 1; fi
echo "checkpoint commands OK"

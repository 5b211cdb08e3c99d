#!/usr/bin/env bash
# A Hugging Face tokenizer through every command that reads data: prepare
# shards with GPT-2's files (the config's sentencepiece overridden), train a
# language model on them, evaluate and generate with the checkpoint, whose
# tokenizer is the one it was trained with; shards are never read with another
# tokenizer.
set -euo pipefail
anvil=$1 config=$2 data=$3
expect=$(dirname "$0")/expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 200000 "$data/wikitext-2/train.txt" > "$work/train.txt"
head -c 40000 "$data/wikitext-2/valid.txt" > "$work/valid.txt"
overrides=(run.dir="$work/run" run.threads=2 data.shards="$work/shards" tokenizer.type=hf tokenizer.path="$data/hf/gpt2"
  "data.sources=[{name: train, path: $work/train.txt, delimiter: blank_line, split: train},
  {name: valid, path: $work/valid.txt, delimiter: blank_line, split: val}]"
  train.max_steps=20 schedule.warmup_steps=5 train.log_every=10 eval.every=0 model.n_layer=1 model.n_embd=64
  model.n_head=2 model.block_size=64 train.batch_size=8)

"$anvil" prepare "$config" "${overrides[@]}" | tee "$work/prepare.log"
grep -q "vocabulary 50257" "$work/prepare.log"
"$anvil" train "$config" "${overrides[@]}"
checkpoint=$(ls -d "$work"/run/checkpoints/step_* | tail -1)
[ -f "$checkpoint/tokenizer/vocab.json" ] || { echo "$checkpoint lacks its tokenizer"; exit 1; }
"$anvil" eval "$config" "${overrides[@]}" --json | grep -q '"val_loss"'
"$anvil" generate "$config" "${overrides[@]}" generate.prompt=" The" generate.max_new_tokens=5 | grep -q "^ The"
"$expect" -F 1 stderr "fingerprint" -- "$anvil" train "$config" "${overrides[@]}" run.dir="$work/other" \
  tokenizer.path="$data/hf/smollm2"
echo "hf tokenizer pipeline OK"

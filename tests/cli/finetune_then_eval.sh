#!/usr/bin/env bash
# Fine-tuning through the binary, on a slice of SST-2: a tokenizer, a classifier
# from scratch, `anvil eval` agreeing with the run and writing predictions,
# LoRA on top of it, merge-lora; then a bad label, which must name its line.
set -euo pipefail
anvil=$1 config=$2 data=$3
expect=$(dirname "$0")/expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n 2001 "$data/sst2/train.tsv" > "$work/train.tsv"
cut -f2 "$work/train.tsv" | tail -n +2 > "$work/sentences.txt"
common=(run.threads=1 tokenizer.path="$work/tok.model" data.train="$work/train.tsv" model.n_layer=1 model.n_embd=64
  model.n_head=2 model.block_size=64 train.batch_size=16 train.log_every=20 eval.every=20 checkpoint.every=20 schedule.warmup_steps=5)
"$anvil" tokenizer train "$config" "${common[@]}" model.init_from= tokenizer.vocab_size=500 \
  "data.sources=[{path: $work/sentences.txt, delimiter: line}]"

run=(run.dir="$work/run" model.init_from= train.max_steps=80 optim.lr=3e-3 "${common[@]}")
"$anvil" train "$config" "${run[@]}"
logged=$(grep val_accuracy "$work/run/metrics.jsonl" | tail -1 | sed 's/.*"val_accuracy":\([0-9.e+-]*\).*/\1/')
evaluated=$("$anvil" eval "$config" "${run[@]}" --json eval.predictions="$work/pred.tsv" |
  sed 's/.*"val_accuracy":\([0-9.e+-]*\).*/\1/')
echo "logged accuracy $logged, evaluated $evaluated"
python3 -c "import sys; a, b = map(float, sys.argv[1:]); assert a == b and a > 0.5, (a, b)" "$logged" "$evaluated"
[ "$(wc -l < "$work/pred.tsv")" -eq 873 ] || { echo "predictions: expected 872 rows and a header"; exit 1; }

checkpoint=$(ls -d "$work"/run/checkpoints/step_* | tail -1)
lora=(run.dir="$work/lora" model.init_from="$checkpoint" lora.rank=4 train.max_steps=20 "${common[@]}")
"$anvil" train "$config" "${lora[@]}" | tee "$work/lora.log"
grep -q "^trainable: .* parameters" "$work/lora.log"
"$anvil" merge-lora "$config" "$work/merged" "${lora[@]}"
[ -f "$work/merged/model.safetensors" ] || { echo "merge-lora wrote no model.safetensors"; exit 1; }
grep -q "rank: 0" "$work/merged/config.yaml"

printf 'label\tsentence\n1\tgood\n7\tbad\n' > "$work/bad.tsv"
"$expect" -F 1 stderr "bad.tsv:3: label '7' is not one of the labels (0, 1)" -- \
  "$anvil" train "$config" "${run[@]}" run.dir="$work/bad" classify.labels="[0, 1]" data.train="$work/bad.tsv"
echo "fine-tuning OK"

#!/usr/bin/env bash
# The data pipeline through the binary, on a slice of WikiText-2: train a
# sentencepiece tokenizer, prepare shards, train on them with document-masked
# packing, evaluate the checkpoint; then the bad inputs a user meets, each of
# which must fail with a message naming the file.
set -euo pipefail
anvil=$1 config=$2 data=$3
expect=$(dirname "$0")/expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 400000 "$data/wikitext-2/train.txt" > "$work/train.txt"
head -c 60000 "$data/wikitext-2/valid.txt" > "$work/valid.txt"
overrides=(run.dir="$work/run" run.threads=1 data.shards="$work/shards" tokenizer.path="$work/tok.model"
  tokenizer.vocab_size=600 "data.sources=[{name: train, path: $work/train.txt, delimiter: blank_line, split: train},
  {name: valid, path: $work/valid.txt, delimiter: blank_line, split: val}]"
  train.max_steps=30 schedule.warmup_steps=5 train.log_every=10 eval.every=0 model.n_layer=1 model.n_embd=64
  model.n_head=2 model.block_size=64 train.batch_size=8)

"$anvil" tokenizer train "$config" "${overrides[@]}"
"$anvil" prepare "$config" "${overrides[@]}" | tee "$work/prepare.log"
grep -q "done: .* tokens" "$work/prepare.log"
"$anvil" train "$config" "${overrides[@]}"
logged=$(grep val_loss "$work/run/metrics.jsonl" | tail -1 | sed 's/.*"val_loss":\([0-9.e+-]*\).*/\1/')
evaluated=$("$anvil" eval "$config" "${overrides[@]}" --json | sed 's/.*"val_loss":\([0-9.e+-]*\).*/\1/')
echo "logged $logged evaluated $evaluated"
python3 -c "import sys; a, b = map(float, sys.argv[1:]); assert abs(a - b) < 1e-6 and a < 6.0, (a, b)" "$logged" "$evaluated"

# expect_error MESSAGE COMMAND...: the command exits 1 (bad data, not a config error) with MESSAGE on stderr.
expect_error() { local message=$1; shift; "$expect" -F 1 stderr "$message" -- "$@"; }
printf '{"text": "fine"}\n{"txt": "oops"}\n' > "$work/bad.jsonl"
expect_error "bad.jsonl:2: no field 'text' (fields: txt)" \
  "$anvil" prepare "$config" "${overrides[@]}" "data.sources=[{path: $work/bad.jsonl}]"
printf '{"text": "fine"}\n{"text": "cut\n' > "$work/cut.jsonl"
expect_error "cut.jsonl:2: not valid JSON" "$anvil" prepare "$config" "${overrides[@]}" "data.sources=[{path: $work/cut.jsonl}]"
printf 'ok\n\xff\xfe bad\n' > "$work/latin1.txt"
expect_error "latin1.txt:2: invalid UTF-8" \
  "$anvil" prepare "$config" "${overrides[@]}" "data.sources=[{path: $work/latin1.txt, delimiter: line}]"
: > "$work/empty.txt"
expect_error "empty.txt' is empty" "$anvil" prepare "$config" "${overrides[@]}" "data.sources=[{path: $work/empty.txt}]"
expect_error "no file matches '$work/nothing*.txt'" \
  "$anvil" tokenizer train "$config" "${overrides[@]}" "data.sources=[{path: $work/nothing*.txt}]"
# The earlier shards survive the failed runs above and still train.
"$anvil" eval "$config" "${overrides[@]}" > /dev/null

# Shards from another tokenizer are refused.
"$anvil" tokenizer train "$config" "${overrides[@]}" tokenizer.path="$work/other.model" tokenizer.vocab_size=700
expect_error "was made with another tokenizer" \
  "$anvil" train "$config" "${overrides[@]}" tokenizer.path="$work/other.model" run.dir="$work/run2"
# A truncated shard is named.
shard=$(ls "$work"/shards/train/train-*.bin | head -1)
truncate -s -100 "$shard"
expect_error "$shard': " "$anvil" train "$config" "${overrides[@]}" run.dir="$work/run3"
expect_error "truncated" "$anvil" train "$config" "${overrides[@]}" run.dir="$work/run3"
echo "data pipeline OK"

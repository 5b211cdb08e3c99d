#!/usr/bin/env bash
# Bad tokenizer files, templates and conversations: each is an error that
# names what is wrong (exit 1), never a crash; and text with NUL bytes
# survives decoding whole.
set -euo pipefail
anvil=$1 data=$2
expect=$(dirname "$0")/expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hf=$data/hf
fails() { local message=$1; shift; "$expect" -F 1 stderr "$message" -- "$@"; }

mkdir "$work/negative" "$work/huge"
echo '{"a": -1, "b": 1}' > "$work/negative/vocab.json"
echo '{"a": 2000000000, "b": 1}' > "$work/huge/vocab.json"
: > "$work/negative/merges.txt"
: > "$work/huge/merges.txt"
fails "negative/vocab.json: the id of 'a' is -1, not an integer from 0 to 16777215" \
  sh -c "printf x | '$anvil' tokenizer encode '$work/negative'"
fails "huge/vocab.json: the id of 'a' is 2000000000" sh -c "printf x | '$anvil' tokenizer encode '$work/huge'"

mkdir "$work/bos"
cp "$hf/smollm2/tokenizer.json" "$work/bos/"
echo '{"bos_token": 5}' > "$work/bos/tokenizer_config.json"
fails "tokenizer_config.json: bos_token is 5: expected a string" sh -c "printf x | '$anvil' tokenizer encode '$work/bos'"

printf '{%% macro f(n) %%}{{ f(n) }}{%% endmacro %%}{{ f(1) }}' > "$work/recursive.jinja"
fails "template '$work/recursive.jinja', line 1: macro 'f' called more than 200 levels deep" \
  sh -c "echo '[{\"role\": \"user\", \"content\": \"Hi\"}]' |
         '$anvil' tokenizer chat '$hf/smollm2' --chat-template '$work/recursive.jinja' --add-generation-prompt"
python3 -c "print('[{\"role\": \"user\", \"content\": ' + '[' * 20000 + ']' * 20000 + '}]')" > "$work/deep.jsonl"
fails "stdin:1: the data is nested more than 256 levels deep" \
  sh -c "'$anvil' tokenizer chat '$hf/smollm2' < '$work/deep.jsonl'"

printf 'a\000b' > "$work/nul.txt"
"$anvil" tokenizer encode "$hf/gpt2" < "$work/nul.txt" | "$anvil" tokenizer decode "$hf/gpt2" > "$work/back.txt"
cmp "$work/nul.txt" "$work/back.txt" || { echo "decode lost the bytes after a NUL"; exit 1; }
echo "bad tokenizer input refused"

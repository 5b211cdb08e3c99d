#!/usr/bin/env bash
# expect.sh [-F] EXIT_CODE STREAM PATTERN -- COMMAND...
# Runs COMMAND and passes only if it exits with exactly EXIT_CODE and its
# STREAM (stdout or stderr) holds PATTERN: an extended regular expression
# (`.` also matches a newline), or with -F a fixed string. CTest ignores the
# exit status of a test with PASS_REGULAR_EXPRESSION, so every outcome is
# checked here instead.
set -uo pipefail
usage() { echo "usage: expect.sh [-F] EXIT_CODE stdout|stderr PATTERN -- COMMAND..." >&2; exit 64; }
fixed=false
if [ "${1:-}" == -F ]; then fixed=true; shift; fi
[ $# -ge 5 ] && [ "$4" == -- ] || usage
expected=$1 stream=$2 pattern=$3
shift 4
[[ $expected =~ ^[0-9]+$ ]] && [[ $stream == stdout || $stream == stderr ]] || usage

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" > "$out" 2> "$err"
status=$?
if [ "$stream" == stdout ]; then text=$(cat "$out"); else text=$(cat "$err"); fi
if $fixed; then [[ $text == *"$pattern"* ]]; else [[ $text =~ $pattern ]]; fi
found=$?

[ "$status" -eq "$expected" ] && [ "$found" -eq 0 ] && exit 0
echo "FAILED: $*"
[ "$status" -eq "$expected" ] || echo "  exit status $status, expected $expected"
[ "$found" -eq 0 ] || echo "  $stream lacks $($fixed && echo "the text" || echo "a match for"): $pattern"
echo "--- stdout"; cat "$out"
echo "--- stderr"; cat "$err"
exit 1

#!/usr/bin/env bash
# docs/config.md is the output of `anvil print-config --reference`: fails when the
# key table and the page drift apart.
#
#   config_reference_test.sh ANVIL DOCS_CONFIG_MD
set -uo pipefail
anvil=$1 reference=$2
regenerate="build/anvil print-config --reference > docs/config.md"

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$anvil" print-config --reference >"$actual"
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: anvil print-config --reference exited with status $status" >&2
  exit 1
fi
if ! diff -u "$reference" "$actual"; then
  echo "FAIL: $reference is out of date with recipes/config_table.cpp; regenerate it with: $regenerate" >&2
  exit 1
fi
echo "docs/config.md matches anvil print-config --reference"

#!/usr/bin/env bash
# Sets up and builds (see setup.sh), runs every test with ctest, then the
# sanitizer builds and fuzz smoke runs (sanitize.sh). Extra arguments go to
# ctest alone and skip the sanitizers, e.g. tools/test.sh -L unit  or  -LE slow.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/setup.sh"
ctest --test-dir "${ANVIL_BUILD_DIR:-$root/build}" --output-on-failure -j "$(nproc)" "$@"
if [ $# -eq 0 ]; then "$root/tools/sanitize.sh"; fi

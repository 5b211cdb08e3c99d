#!/usr/bin/env bash
# Sets up and builds (see setup.sh), then runs every test with ctest.
# Extra arguments go to ctest, e.g. tools/test.sh -L unit  or  -LE slow.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/setup.sh"
ctest --test-dir "${ANVIL_BUILD_DIR:-$root/build}" --output-on-failure -j "$(nproc)" "$@"

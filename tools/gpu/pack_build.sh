#!/usr/bin/env bash
# Copies the binaries run_bench.sh needs from a CUDA build made here into
# .gpu/build (git ignores .gpu/), so a GPU session can skip building there:
#
#   tools/gpu/pack_build.sh [BUILD_DIR]      (default: build)
#   ... then on the GPU machine: ANVIL_BUILD_DIR=.gpu/build tools/gpu/run_bench.sh speed ...
#
# Only for a build against the same LibTorch as the GPU machine's (torch
# 2.11.0+cu130): run_bench.sh points the loader at that machine's LibTorch.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
dest=$root/.gpu/build
for bin in anvil bench/train_step_bench tests/training_tests; do
  [ -x "$build/$bin" ] || { echo "[pack_build] no $build/$bin: build it first" >&2; exit 1; }
done
ldd "$build/anvil" | grep -q libtorch_cuda ||
  { echo "[pack_build] $build/anvil is not linked against a CUDA LibTorch" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/bench" "$dest/tests"
for bin in anvil bench/train_step_bench tests/training_tests; do
  cp "$build/$bin" "$dest/$bin"
done
echo "[pack_build] $(du -sh "$dest" | cut -f1) of binaries in $dest"

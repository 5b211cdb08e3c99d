#!/usr/bin/env bash
# Builds anvil on the GPU machine, against its PyTorch's LibTorch and the C++
# libraries that tools/gpu/pack_deps.sh unpacked into .gpu/root (carried along,
# since that machine has no -dev packages and no internet). Run from anywhere:
#
#   tools/gpu/build.sh                         configure and build everything
#   tools/gpu/build.sh anvil train_step_bench  only these targets; `tests` stands for
#                                              the test binaries (data_tests, models_tests,
#                                              training_tests, recipes_tests, distributed_tests, dump_logits)
#   tools/gpu/build.sh --configure-only        stop after cmake's configure step
#
# Environment: TORCH_DIR (a venv with torch; default /opt/torch/.venv),
# ANVIL_BUILD_DIR (default build-gpu), JOBS (default 16),
# TORCH_CUDA_ARCH_LIST (default 9.0, the H100), PKG_CONFIG (default: the
# system's pkg-config, else the carried pkgconf).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deps=$root/.gpu/root/usr
libdir=$deps/lib/x86_64-linux-gnu
torch_dir=${TORCH_DIR:-/opt/torch/.venv}
build=${ANVIL_BUILD_DIR:-$root/build-gpu}
jobs=${JOBS:-16}

configure_only=false
targets=()
for arg in "$@"; do
  case $arg in
    --configure-only) configure_only=true ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    tests) targets+=(data_tests models_tests training_tests recipes_tests distributed_tests dump_logits) ;;
    *) targets+=("$arg") ;;
  esac
done

log() { printf '[gpu-build] %s\n' "$*" >&2; }
die() { printf '[gpu-build] error: %s\n' "$*" >&2; exit 1; }

[ -f "$deps/include/yaml-cpp/yaml.h" ] && [ -f "$deps/include/gloo/algorithm.h" ] ||
  die "$root/.gpu/root is missing or incomplete: run tools/gpu/pack_deps.sh on the dev machine first and carry .gpu"
python=$torch_dir/bin/python3
[ -x "$python" ] || die "no python at $python: set TORCH_DIR to a virtualenv that has torch"
torch_cmake=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)') ||
  die "$python cannot import torch"

# The carried shared libraries (yaml-cpp, sentencepiece, pkgconf's). The
# binaries also get them in their build-tree RPATH; this covers the rest.
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# Only the carried .pc files: a system sentencepiece, if any, must not win.
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$deps/share/pkgconfig
unset PKG_CONFIG_PATH
pkg_config=${PKG_CONFIG:-$(command -v pkg-config || echo "$deps/bin/pkgconf")}
# LibTorch's CMake config looks for nvcc (it enables CUDA) and, unless told the
# architecture, compiles and runs a probe for it.
[ -x /usr/local/cuda/bin/nvcc ] && export PATH=/usr/local/cuda/bin:$PATH
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}

mkdir -p "$build"
log "configuring $build against $torch_cmake and $deps"
# CMAKE_PREFIX_PATH is searched before the system prefixes, so the carried
# yaml-cpp, nlohmann_json and GTest configs win over any in /usr. The -L lets
# tests/CMakeLists.txt's bare `sentencepiece_train` resolve to the carried one;
# it goes in STANDARD_LIBRARIES, not EXE_LINKER_FLAGS, where CMake would take
# the folder for a system one and leave it out of the binaries' RPATH.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_cmake;$deps" \
  -DPKG_CONFIG_EXECUTABLE="$pkg_config" \
  -DGLOO_INCLUDE_DIR="$deps/include" \
  -DCMAKE_CXX_STANDARD_LIBRARIES="-L$libdir" \
  -DANVIL_PYTHON="$python" >"$build/configure.log" 2>&1 ||
  { tail -40 "$build/configure.log" >&2; die "configure failed (full log: $build/configure.log)"; }
grep -E '^-- (anvil|PyTorch: CUDA detected|Found CUDAToolkit)' "$build/configure.log" >&2 || true
$configure_only && exit 0

log "building ${targets[*]:-all targets} with $jobs jobs"
start=$SECONDS
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$build" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$build" -j "$jobs"
fi
log "built in $((SECONDS - start)) s"
[ ! -x "$build/anvil" ] || "$build/anvil" --help  # it runs: LibTorch and the carried libraries load

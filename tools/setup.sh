#!/usr/bin/env bash
# Installs what anvil needs and builds it. Safe to run again: every step that
# is already done is skipped, so a second run costs seconds.
#
#   tools/setup.sh                 Debian packages, LibTorch (PyPI torch wheel), build
#   TORCH_DIR=/opt/torch/.venv tools/setup.sh
#                                  build against another LibTorch (a venv or an
#                                  unpacked libtorch); nothing is downloaded for it
#
# The virtualenv and the compiler cache live outside the clone, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/anvil, so fresh clones reuse them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/anvil
venv=$cache/venv
build=${ANVIL_BUILD_DIR:-$root/build}
torch_version=2.11.0
debian_packages=(build-essential cmake ninja-build ccache pkg-config python3-venv
                 libyaml-cpp-dev libsentencepiece-dev nlohmann-json3-dev googletest libgtest-dev
                 libgloo-dev libpcre2-dev libutf8proc-dev libcpp-httplib-dev zlib1g-dev
                 clang libclang-rt-14-dev libcairo2-dev)
# gloo: headers only (c10d's Gloo process group); clang: the sanitizer and fuzz
# builds; cairo: anvil plot's SVG and PNG surfaces

# To stderr: functions below return their result on stdout.
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The python of a venv whose torch is $torch_version, creating it if needed.
torch_python() {
  if [ -n "${TORCH_DIR:-}" ]; then
    echo "$TORCH_DIR/bin/python"
    return
  fi
  if ! "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
    log "installing torch==$torch_version into $venv (a few GB, once)"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --upgrade pip >&2
    "$venv/bin/pip" install -q "torch==$torch_version" >&2
  fi
  # numpy for torch; transformers, safetensors, tiktoken and sentencepiece for the
  # Hugging Face parity tests (weights, tokenizers, chat templates);
  # lm-evaluation-harness (its hf and API models: accelerate, tenacity) and the
  # openai client for the benchmark and server tests; TRL and PEFT for the DPO
  # parity test (pinned: TRL's losses changed between releases); tensorboard
  # reads back the event files anvil writes; Pillow the images of anvil plot.
  if ! "$venv/bin/python" -c "import numpy, transformers, safetensors, tiktoken, sentencepiece, jinja2, lm_eval, accelerate, tenacity, openai, trl, peft, tensorboard, PIL" 2>/dev/null; then
    log "installing the parity tests' Python packages into $venv"
    "$venv/bin/pip" install -q numpy transformers safetensors tiktoken sentencepiece protobuf jinja2 "lm_eval[api]" accelerate openai \
      "trl==1.16.0" "peft==0.21.2" tensorboard pillow >&2
  fi
  echo "$venv/bin/python"
}

torch_cmake_dir() {
  local python
  python=$(torch_python)
  if [ -x "$python" ]; then
    "$python" -c "import torch.utils; print(torch.utils.cmake_prefix_path)" 2>/dev/null
  else
    echo "$TORCH_DIR/share/cmake"  # an unpacked libtorch
  fi
}

install_debian_packages
prefix=$(torch_cmake_dir)
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
# Paths relative to the clone, so another clone of the same code hits the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
python=$(torch_python)
[ -x "$python" ] || python=""  # an unpacked libtorch has no Python: no parity tests
log "configuring $build against $prefix"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache -DANVIL_PYTHON="$python" >/dev/null
log "building"
cmake --build "$build" -j "$(nproc)"
log "ready: $build/anvil"

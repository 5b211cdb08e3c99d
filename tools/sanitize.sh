#!/usr/bin/env bash
# The sanitizer builds of the LibTorch-free code (tests/sanitized/CMakeLists.txt),
# each in its own tree with ccache: build-asan runs the unit suites under
# ASan + UBSan and then every libFuzzer target (tests/fuzz) over its seed
# corpus (FUZZ_SECONDS=0: the seeds once, as CI does; else that long each); build-tsan runs the threaded suites under
# TSan. Any sanitizer report, crash, leak or hang fails it.
#   tools/sanitize.sh                  what CI runs (after tools/setup.sh): the seeds once
#   tools/sanitize.sh fuzz             only the fuzz targets, 10 seconds each
#   FUZZ_SECONDS=600 tools/sanitize.sh fuzz      10 minutes each
#   tools/sanitize.sh fuzz config_fuzz           one target
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/anvil
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache} CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
log() { printf '\033[1m[sanitize]\033[0m %s\n' "$*" >&2; }

build_tree() {  # SANITIZER DIR
  CC=clang CXX=clang++ cmake -S "$root/tests/sanitized" -B "$2" -G Ninja -DANVIL_SANITIZER="$1" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  cmake --build "$2" -j "$(nproc)"
}

run_suites() {  # SANITIZER DIR
  log "unit suites under $1"
  ctest --test-dir "$2" --output-on-failure -j "$(nproc)"
}

# Each target on a scratch copy of its corpus, so a run never changes the
# committed seeds; a finding is left in $artifacts with the command to replay it.
run_fuzzers() {  # DIR [TARGET ...]
  local dir=$1 seconds=${FUZZ_SECONDS:-10} artifacts=${FUZZ_ARTIFACTS:-$root/build-asan/fuzz-findings}
  shift
  local targets=("$@")
  [ ${#targets[@]} -eq 0 ] && targets=($(cd "$dir" && ls ./*_fuzz | xargs -n1 basename))
  mkdir -p "$artifacts"
  for target in "${targets[@]}"; do
    local scratch
    scratch=$(mktemp -d)
    log "$target for ${seconds}s"
    local budget=(-max_total_time="$seconds")
    [ "$seconds" = 0 ] && budget=(-runs=0)  # each seed once
    if ! "$dir/$target" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$target-" "$scratch" "$root/tests/fuzz/corpus/$target" \
        >"$artifacts/$target.log" 2>&1; then
      tail -40 "$artifacts/$target.log"
      log "$target found a crash, leak or hang: replay it with $dir/$target $artifacts/$target-*"
      rm -rf "$scratch"
      return 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|cov:" "$artifacts/$target.log" | tail -3 >&2
    printf '%s corpus: %s inputs\n' "$target" "$(ls "$scratch" | wc -l)" >&2
    rm -rf "$scratch"
  done
}

asan=$root/build-asan tsan=$root/build-tsan
case "${1:-all}" in
  fuzz)
    shift
    build_tree address "$asan"
    run_fuzzers "$asan" "$@" ;;
  all)
    build_tree address "$asan"
    run_suites address "$asan"
    FUZZ_SECONDS=${FUZZ_SECONDS:-0} run_fuzzers "$asan"
    build_tree thread "$tsan"
    run_suites thread "$tsan" ;;
  *) echo "usage: tools/sanitize.sh [fuzz [TARGET ...]]" >&2; exit 2 ;;
esac

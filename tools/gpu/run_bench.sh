#!/usr/bin/env bash
# The GPU benchmark in one command, on the GPU machine (carry .gpu, made by
# tools/gpu/pack_deps.sh): builds anvil, then compares GPT-2 124M
# (configs/gpt2_124m.yaml) with the PyTorch reference for speed and for loss
# parity over 200 steps.
#
#   tools/gpu/run_bench.sh [build] [speed] [parity] [plan] [tests] [shakespeare]
#                                      (default: the first five, in order)
#
# speed: anvil against the compiled PyTorch reference (with the reference's
# top kernels), then anvil's step with run.fused_kernels off and on, its
# profile, and with run.cuda_graphs off, one after the other on the same GPU.
# shakespeare: configs/shakespeare_char.yaml in full (5000 steps), on the text
# pack_deps.sh copied into .gpu/data; prints the final validation loss and the
# wall time. TRAIN_ARGS (key=value ...) is added to that run.
# build: builds anvil, train_step_bench and training_tests there (tools/gpu/build.sh).
# Leave it out to use binaries carried from a dev machine whose LibTorch is the
# same CUDA build (tools/gpu/pack_build.sh; ANVIL_BUILD_DIR=.gpu/build).
# tests: runs the GPU paths against their references (CudaPaths: activation checkpointing with CUDA dropout, the
# chunked loss under bf16, fused AdamW, the memory plan against the allocator).
# plan: `anvil plan`'s peak for GPT-2 124M and a Llama-1B-shaped model against
# the peak the CUDA allocator reports over a few training steps.
#
# Logs go to $OUT when set (the device tool brings that folder back), else to
# runs/gpu_bench. Exits non-zero if any step failed; later steps still run.
# BENCH_ARGS is added to both benchmark commands (e.g. "--steps 100", or
# "--no-compile"; see tools/bench/gpt2_vs_pytorch.py speed --help).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-$root/runs/gpu_bench}
build=${ANVIL_BUILD_DIR:-$root/build-gpu}
read -ra extra <<<"${BENCH_ARGS:-}"
python=${TORCH_DIR:-/opt/torch/.venv}/bin/python3
# The carried C++ libraries, and LibTorch's own for binaries built elsewhere
# (their RUNPATH names the dev machine's venv).
torch_libs=$(echo "${TORCH_DIR:-/opt/torch/.venv}"/lib/python3*/site-packages/{torch/lib,nvidia/cu13/lib} | tr ' ' :)
export LD_LIBRARY_PATH=$root/.gpu/root/usr/lib/x86_64-linux-gnu:$torch_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(build speed parity plan tests)
mkdir -p "$out" runs/gpu_bench
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | tee "$out/gpu.txt"

status=0
for step in "${steps[@]}"; do
  echo "=== $step"
  step_start=$SECONDS
  case $step in
    build) tools/gpu/build.sh anvil train_step_bench training_tests ;;
    speed) "$python" -u tools/bench/gpt2_vs_pytorch.py speed --build "$build" --profile "${extra[@]}" &&
           for fused in off on; do
             echo "run.fused_kernels=$fused:"
             "$build/bench/train_step_bench" configs/gpt2_124m.yaml --vocab 50304 --steps 20 run.fused_kernels=$fused
           done &&
           "$build/bench/train_step_bench" configs/gpt2_124m.yaml --vocab 50304 --steps 20 \
             --profile runs/gpu_bench/gpt2_trace.json &&  # where anvil's step time goes, kernel by kernel
           echo "run.cuda_graphs=off:" &&
           "$build/bench/train_step_bench" configs/gpt2_124m.yaml --vocab 50304 --steps 50 run.cuda_graphs=off ;;
    # init.safetensors (500 MB) stays in runs/; only the report comes back.
    parity) "$python" -u tools/bench/gpt2_vs_pytorch.py parity --build "$build" --out runs/gpt2_parity "${extra[@]}" &&
            cp runs/gpt2_parity/parity.json "$out/" ;;
    plan) for model in "gpt2_124m 50304" "llama_1b 128256"; do
            set -- $model
            planned=$("$build/anvil" plan "configs/$1.yaml" --vocab "$2" | tee /dev/stderr | awk '/peak/ {print $2}')
            measured=$("$build/bench/train_step_bench" "configs/$1.yaml" --vocab "$2" --steps 3 --warmup 2 |
                       "$python" -c 'import json,sys; print(json.load(sys.stdin)["peak_memory_bytes"] / 2**30)')
            echo "$1: planned $planned GiB, measured $measured GiB (CUDA allocator peak)"
          done ;;
    tests) "$build/tests/training_tests" --gtest_filter='CudaPaths.*' ;;
    shakespeare) start=$SECONDS
           ANVIL_DATA=$root/.gpu/data "$build/anvil" train configs/shakespeare_char.yaml run.dir=runs/shakespeare_gpu \
             run.resume=never ${TRAIN_ARGS:-} | grep --line-buffered -E '^(eval|done|step +[0-9]+000/)' &&
           echo "wall time $((SECONDS - start)) s (build excluded)" ;;
    *) echo "unknown step '$step' (build, speed, parity, plan, tests, shakespeare)"; false ;;
  esac 2>&1 | tee "$out/$step.log"
  rc=${PIPESTATUS[0]}
  echo "=== $step took $((SECONDS - step_start)) s"
  if [ "$rc" -ne 0 ]; then
    echo "=== $step failed ($rc)"
    status=1
    [ "$step" = build ] && break  # nothing to benchmark
  fi
done
exit $status

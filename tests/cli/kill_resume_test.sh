#!/usr/bin/env bash
# Kills `anvil train` with SIGKILL at random moments while it checkpoints every
# step, KILLS times (default 20). After every kill the next start must resume
# from the newest complete checkpoint, without skipping a broken one, and at
# least as far as the previous start; finally the run finishes cleanly.
set -euo pipefail
anvil=$1 config=$2 kills=${3:-20}
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
# A constant schedule, so that raising max_steps at the end changes no learning rate.
args=(run.dir="$run" run.threads=1 train.max_steps=1000000 schedule.type=constant schedule.warmup_steps=0
      train.log_every=1 eval.every=0 checkpoint.every=1 checkpoint.keep_last=2
      model.n_layer=2 model.n_head=2 model.n_embd=64 data.stride=0)
newest() {  # the newest complete checkpoint's name, or nothing
  local d found=""
  for d in "$run"/checkpoints/step_*; do [ -f "$d/COMPLETE" ] && found=$(basename "$d"); done
  echo "$found"
}

RANDOM=7
during_write=0 last_step=0
for i in $(seq 1 "$kills"); do
  expected=$(newest)
  "$anvil" train "$config" "${args[@]}" >"$run/log" 2>&1 &
  pid=$!
  sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
  compgen -G "$run/checkpoints/.tmp-*" >/dev/null && during_write=$((during_write + 1))
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  if grep -q "warning: skipping" "$run/log"; then echo "kill $i: a complete-looking checkpoint was broken"; cat "$run/log"; exit 1; fi
  # A kill during start-up (before the header line, printed after resuming) proves nothing either way.
  if [ -n "$expected" ] && grep -q "^anvil train ->" "$run/log" && ! grep -q "resuming from .*/$expected " "$run/log"; then
    echo "kill $i: did not resume from $expected"; head -5 "$run/log"; exit 1
  fi
  latest=$(newest)
  step=0
  [ -n "$latest" ] && step=$((10#${latest#step_}))
  [ "$step" -ge "$last_step" ] || { echo "kill $i: went back from step $last_step to $step"; exit 1; }
  last_step=$step
done
"$anvil" train "$config" "${args[@]}" train.max_steps=$((last_step + 3)) >"$run/log" 2>&1 || { cat "$run/log"; exit 1; }
grep -q "resuming from .*step_$(printf %08d "$last_step")" "$run/log" || { echo "final start did not resume"; exit 1; }
grep -q "^done: $((last_step + 3)) steps" "$run/log" || { cat "$run/log"; exit 1; }
echo "$kills kills ($during_write while a checkpoint was being written), every restart resumed from the newest complete checkpoint; reached step $last_step, then finished"

#!/usr/bin/env python3
"""Preemption: SIGTERM at random moments, then the same command again.

Usage: preemption_test.py ANVIL CONFIG SIGNALS [NPROC]

Sends SIGTERM to `anvil train` (to the launcher with NPROC > 1) SIGNALS times
at random moments while it trains, validates every few steps and checkpoints
every few steps. Every signal must end the run with exit status 75, the line
"preempted at step N; run the same command again to resume" and a complete
checkpoint of step N; the next start must resume from it. When all signals are
sent, the run is finished and its per-step losses and validation losses must
equal, bit for bit, those of a run of the same length that was never
interrupted.
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

PREEMPTED = 75


def train_args(anvil, config, run_dir, nproc, max_steps):
    launch = [anvil, "train"] + (["--nproc", str(nproc)] if nproc > 1 else [])
    return launch + [config, f"run.dir={run_dir}", "run.threads=1", f"train.max_steps={max_steps}",
                     # Constant: the learning rate does not depend on max_steps, which grows at the end.
                     "schedule.type=constant", "schedule.warmup_steps=0", "train.batch_size=8",
                     "train.log_every=1", "eval.every=4", "eval.batches=40", "checkpoint.every=5",
                     "checkpoint.keep_last=2", "model.n_layer=2", "model.n_head=2", "model.n_embd=64",
                     "model.block_size=64", "data.stride=0"]


def records(run_dir):
    """metrics.jsonl as {step: {key: value}}, failing on a repeated step."""
    seen = {}
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            key = (r["step"], "val_loss" in r)
            assert key not in seen, f"step {r['step']} recorded twice in metrics.jsonl"
            seen[key] = r
    return seen


def losses(run_dir):
    return {key: r["val_loss" if key[1] else "loss"] for key, r in records(run_dir).items()}


def newest_checkpoint(run_dir):
    root = os.path.join(run_dir, "checkpoints")
    steps = [int(d[5:]) for d in os.listdir(root) if d.startswith("step_")] if os.path.isdir(root) else []
    return max(steps, default=0)


def where_it_landed(log, stopped):
    """What the run did when the signal came, as far as its output tells: the
    signal is read when a step starts, so the line before the stopped step's
    own shows what ran between the previous step and that one."""
    lines = [l for l in log.splitlines() if l.strip()]
    lines = lines[:-1]  # the preempted line
    if lines and lines[-1].startswith("checkpoint") and lines[-1].endswith(f"step_{stopped:08d}"):
        lines = lines[:-1]
    before = lines[-2] if len(lines) >= 2 else ""
    if before.startswith("eval step"):
        return "during a validation"
    if before.startswith("checkpoint"):
        return "during a checkpoint write"
    return "inside a step"


def main():
    anvil, config, signals = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nproc = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = os.path.join(tmp, "interrupted")
        landed = {}
        step = 0
        for i in range(signals):
            proc = subprocess.Popen(train_args(anvil, config, run_dir, nproc, 1000000), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            # Wait for the first step line, then a random moment of training.
            head = ""
            for line in proc.stdout:
                head += line
                if line.startswith("step "):
                    break
            time.sleep(rng.uniform(0.0, 1.5))
            proc.send_signal(signal.SIGTERM)
            out = head + proc.stdout.read()
            code = proc.wait(timeout=120)
            m = re.search(r"^preempted at step (\d+); run the same command again to resume$", out, re.M)
            if code != PREEMPTED or not m:
                sys.exit(f"signal {i + 1}: exit status {code}, expected {PREEMPTED} and the preempted line:\n{out}")
            stopped = int(m.group(1))
            if stopped <= step:
                sys.exit(f"signal {i + 1}: stopped at step {stopped}, not after step {step}:\n{out}")
            if newest_checkpoint(run_dir) != stopped or not os.path.exists(
                    os.path.join(run_dir, "checkpoints", f"step_{stopped:08d}", "COMPLETE")):
                sys.exit(f"signal {i + 1}: no complete checkpoint of step {stopped}:\n{out}")
            if step > 0 and f"step_{step:08d} (step {step})" not in out:
                sys.exit(f"signal {i + 1}: did not resume from step {step}:\n{out}")
            kind = where_it_landed(out[:m.end()], stopped)
            landed[kind] = landed.get(kind, 0) + 1
            step = stopped
        final = step + 3
        for run, args in (("interrupted", train_args(anvil, config, run_dir, nproc, final)),
                          ("uninterrupted", train_args(anvil, config, os.path.join(tmp, "reference"), nproc, final))):
            done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if done.returncode != 0:
                sys.exit(f"the {run} run's last start failed ({done.returncode}):\n{done.stdout}")
        got, want = losses(run_dir), losses(os.path.join(tmp, "reference"))
        if got != want:
            differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            sys.exit(f"losses differ from the uninterrupted run's at {differ[:5]}: "
                     f"{[(got.get(k), want.get(k)) for k in differ[:5]]}")
        print(f"{signals} SIGTERMs ({', '.join(f'{n} {k}' for k, n in sorted(landed.items()))}), nproc {nproc}: "
              f"each ended with exit {PREEMPTED} and a complete checkpoint; {final} steps, "
              f"{len(want)} losses equal to the uninterrupted run's bit for bit")


if __name__ == "__main__":
    main()

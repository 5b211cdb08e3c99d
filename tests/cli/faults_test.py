#!/usr/bin/env python3
"""Faults a long run meets, each through `anvil train` on real files.

Usage: faults_test.py ANVIL CONFIG CASE
  nonfinite_skip  a poisoned step (ANVIL_TEST_POISON_STEPS) changes no weight and no optimizer moment; the
                  run goes on and logs it
  nonfinite_stop  with train.nonfinite=stop the run ends at the poisoned step with an error naming it, and
                  the last checkpoint before it is intact; train.nonfinite_limit stops a run of skipped steps
  full_disk       a checkpoint write that runs out of room (a file-size limit: EFBIG, as ENOSPC) fails naming
                  the file, leaves the earlier checkpoints intact, and the run resumes afterwards to the same
                  losses as one never stopped
  corruption      one flipped byte in the newest checkpoint's model.safetensors is found at resume; that
                  checkpoint is set aside with the reason and the run resumes from the one before, to the
                  same losses as one never stopped
"""
import filecmp
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile


def train(anvil, config, run_dir, *extra, env=None, limit_file_bytes=None):
    args = [anvil, "train", config, f"run.dir={run_dir}", "run.threads=1", "schedule.type=constant",
            "schedule.warmup_steps=0", "train.batch_size=4", "train.log_every=1", "eval.every=0",
            "checkpoint.keep_last=0", "model.n_layer=2", "model.n_head=2", "model.n_embd=64",
            "model.block_size=64", "data.stride=0", *extra]

    def limit():
        if limit_file_bytes is not None:
            # A write past the limit fails with EFBIG instead of killing the process.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})}, preexec_fn=limit)


def require(ok, what, done=None):
    if not ok:
        detail = f"\nexit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}" if done else ""
        sys.exit(f"FAILED: {what}{detail}")


def checkpoint(run_dir, step):
    return os.path.join(run_dir, "checkpoints", f"step_{step:08d}")


def losses(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return {r["step"]: r["loss"] for r in map(json.loads, f) if "loss" in r}


def nonfinite_skip(anvil, config, tmp):
    run = os.path.join(tmp, "run")
    done = train(anvil, config, run, "train.max_steps=5", "checkpoint.every=1",
                 env={"ANVIL_TEST_POISON_STEPS": "3"})
    require(done.returncode == 0, "a skipped step stops the run", done)
    # Step 3 changed nothing: its checkpoint's weights and optimizer state are step 2's, byte for byte.
    for f in ("model.safetensors", "optimizer.pt"):
        require(filecmp.cmp(os.path.join(checkpoint(run, 2), f), os.path.join(checkpoint(run, 3), f), shallow=False),
                f"the poisoned step 3 changed {f}")
        require(not filecmp.cmp(os.path.join(checkpoint(run, 3), f), os.path.join(checkpoint(run, 4), f),
                                shallow=False), f"step 4 after the skipped one did not change {f}")
    require("skipped 1 non-finite" in done.stdout, "the log line does not count the skipped step", done)
    with open(os.path.join(run, "metrics.jsonl")) as f:
        lines = [r for r in map(json.loads, f) if "loss" in r]  # the step lines, not the validation's
    require([r.get("skipped_steps") for r in lines] == [None, None, 1, 1, 1],
            f"metrics.jsonl's skipped_steps: {[r.get('skipped_steps') for r in lines]}")
    print("a poisoned step changed no weight and no optimizer state; the run went on and logged it")


def nonfinite_stop(anvil, config, tmp):
    run = os.path.join(tmp, "stop")
    done = train(anvil, config, run, "train.max_steps=8", "checkpoint.every=2", "train.nonfinite=stop",
                 env={"ANVIL_TEST_POISON_STEPS": "3"})
    require(done.returncode == 1, "train.nonfinite=stop did not fail the run", done)
    require("error: step 3 had a NaN or Inf loss or gradient norm (train.nonfinite=stop)" in done.stderr,
            "the error does not name step 3", done)
    require(sorted(os.listdir(os.path.join(run, "checkpoints"))) == ["step_00000002"],
            f"checkpoints after the stop: {os.listdir(os.path.join(run, 'checkpoints'))}", done)
    resumed = train(anvil, config, run, "train.max_steps=4", "checkpoint.every=2")
    require(resumed.returncode == 0 and "resuming from" in resumed.stdout and "(step 2)" in resumed.stdout,
            "the checkpoint before the poisoned step does not resume", resumed)

    run = os.path.join(tmp, "limit")
    done = train(anvil, config, run, "train.max_steps=8", "checkpoint.every=2", "train.nonfinite_limit=2",
                 env={"ANVIL_TEST_POISON_STEPS": "3,5,6"})
    require(done.returncode == 1, "two consecutive skipped steps did not stop a run with nonfinite_limit 2", done)
    require("error: step 6 ended 2 consecutive steps with a NaN or Inf loss or gradient norm "
            "(train.nonfinite_limit=2)" in done.stderr, "the error does not name step 6", done)
    require(sorted(os.listdir(os.path.join(run, "checkpoints"))) == ["step_00000002", "step_00000004"],
            f"checkpoints after the stop: {os.listdir(os.path.join(run, 'checkpoints'))}", done)
    print("train.nonfinite=stop ended the run at step 3 with the checkpoint of step 2 intact; "
          "train.nonfinite_limit=2 ended it at step 6")


def full_disk(anvil, config, tmp):
    reference = os.path.join(tmp, "reference")
    require(train(anvil, config, reference, "train.max_steps=6", "checkpoint.every=2").returncode == 0,
            "the reference run failed")
    run = os.path.join(tmp, "run")
    done = train(anvil, config, run, "train.max_steps=2", "checkpoint.every=2")
    require(done.returncode == 0, "the first start failed", done)
    weights = os.path.getsize(os.path.join(checkpoint(run, 2), "model.safetensors"))
    # Room for every file but the checkpoint's weights.
    done = train(anvil, config, run, "train.max_steps=6", "checkpoint.every=2", limit_file_bytes=weights // 2)
    require(done.returncode == 1, "a checkpoint write past the file-size limit did not fail the run", done)
    require("model.safetensors" in done.stderr and "File too large" in done.stderr,
            "the error does not name the file and the reason", done)
    entries = sorted(os.listdir(os.path.join(run, "checkpoints")))
    require(entries == ["step_00000002"], f"after the failed write the checkpoints are {entries}", done)
    require(os.path.exists(os.path.join(checkpoint(run, 2), "COMPLETE")), "the earlier checkpoint is not complete")
    done = train(anvil, config, run, "train.max_steps=6", "checkpoint.every=2")
    require(done.returncode == 0 and "(step 2)" in done.stdout, "the run does not resume once there is room", done)
    require(losses(run) == losses(reference), f"losses {losses(run)} differ from {losses(reference)}")
    print(f"a checkpoint write past {weights // 2} bytes failed naming model.safetensors; the checkpoint of step 2 "
          f"stayed intact and the resumed run matched the uninterrupted one bit for bit")


def corruption(anvil, config, tmp):
    reference = os.path.join(tmp, "reference")
    require(train(anvil, config, reference, "train.max_steps=6", "checkpoint.every=2").returncode == 0,
            "the reference run failed")
    run = os.path.join(tmp, "run")
    require(train(anvil, config, run, "train.max_steps=4", "checkpoint.every=2").returncode == 0,
            "the first start failed")
    weights = os.path.join(checkpoint(run, 4), "model.safetensors")
    with open(weights, "r+b") as f:  # one bit of one weight, far from the header
        f.seek(os.path.getsize(weights) - 100)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))
    done = train(anvil, config, run, "train.max_steps=6", "checkpoint.every=2")
    require(done.returncode == 0, "the run does not resume past the corrupt checkpoint", done)
    require("changed since it was written" in done.stderr and "(step 2)" in done.stdout,
            "the flipped byte was not found, or the run did not resume from step 2", done)
    reason_file = os.path.join(run, "checkpoints", "broken-step_00000004", "REASON.txt")
    require(os.path.exists(reason_file), "the corrupt checkpoint was not set aside with its reason", done)
    require(losses(run) == losses(reference), f"losses {losses(run)} differ from {losses(reference)}")
    with open(reason_file) as f:
        print("flipped byte found and set aside:", f.read().strip())
    print("the run resumed from step 2 to the uninterrupted run's losses bit for bit")


def main():
    anvil, config, case = sys.argv[1:4]
    tmp = tempfile.mkdtemp()
    try:
        {"nonfinite_skip": nonfinite_skip, "nonfinite_stop": nonfinite_stop, "full_disk": full_disk,
         "corruption": corruption}[case](anvil, config, tmp)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

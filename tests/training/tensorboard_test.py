#!/usr/bin/env python3
"""anvil train's TensorBoard event file, read back by the tensorboard package.

Usage: tensorboard_test.py ANVIL CONFIG

  readback   EventAccumulator gives exactly metrics.jsonl's scalars (every tag, step and value, as float32):
             train records under train/<key>, validation records under val/<key without val_>; the resolved
             config as text once at step 0; the sample generations as text at each validation
  crc        tensorboard's record reader passes every record's CRC-32C; each record is an Event, the first
             one the file version; a copy with one flipped byte fails its CRC check
  resume     a run killed by SIGKILL and run again has one event file whose every tag has strictly
             increasing steps, equal in steps and values to an uninterrupted run's
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from cli_checks import Checks, tiny_train_args  # noqa: E402

check = Checks()


def train_args(anvil, config, run_dir, *extra):
    return tiny_train_args(anvil, config, run_dir, "train.log_every=1", *extra)


def train(anvil, config, run_dir, *extra):
    done = subprocess.run(train_args(anvil, config, run_dir, *extra), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"FAILED: anvil train exited {done.returncode}:\n{done.stdout[-3000:]}")
    return done


def event_files(run_dir):
    return sorted(f for f in os.listdir(run_dir) if f.startswith("events.out.tfevents."))


def accumulate(run_dir):
    # No sampling (size 0 keeps every event) and no purging, so a repeated step would show.
    acc = EventAccumulator(run_dir, size_guidance={"scalars": 0, "tensors": 0}, purge_orphaned_data=False)
    acc.Reload()
    return acc


def scalars(acc):
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def texts(acc, tag):
    if tag not in acc.Tags()["tensors"]:
        return []
    return [(e.step, e.tensor_proto.string_val[0].decode()) for e in acc.Tensors(tag)]


def expected_scalars(run_dir):
    """metrics.jsonl as TensorBoard should show it: tag -> [(step, float32 value)]."""
    expected = {}
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for record in map(json.loads, f):
            step = record["step"]
            validation = any(k.startswith(("val_", "eval_")) for k in record)
            for key, value in record.items():
                if key == "step" or not isinstance(value, (int, float)):
                    continue
                tag = "val/" + key.split("_", 1)[1] if validation else "train/" + key
                expected.setdefault(tag, []).append((step, float(np.float32(value))))
    return expected


def read_records(path):
    """Every record through tensorboard's own reader, which checks both CRCs of each."""
    reader = pywrap_tensorflow.PyRecordReader_New(path)
    records = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return records
        records.append(reader.record())


def readback(anvil, config, tmp):
    run = os.path.join(tmp, "readback")
    train(anvil, config, run, "train.max_steps=9", "eval.every=3", 'eval.sample_prompts=["ROMEO:","JULIET:"]',
          "eval.sample_tokens=12")
    check(len(event_files(run)) == 1, f"one event file in the run directory: {event_files(run)}")
    acc = accumulate(run)
    got, want = scalars(acc), expected_scalars(run)
    check(sorted(got) == sorted(want), f"the tags are metrics.jsonl's keys: {sorted(got)}")
    for tag in ("train/loss", "train/lr", "train/grad_norm", "train/tokens_per_sec", "val/loss", "val/ppl"):
        check(tag in got, f"{tag} is written")
    check(all(got.get(tag) == values for tag, values in want.items()),
          "every step and value equals metrics.jsonl's, as float32")
    check([s for s, _ in got["train/loss"]] == list(range(1, 10)), "train/loss at steps 1..9")
    check([s for s, _ in got["val/loss"]] == [3, 6, 9], "val/loss at the validation steps 3, 6, 9")

    config_texts = texts(acc, "config")
    check(len(config_texts) == 1 and config_texts[0][0] == 0, "the config is written once, at step 0")
    check(config_texts and f'dir: "{run}"' in config_texts[0][1] and "max_steps: 9" in config_texts[0][1],
          "the config text is the resolved config")
    with open(os.path.join(run, "metrics.jsonl")) as f:
        sample_records = [r for r in map(json.loads, f) if "samples" in r]
    samples = texts(acc, "samples")
    check([s for s, _ in samples] == [3, 6, 9] == [r["step"] for r in sample_records],
          "sample generations at each validation step")
    check(all(all(sample["text"] in text and sample["prompt"] in text for sample in record["samples"])
              for (_, text), record in zip(samples, sample_records)),
          "each samples text holds metrics.jsonl's prompts and generations")
    return run


def crc(run, tmp):
    path = os.path.join(run, event_files(run)[0])
    records = read_records(path)
    events = [event_pb2.Event.FromString(r) for r in records]
    check(events[0].file_version == "brain.Event:2", f"the first event is the file version: {events[0].file_version!r}")
    scalar_values = sum(1 for e in events for v in e.summary.value if v.HasField("simple_value"))
    check(scalar_values == sum(len(v) for v in expected_scalars(run).values()),
          f"every record passes its CRC checks and decodes ({len(records)} records, {scalar_values} scalars)")

    damaged = os.path.join(tmp, "damaged")
    os.makedirs(damaged)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(os.path.join(damaged, os.path.basename(path)), "wb").write(bytes(data))
    try:
        read_records(os.path.join(damaged, os.path.basename(path)))
        check(False, "a flipped byte fails a CRC check")
    except errors.DataLossError as e:
        check("crc32 check" in str(e), f"a flipped byte fails a CRC check: {e}")


def resume(anvil, config, tmp):
    run_args = ("train.max_steps=300", "checkpoint.every=25", "eval.every=40", "eval.batches=2")
    whole = os.path.join(tmp, "whole")
    train(anvil, config, whole, *run_args)

    killed = os.path.join(tmp, "killed")
    metrics = os.path.join(killed, "metrics.jsonl")
    process = subprocess.Popen(train_args(anvil, config, killed, *run_args), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    last_step, deadline = 0, time.time() + 120
    while process.poll() is None and last_step < 60 and time.time() < deadline:
        try:
            with open(metrics) as f:
                steps = [json.loads(line)["step"] for line in f if line.endswith("\n")]
            last_step = max(steps, default=0)
        except (OSError, ValueError):
            pass
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    check(60 <= last_step < 300, f"the run was killed mid-way (after step {last_step}, past checkpoint 50)")
    before = scalars(accumulate(killed))["train/loss"]
    check(before and before[-1][0] > 50, f"the killed run's events went past checkpoint 50, to step {before[-1][0] if before else 0}")

    done = train(anvil, config, killed, *run_args)
    check("resum" in done.stdout.lower(), "the second run resumed")
    check(len(event_files(killed)) == 1, f"still one event file after the resume: {event_files(killed)}")
    got, want = scalars(accumulate(killed)), scalars(accumulate(whole))
    check(all([s for s, _ in v] == sorted(set(s for s, _ in v)) for v in got.values()),
          "every tag's steps strictly increase: no step repeated or out of order")
    deterministic = ("train/loss", "train/lr", "train/grad_norm", "train/tokens_seen", "val/loss", "val/ppl",
                     "val/bpb")
    for tag in deterministic:
        check(got.get(tag) == want.get(tag) and want.get(tag),
              f"{tag}: {len(got.get(tag, []))} points, equal to the uninterrupted run's")
    check(all([s for s, _ in got[t]] == [s for s, _ in want[t]] for t in want), "every tag has the same steps")
    config_texts = texts(accumulate(killed), "config")
    check([s for s, _ in config_texts] == [0], f"the config text stays once at step 0: {len(config_texts)} found")


def main():
    anvil, config = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="anvil_tensorboard_")
    try:
        run = readback(anvil, config, tmp)
        crc(run, tmp)
        resume(anvil, config, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    check.finish("tensorboard OK")


if __name__ == "__main__":
    main()

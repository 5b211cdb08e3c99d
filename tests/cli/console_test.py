#!/usr/bin/env python3
"""What anvil prints, by where its stdout goes, through the binary.

Usage: console_test.py ANVIL CONFIG

  terminal  on a pseudo-terminal, train and prepare draw one live progress line
            ("\\r\\e[2K" + job, bar, counts), log lines above it, and clear it at the end
  pipe      through a pipe, the same run prints only plain lines: no carriage return, no escape
  json      --log-format json: every stdout line is one JSON object; the train records carry
            metrics.jsonl's losses exactly; messages and progress records
  quiet     --quiet: nothing on stdout, the run's files as always; errors still on stderr, exit 2
"""
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from cli_checks import Checks, tiny_train_args  # noqa: E402

check = Checks()


def train_args(anvil, config, run_dir):
    return tiny_train_args(anvil, config, run_dir, "train.max_steps=400", "train.log_every=100", "eval.every=200",
                           "eval.batches=2")


def on_terminal(args):
    """Runs args with stdout and stderr on a pseudo-terminal; returns (exit code, everything it wrote)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, stdout=terminal, stderr=terminal, stdin=subprocess.DEVNULL,
                               env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    os.close(terminal)
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(), output.decode(errors="replace")


def piped(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return done.returncode, done.stdout, done.stderr


def losses(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return {r["step"]: r["loss"] for r in map(json.loads, f) if "loss" in r}


def terminal(anvil, config, tmp):
    rc, out = on_terminal(train_args(anvil, config, os.path.join(tmp, "tty")))
    check(rc == 0, "train on a terminal exits 0", out)
    check("\r\x1b[2Ktrain [" in out, "a live line is drawn: \\r\\e[2K then 'train ['", out)
    check("/400 " in out and " step/s" in out and "eta " in out, "it shows step/total, the rate and the ETA", out)
    check("step    100/400 | loss " in out and "done: 400 steps" in out, "the log lines are printed too", out)
    last_line = out.rsplit("\x1b[2K", 1)[1]
    check(not last_line.lstrip("\r\n").startswith("train ["), "the live line is cleared at the end", out)

    vocabulary = os.path.join(tmp, "tty", "tokenizer.chars.json")
    data = os.path.join(os.environ["ANVIL_DATA"], "tinyshakespeare.txt")
    rc, out = on_terminal([anvil, "prepare", config, f"run.dir={tmp}/prep", f"data.shards={tmp}/shards",
                           f"tokenizer.path={vocabulary}", f"data.sources=[{{path: {data}, delimiter: blank_line}}]"])
    check(rc == 0 and "\r\x1b[2Kprepare [" in out and " MB/s" in out and "done: " in out,
          "prepare on a terminal draws its live line in MB", out)


def pipe(anvil, config, tmp):
    rc, out, err = piped(train_args(anvil, config, os.path.join(tmp, "pipe")))
    check(rc == 0 and "done: 400 steps" in out, "train through a pipe exits 0 with its log lines", out + err)
    check("\r" not in out and "\x1b" not in out, "no carriage return and no escape through a pipe", repr(out[:500]))
    check(sum(1 for line in out.splitlines() if line.startswith("step ")) == 4, "one line per log_every steps", out)


def json_lines(anvil, config, tmp):
    run = os.path.join(tmp, "json")
    rc, out, err = piped(train_args(anvil, config, run) + ["--log-format", "json"])
    check(rc == 0, "train --log-format json exits 0", out + err)
    try:
        records = [json.loads(line) for line in out.splitlines()]
    except ValueError as e:
        check(False, f"every stdout line is JSON: {e}", out)
        return
    check(True, f"every stdout line is JSON ({len(records)} lines)")
    events = {r.get("event") for r in records}
    check({"message", "train", "val"} <= events, f"messages, train and val records: {sorted(map(str, events))}")
    train = {r["step"]: r["loss"] for r in records if r.get("event") == "train"}
    expected = {step: loss for step, loss in losses(run).items() if step in train}
    check(sorted(train) == [100, 200, 300, 400] and train == expected,
          "the train records' losses are metrics.jsonl's, exactly", str(train) + "\n" + str(expected))
    check(any(r.get("event") == "message" and r["text"].startswith("done: 400 steps") for r in records),
          "the closing line is a message record")


def quiet(anvil, config, tmp):
    run = os.path.join(tmp, "quiet")
    rc, out, err = piped([anvil, "train", "-q"] + train_args(anvil, config, run)[2:])
    check(rc == 0 and out == "", "train -q prints nothing on stdout", out + err)
    check(sorted(losses(run)) == [100, 200, 300, 400] and os.path.isdir(os.path.join(run, "checkpoints")),
          "and writes metrics.jsonl and its checkpoints all the same")
    rc, out, err = piped([anvil, "train", config, "--quiet", "model.n_lyer=2"])
    check(rc == 2 and out == "" and "model.n_lyer" in err, "a config error under --quiet still reaches stderr, exit 2",
          out + err)
    rc, out, err = piped([anvil, "train", config, "--log-format", "xml"])
    check(rc == 2 and "--log-format 'xml': expected text or json" in err, "a bad --log-format is a config error", err)


def main():
    anvil, config = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="anvil_console_")
    try:
        terminal(anvil, config, tmp)
        pipe(anvil, config, tmp)
        json_lines(anvil, config, tmp)
        quiet(anvil, config, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    check.finish("console OK")


if __name__ == "__main__":
    main()

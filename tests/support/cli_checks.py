"""What the Python tests of the binary share: counted checks and a tiny CPU training run."""
import sys


class Checks:
    """Counts checks and prints each; finish() prints "N passed, M failed" (ctest matches it) and exits."""

    def __init__(self):
        self.passed, self.failed = 0, 0

    def __call__(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f"\n{detail[-2000:]}" if detail else ""))

    def finish(self, passed_line):
        print(f"{self.passed} passed, {self.failed} failed")
        if self.failed == 0:
            print(passed_line)
        sys.exit(1 if self.failed else 0)


def tiny_train_args(anvil, config, run_dir, *extra):
    """anvil train of the CPU recipe shrunk to a model that trains in milliseconds a step."""
    return [anvil, "train", config, f"run.dir={run_dir}", "run.threads=1", "schedule.warmup_steps=0",
            "model.n_layer=2", "model.n_head=2", "model.n_embd=64", "model.block_size=64", "train.batch_size=4",
            "data.stride=0", "checkpoint.keep_last=0", *extra]

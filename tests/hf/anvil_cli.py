"""What the Hugging Face end-to-end tests share: running the binary, and the summary line ctest reads."""
import subprocess
import sys


def run(*args):
    """The command's stdout; a failed command ends the test with its output."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args[:3]))} ... exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Checks:
    """Named checks printed as they run ('ok: ...' or 'FAIL: ...'), counted for report()."""

    def __init__(self):
        self.failures, self.count = [], 0

    def __call__(self, name, ok, detail=""):
        self.count += 1
        print(f"{'ok' if ok else 'FAIL'}: {name}{' (' + detail + ')' if detail else ''}", flush=True)
        if not ok:
            self.failures.append(name)
        return ok

    def report(self):
        report(self.failures, self.count)


def report(failures, checks):
    """Prints each failure and 'N passed, M failed', and exits 1 if any failed."""
    for f in failures:
        print(f"FAIL {f}")
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)

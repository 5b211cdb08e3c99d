"""What the Hugging Face end-to-end tests share: running the binary, and the summary line ctest reads."""
import subprocess
import sys


def run(*args):
    """The command's stdout; a failed command ends the test with its output."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args[:3]))} ... exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def report(failures, checks):
    """Prints each failure and 'N passed, M failed', and exits 1 if any failed."""
    for f in failures:
        print(f"FAIL {f}")
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)

"""Examples per second of `anvil eval --tasks` against lm-evaluation-harness's `hf` model, side by side.

The same model twice: an anvil checkpoint, and its `anvil export-hf` directory for the harness (float32 on
the CPU, offline, on the task YAMLs of tests/evals/harness.py, which read the same local files as anvil's
built-in tasks). Each run is a fresh process, timed from outside (wall time, so the binary's or Python's
start, imports, model and data loading and the results table are all in it); each also reports the time it
spent scoring: anvil's "N examples scored in S s" lines on stderr (summed over the tasks), and for the harness
the time inside its model's loglikelihood calls, which get every task's requests at once. An example is a
document (an ARC question with its four choices is one example), as the harness's n-samples counts them.

    ~/.cache/anvil/venv/bin/python tools/bench/eval_bench.py CHECKPOINT HF_DIR \\
        [--tasks arc_easy,lambada_openai] [--limit 200] [--batch-sizes 1,32] [--anvil build/anvil]

Both are warmed up first with --limit 1 (page cache, the datasets library's Arrow copies of the JSON
files), and with --runs N each figure is the median of N runs. --threads N gives anvil run.threads=N and the
harness torch.set_num_threads(N); 0 leaves each its default (all cores). The scores of both are printed too:
they should agree (tests/evals/harness_parity_test.py checks that request by request).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))


def child(args):
    """The harness side, run as its own process: prints one JSON line of timings and results."""
    started = time.time()
    sys.path.insert(0, os.path.join(REPO, "tests", "evals"))
    import harness  # sets HF_*_OFFLINE before the harness is imported

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    import lm_eval  # noqa: F401  (timed as the import)

    imported = time.time()
    lm = harness.hf_model(args.hf_dir, batch_size=args.child)
    loaded = time.time()
    scoring = [0.0]
    for name in ("loglikelihood", "loglikelihood_rolling", "generate_until"):
        method = getattr(lm, name)

        def timed(*a, _method=method, **k):
            t = time.time()
            try:
                return _method(*a, **k)
            finally:
                scoring[0] += time.time() - t

        setattr(lm, name, timed)
    with tempfile.TemporaryDirectory() as d:
        harness.write_tasks(d, args.data)
        results, samples = harness.evaluate(d, args.tasks.split(","), lm, limit=args.limit,
                                            num_fewshot=args.num_fewshot, batch_size=args.child,
                                            bootstrap_iters=args.bootstrap_iters)
    done = time.time()
    print(json.dumps({"import_s": imported - started, "load_s": loaded - imported, "evaluate_s": done - loaded,
                      "scoring_s": scoring[0], "examples": {t: len(s) for t, s in samples.items()},
                      "results": results}))


def run_anvil(args, limit):
    cmd = [args.anvil, "eval", args.checkpoint, "--tasks", args.tasks, "--limit", str(limit), "--json",
           "--bootstrap-iters", str(args.bootstrap_iters)]
    if args.num_fewshot is not None:
        cmd += ["--num-fewshot", str(args.num_fewshot)]
    if args.threads:
        cmd.append(f"run.threads={args.threads}")
    env = dict(os.environ, ANVIL_DATA=args.data)
    t = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.time() - t
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
    out = json.loads(done.stdout)
    scored = re.findall(r"^(\S+): (\d+) examples scored in ([0-9.]+) s", done.stderr, re.M)
    return {"cmd": cmd, "wall_s": wall, "scoring_s": sum(float(s) for _, _, s in scored),
            "examples": {t: n["effective"] for t, n in out["n-samples"].items()},
            "scored": {t: (int(n), float(s)) for t, n, s in scored}, "results": out["results"]}


def run_harness(args, batch, limit):
    cmd = [args.python, os.path.abspath(__file__), args.checkpoint, args.hf_dir, "--tasks", args.tasks,
           "--limit", str(limit), "--data", args.data, "--threads", str(args.threads),
           "--bootstrap-iters", str(args.bootstrap_iters), "--child", str(batch)]
    if args.num_fewshot is not None:
        cmd += ["--num-fewshot", str(args.num_fewshot)]
    t = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t
    if done.returncode != 0:
        sys.exit(f"the harness (batch {batch}) exited {done.returncode}:\n{done.stderr[-4000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def median_run(runs):
    """The run of median wall time."""
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="anvil checkpoint directory (or any model anvil eval takes)")
    p.add_argument("hf_dir", help="its export-hf directory, for the harness")
    p.add_argument("--tasks", default="arc_easy,lambada_openai")
    p.add_argument("--limit", type=int, default=200, help="documents per task")
    p.add_argument("--batch-sizes", default="1,32", help="the harness's batch sizes, one run each")
    p.add_argument("--num-fewshot", type=int, default=None)
    p.add_argument("--bootstrap-iters", type=int, default=100000, help="both tools' default")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--anvil", default=os.path.join(REPO, "build", "anvil"))
    p.add_argument("--data", default=os.environ.get("ANVIL_DATA", os.path.join(REPO, "..", "shared", "data")),
                   help="ANVIL_DATA (default: the shared/data folder beside the clone)")
    p.add_argument("--python", default=sys.executable, help="the Python with lm_eval, for the harness")
    p.add_argument("--no-warmup", action="store_true")
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        return child(args)

    batches = [int(b) for b in args.batch_sizes.split(",")]
    if not args.no_warmup:
        run_anvil(args, 1)
        run_harness(args, batches[0], 1)
    rows = [("anvil eval", median_run([run_anvil(args, args.limit) for _ in range(args.runs)]))]
    for b in batches:
        rows.append((f"harness hf, batch {b}", median_run([run_harness(args, b, args.limit) for _ in range(args.runs)])))

    print(f"model {args.checkpoint} (harness: {args.hf_dir}), tasks {args.tasks}, limit {args.limit}, "
          f"threads {args.threads or 'default'}, {os.cpu_count()} CPUs, median of {args.runs} run(s)")
    print("anvil: " + " ".join(rows[0][1]["cmd"]))
    header = f"{'':24s} {'examples':>8s} {'wall s':>8s} {'ex/s':>8s} {'scoring s':>10s} {'ex/s':>8s}"
    print(header)
    rates = {}
    for name, r in rows:
        n = sum(r["examples"].values())
        rates[name] = (n / r["wall_s"], n / r["scoring_s"] if r["scoring_s"] else float("nan"))
        print(f"{name:24s} {n:8d} {r['wall_s']:8.2f} {rates[name][0]:8.1f} {r['scoring_s']:10.2f} {rates[name][1]:8.1f}")
    for name, r in rows[1:]:
        print(f"{name:24s} of which import {r['import_s']:.2f} s, model load {r['load_s']:.2f} s, "
              f"evaluate {r['evaluate_s']:.2f} s")
    for task, (n, s) in sorted(rows[0][1]["scored"].items()):
        print(f"anvil {task}: {n} examples scored in {s:.2f} s ({n / s:.1f}/s)")
    mine = rates["anvil eval"]
    for name, _ in rows[1:]:
        print(f"anvil / {name}: {mine[0] / rates[name][0]:.2f}x whole process, {mine[1] / rates[name][1]:.2f}x scoring")
    for task in args.tasks.split(","):
        ours = rows[0][1]["results"].get(task, {})
        for name, r in rows[1:]:
            theirs = r["results"].get(task, {})
            keys = [k for k in ("acc,none", "acc_norm,none", "perplexity,none") if k in theirs]
            print(f"{task}: " + ", ".join(f"{k.split(',')[0]} anvil {ours.get(k, float('nan')):.6g} "
                                         f"harness {theirs[k]:.6g}" for k in keys) + f" ({name})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares two runs' metrics.jsonl record by record (usage: compare_runs.py A B):
every value but the timing and memory ones must be identical as written, so two
binaries that should train alike are shown to do so bit for bit."""
import json, sys
VARIES = {"tokens_per_sec", "elapsed_s", "mfu", "peak_memory_bytes", "optimizer_state_bytes"}
def records(path):
    with open(path) as f:
        return [json.loads(line, parse_float=str) for line in f if line.strip()]
a, b = records(sys.argv[1]), records(sys.argv[2])
diffs = []
if len(a) != len(b): diffs.append(f"{len(a)} records against {len(b)}")
for i, (x, y) in enumerate(zip(a, b)):
    for k in sorted(set(x) | set(y)):
        if k in VARIES: continue
        if x.get(k) != y.get(k): diffs.append(f"record {i} (step {x.get('step')}): {k} {x.get(k)} != {y.get(k)}")
compared = sum(1 for r in a for k in r if k not in VARIES)
if diffs:
    print("DIFFERENT:\n  " + "\n  ".join(diffs[:20])); sys.exit(1)
print(f"identical: {len(a)} records, {compared} values compared")

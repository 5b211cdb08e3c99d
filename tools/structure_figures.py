#!/usr/bin/env python3
"""Structure figures of a checkout (usage: structure_figures.py DIR): files that include the run
config (directly or through other project headers), config-value string
comparisons, task-type branches, source files over 450 lines."""
import re, os, sys, glob
root = sys.argv[1]
os.chdir(root)
src = [f for d in ['common','data','models','training','recipes','trainer','tools'] for f in glob.glob(d+'/**/*', recursive=True) if f.endswith(('.h','.cpp','.cu','.cuh'))]
inc = {f: re.findall(r'#include "([^"]+)"', open(f).read()) for f in src}
cfg_headers = {'trainer/run_config.h', 'recipes/run_config.h'}
memo = {}
def sees(f, stack=()):
    if f in memo: return memo[f]
    if f in cfg_headers: return True
    r = any(i in cfg_headers or (i in inc and i not in stack and sees(i, stack+(f,))) for i in inc.get(f, []))
    memo[f] = r; return r
seeing = sorted(f for f in src if sees(f) and f not in cfg_headers)
print("files that include the run config:", len(seeing))
by_dir = {}
for f in seeing: by_dir.setdefault(f.split('/')[0], []).append(f)
for d, fs in sorted(by_dir.items()): print(f"  {d}: {len(fs)}")
sections = 'run|task|data|model|optim|schedule|train|eval|checkpoint|sft|classify|lora|dist|tokenizer|generate|m|t|s|d|c|options|o|source|src'
pat = re.compile(r'\b(?:%s)\.([a-z_]+)\s*[!=]=\s*"' % sections)
pat2 = re.compile(r'"\s*[!=]=\s*(?:[a-z_]+\.)*(?:%s)\.[a-z_]+\b' % sections)
hits = []
for f in src:
    for n, line in enumerate(open(f), 1):
        if pat.search(line) or pat2.search(line): hits.append(f"{f}:{n}: {line.strip()}")
print("config-value string comparisons:", len(hits))
for h in hits: print("  ", h)
task = [f"{f}:{n}: {l.strip()}" for f in src for n, l in enumerate(open(f), 1) if re.search(r'task\.type\s*[!=]=|TaskKind::k|task_kind\s*[!=]=', l)]
print("task-type branch sites:", len(task), "in", len({t.split(':')[0] for t in task}), "files")
for t in task: print("  ", t)
big = [(sum(1 for _ in open(f)), f) for f in src]
print("source files over 450 lines:", [(n, f) for n, f in sorted(big, reverse=True) if n > 450], "largest:", max(big))

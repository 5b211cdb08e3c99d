"""Tokens per second of HF `tokenizers` (encode_batch) and anvil's HfTokenizer
(tokenizer_bench) on the same text file's lines, one and two threads, side by side.

    python tokenizer_bench.py TOKENIZER_BENCH [TEXT_FILE] [REPEATS]

TEXT_FILE defaults to WikiText-2 train under $ANVIL_DATA. Each HF run is a
fresh process with RAYON_NUM_THREADS set, as rayon reads it once; the best of
REPEATS runs is kept on both sides. The token counts must agree.
"""
import os
import subprocess
import sys

DATA = os.environ.get("ANVIL_DATA", "/work/shared/data")
TOKENIZERS = {
    "gpt2": (f"{DATA}/hf/gpt2", "from transformers import AutoTokenizer; "
             f"tok = AutoTokenizer.from_pretrained('{DATA}/hf/gpt2').backend_tokenizer"),
    "smollm2": (f"{DATA}/hf/smollm2", "from tokenizers import Tokenizer; "
                f"tok = Tokenizer.from_file('{DATA}/hf/smollm2/tokenizer.json')"),
}

HF_RUN = """
import sys, time
{load}
lines = open(sys.argv[1], encoding="utf-8").read().split("\\n")
if lines and lines[-1] == "":
    lines.pop()
best = None
for _ in range(int(sys.argv[2])):
    begin = time.perf_counter()
    encodings = tok.encode_batch(lines, add_special_tokens=False)
    seconds = time.perf_counter() - begin
    best = seconds if best is None else min(best, seconds)
print(sum(len(e.ids) for e in encodings), best)
"""


def hf_run(load, text_file, threads, repeats):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="true")
    out = subprocess.run([sys.executable, "-c", HF_RUN.format(load=load), text_file, str(repeats)],
                         env=env, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def anvil_run(bench, path, text_file, threads, repeats):
    out = subprocess.run([bench, path, text_file, str(threads), str(repeats)], check=True, capture_output=True,
                         text=True).stdout.split()
    fields = dict(zip(out[::2], out[1::2]))
    return int(fields["tokens"]), float(fields["seconds"])


def main():
    bench = sys.argv[1]
    text_file = sys.argv[2] if len(sys.argv) > 2 else f"{DATA}/wikitext-2/train.txt"
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"{'tokenizer':10} {'threads':>7} {'hf tok/s':>12} {'anvil tok/s':>12} {'anvil/hf':>9}")
    for name, (path, load) in TOKENIZERS.items():
        for threads in (1, 2):
            hf_tokens, hf_seconds = hf_run(load, text_file, threads, repeats)
            anvil_tokens, anvil_seconds = anvil_run(bench, path, text_file, threads, repeats)
            if hf_tokens != anvil_tokens:
                print(f"  {name}: token counts differ: hf {hf_tokens}, anvil {anvil_tokens}")
            hf_rate, anvil_rate = hf_tokens / hf_seconds, anvil_tokens / anvil_seconds
            print(f"{name:10} {threads:>7} {hf_rate:>12,.0f} {anvil_rate:>12,.0f} {anvil_rate / hf_rate:>8.2f}x")


if __name__ == "__main__":
    main()

"""Load on `anvil serve`: latency percentiles and throughput under concurrent clients.

Starts `anvil serve MODEL --port 0 run.device=cpu` (MODEL: an anvil checkpoint, a
config, or a Hugging Face directory; default: a tiny random Llama made by
transformers with the SmolLM2 tokenizer from $ANVIL_DATA/hf/smollm2), then for
each mode runs CLIENTS threads that each send REQUESTS requests one after the
other, over loopback, with plain http.client (a fresh connection per request, or with
--keep-alive one per client, reopened when the server closes it):

  generate  POST /v1/completions, max_tokens 16, temperature 0.7, a seed each:
            tokens made one at a time, one generation after another
  score     POST /v1/completions, echo, logprobs 1, max_tokens 1, temperature 0,
            as lm-evaluation-harness's local-completions sends for loglikelihood:
            the scoring jobs waiting together are run as one batch

Prompts are WikiText-2 validation paragraphs ($ANVIL_DATA/wikitext-2/valid.txt,
else a built-in text) cut to a varied number of words. Each mode runs first with
one client (the baseline), then with CLIENTS; per run it prints the p50/p90/p99
latency, requests/s, generated tokens/s, prompt tokens/s and errors (any answer
but 200, and refused connections).

    python serve_bench.py ANVIL [MODEL] [--clients 32] [--requests 20] [--max-tokens 16]
                          [--temperature 0.7] [--modes generate,score] [--no-baseline] [--keep-alive]
                          [-- SERVE_ARGS ...]

SERVE_ARGS go to anvil serve as they are (run.threads=2, --max-tokens 64, ...).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

DATA = os.environ.get("ANVIL_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data"))
FALLBACK_TEXT = (
    "The history of the city begins with a small settlement on the river. Over the following centuries it grew "
    "into a centre of trade, and its harbour became one of the busiest on the coast. The cathedral, begun in the "
    "twelfth century, was finished only after three hundred years of work, and its tower was for a time the "
    "tallest building in the country. During the war the old town was badly damaged, but most of it was rebuilt "
    "afterwards in its original form. Today the city is known for its university, its museums and its music "
    "festival, which draws visitors from all over the world every summer.")


def make_tiny_model(out):
    import torch
    import transformers as T
    torch.manual_seed(0)
    config = T.LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                           tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    model = T.LlamaForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"):
        shutil.copy(os.path.join(DATA, "hf/smollm2", name), out)


def paragraphs():
    path = os.path.join(DATA, "wikitext-2/valid.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            found = [p.strip() for p in f.read().split("\n") if len(p.split()) >= 60 and not p.strip().startswith("=")]
        if found:
            return found
    return [FALLBACK_TEXT]


def prompts(count, max_words, seed):
    rng, source = random.Random(seed), paragraphs()
    out = []
    for _ in range(count):
        words = rng.choice(source).split()
        n = rng.randint(max(2, max_words // 8), max_words)
        start = rng.randint(0, max(0, len(words) - n))
        out.append(" ".join(words[start:start + n]))
    return out


class Server:
    LINE = re.compile(r"on http://([^:]+):(\d+) \(context (\d+) tokens\)")

    def __init__(self, anvil, model, extra):
        self.lines, self.ready = [], threading.Event()
        self.proc = subprocess.Popen([anvil, "serve", model, "--port", "0", "run.device=cpu", *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.time() + 120
        while not self.ready.wait(0.1):
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                sys.exit("anvil serve did not start:\n" + "".join(self.lines))
        line = next(line for line in self.lines if self.LINE.search(line))
        print(line.strip())
        m = self.LINE.search(line)
        self.port, self.context = int(m.group(2)), int(m.group(3))

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if self.LINE.search(line):
                self.ready.set()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post(port, body, connection=None):
    """(status or error text, parsed body or None, seconds). CONNECTION: one to reuse
    (http.client opens it again when the server has closed it), else a fresh one."""
    start = time.perf_counter()
    c = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        c.request("POST", "/v1/completions", body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        r = c.getresponse()
        raw = r.read()
        status = r.status
    except (OSError, http.client.HTTPException) as e:
        c.close()
        return type(e).__name__, None, time.perf_counter() - start
    finally:
        if connection is None:
            c.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return status, parsed, time.perf_counter() - start


def request_body(mode, prompt, args, k):
    if mode == "generate":
        return {"prompt": prompt, "max_tokens": args.max_tokens, "temperature": args.temperature, "seed": k}
    return {"prompt": prompt, "max_tokens": 1, "echo": True, "logprobs": 1, "temperature": 0, "seed": 1234}


def run_load(port, mode, clients, requests, texts, args):
    latencies, errors, usage = [], {}, [0, 0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(c):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600) if args.keep_alive else None
        barrier.wait()
        for r in range(requests):
            k = c * requests + r
            status, parsed, seconds = post(port, request_body(mode, texts[k % len(texts)], args, k), connection)
            with lock:
                if status == 200 and parsed is not None:
                    latencies.append(seconds)
                    usage[0] += parsed["usage"]["prompt_tokens"]
                    usage[1] += parsed["usage"]["completion_tokens"]
                else:
                    message = (parsed or {}).get("error", {}).get("message", "") if isinstance(parsed, dict) else ""
                    key = f"{status} {message[:80]}".strip()
                    errors[key] = errors.get(key, 0) + 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return latencies, errors, usage, wall


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))]


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("anvil")
    parser.add_argument("model", nargs="?", help="checkpoint, config or HF directory (default: a tiny random Llama)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--modes", default="generate,score")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-client runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep-alive", action="store_true", help="one connection per client, reused")
    args = parser.parse_args(argv)
    if args.clients + 8 > 64 and not any(a == "--threads" for a in extra):
        extra += ["--threads", str(args.clients + 8)]  # a connection each, and some to spare

    with tempfile.TemporaryDirectory() as d:
        model = args.model
        if not model:
            model = os.path.join(d, "tiny")
            make_tiny_model(model)
        server = Server(args.anvil, model, extra)
        try:
            total = args.clients * args.requests
            # Words per prompt, kept well inside the window (a word is 1-2 tokens).
            texts = {"generate": prompts(total, max(4, (server.context - args.max_tokens) // 3), args.seed),
                     "score": prompts(total, max(4, server.context // 2 - 4), args.seed + 1)}
            print(f"{args.clients} clients x {args.requests} requests, "
                  f"{'kept-alive connections' if args.keep_alive else 'a connection per request'}; generate: max_tokens {args.max_tokens}, "
                  f"temperature {args.temperature}; score: echo, logprobs 1, max_tokens 1")
            header = (f"{'mode':<9} {'clients':>7} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
                      f"{'req/s':>8} {'gen tok/s':>10} {'prompt tok/s':>12}")
            print(header)
            for mode in args.modes.split(","):
                post(server.port, request_body(mode, texts[mode][0], args, 0))  # warm-up
                runs = ([] if args.no_baseline else [(1, min(args.requests, 20))]) + [(args.clients, args.requests)]
                for clients, requests in runs:
                    lat, errors, (prompt_tokens, new_tokens), wall = run_load(
                        server.port, mode, clients, requests, texts[mode], args)
                    lat.sort()
                    ms = [1000 * percentile(lat, q) for q in (50, 90, 99)]
                    print(f"{mode:<9} {clients:>7} {clients * requests:>8} {sum(errors.values()):>6} {ms[0]:>8.1f} "
                          f"{ms[1]:>8.1f} {ms[2]:>8.1f} {len(lat) / wall:>8.1f} {new_tokens / wall:>10.1f} "
                          f"{prompt_tokens / wall:>12.1f}", flush=True)
                    for message, count in sorted(errors.items(), key=lambda e: -e[1])[:5]:
                        print(f"    {count} x {message}")
        finally:
            server.close()


if __name__ == "__main__":
    main()

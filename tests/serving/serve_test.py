"""anvil serve against the official openai client, transformers, and abuse.

A tiny Llama (hidden 64, 2 layers, a 256-token context) randomly initialised by
transformers and saved with the real SmolLM2 tokenizer files (it has a chat
template), served by `anvil serve DIR --port 0 run.device=cpu`:

  - the openai client: greedy completions equal transformers' greedy generate
    (text decoded by the tokenizer), also at the edge of the context; a streamed
    chat completion joins to the non-streamed one and to transformers' greedy
    continuation of apply_chat_template(..., add_generation_prompt=True);
    models.list() names the served model; a refused request raises the client's
    BadRequestError;
  - echo + logprobs on token-id prompts (what lm-evaluation-harness sends):
    every prompt token's logprob equals transformers' log_softmax within 1e-4,
    alone, several prompts in one request, and from clients at once;
  - abuse: malformed, mistyped, out-of-range, oversized and unknown requests each
    get their exact status and an OpenAI error body, and /health answers after
    each; a client that hangs up mid-stream; the largest request the limits
    allow; a second server with --api-key and --max-body-bytes (bodies sent
    whole, chunked and gzip-compressed);
  - 8 threads x 5 requests at once: all 200, identical greedy outputs for
    identical prompts; 64 clients connecting at once are all answered promptly;
  - SIGTERM stops each server with exit status 0.

    python serve_test.py ANVIL DATA_DIR
"""
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hf"))
from anvil_cli import Checks  # noqa: E402

import openai  # noqa: E402
import torch  # noqa: E402
import transformers as T  # noqa: E402

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]
CONTEXT = 256
VOCAB = 49152
EOS = 2  # <|im_end|>: generation_config's eos_token_id, where both stop
PROMPTS = ["The capital of France is", "Once upon a time", "def fibonacci(n):", "1, 2, 3, 4,"]
CHAT = [{"role": "user", "content": "What is the capital of France?"}]

check = Checks()


class Server:
    """`anvil serve` on a free port; stop() sends SIGTERM, and close() kills whatever is left."""

    LINE = re.compile(r"anvil serve: (.*) as '(.*)' on http://([^:]+):(\d+) \(context (\d+) tokens\)")

    def __init__(self, anvil, model, *flags):
        self.lines, self.ready = [], threading.Event()
        self.proc = subprocess.Popen([anvil, "serve", model, "--port", "0", *flags, "run.device=cpu"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.time() + 60
        while not self.ready.wait(0.1):
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                sys.exit(f"anvil serve did not start listening:\n{''.join(self.lines)}")
        match = self.LINE.search("".join(self.lines))
        self.name, self.port, self.context = match.group(2), int(match.group(4)), int(match.group(5))

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if self.LINE.search(line):
                self.ready.set()

    def stop(self):
        """Exit status after SIGTERM, or None when it had to be killed."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.close()
            return None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def call(port, method, path, body=None, headers=None, timeout=60):
    """(status, parsed JSON or None, raw bytes) of one request on a fresh connection.
    BODY: bytes as they are, or an object sent as JSON."""
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        raw = r.read()
        status = r.status
    except (OSError, http.client.HTTPException) as e:
        return f"no answer: {e!r}", None, b""
    finally:
        c.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return status, parsed, raw


def error_body(parsed):
    e = parsed.get("error") if isinstance(parsed, dict) else None
    return (isinstance(e, dict) and isinstance(e.get("message"), str) and bool(e["message"])
            and isinstance(e.get("type"), str) and "param" in e and "code" in e)


def healthy(port):
    return call(port, "GET", "/health", timeout=20)[0] == 200


class Reference:
    """transformers on the same weights."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer

    def greedy(self, ids, n):
        with torch.no_grad():
            out = self.model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False, eos_token_id=EOS,
                                      pad_token_id=EOS, attention_mask=torch.ones(1, len(ids), dtype=torch.long))
        new = out[0, len(ids):].tolist()
        if new and new[-1] == EOS:
            new = new[:-1]
        return self.tokenizer.decode(new)

    def logprobs(self, ids):
        """log p(ids[t] | ids[:t]) for t >= 1, and the greedy next token with its logprob."""
        with torch.no_grad():
            logp = self.model(torch.tensor([ids])).logits[0].float().log_softmax(-1)
        scored = logp[:-1].gather(1, torch.tensor(ids[1:]).unsqueeze(1)).squeeze(1).tolist()
        return scored, int(logp[-1].argmax()), float(logp[-1].max())


def make_model(d, data):
    torch.manual_seed(0)
    config = T.LlamaConfig(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=CONTEXT,
                           tie_word_embeddings=True, bos_token_id=1, eos_token_id=EOS)
    model = T.LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    path = os.path.join(d, "tiny")
    model.save_pretrained(path)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(data, "hf/smollm2", name), path)
    return path, Reference(model, T.AutoTokenizer.from_pretrained(path))


def chat_ids(tokenizer, messages):
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True)
    if hasattr(ids, "keys"):  # transformers 5 may answer a BatchEncoding
        ids = ids["input_ids"]
    return list(ids)


def client_checks(server, path, ref):
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="unused", max_retries=0, timeout=60)
    name = server.name
    check("the listening line names the directory and its context",
          name == os.path.basename(path) and server.context == CONTEXT, f"'{name}', context {server.context}")

    ids = [m.id for m in client.models.list().data]
    check("openai models.list() returns the served name", ids == [name], f"{ids}")

    for prompt in PROMPTS[:2]:
        got = client.completions.create(model=name, prompt=prompt, max_tokens=16, temperature=0).choices[0].text
        want = ref.greedy(ref.tokenizer(prompt).input_ids, 16)
        check(f"openai completions.create greedy text equals transformers ({prompt!r})", got == want,
              f"anvil {got!r}, transformers {want!r}")

    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=name, prompt=PROMPTS[0], max_tokens=16, temperature=0, stream=True) if c.choices)
    whole = client.completions.create(model=name, prompt=PROMPTS[0], max_tokens=16, temperature=0).choices[0].text
    check("a streamed completion joins to the non-streamed one", streamed == whole, f"{streamed!r} vs {whole!r}")

    # A stop string that spans tokens: held back from the stream until settled, cut from both.
    stop = whole[6:10]
    cut = client.completions.create(model=name, prompt=PROMPTS[0], max_tokens=16, temperature=0, stop=[stop]).choices[0]
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=name, prompt=PROMPTS[0], max_tokens=16, temperature=0, stop=[stop], stream=True) if c.choices)
    check(f"stop={stop!r} cuts the text before it, streamed or not",
          cut.text == whole[:whole.find(stop)] == streamed and cut.finish_reason == "stop",
          f"{cut.text!r} ({cut.finish_reason}), streamed {streamed!r}")

    # The edge of the window: 250 prompt tokens and 7 new ones use all 256 positions.
    long_ids = [(7 * i + 100) % VOCAB for i in range(250)]
    got = client.completions.create(model=name, prompt=long_ids, max_tokens=7, temperature=0).choices[0].text
    want = ref.greedy(long_ids, 7)
    check("a completion that fills the context equals transformers", got == want, f"anvil {got!r}, transformers {want!r}")

    chat = client.chat.completions.create(model=name, messages=CHAT, max_tokens=12, temperature=0)
    content = chat.choices[0].message.content
    chunks = list(client.chat.completions.create(model=name, messages=CHAT, max_tokens=12, temperature=0, stream=True))
    joined = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    want = ref.greedy(chat_ids(ref.tokenizer, CHAT), 12)
    check("openai chat stream joins to the non-streamed content and transformers' greedy chat continuation",
          joined == content == want and finish == [chat.choices[0].finish_reason],
          f"{len(chunks)} chunks {joined!r}, non-streamed {content!r}, transformers {want!r}, finish {finish}")

    try:
        client.completions.create(model=name, prompt="hi", temperature=3)
        raised = "nothing"
    except openai.BadRequestError as e:
        raised = f"BadRequestError {e.status_code}"
    except openai.APIError as e:
        raised = type(e).__name__
    check("the openai client raises BadRequestError for temperature 3", raised == "BadRequestError 400", raised)


def logprob_checks(port, ref):
    def score(prompt):
        return call(port, "POST", "/v1/completions",
                    {"prompt": prompt, "max_tokens": 1, "echo": True, "logprobs": 1, "temperature": 0})

    def agrees(choice, ids):
        lp = choice["logprobs"]
        want, best, best_lp = ref.logprobs(ids)
        got = lp["token_logprobs"]
        if len(got) != len(ids) + 1 or got[0] is not None:
            return False, f"{len(got)} logprobs for {len(ids)} prompt tokens + 1, first {got[0]}"
        error = max(abs(a - b) for a, b in zip(got[1:len(ids)], want))
        new_ok = abs(got[-1] - best_lp) < 1e-4 and lp["tokens"][-1] == ref.tokenizer.decode([best])
        return error < 1e-4 and new_ok, f"max error {error:.2e}, new token {lp['tokens'][-1]!r} {got[-1]:.4f}"

    ids = ref.tokenizer("The quick brown fox jumps over the lazy dog, twice.").input_ids
    status, body, raw = score(ids)
    ok, detail = agrees(body["choices"][0], ids) if status == 200 else (False, f"{status} {raw[:200]}")
    check("echo+logprobs on token ids: token_logprobs[1:] equal transformers' log_softmax within 1e-4", ok, detail)

    offsets = body["choices"][0]["logprobs"]["text_offset"] if status == 200 else []
    text = body["choices"][0]["text"] if status == 200 else ""
    want = [len(ref.tokenizer.decode(ids[:i])) for i in range(len(ids) + 1)]
    check("echo text is the prompt and text_offset counts its characters",
          text.startswith(ref.tokenizer.decode(ids)) and offsets == want, f"{offsets} vs {want}")

    # OpenAI's text_offset is a character offset into the text (Python str indices).
    accented = "h\u00e9llo w\u00f6rld"
    ids2 = ref.tokenizer(accented).input_ids
    status, body, raw = call(port, "POST", "/v1/completions",
                             {"prompt": accented, "max_tokens": 0, "echo": True, "logprobs": 0})
    offsets = body["choices"][0]["logprobs"]["text_offset"] if status == 200 else raw[:200]
    want = [len(ref.tokenizer.decode(ids2[:i])) for i in range(len(ids2))]
    check("text_offset of a non-ASCII prompt counts characters, as OpenAI's", offsets == want, f"{offsets} vs {want}")

    many = [[(13 * i + 37 * k + 5) % VOCAB for i in range(n)] for k, n in enumerate([3, 40, 7, 120, 2, 64])]
    status, body, raw = score(many)
    results = [agrees(c, p) for c, p in zip(body["choices"], many)] if status == 200 else [(False, f"{status}")]
    check("six token-id prompts of different lengths in one request each equal transformers within 1e-4",
          status == 200 and len(body["choices"]) == 6 and all(ok for ok, _ in results), "; ".join(d for _, d in results))

    answers = [None] * 8
    barrier = threading.Barrier(8)

    def client(k):
        barrier.wait()
        answers[k] = score(many[k % len(many)] + [k + 10])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [agrees(a[1]["choices"][0], many[k % len(many)] + [k + 10]) if a[0] == 200 else (False, f"{a[0]}")
               for k, a in enumerate(answers)]
    check("8 scoring requests at once (batched) each equal transformers within 1e-4",
          all(ok for ok, _ in results), "; ".join(d for _, d in results))


def abuse_checks(server, ref):
    port = server.port
    long_text = "word " * 400
    over_context = [(3 * i + 11) % VOCAB for i in range(CONTEXT + 1)]
    full = [(3 * i + 11) % VOCAB for i in range(CONTEXT)]
    C, CH = "/v1/completions", "/v1/chat/completions"
    user = [{"role": "user", "content": "hi"}]
    cases = [
        ("broken JSON", "POST", C, b'{"prompt": "hi", "max_tokens": ', 400),
        ("JSON nested 100000 deep", "POST", C, b'{"prompt": ' + b"[" * 100000 + b"]" * 100000 + b"}", 400),
        ("suffix (not implemented)", "POST", C, {"prompt": "hi", "suffix": "end"}, 400),
        ("logit_bias (not implemented)", "POST", C, {"prompt": "hi", "logit_bias": {"5": 100}}, 400),
        ("frequency_penalty (not implemented)", "POST", CH, {"messages": user, "frequency_penalty": 1.0}, 400),
        ("an empty body", "POST", C, b"", 400),
        ("a body that is a list, not an object", "POST", C, b"[1, 2, 3]", 400),
        ("a body that is a string, not an object", "POST", CH, b'"hello"', 400),
        ("prompt: 5", "POST", C, {"prompt": 5}, 400),
        ("prompt: a list of booleans", "POST", C, {"prompt": [True, False]}, 400),
        ("max_tokens: \"x\"", "POST", C, {"prompt": "hi", "max_tokens": "x"}, 400),
        ("max_tokens: 2.5", "POST", C, {"prompt": "hi", "max_tokens": 2.5}, 400),
        ("temperature: \"hot\"", "POST", C, {"prompt": "hi", "temperature": "hot"}, 400),
        ("stream: \"yes\"", "POST", C, {"prompt": "hi", "stream": "yes"}, 400),
        ("chat messages: \"hi\"", "POST", CH, {"messages": "hi"}, 400),
        ("max_tokens: 10**9", "POST", C, {"prompt": "hi", "max_tokens": 10 ** 9}, 400),
        ("max_tokens: 2**64", "POST", C, {"prompt": "hi", "max_tokens": 2 ** 64}, 400),
        ("max_tokens: -1", "POST", C, {"prompt": "hi", "max_tokens": -1}, 400),
        ("max_tokens: 0 without echo", "POST", C, {"prompt": "hi", "max_tokens": 0}, 400),
        ("chat max_tokens: 10**9", "POST", CH, {"messages": user, "max_tokens": 10 ** 9}, 400),
        ("temperature: -1", "POST", C, {"prompt": "hi", "temperature": -1}, 400),
        ("temperature: 3", "POST", C, {"prompt": "hi", "temperature": 3}, 400),
        ("top_p: 0", "POST", C, {"prompt": "hi", "top_p": 0}, 400),
        ("top_p: 1.5", "POST", C, {"prompt": "hi", "top_p": 1.5}, 400),
        ("n: 0", "POST", C, {"prompt": "hi", "n": 0}, 400),
        ("n: 100", "POST", C, {"prompt": "hi", "n": 100}, 400),
        ("logprobs: 6", "POST", C, {"prompt": "hi", "logprobs": 6}, 400),
        ("stop: five strings", "POST", C, {"prompt": "hi", "stop": ["a", "b", "c", "d", "e"]}, 400),
        ("stream with n 2", "POST", C, {"prompt": "hi", "stream": True, "n": 2}, 400),
        ("prompt: \"\"", "POST", C, {"prompt": ""}, 400),
        ("prompt: []", "POST", C, {"prompt": []}, 400),
        ("prompt: [[]]", "POST", C, {"prompt": [[]]}, 400),
        ("prompt: [\"hi\", \"\"]", "POST", C, {"prompt": ["hi", ""]}, 400),
        ("non-UTF-8 bytes in a string", "POST", C, b'{"prompt": "ab\xff\xfe\xc3", "max_tokens": 2}', 400),
        ("a lone surrogate escape \\ud800", "POST", C, b'{"prompt": "x\\ud800y", "max_tokens": 2}', 400),
        ("a lone surrogate escape in chat content", "POST", CH,
         b'{"messages": [{"role": "user", "content": "\\udc00"}], "max_tokens": 2}', 400),
        ("token id = vocabulary size", "POST", C, {"prompt": [1, VOCAB]}, 400),
        ("token id 10**12", "POST", C, {"prompt": [1, 10 ** 12]}, 400),
        ("token id 2**64 - 1", "POST", C, {"prompt": [2 ** 64 - 1]}, 400),
        ("negative token id", "POST", C, {"prompt": [5, -1]}, 400),
        ("a float token id", "POST", C, {"prompt": [5, 1.0]}, 400),
        ("a body over 8 MiB", "POST", C, b'{"prompt": "hi", "pad": "' + b"a" * (9 << 20) + b'"}', 413),
        ("token prompt longer than the context", "POST", C, {"prompt": over_context, "max_tokens": 1}, 400),
        ("full-context prompt with 2 new tokens", "POST", C, {"prompt": full, "max_tokens": 2}, 400),
        ("text prompt longer than the context", "POST", C, {"prompt": long_text, "max_tokens": 1}, 400),
        ("chat longer than the context", "POST", CH, {"messages": [{"role": "user", "content": long_text}]}, 400),
        ("POST to an unknown path", "POST", "/v1/nothing", {"prompt": "hi"}, 404),
        ("GET an unknown path", "GET", "/v2/models", None, 404),
        ("GET on a POST path", "GET", C, None, 404),
        ("POST on a GET path", "POST", "/v1/models", {}, 404),
        ("chat with no messages", "POST", CH, {"messages": []}, 400),
        ("chat message without role", "POST", CH, {"messages": [{"content": "hi"}]}, 400),
        ("chat message with a numeric role", "POST", CH, {"messages": [{"role": 1, "content": "hi"}]}, 400),
        ("chat content of a bad part", "POST", CH, {"messages": [{"role": "user", "content": [{"type": "image"}]}]}, 400),
    ]
    for name, method, path, body, want in cases:
        status, parsed, raw = call(server.port, method, path, body)
        alive = healthy(port)
        check(f"{name}: {want} with an OpenAI error body, /health 200 after", status == want and error_body(parsed) and alive,
              f"got {status} {raw[:120]!r}{'' if alive else ', /health FAILED'}")

    # curl -d sends application/x-www-form-urlencoded: a 9 KB JSON body is far under the 8 MiB limit.
    body = json.dumps({"prompt": "hi", "max_tokens": 1, "pad": "a" * 9000}).encode()
    status, parsed, raw = call(port, "POST", C, body, {"Content-Type": "application/x-www-form-urlencoded"})
    check("a 9 KB JSON body sent as curl -d sends it is refused with a message that says to send JSON",
          status == 413 and error_body(parsed) and "application/json" in parsed["error"]["message"],
          f"got {status} {raw[:120]!r}")

    # Lengths that are not one decimal number: answered at once, never waited on.
    for name, headers in [("Content-Length: -5", b"Content-Length: -5\r\n"),
                          ("two Content-Length headers", b"Content-Length: 2\r\nContent-Length: 4\r\n")]:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        start = time.time()
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + headers +
                  b"\r\n{}")
        try:
            head = s.recv(200)
        except OSError as e:
            head = repr(e).encode()
        s.close()
        check(f"{name}: 400 at once, and the server stays up",
              head.startswith(b"HTTP/1.1 400") and time.time() - start < 2 and healthy(port),
              f"{head[:40]!r} after {time.time() - start:.2f} s")

    # A client that hangs up mid-stream: the server answers the next requests.
    for path, request in [(CH, {"messages": user, "stream": True, "temperature": 0}),
                          (C, {"prompt": "hi", "stream": True, "max_tokens": 200})]:
        payload = json.dumps(request).encode()
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                  % (path.encode(), len(payload)) + payload)
        got = b""
        while b"data:" not in got:
            more = s.recv(4096)
            if not more:
                break
            got += more
        s.close()
        start = time.time()
        status, parsed, raw = call(port, "POST", C, {"prompt": "hi", "max_tokens": 4, "temperature": 0}, timeout=30)
        check(f"after a client hangs up mid-stream ({path}), a normal request is answered",
              b"data:" in got and status == 200 and healthy(port), f"{status} in {time.time() - start:.2f} s")

    # The most the limits allow in one request (256 prompts x n 8) on an idle server is not "busy".
    status, parsed, raw = call(port, "POST", C, {"prompt": [[5]] * 256, "n": 8, "max_tokens": 1})
    start = time.time()
    after, _, _ = call(port, "POST", C, {"prompt": "hi", "max_tokens": 2}, timeout=30)
    check("256 prompts x n 8 on an idle server is served (or refused as a 400), not 503 busy",
          (status == 200 or (status == 400 and error_body(parsed))) and after == 200,
          f"got {status} {raw[:100]!r}; next request {after} after {time.time() - start:.2f} s")


def auth_checks(anvil, path):
    server = Server(anvil, path, "--api-key", "secret", "--max-body-bytes", "4096")
    try:
        p = server.port
        good = {"Authorization": "Bearer secret"}
        for name, method, where, body, headers, want in [
            ("missing key on /v1/models", "GET", "/v1/models", None, {}, 401),
            ("wrong key on /v1/models", "GET", "/v1/models", None, {"Authorization": "Bearer wrong"}, 401),
            ("missing key on /v1/completions", "POST", "/v1/completions", {"prompt": "hi", "max_tokens": 1}, {}, 401),
            ("wrong key on /v1/chat/completions", "POST", "/v1/chat/completions",
             {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}, {"Authorization": "Bearer secre"}, 401),
            ("key without Bearer", "GET", "/v1/models", None, {"Authorization": "secret"}, 401),
        ]:
            status, parsed, raw = call(p, method, where, body, headers)
            check(f"--api-key: {name}: {want} with an OpenAI error body", status == want and error_body(parsed),
                  f"got {status} {raw[:100]!r}")
        status, parsed, _ = call(p, "GET", "/v1/models", None, good)
        status2, parsed2, _ = call(p, "POST", "/v1/completions", {"prompt": "hi", "max_tokens": 2}, good)
        check("--api-key: the right key gets 200 on /v1/models and /v1/completions, /health needs none",
              status == 200 and status2 == 200 and healthy(p), f"{status}, {status2}")
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{p}/v1", api_key="wrong", max_retries=0, timeout=30)
        try:
            client.models.list()
            raised = "nothing"
        except openai.AuthenticationError as e:
            raised = f"AuthenticationError {e.status_code}"
        except openai.APIError as e:
            raised = type(e).__name__
        check("--api-key: the openai client with a wrong key raises AuthenticationError", raised == "AuthenticationError 401",
              raised)
        status, parsed, raw = call(p, "POST", "/v1/completions", {"prompt": "hi", "pad": "a" * 5000}, good)
        check("--max-body-bytes 4096: a 5000-byte body gets 413 with an OpenAI error body",
              status == 413 and error_body(parsed) and healthy(p), f"got {status} {raw[:100]!r}")
        status, parsed, raw = call(p, "POST", "/v1/completions", {"prompt": "hi", "max_tokens": 1, "pad": "a" * 3000}, good)
        check("--max-body-bytes 4096: a 3000-byte body is served", status == 200, f"got {status} {raw[:100]!r}")
        # The limit is on the body, however it is sent: in chunks, or compressed.
        big = json.dumps({"prompt": "hi", "max_tokens": 1, "pad": "a" * 20000}).encode()
        c = http.client.HTTPConnection("127.0.0.1", p, timeout=60)
        try:
            c.request("POST", "/v1/completions", body=iter([big[i:i + 1000] for i in range(0, len(big), 1000)]),
                      headers={**good, "Content-Type": "application/json"}, encode_chunked=True)
            r = c.getresponse()
            status, raw = r.status, r.read()
        except (OSError, http.client.HTTPException) as e:
            status, raw = f"no answer: {e!r}", b""
        finally:
            c.close()
        check("--max-body-bytes 4096: a 20 KB body sent chunked gets 411 (Content-Length required)", status == 411 and healthy(p),
              f"got {status} {raw[:100]!r}")
        packed = gzip.compress(json.dumps({"prompt": "hi", "max_tokens": 1, "pad": "a" * (1 << 20)}).encode())
        status, parsed, raw = call(p, "POST", "/v1/completions", packed, {**good, "Content-Encoding": "gzip"})
        check(f"--max-body-bytes 4096: a {len(packed)}-byte gzip body of 1 MiB gets 415 (compressed bodies refused)", status == 415 and healthy(p),
              f"got {status} {raw[:100]!r}")
        rc = server.stop()
        check("SIGTERM stops the --api-key server with exit status 0", rc == 0, f"exit status {rc}")
    finally:
        server.close()


def concurrency_check(port, ref):
    results, errors = {}, []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(k):
        barrier.wait()
        for j in range(5):
            prompt = PROMPTS[(k + j) % len(PROMPTS)]
            status, parsed, raw = call(port, "POST", "/v1/completions",
                                       {"prompt": prompt, "max_tokens": 8, "temperature": 0}, timeout=120)
            with lock:
                if status != 200:
                    errors.append(f"{status} {raw[:80]!r}")
                else:
                    results.setdefault(prompt, set()).add(parsed["choices"][0]["text"])

    start = time.time()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = {p: ref.greedy(ref.tokenizer(p).input_ids, 8) for p in PROMPTS}
    same = all(len(texts) == 1 for texts in results.values())
    right = all(results.get(p) == {want[p]} for p in PROMPTS)
    check("8 threads x 5 greedy requests at once: all 200, one output per prompt, transformers' text",
          not errors and same and right,
          f"{40 - len(errors)}/40 ok in {time.time() - start:.1f} s, {sum(len(t) for t in results.values())} distinct texts"
          f"{'; errors ' + str(errors[:3]) if errors else ''}")


def connect_burst_check(port):
    """64 clients connecting at the same moment: a listen backlog too short for them drops
    handshakes, which clients see as a reset or a retransmitted SYN (1 s later)."""
    outcomes = []
    lock = threading.Lock()
    for _ in range(3):
        barrier = threading.Barrier(64)

        def client():
            barrier.wait()
            start = time.perf_counter()
            status = call(port, "GET", "/health", timeout=30)[0]
            with lock:
                outcomes.append((status, time.perf_counter() - start))

        threads = [threading.Thread(target=client) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    failed = [s for s, _ in outcomes if s != 200]
    slow = [t for _, t in outcomes if t >= 0.9]
    check("3 bursts of 64 clients connecting at once: every /health answered 200 within 0.9 s",
          not failed and not slow, f"{len(failed)} failed {failed[:2]}, {len(slow)} waited >= 0.9 s, "
          f"slowest {max(t for _, t in outcomes):.2f} s")


def main():
    anvil, data = sys.argv[1:3]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        path, ref = make_model(d, data)
        server = Server(anvil, path)
        try:
            client_checks(server, path, ref)
            logprob_checks(server.port, ref)
            concurrency_check(server.port, ref)
            connect_burst_check(server.port)
            abuse_checks(server, ref)
            second = subprocess.run([anvil, "serve", path, "--port", str(server.port), "run.device=cpu"],
                                    capture_output=True, text=True, timeout=120)
            check("a second server on the same port exits 1 naming the port, and the first still answers",
                  second.returncode == 1 and f":{server.port} (in use" in second.stderr and healthy(server.port),
                  f"exit {second.returncode}: {second.stderr[-200:]!r}")
            rc = server.stop()
            check("SIGTERM stops the server with exit status 0", rc == 0 and "anvil serve: stopped" in "".join(server.lines),
                  f"exit status {rc}")
        finally:
            server.close()
        auth_checks(anvil, path)
    check.report()


if __name__ == "__main__":
    main()

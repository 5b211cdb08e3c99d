#!/usr/bin/env python3
"""anvil against a nanoGPT-style PyTorch reference of the same GPT (GPT-2 124M by
default): training speed, and the loss curve from the same weights and batches.

    gpt2_vs_pytorch.py speed  [--config C] [--build DIR] [--steps N] [--warmup N] ... [key=value ...]
    gpt2_vs_pytorch.py parity [--config C] [--build DIR] [--steps N] [--out DIR] ... [key=value ...]

The reference is the model of the config written as nanoGPT writes GPT-2:
pre-LayerNorm blocks, fused qkv, causal flash attention through SDPA, GELU MLP,
learned positions, tied LM head, AdamW(fused=True) with weight decay on 2-D
weights only, gradient clipping, bf16 autocast, TF32 matmuls and torch.compile.
Its parameters carry anvil's names, so weights move between the two unchanged.

speed:  runs BUILD/bench/train_step_bench on random tokens, then the reference
        with the same batch, block, vocabulary, device and step counts, and
        prints tokens/s of both and their ratio. --profile then runs 5 more
        reference steps under torch.profiler and prints its top kernels as
        train_step_bench --profile prints anvil's, for a side-by-side read.
parity: writes OUT/init.safetensors (the reference's initial weights) and
        OUT/batches.bin (int32 tokens [steps, B, T+1]), trains anvil
        (train_step_bench --init --batches) and the reference on them at the
        constant optim.lr, and compares the losses step by step: PASS when every
        step is within --tolerance (1%).

Run it with a Python that has torch and safetensors (the GPU machine's
/opt/torch/.venv, or tools/setup.sh's ~/.cache/anvil/venv).
"""
import argparse
import array
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------- the model
# Module names follow anvil's (models/gpt.cpp), so state_dict() keys are
# anvil's parameter names: blocks.0.attn.qkv.weight and so on.

class Attention(nn.Module):
    def __init__(self, c, n_head, bias):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(c, 3 * c, bias=bias)  # rows: q, k, v; heads contiguous in each
        self.proj = nn.Linear(c, c, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_head, C // self.n_head).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, c, hidden, bias, approximate):
        super().__init__()
        self.fc = nn.Linear(c, hidden, bias=bias)
        self.proj = nn.Linear(hidden, c, bias=bias)
        self.approximate = approximate

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate=self.approximate))


class Block(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.ln_attn = nn.LayerNorm(m.n_embd, eps=m.norm_eps, bias=m.bias)
        self.attn = Attention(m.n_embd, m.n_head, m.bias)
        self.ln_mlp = nn.LayerNorm(m.n_embd, eps=m.norm_eps, bias=m.bias)
        self.mlp = MLP(m.n_embd, m.ffn_hidden, m.bias, m.gelu)

    def forward(self, x):
        x = x + self.attn(self.ln_attn(x))
        return x + self.mlp(self.ln_mlp(x))


class GPT(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.token_embedding = nn.Embedding(m.vocab, m.n_embd)
        self.position_embedding = nn.Embedding(m.block_size, m.n_embd)
        self.blocks = nn.ModuleList(Block(m) for _ in range(m.n_layer))
        self.ln_final = nn.LayerNorm(m.n_embd, eps=m.norm_eps, bias=m.bias)
        # GPT-2's initialisation, as anvil's: N(0, 0.02) for matrices and
        # embeddings, residual projections scaled by 1/sqrt(2 n_layer), zero
        # biases; LayerNorm weights keep their 1.
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * m.n_layer) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        x = self.token_embedding(idx) + self.position_embedding.weight[: idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        logits = F.linear(self.ln_final(x), self.token_embedding.weight)  # tied head
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


# ----------------------------------------------------------- the config
# Settings come from `anvil print-config`, so the reference sees exactly what
# anvil resolves (defaults, presets, overrides).

def anvil_config(args, overrides):
    anvil = os.path.join(args.build, "anvil")
    if not os.access(anvil, os.X_OK):
        sys.exit(f"no {anvil}: build anvil first (tools/gpu/build.sh), or pass --build DIR")
    out = subprocess.run([anvil, "print-config", args.config] + overrides, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"anvil print-config failed:\n{out.stderr}")
    # print-config writes `section:` lines and `  key: value` lines; nested
    # values (data.sources) are indented deeper and not needed here.
    sections, current = {}, None
    for line in out.stdout.splitlines():
        if line and not line.startswith(" "):
            current = sections.setdefault(line.split(":")[0], {})
        elif line.startswith("  ") and not line.startswith("   ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            current[key] = value.strip('"')
    return sections


class Settings:
    """The config's values the reference needs, typed and checked."""

    def __init__(self, cfg, vocab, batch=None):
        m, o = cfg["model"], cfg["optim"]
        self.vocab = vocab
        self.n_layer, self.n_head, self.n_embd = int(m["n_layer"]), int(m["n_head"]), int(m["n_embd"])
        self.block_size = int(m["block_size"])
        self.bias = m["bias"] == "true"
        self.norm_eps = float(m["norm_eps"])
        self.ffn_hidden = int(m["ffn_hidden"]) or 4 * self.n_embd
        self.gelu = {"gelu": "none", "gelu_tanh": "tanh"}.get(m["mlp"])
        unsupported = [f"model.{k}: {m[k]}" for k, ok in [
            ("mlp", self.gelu is not None), ("position", m["position"] == "learned"),
            ("norm", m["norm"] == "layernorm"), ("tie_embeddings", m["tie_embeddings"] == "true"),
            ("n_kv_head", int(m["n_kv_head"]) in (0, self.n_head)), ("dropout", float(m["dropout"]) == 0)] if not ok]
        if unsupported:
            sys.exit("the reference is GPT-2 only; this config has " + ", ".join(unsupported))
        self.lr, self.weight_decay, self.eps = float(o["lr"]), float(o["weight_decay"]), float(o["eps"])
        self.betas = (float(o["beta1"]), float(o["beta2"]))
        self.grad_clip, self.fused = float(o["grad_clip"]), o["fused"] == "true"
        self.tf32 = cfg["run"]["tf32"] == "true"
        self.batch = batch or int(cfg["train"]["batch_size"])

    def describe(self):
        return (f"{self.n_layer} layers, {self.n_head} heads, {self.n_embd} wide, block {self.block_size}, "
                f"batch {self.batch}, vocab {self.vocab}, bias {str(self.bias).lower()}")


# ------------------------------------------------------------ the reference

def initial_weights(s, seed=0):
    """The reference's initial weights, fp32 on the CPU, whatever the device."""
    torch.manual_seed(seed)
    return {name: p.detach().contiguous() for name, p in GPT(s).state_dict().items()}


class Reference:
    """The model, its AdamW and one training step, nanoGPT style."""

    def __init__(self, s, device, precision, compile_model, weights):
        torch.set_float32_matmul_precision("high" if s.tf32 else "highest")  # TF32 matmuls
        torch.backends.cudnn.allow_tf32 = s.tf32
        self.model = GPT(s)
        self.model.load_state_dict(weights)  # copies: `weights` stays as it was
        self.model.to(device)
        params = list(self.model.named_parameters())
        groups = [{"params": [p for _, p in params if p.dim() >= 2], "weight_decay": s.weight_decay},
                  {"params": [p for _, p in params if p.dim() < 2], "weight_decay": 0.0}]
        self.optimizer = torch.optim.AdamW(groups, lr=s.lr, betas=s.betas, eps=s.eps, fused=s.fused)
        self.forward = torch.compile(self.model) if compile_model else self.model
        self.autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
        self.grad_clip = s.grad_clip

    def step(self, x, y):
        with self.autocast:
            loss = self.forward(x, y)
        loss.backward()
        if self.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.detach()


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


# ----------------------------------------------------------------- anvil

def run_anvil(args, extra):
    bench = os.path.join(args.build, "bench", "train_step_bench")
    command = [bench, args.config] + extra
    print("$ " + " ".join(command), flush=True)
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"train_step_bench failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines or "ms_per_step" not in lines[-1]:
        sys.exit(f"train_step_bench printed no summary line:\n{out.stdout[-2000:]}")
    return lines


def resolve(args):
    """The device, and the overrides both sides read the config with: the
    command line's, the device and, when given, the precision."""
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda, but torch sees no GPU")
    overrides = args.overrides + [f"run.device={device.type}"]
    if args.precision:
        overrides.append(f"run.precision={args.precision}")
    return device, overrides


def precision_of(cfg, device):
    p = cfg["run"]["precision"]
    return ("bf16" if device.type == "cuda" else "fp32") if p == "auto" else p


# ----------------------------------------------------------------- speed

def speed(args):
    device, overrides = resolve(args)
    cfg = anvil_config(args, overrides)
    precision = precision_of(cfg, device)
    s = Settings(cfg, args.vocab)
    print(f"model: {s.describe()}; {precision} on {device_name(device)}; "
          f"{args.steps} timed steps after {args.warmup} warmup", flush=True)

    anvil = None
    if not args.reference_only:
        anvil = run_anvil(args, ["--vocab", str(args.vocab), "--steps", str(args.steps),
                                 "--warmup", str(args.warmup)] + overrides)[-1]
        print("anvil: " + json.dumps(anvil), flush=True)
        if device.type == "cpu":
            torch.set_num_threads(anvil["threads"])

    ref = Reference(s, device, precision, not args.no_compile, initial_weights(s))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    g = torch.Generator().manual_seed(0)
    x = torch.randint(args.vocab, (s.batch, s.block_size), generator=g).to(device)
    y = torch.randint(args.vocab, (s.batch, s.block_size), generator=g).to(device)
    start = time.perf_counter()
    ref.step(x, y)  # the first step compiles
    synchronize(device)
    first = time.perf_counter() - start
    for _ in range(args.warmup - 1):
        ref.step(x, y)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = ref.step(x, y)
    synchronize(device)
    ms = 1e3 * (time.perf_counter() - start) / args.steps
    tokens = s.batch * s.block_size
    ref_tps = tokens / ms * 1e3
    kind = "eager" if args.no_compile else "torch.compile"
    print(f"reference: first step {first:.1f} s, final loss {loss.item():.3f}", flush=True)

    memory = torch.cuda.max_memory_allocated() if device.type == "cuda" else 0
    result = {"device": device_name(device), "precision": precision, "batch": s.batch, "block": s.block_size,
              "vocab": args.vocab, "reference_ms_per_step": round(ms, 3), "reference_tokens_per_sec": round(ref_tps),
              "reference_peak_memory_bytes": memory}
    label = f"PyTorch {torch.__version__} ({kind})"
    width = max(len(label), 24)
    ref_mfu = None
    if anvil:
        ratio = anvil["tokens_per_sec"] / ref_tps
        ref_mfu = anvil.get("mfu", 0) / ratio  # the same model, so the same FLOPs per token
        print(f"{'anvil (LibTorch)':<{width}}: {anvil['ms_per_step']:9.2f} ms/step "
              f"{anvil['tokens_per_sec']:12,.0f} tokens/s{mfu(anvil.get('mfu'))}{gib(anvil.get('peak_memory_bytes'))}")
        result.update(anvil=anvil, ratio=round(ratio, 4))
    print(f"{label:<{width}}: {ms:9.2f} ms/step {ref_tps:12,.0f} tokens/s{mfu(ref_mfu)}{gib(memory)}")
    if anvil:
        print(f"{'anvil / PyTorch tokens/s':<{width}}: {ratio:.3f}")
    print("RESULT " + json.dumps(result))
    if args.profile:
        profile_reference(ref, x, y, device)


def profile_reference(ref, x, y, device, steps=5, top=40):
    """The reference's kernels (CUDA) or operators (CPU) by self time over `steps` steps."""
    from torch.profiler import ProfilerActivity, profile
    cuda = device.type == "cuda"
    with profile(activities=[ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            ref.step(x, y)
        synchronize(device)
    kind = torch.autograd.DeviceType.CUDA if cuda else torch.autograd.DeviceType.CPU
    events = [e for e in prof.key_averages() if e.device_type == kind]
    self_time = (lambda e: e.self_device_time_total) if cuda else (lambda e: e.self_cpu_time_total)
    total = sum(self_time(e) for e in events) or 1
    print(f"reference profile of {steps} steps, {'kernels by device' if cuda else 'operators by CPU'} self time:")
    print(f"  {total / 1e3 / steps:9.3f} ms/step in all of them")
    for e in sorted(events, key=self_time, reverse=True)[:top]:
        print(f"  {self_time(e) / 1e3 / steps:9.3f} ms/step {100 * self_time(e) / total:6.1f}% {e.count:6d} calls  "
              f"{e.key[:100]}")


def gib(n):
    return f", peak memory {n / 2**30:.1f} GiB" if n else ""


def mfu(x):
    return f", MFU {x:.1%}" if x else ""


def device_name(device):
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


# ---------------------------------------------------------------- parity

def make_batches(steps, batch, block, vocab, seed):
    """[steps, batch, block + 1] int64 tokens, random but learnable, so the
    loss curve has a shape to compare: tokens are drawn from a Zipf-like
    distribution (the loss falls from ln V toward its entropy), and the second
    half of every row repeats the first (attention can learn to copy)."""
    g = torch.Generator().manual_seed(seed)
    rank = torch.arange(vocab, dtype=torch.float64)
    probs = 1.0 / (rank + 10.0)
    half = (block + 2) // 2
    first = torch.multinomial(probs, steps * batch * half, replacement=True, generator=g)
    first = first.view(steps, batch, half)
    return torch.cat([first, first[:, :, : block + 1 - half]], dim=2)


def write_int32(path, tokens):
    assert sys.byteorder == "little"  # the file is little-endian; so is every machine this runs on
    with open(path, "wb") as f:
        array.array("i", tokens.to(torch.int32).flatten().tolist()).tofile(f)


def parity(args):
    from safetensors.torch import save_file

    device, overrides = resolve(args)
    cfg = anvil_config(args, overrides)
    precision = precision_of(cfg, device)
    s = Settings(cfg, args.vocab, args.batch)
    os.makedirs(args.out, exist_ok=True)
    init, batches_path = os.path.join(args.out, "init.safetensors"), os.path.join(args.out, "batches.bin")
    print(f"model: {s.describe()}; {precision} on {device_name(device)}; {args.steps} steps at constant "
          f"lr {s.lr:g}; writing {args.out}", flush=True)

    weights = initial_weights(s)
    save_file(weights, init)
    batches = make_batches(args.steps, s.batch, s.block_size, args.vocab, args.seed)
    write_int32(batches_path, batches)

    # anvil first, in its own process, so the two never share the GPU's memory.
    anvil_losses = None
    if not args.reference_only:
        lines = run_anvil(args, ["--vocab", str(args.vocab), "--init", init, "--batches", batches_path,
                                 "--steps", str(args.steps), "--warmup", "0",
                                 f"train.batch_size={s.batch}"] + overrides)
        steps = sorted((line for line in lines if "loss" in line and "step" in line), key=lambda l: l["step"])
        anvil_losses = [line["loss"] for line in steps]
        if len(anvil_losses) != args.steps:
            sys.exit(f"train_step_bench printed {len(anvil_losses)} step losses, expected {args.steps}")

    ref = Reference(s, device, precision, not args.no_compile, weights)
    ref_losses = []
    start = time.perf_counter()
    for i in range(args.steps):
        b = batches[i].to(device)
        ref_losses.append(ref.step(b[:, :-1], b[:, 1:]).item())
    print(f"reference: {args.steps} steps in {time.perf_counter() - start:.1f} s", flush=True)

    report = {"steps": args.steps, "batch": s.batch, "block": s.block_size, "vocab": args.vocab,
              "precision": precision, "device": device_name(device), "reference": ref_losses}
    if anvil_losses is None:
        show(ref_losses, None)
        write_json(os.path.join(args.out, "parity.json"), report)
        return
    rel = [abs(a - r) / abs(r) for a, r in zip(anvil_losses, ref_losses)]
    worst = sorted(range(len(rel)), key=lambda i: -rel[i])[:5]
    ok = max(rel) <= args.tolerance
    report.update(anvil=anvil_losses, relative_difference=rel, max_relative_difference=max(rel), passed=ok)
    write_json(os.path.join(args.out, "parity.json"), report)
    show(ref_losses, anvil_losses)
    print(f"max relative difference {percent(max(rel))} (step {worst[0]}), mean {percent(sum(rel) / len(rel))}")
    if ok:
        print(f"PASS: every step within {percent(args.tolerance)}")
    else:
        bad = sum(r > args.tolerance for r in rel)
        print(f"FAIL: {bad} of {len(rel)} steps differ by more than {percent(args.tolerance)}; worst: " +
              ", ".join(f"step {i} anvil {anvil_losses[i]:.6f} ref {ref_losses[i]:.6f} ({percent(rel[i])})"
                        for i in worst))
        sys.exit(1)


def percent(x):
    return f"{100 * x:.3g}%"


def show(ref, anvil):
    picks = sorted({0, 1, 2, 5, 10, 20, 50, 100, 150, len(ref) - 1} & set(range(len(ref))))
    print(" step   reference" + ("       anvil" if anvil else ""))
    for i in picks:
        print(f"{i:5d} {ref[i]:11.4f}" + (f" {anvil[i]:11.4f}" if anvil else ""))


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


# ------------------------------------------------------------------ main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=os.path.join(ROOT, "configs/gpt2_124m.yaml"),
                        help="the anvil config both sides take the model, batch and AdamW from")
    common.add_argument("--build", default=os.path.join(ROOT, "build-gpu"),
                        help="anvil's build folder (with anvil and bench/train_step_bench)")
    common.add_argument("--device", default="cuda", help="cuda or cpu (for testing)")
    common.add_argument("--precision", choices=["bf16", "fp32"],
                        help="default: the config's run.precision (auto: bf16 on cuda, fp32 on cpu)")
    common.add_argument("--vocab", type=int, default=50304, help="GPT-2's 50257 rounded up to a multiple of 64")
    common.add_argument("--no-compile", action="store_true", help="the reference in eager mode")
    common.add_argument("--reference-only", action="store_true",
                        help="run the reference alone (anvil still resolves the config)")
    common.add_argument("overrides", nargs="*", metavar="key.path=value",
                        help="config overrides for both sides, as anvil takes them")

    p = commands.add_parser("speed", parents=[common], help="tokens/s of anvil and the reference")
    p.add_argument("--steps", type=int, default=50, help="timed steps")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps first; they include compiling")
    p.add_argument("--profile", action="store_true", help="then the reference's top kernels over 5 more steps")

    p = commands.add_parser("parity", parents=[common], help="loss curves from the same weights and batches")
    p.add_argument("--steps", type=int, default=200, help="training steps, each on its own batch")
    p.add_argument("--batch", type=int, help="default: the config's train.batch_size")
    p.add_argument("--seed", type=int, default=1234, help="of the batches")
    p.add_argument("--tolerance", type=float, default=0.01, help="largest relative loss difference allowed")
    p.add_argument("--out", default=os.path.join(ROOT, "runs", "gpt2_parity"),
                   help="where init.safetensors, batches.bin and parity.json go")

    args = parser.parse_args()
    if args.steps < 1 or (args.command == "speed" and args.warmup < 1):
        parser.error("--steps and --warmup must be at least 1 (the first warmup step compiles)")
    speed(args) if args.command == "speed" else parity(args)


if __name__ == "__main__":
    main()

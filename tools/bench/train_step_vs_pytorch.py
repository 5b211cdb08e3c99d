#!/usr/bin/env python3
"""Times one training step of a config's model in anvil, then in the same model
written in Python PyTorch eager (nanoGPT's GPT: pre-LayerNorm, fused qkv, SDPA,
GELU MLP, tied LM head, AdamW with decay on 2-D weights, grad clipping), with
the same shapes and thread count, and prints the ratio. The two take turns for
--rounds rounds and their medians are compared, so a noisy machine slows both
alike.

    tools/bench/train_step_vs_pytorch.py [CONFIG] [--steps N] [--rounds N] [--build DIR]

Run it with the Python that has torch (setup.sh's venv:
~/.cache/anvil/venv/bin/python).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Block(nn.Module):
    def __init__(self, c, n_head, bias):
        super().__init__()
        self.n_head = n_head
        self.ln_attn = nn.LayerNorm(c, bias=bias)
        self.qkv = nn.Linear(c, 3 * c, bias=bias)
        self.attn_proj = nn.Linear(c, c, bias=bias)
        self.ln_mlp = nn.LayerNorm(c, bias=bias)
        self.fc = nn.Linear(c, 4 * c, bias=bias)
        self.mlp_proj = nn.Linear(4 * c, c, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln_attn(x)).view(B, T, 3, self.n_head, C // self.n_head).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp_proj(F.gelu(self.fc(self.ln_mlp(x))))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_layer, n_head, c, bias):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(block, c)
        self.blocks = nn.ModuleList(Block(c, n_head, bias) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(c, bias=bias)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe.weight[: idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)


def resolved_config(anvil, config):
    text = subprocess.run([anvil, "print-config", config], check=True, capture_output=True, text=True).stdout
    sections, current = {}, None
    for line in text.splitlines():
        if not line.startswith(" "):
            current = sections.setdefault(line.rstrip(":"), {})
        else:
            key, value = line.strip().split(": ", 1)
            current[key] = value.strip('"')
    return sections


def pytorch_step_timer(cfg, vocab, threads):
    """Builds the model; returns a function that times `steps` training steps."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m, o = cfg["model"], cfg["optim"]
    B, T = int(cfg["train"]["batch_size"]), int(m["block_size"])
    model = GPT(vocab, T, int(m["n_layer"]), int(m["n_head"]), int(m["n_embd"]), m["bias"] == "true")
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": float(o["weight_decay"])}, {"params": no_decay, "weight_decay": 0.0}],
        lr=float(o["lr"]), betas=(float(o["beta1"]), float(o["beta2"])), eps=float(o["eps"]))
    x = torch.randint(vocab, (B, T))
    y = torch.randint(vocab, (B, T))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), float(o["grad_clip"]))
        optimizer.step()

    def time_steps(steps, warmup):
        for _ in range(warmup):
            step()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return 1e3 * (time.perf_counter() - start) / steps

    return time_steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", nargs="?", default=os.path.join(ROOT, "configs/shakespeare_char_cpu.yaml"))
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--vocab", type=int, default=65)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    anvil = os.path.join(args.build, "anvil")
    bench = os.path.join(args.build, "bench", "train_step_bench")
    common = ["--vocab", str(args.vocab), "--steps", str(args.steps), "--warmup", str(args.warmup), "run.device=cpu"]
    cfg = resolved_config(anvil, args.config)
    anvil_ms, torch_ms, pytorch_steps = [], [], None
    for _ in range(args.rounds):
        out = subprocess.run([bench, args.config] + common, check=True, capture_output=True, text=True).stdout
        anvil_result = json.loads(out)
        anvil_ms.append(anvil_result["ms_per_step"])
        threads = anvil_result["threads"]
        pytorch_steps = pytorch_steps or pytorch_step_timer(cfg, args.vocab, threads)
        torch_ms.append(pytorch_steps(args.steps, args.warmup))
    anvil_median, torch_median = statistics.median(anvil_ms), statistics.median(torch_ms)

    m = cfg["model"]
    print(f"model: {m['n_layer']} layers, {m['n_head']} heads, {m['n_embd']} wide, block {m['block_size']}, "
          f"batch {cfg['train']['batch_size']}, vocab {args.vocab}, {threads} threads, "
          f"{args.rounds} rounds of {args.steps} timed steps")
    print(f"anvil (LibTorch):    median {anvil_median:7.2f} ms/step | rounds {fmt(anvil_ms)}")
    print(f"PyTorch eager {torch.__version__}: median {torch_median:7.2f} ms/step | rounds {fmt(torch_ms)}")
    print(f"speed-up anvil / PyTorch: {torch_median / anvil_median:.2f}x")


def fmt(values):
    return " ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()

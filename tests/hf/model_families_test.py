"""Every model family anvil reads, against transformers, through the binary.

For each family a tiny model (2 layers, width 64, grouped-query attention)
is randomly initialised by transformers with the family's own options on:
rope scaling as Llama 3.2 sets it (and linear, yarn), Qwen2's q/k/v biases,
Qwen3's q/k norms and wide heads, a sliding window shorter than the test
sequence, Gemma 2's soft-caps, Gemma 3's local and global layers, Phi-3's
fused projections. Its parameters are then perturbed, so that no bias is
zero and no norm is the identity. For each one:

  - anvil's fp32 logits, reading the Hugging Face directory directly and
    after `anvil import-hf`, are within 1e-4 of transformers';
  - `anvil export-hf` writes the same family, which transformers loads with
    the same logits;
  - greedy decoding with anvil's KV cache for 32 tokens equals
    `generate(do_sample=False)`.

    python model_families_test.py ANVIL DUMP_LOGITS
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
import transformers as T
from safetensors.torch import load_file

TOLERANCE = 1e-4
SEQUENCE = 24  # longer than every sliding window below
NEW_TOKENS = 32

SHAPE = dict(vocab_size=101, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=128)


def families():
    llama31_rope = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
                    "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
    return {
        "llama3.2 (rope llama3, tied)": T.LlamaConfig(**SHAPE, tie_word_embeddings=True, rms_norm_eps=1e-5,
                                                      rope_parameters=llama31_rope),
        "llama (rope linear)": T.LlamaConfig(**SHAPE, rope_parameters={"rope_type": "linear", "rope_theta": 10000.0,
                                                                       "factor": 4.0}),
        "llama (rope yarn)": T.LlamaConfig(**SHAPE, rope_parameters={
            "rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 32}),
        "smollm2": T.LlamaConfig(**SHAPE, tie_word_embeddings=True, rms_norm_eps=1e-5,
                                 rope_parameters={"rope_type": "default", "rope_theta": 100000.0}),
        "qwen2.5": T.Qwen2Config(**SHAPE, tie_word_embeddings=True),
        "qwen3": T.Qwen3Config(**SHAPE, head_dim=32),
        "mistral (sliding window 8)": T.MistralConfig(**SHAPE, sliding_window=8),
        "gemma2": T.Gemma2Config(**SHAPE, head_dim=32, sliding_window=8, query_pre_attn_scalar=24,
                                 pad_token_id=0, bos_token_id=1, eos_token_id=2),
        # Caps the scores reach, so that a missing tanh shows.
        "gemma2 (tight soft-caps)": T.Gemma2Config(**SHAPE, head_dim=32, sliding_window=8, attn_logit_softcapping=0.5,
                                                   final_logit_softcapping=0.4, pad_token_id=0, bos_token_id=1,
                                                   eos_token_id=2),
        "gemma3": T.Gemma3TextConfig(**SHAPE, head_dim=32, sliding_window=8, query_pre_attn_scalar=32,
                                     layer_types=["sliding_attention", "full_attention"], pad_token_id=0,
                                     bos_token_id=1, eos_token_id=2,
                                     rope_parameters={"full_attention": {"rope_type": "linear", "factor": 8.0,
                                                                         "rope_theta": 1000000.0},
                                                      "sliding_attention": {"rope_type": "default",
                                                                            "rope_theta": 10000.0}}),
        "phi3 (sliding window 8)": T.Phi3Config(**SHAPE, sliding_window=8, pad_token_id=0, bos_token_id=1,
                                                eos_token_id=2),
    }


def build(config):
    torch.manual_seed(0)
    model = T.AutoModelForCausalLM.from_config(config, attn_implementation="eager").eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model


def anvil_logits(dump_logits, model_dir, tokens, out):
    ids = [str(t) for t in tokens.flatten().tolist()]
    subprocess.run([dump_logits, model_dir, out, str(tokens.shape[0])] + ids, check=True)
    return load_file(out)["logits"]


def anvil_greedy(dump_logits, model_dir, prompt):
    out = subprocess.run([dump_logits, model_dir, "--greedy", str(NEW_TOKENS)] + [str(t) for t in prompt],
                         check=True, capture_output=True, text=True).stdout
    return [int(t) for t in out.split()]


def max_diff(a, b):
    return (a - b).abs().max().item()


def check(name, config, anvil, dump_logits, d):
    model = build(config)
    torch.manual_seed(1)
    tokens = torch.randint(config.vocab_size, (2, SEQUENCE))
    with torch.no_grad():
        expected = model(tokens).logits
    hf, imported, exported = f"{d}/hf", f"{d}/anvil", f"{d}/exported"
    model.save_pretrained(hf)
    direct = max_diff(anvil_logits(dump_logits, hf, tokens, f"{d}/direct.safetensors"), expected)
    subprocess.run([anvil, "import-hf", hf, imported], check=True, capture_output=True)
    via_import = max_diff(anvil_logits(dump_logits, imported, tokens, f"{d}/imported.safetensors"), expected)

    subprocess.run([anvil, "export-hf", imported, exported], check=True, capture_output=True)
    with open(f"{exported}/config.json") as f:
        exported_type = json.load(f)["model_type"]
    reloaded = T.AutoModelForCausalLM.from_pretrained(exported, attn_implementation="eager").eval()
    with torch.no_grad():
        via_export = max_diff(reloaded(tokens).logits, expected)

    prompt = tokens[0, :8]
    with torch.no_grad():
        theirs = model.generate(prompt.unsqueeze(0), max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                do_sample=False)[0, 8:].tolist()
    ours = anvil_greedy(dump_logits, hf, prompt.tolist())

    print(f"{name}: max |logit diff| direct {direct:.1e}, import-hf {via_import:.1e}, export-hf {via_export:.1e}; "
          f"greedy {NEW_TOKENS} tokens {'equal' if ours == theirs else 'DIFFER'}")
    failures = []
    if max(direct, via_import, via_export) >= TOLERANCE:
        failures.append(f"logits differ by {max(direct, via_import, via_export):.2e}")
    if exported_type != config.model_type:
        failures.append(f"exported as model_type {exported_type}, not {config.model_type}")
    if ours != theirs:
        first = next(i for i, (a, b) in enumerate(zip(ours + [None] * NEW_TOKENS, theirs)) if a != b)
        failures.append(f"greedy tokens differ from position {first}: anvil {ours}, transformers {theirs}")
    return failures


def check_export_options(anvil, d):
    """bf16, sharded export of a Hugging Face directory: the index, the dtype, transformers' logits."""
    model = build(families()["llama3.2 (rope llama3, tied)"])
    model.save_pretrained(f"{d}/hf")
    subprocess.run([anvil, "export-hf", f"{d}/hf", f"{d}/bf16", "--dtype", "bf16", "--max-shard-size", "40KB"],
                   check=True, capture_output=True)
    with open(f"{d}/bf16/model.safetensors.index.json") as f:
        shards = set(json.load(f)["weight_map"].values())
    reloaded = T.AutoModelForCausalLM.from_pretrained(f"{d}/bf16").eval()
    expected = {name: p.to(torch.bfloat16) for name, p in model.state_dict().items()}
    got = reloaded.state_dict()
    differing = [name for name, p in expected.items() if not torch.equal(got[name], p)]
    print(f"export-hf --dtype bf16 --max-shard-size 40KB: {len(shards)} shards, {reloaded.dtype}, "
          f"{len(expected) - len(differing)}/{len(expected)} tensors equal to transformers' bf16 cast")
    failures = []
    if len(shards) < 2:
        failures.append("expected several shards")
    if reloaded.dtype != torch.bfloat16:
        failures.append(f"transformers loaded {reloaded.dtype}")
    if differing:
        failures.append(f"tensors differ from the bf16 cast, the first {differing[0]}")
    return failures


def main():
    anvil, dump_logits = sys.argv[1:3]
    passed, failed = 0, 0
    cases = list(families().items())
    for name, config in cases:
        with tempfile.TemporaryDirectory() as d:
            failures = check(name, config, anvil, dump_logits, d)
        for f in failures:
            print(f"FAIL {name}: {f}")
        passed, failed = passed + (not failures), failed + bool(failures)
    with tempfile.TemporaryDirectory() as d:
        failures = check_export_options(anvil, d)
    for f in failures:
        print(f"FAIL export options: {f}")
    passed, failed = passed + (not failures), failed + bool(failures)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    sys.exit(main())

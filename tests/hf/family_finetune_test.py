"""Fine-tuning every model family straight from its Hugging Face directory.

For each family a tiny model is randomly initialised by transformers with
the family's options on and saved beside the real SmolLM2 tokenizer files.
With model.init_from naming that directory (no model keys, no tokenizer in
the config: config.json and the directory give them), `anvil train` runs 30
steps of full fine-tuning and 30 of LoRA on a slice of the Alpaca sample:
the loss must fall in both. `anvil plan` on the same config must count the
parameters transformers counts (and the adapters the LoRA checkpoint holds).

    python family_finetune_test.py ANVIL DATA_DIR
"""
import json
import math
import os
import re
import shutil
import sys
import tempfile

import torch
import transformers as T
from safetensors import safe_open
from anvil_cli import report, run

STEPS = 30
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]
SHAPE = dict(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=256, bos_token_id=1, eos_token_id=2, pad_token_id=2)


def families():
    return {
        "llama3.2": T.LlamaConfig(**SHAPE, tie_word_embeddings=True, rope_parameters={
            "rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 128}),
        "smollm2": T.LlamaConfig(**SHAPE, tie_word_embeddings=True, rope_theta=100000.0),
        "qwen2.5": T.Qwen2Config(**SHAPE, tie_word_embeddings=True),
        "qwen3": T.Qwen3Config(**SHAPE, head_dim=32, tie_word_embeddings=True),
        "mistral": T.MistralConfig(**SHAPE, sliding_window=32),
        "gemma2": T.Gemma2Config(**SHAPE, head_dim=16, sliding_window=32),
        "gemma3": T.Gemma3TextConfig(**SHAPE, head_dim=16, sliding_window=32,
                                     layer_types=["sliding_attention", "full_attention"]),
        "phi3": T.Phi3Config(**SHAPE, sliding_window=32),
    }


def losses(run_dir):
    with open(f"{run_dir}/metrics.jsonl") as f:
        records = [json.loads(line) for line in f]
    return [r["loss"] for r in records if "loss" in r and "val_loss" not in r]


def planned_parameters(anvil, config, overrides):
    out = run(anvil, "plan", config, *overrides)
    match = re.search(r"parameters: (\d+) total, (\d+) trained", out)
    if not match:
        sys.exit(f"anvil plan printed no parameter counts:\n{out}")
    return int(match.group(1)), int(match.group(2))


def adapter_count(run_dir):
    checkpoints = sorted(os.listdir(f"{run_dir}/checkpoints"))
    with safe_open(f"{run_dir}/checkpoints/{checkpoints[-1]}/model.safetensors", "pt") as f:
        return sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys() if "lora_" in k)


def main():
    anvil, data = sys.argv[1:3]
    smollm2 = os.path.join(data, "hf/smollm2")
    failures, checks = [], 0
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(data, "alpaca/alpaca_sample_2000.jsonl")) as f, open(f"{d}/train.jsonl", "w") as o:
            o.writelines(list(f)[:120])
        with open(f"{d}/config.yaml", "w") as f:
            f.write(f"task: {{type: sft}}\nsft: {{format: alpaca, packing: pack}}\n"
                    f"data: {{train: {d}/train.jsonl, val_fraction: 0.1, overlong: truncate}}\n"
                    f"run: {{device: cpu, threads: 2}}\n"
                    f"train: {{batch_size: 2, max_steps: {STEPS}, log_every: 1}}\n"
                    f"schedule: {{warmup_steps: 3, min_lr: 1.0e-4}}\neval: {{every: 0, batches: 2}}\n")
        for name, config in families().items():
            torch.manual_seed(0)
            model = T.AutoModelForCausalLM.from_config(config)
            hf = f"{d}/{name}"
            model.save_pretrained(hf)
            for file in TOKENIZER_FILES:
                shutil.copy(os.path.join(smollm2, file), hf)
            hf_parameters = model.num_parameters()
            for mode, extra in [("full", ["optim.lr=3e-3"]),
                                ("lora", ["optim.lr=1e-2", "lora.rank=8",
                                          "lora.targets=[attn.qkv, attn.proj, mlp.gate, mlp.up, mlp.proj]"])]:
                run_dir = f"{d}/runs/{name}-{mode}"
                overrides = [f"model.init_from={hf}", "model.block_size=64", f"run.dir={run_dir}"] + extra
                run(anvil, "train", f"{d}/config.yaml", *overrides)
                curve = losses(run_dir)
                first, last = sum(curve[:3]) / 3, sum(curve[-3:]) / 3
                total, trained = planned_parameters(anvil, f"{d}/config.yaml", overrides)
                adapters = adapter_count(run_dir) if mode == "lora" else 0
                want = (hf_parameters + adapters, adapters if mode == "lora" else hf_parameters)
                print(f"{name} {mode}: loss {first:.3f} -> {last:.3f} over {len(curve)} steps; "
                      f"plan counts {total} parameters ({trained} trained), transformers {hf_parameters}"
                      + (f" + {adapters} adapters" if adapters else ""))
                checks += 2
                if len(curve) != STEPS or not last < first - 0.05:
                    failures.append(f"{name} {mode}: loss {first:.3f} -> {last:.3f} over {len(curve)} steps")
                if (total, trained) != want:
                    failures.append(f"{name} {mode}: plan counts {total, trained}, expected {want}")
    report(failures, checks)


if __name__ == "__main__":
    main()

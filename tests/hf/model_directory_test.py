"""A Hugging Face model directory is a model: no YAML, no import.

A tiny SmolLM2-shaped model (Llama architecture), randomly initialised by
transformers, saved with the real SmolLM2 tokenizer files. Then, each command given the directory in
place of CONFIG:

  - `anvil generate DIR generate.prompt=...` greedy text equals transformers'
    generate(do_sample=False) decoded by its tokenizer;
  - `anvil eval DIR data.val=TEXT` with a sliding window gives the perplexity
    of the Hugging Face perplexity recipe;
  - `anvil plan DIR` counts transformers' parameters;
  - `anvil export-hf DIR OUT --dtype bf16` writes a Llama model transformers
    loads with the weights cast to bf16;
  - `anvil import-hf`'s output generates the same text as the directory;
  - a model trained from scratch with that tokenizer exports a config.json
    that describes it, not the one the tokenizer came with.

    python model_directory_test.py ANVIL DATA_DIR
"""
import json
import os
import re
import shutil
import sys
import tempfile

import torch
import transformers as T

from anvil_cli import report, run
from hf_parity_test import hf_sliding_perplexity

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]
PROMPT = "The capital of France is"
NEW_TOKENS = 12


def generate(anvil, model_dir):
    return run(anvil, "generate", model_dir, f"generate.prompt={PROMPT}", "generate.temperature=0",
               f"generate.max_new_tokens={NEW_TOKENS}", "run.device=cpu")


def main():
    anvil, data = sys.argv[1:3]
    failures, checks = [], 6
    with tempfile.TemporaryDirectory() as d:
        torch.manual_seed(0)
        config = T.LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                               tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
        model = T.LlamaForCausalLM(config).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.05)
        hf = f"{d}/smollm2"
        model.save_pretrained(hf)
        for name in TOKENIZER_FILES:
            shutil.copy(os.path.join(data, "hf/smollm2", name), hf)
        tokenizer = T.AutoTokenizer.from_pretrained(hf)

        ids = tokenizer(PROMPT, return_tensors="pt").input_ids
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                                 eos_token_id=None, pad_token_id=2)
        want = tokenizer.decode(out[0, ids.shape[1]:])
        direct = generate(anvil, hf)
        got = direct
        got = got[len(PROMPT):] if got.startswith(PROMPT) else got
        got = got[:-1] if got.endswith("\n") else got
        print(f"generate: transformers {want!r}, anvil {got!r}")
        if got != want:
            failures.append("generate differs")

        with open(os.path.join(data, "tinyshakespeare.txt")) as f:
            text = f.read()[:3000]
        with open(f"{d}/text.txt", "w") as f:
            f.write(text)
        expected = hf_sliding_perplexity(model, tokenizer(text, return_tensors="pt").input_ids, 64, 32)
        evaluated = json.loads(run(anvil, "eval", hf, "--json", f"data.train={d}/text.txt", f"data.val={d}/text.txt",
                                "eval.max_length=64", "eval.stride=32", "run.device=cpu"))
        error = abs(evaluated["val_ppl"] - expected) / expected
        print(f"eval: sliding-window perplexity anvil {evaluated['val_ppl']:.4f}, Hugging Face recipe {expected:.4f}")
        if error > 1e-3:  # the recipe weighs each window's mean loss by its scored tokens, as hf.parity
            failures.append(f"perplexity differs by {error:.2%}")

        planned = re.search(r"parameters: (\d+) total", run(anvil, "plan", hf, "model.block_size=64"))
        print(f"plan: {planned.group(1) if planned else None} parameters, transformers {model.num_parameters()}")
        if not planned or int(planned.group(1)) != model.num_parameters():
            failures.append("plan's parameter count differs")

        run(anvil, "export-hf", hf, f"{d}/bf16", "--dtype", "bf16")
        exported = T.AutoModelForCausalLM.from_pretrained(f"{d}/bf16")
        cast = {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}
        same = all(torch.equal(exported.state_dict()[k], v) for k, v in cast.items())
        print(f"export-hf --dtype bf16: {type(exported).__name__}, {exported.dtype}, weights equal to the cast {same}")
        if type(exported).__name__ != "LlamaForCausalLM" or not same:
            failures.append("export-hf of the directory differs")
        run(anvil, "import-hf", hf, f"{d}/imported")
        again = generate(anvil, f"{d}/imported")
        print(f"generate on import-hf's output: {'the same' if again == direct else 'DIFFERENT'} text")
        if again != direct:
            failures.append("import-hf's output generates other text")

        with open(f"{d}/scratch.yaml", "w") as f:
            f.write(f"run: {{dir: {d}/scratch, device: cpu, threads: 2}}\ntokenizer: {{path: {hf}}}\n"
                    f"data: {{train: {d}/text.txt, val: {d}/text.txt}}\n"
                    "model: {n_layer: 1, n_head: 2, n_embd: 32, block_size: 32, position: rope, norm: rmsnorm, "
                    "mlp: swiglu}\ntrain: {max_steps: 2, batch_size: 2}\nschedule: {warmup_steps: 1}\n"
                    "eval: {every: 0, batches: 1}\n")
        run(anvil, "train", f"{d}/scratch.yaml")
        run(anvil, "export-hf", f"{d}/scratch/checkpoints/step_00000002", f"{d}/scratch_hf")
        with open(f"{d}/scratch_hf/config.json") as f:
            written = json.load(f)
        print(f"export-hf of a model trained from scratch: {written['model_type']}, "
              f"{written['num_hidden_layers']} layer(s), width {written['hidden_size']}")
        if (written["num_hidden_layers"], written["hidden_size"]) != (1, 32):
            failures.append("the exported config.json does not describe the trained model")
        T.AutoModelForCausalLM.from_pretrained(f"{d}/scratch_hf")
    report(failures, checks)


if __name__ == "__main__":
    main()

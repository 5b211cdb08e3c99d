"""A Hugging Face chat model through anvil and back, checked by transformers.

A tiny SmolLM2-shaped Llama, randomly initialised by transformers and saved
with the real SmolLM2 tokenizer files -> `anvil import-hf` -> LoRA SFT on the
Alpaca sample rendered with its own chat template -> `anvil merge-lora` ->
`anvil export-hf`. transformers then loads the exported model and tokenizer:
the tokenizer gives the ids and chat template it came with, and its greedy
answers to three prompts equal `anvil generate --chat` with the LoRA
checkpoint.

    python chat_finetune_test.py ANVIL DATA_DIR
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
from anvil_cli import run

PROMPTS = ["Give three tips for staying healthy.", "What is the capital of France?", "Write a haiku about rain."]
NEW_TOKENS = 16
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]


def tiny_smollm2(out, smollm2):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         rope_theta=100000.0, rms_norm_eps=1e-5, tie_word_embeddings=True, initializer_range=0.3,
                         bos_token_id=1, eos_token_id=2)
    LlamaForCausalLM(config).save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(smollm2, name), out)


def alpaca_slice(data, out, n=48):
    with open(os.path.join(data, "alpaca/alpaca_sample_2000.jsonl")) as f, open(out, "w") as o:
        for line in list(f)[:n]:
            o.write(line)


def hf_answers(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    answers = []
    for prompt in PROMPTS:
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                            return_tensors="pt", return_dict=True)["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False)
        answer = out[0, ids.shape[1]:].tolist()
        eos = model.generation_config.eos_token_id
        if answer and answer[-1] in (eos if isinstance(eos, list) else [eos]):
            answer = answer[:-1]
        answers.append(tokenizer.decode(answer))
    return answers


def main():
    anvil, data = sys.argv[1:3]
    smollm2 = os.path.join(data, "hf/smollm2")
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        tiny_smollm2(f"{d}/hf", smollm2)
        print(run(anvil, "import-hf", f"{d}/hf", f"{d}/imported").strip())
        alpaca_slice(data, f"{d}/train.jsonl")
        common = [f"model.init_from={d}/imported", "task.type=sft", "sft.format=chat", "run.device=cpu",
                  "run.threads=2", f"data.train={d}/train.jsonl", "data.val_fraction=0.1", "data.overlong=truncate",
                  "lora.rank=4", "train.batch_size=4", "train.max_steps=6", "schedule.warmup_steps=2", "train.log_every=3", "eval.every=6",
                  "checkpoint.every=6", "optim.lr=1e-3", f"run.dir={d}/run"]
        config = f"{d}/imported/config.yaml"
        run(anvil, "train", config, *common)
        run(anvil, "merge-lora", config, f"{d}/merged", *common)
        print(run(anvil, "export-hf", f"{d}/merged", f"{d}/exported").strip())

        reference = AutoTokenizer.from_pretrained(smollm2)
        exported = AutoTokenizer.from_pretrained(f"{d}/exported")
        sample = "Hello world!\n  <|im_start|>user 123 ünïcödé 日本語 🙂"
        same_ids = reference(sample).input_ids == exported(sample).input_ids
        same_template = reference.chat_template == exported.chat_template
        print(f"exported tokenizer: same ids {same_ids}, same chat template {same_template}")
        failures += (not same_ids) + (not same_template)

        # The answers must tell a model apart: varied tokens, and weights the LoRA run changed.
        base = AutoModelForCausalLM.from_pretrained(f"{d}/hf").state_dict()
        tuned = AutoModelForCausalLM.from_pretrained(f"{d}/exported").state_dict()
        changed = max((tuned[k] - base[k]).abs().max().item() for k in base)
        print(f"largest weight change from the LoRA run: {changed:.2e}")
        failures += not changed > 1e-4
        expected = hf_answers(f"{d}/exported")
        distinct = len({w for a in expected for w in a.split()})
        print(f"distinct words in transformers' answers: {distinct}")
        failures += not distinct >= 6
        for prompt, want in zip(PROMPTS, expected):
            got = run(anvil, "generate", config, *common, "--chat", f"generate.prompt={prompt}",
                      "generate.temperature=0", f"generate.max_new_tokens={NEW_TOKENS}")
            got = got[:-1] if got.endswith("\n") else got
            ok = got == want
            failures += not ok
            print(f"{'same' if ok else 'DIFFERENT'}: {prompt!r}: transformers {want!r}, anvil {got!r}")
    checks = 4 + len(PROMPTS)
    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

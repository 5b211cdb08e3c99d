"""Parity with Hugging Face transformers, through the anvil binary.

For a randomly initialised GPT-2 and a Llama with grouped-query attention,
saved by transformers: anvil's logits after `anvil import-hf` match
transformers' logits, and the model `anvil export-hf` writes loads in
transformers and gives the same logits again. Then `anvil eval` with a
sliding window gives the perplexity of the Hugging Face perplexity recipe.

    python hf_parity_test.py ANVIL DUMP_LOGITS
"""
import json
import math
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

TOLERANCE = 1e-4


def anvil_logits(dump_logits, model_dir, tokens, out):
    ids = [str(t) for t in tokens.flatten().tolist()]
    subprocess.run([dump_logits, model_dir, out, str(tokens.shape[0])] + ids, check=True)
    return load_file(out)["logits"]


def check(name, hf_model, anvil, dump_logits):
    torch.manual_seed(0)
    tokens = torch.randint(hf_model.config.vocab_size, (2, 24))
    with torch.no_grad():
        expected = hf_model(tokens).logits
    with tempfile.TemporaryDirectory() as d:
        hf_model.save_pretrained(f"{d}/hf", safe_serialization=True)
        subprocess.run([anvil, "import-hf", f"{d}/hf", f"{d}/anvil"], check=True)
        ours = anvil_logits(dump_logits, f"{d}/anvil", tokens, f"{d}/logits.safetensors")
        import_error = (ours - expected).abs().max().item()

        subprocess.run([anvil, "export-hf", f"{d}/anvil", f"{d}/exported"], check=True)
        exported = AutoModelForCausalLM.from_pretrained(f"{d}/exported").eval()
        with torch.no_grad():
            export_error = (exported(tokens).logits - expected).abs().max().item()
    print(f"{name}: import max |logit diff| {import_error:.2e}, export {export_error:.2e}")
    assert import_error < TOLERANCE, f"{name}: imported logits differ by {import_error}"
    assert export_error < TOLERANCE, f"{name}: exported logits differ by {export_error}"


TEXT = """First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?
""" * 6


def hf_sliding_perplexity(model, ids, max_length, stride):
    """The Hugging Face perplexity recipe (docs: "Perplexity of fixed-length models")."""
    seq_len = ids.size(1)
    nll_sum, n_tokens, prev_end_loc = 0.0, 0, 0
    for begin_loc in range(0, seq_len, stride):
        end_loc = min(begin_loc + max_length, seq_len)
        trg_len = end_loc - prev_end_loc
        input_ids = ids[:, begin_loc:end_loc]
        target_ids = input_ids.clone()
        target_ids[:, :-trg_len] = -100
        with torch.no_grad():
            loss = model(input_ids, labels=target_ids).loss
        num_loss_tokens = (target_ids != -100).sum().item() - target_ids.size(0)
        nll_sum += loss.item() * num_loss_tokens
        n_tokens += num_loss_tokens
        prev_end_loc = end_loc
        if end_loc == seq_len:
            break
    return math.exp(nll_sum / n_tokens)


def check_sliding_perplexity(anvil):
    vocab = sorted(set(TEXT))  # anvil's character vocabulary: sorted code points
    torch.manual_seed(1)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(vocab), n_positions=64, n_embd=48, n_layer=2, n_head=4)).eval()
    ids = torch.tensor([[vocab.index(c) for c in TEXT]])
    expected = hf_sliding_perplexity(model, ids, max_length=64, stride=24)
    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(f"{d}/hf", safe_serialization=True)
        subprocess.run([anvil, "import-hf", f"{d}/hf", f"{d}/ckpt"], check=True)
        # Complete the directory into a checkpoint: the tokenizer and the marker.
        with open(f"{d}/ckpt/tokenizer.chars.json", "w") as f:
            json.dump({"type": "char", "vocab": vocab}, f)
        open(f"{d}/ckpt/COMPLETE", "w").close()
        with open(f"{d}/text.txt", "w") as f:
            f.write(TEXT)
        out = subprocess.run([anvil, "eval", f"{d}/ckpt/config.yaml", f"checkpoint={d}/ckpt", "--json",
                              f"data.train={d}/text.txt", f"data.val={d}/text.txt", "eval.max_length=64",
                              "eval.stride=24"], check=True, capture_output=True, text=True).stdout
        ours = json.loads(out)["val_ppl"]
    error = abs(ours - expected) / expected
    print(f"sliding-window perplexity: anvil {ours:.6f}, Hugging Face recipe {expected:.6f}, relative {error:.2e}")
    assert error < 1e-3, f"sliding-window perplexity differs by {error:.2%}"


def main():
    anvil, dump_logits = sys.argv[1:3]
    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=101, n_positions=64, n_embd=48, n_layer=2, n_head=4)).eval()
    check("gpt2", gpt2, anvil, dump_logits)
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=103, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                         num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=64,
                                         rope_theta=50000.0, tie_word_embeddings=False)).eval()
    check("llama (GQA 8/2)", llama, anvil, dump_logits)
    check_sliding_perplexity(anvil)
    print("3 passed, 0 failed")


if __name__ == "__main__":
    main()

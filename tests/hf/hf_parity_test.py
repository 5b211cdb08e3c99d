"""Parity with Hugging Face transformers, through the anvil binary.

For a randomly initialised GPT-2 and a Llama with grouped-query attention,
saved by transformers: anvil's logits after `anvil import-hf` match
transformers' logits, and the model `anvil export-hf` writes loads in
transformers and gives the same logits again.

    python hf_parity_test.py ANVIL DUMP_LOGITS
"""
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


def main():
    anvil, dump_logits = sys.argv[1:3]
    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=101, n_positions=64, n_embd=48, n_layer=2, n_head=4)).eval()
    check("gpt2", gpt2, anvil, dump_logits)
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=103, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                         num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=64,
                                         rope_theta=10000.0, tie_word_embeddings=False)).eval()
    check("llama (GQA 8/2)", llama, anvil, dump_logits)
    print("2 passed, 0 failed")


if __name__ == "__main__":
    main()

"""Loading a Hugging Face model: anvil against transformers, in time and peak memory.

Makes a model of the given shape (default: Llama 3.2 1B's), randomly
initialised by transformers and saved in bf16 -- or reads one already made --
then runs, each as its own process timed by /usr/bin/time -v:

  - `anvil generate MODEL_DIR` for one greedy token, with run.precision bf16
    (weights held in bf16) and fp32 (weights converted to fp32);
  - `anvil import-hf MODEL_DIR OUT` (the checkpoint's dtype is kept);
  - transformers' from_pretrained(dtype=bfloat16) and one forward pass.

and prints each one's wall time and peak RSS against the checkpoint's size.

    python load_bench.py ANVIL [--model DIR] [--runs 3]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

LLAMA_3_2_1B = dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                    num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=131072,
                    rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=128000, eos_token_id=128001,
                    rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                                     "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 8192})

TRANSFORMERS_LOAD = """
import sys, torch, transformers
model = transformers.AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.bfloat16)
with torch.no_grad():
    model(torch.tensor([[128000, 9906]]))
"""


def make_model(out, tokenizer_dir):
    import torch
    import transformers
    torch.manual_seed(0)
    config = transformers.LlamaConfig(**LLAMA_3_2_1B)
    with torch.device("meta"):
        model = transformers.LlamaForCausalLM(config)
    model = model.to_empty(device="cpu").to(torch.bfloat16)
    model.tie_weights()  # to_empty gave the head storage of its own
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)
    model.save_pretrained(out)
    if tokenizer_dir:
        for name in ("tokenizer.model",):
            if os.path.exists(os.path.join(tokenizer_dir, name)):
                subprocess.run(["cp", os.path.join(tokenizer_dir, name), out], check=True)


def checkpoint_bytes(model_dir):
    return sum(os.path.getsize(os.path.join(model_dir, f)) for f in os.listdir(model_dir) if f.endswith(".safetensors"))


def timed(command):
    done = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} ... exited {done.returncode}:\n{done.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) * 1024
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("anvil")
    parser.add_argument("--model", help="a model directory to read instead of making one")
    parser.add_argument("--tokenizer", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/hf/llama3"),
                        help="a directory with a tokenizer.model for the made model")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        model_dir = args.model or f"{d}/model"
        if not args.model:
            make_model(model_dir, args.tokenizer)
        size = checkpoint_bytes(model_dir)
        print(f"checkpoint: {model_dir}, {size / 2**30:.2f} GiB of safetensors")
        commands = {
            "anvil generate, bf16 weights": [args.anvil, "generate", model_dir, "run.precision=bf16",
                                             "generate.prompt=Hello", "generate.max_new_tokens=1",
                                             "generate.temperature=0", "model.block_size=2048"],
            "anvil generate, fp32 weights": [args.anvil, "generate", model_dir, "run.precision=fp32",
                                             "generate.prompt=Hello", "generate.max_new_tokens=1",
                                             "generate.temperature=0", "model.block_size=2048"],
            "anvil import-hf": [args.anvil, "import-hf", model_dir, f"{d}/imported"],
            "transformers from_pretrained, bf16": [sys.executable, "-c", TRANSFORMERS_LOAD, model_dir],
        }
        for name, command in commands.items():
            runs = []
            for _ in range(args.runs):
                shutil.rmtree(f"{d}/imported", ignore_errors=True)
                runs.append(timed(command))
            wall = sorted(r[0] for r in runs)[len(runs) // 2]
            rss = sorted(r[1] for r in runs)[len(runs) // 2]
            print(f"{name:38s} median of {args.runs}: {wall:6.2f} s, peak RSS {rss / 2**30:5.2f} GiB "
                  f"= {rss / size:.2f}x the checkpoint")


if __name__ == "__main__":
    main()

"""`anvil train` with task.type dpo, end to end, on real HH-RLHF pairs.

A tiny SmolLM2-shaped Llama made by transformers with the real SmolLM2
tokenizer -> `anvil import-hf` -> DPO on the first PAIRS pairs of the HH-RLHF
file (dialogue form, .jsonl.gz read directly), with each reference:

  - at the first step the policy is its reference, so the logged loss is ln 2
    and every reward is 0;
  - a frozen copy and a precomputed table give the same run (the reference is
    model.init_from either way); so do LoRA with the adapters switched off and
    LoRA with a frozen copy;
  - grad_accum 2 x batch 2 is batch 4;
  - 2 ranks train as 1 with the same global batch;
  - precomputed writes reference_logps.safetensors once: a resumed run reads
    it back and goes on as an uninterrupted one;
  - TRL's metric names in metrics.jsonl, training and held-out (eval_...);
  - TensorBoard (EventAccumulator) shows the rewards under train/rewards/* and
    val/rewards/*, and eval.tasks' ARC-Easy scores under val/arc_easy/*, each
    equal to metrics.jsonl's;
  - `anvil eval` of the run prints the held-out reward accuracy;
  - bad configs are config errors (exit 2) naming the key; a bad record is an
    error (exit 1) naming the file and line.

    python dpo_train_test.py ANVIL DATA_DIR
"""
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hf"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402
from anvil_cli import Checks, run  # noqa: E402

PAIRS = 48
STEPS = 6
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]
METRICS = ["rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected"]
check = Checks()


def tiny_model(out, smollm2):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         rope_theta=100000.0, tie_word_embeddings=True, initializer_range=0.3,
                         bos_token_id=1, eos_token_id=2)
    LlamaForCausalLM(config).save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(smollm2, name), out)


def dialogue_messages(dialogue):
    """HH-RLHF's "\n\nHuman: ...\n\nAssistant: ..." as a list of {role, content}."""
    messages = []
    for turn in dialogue.split("\n\n")[1:]:
        role, _, content = turn.partition(": ")
        if role in ("Human", "Assistant"):
            messages.append({"role": "user" if role == "Human" else "assistant", "content": content})
        elif messages:
            messages[-1]["content"] += "\n\n" + turn
    return messages


def records(run_dir):
    with open(f"{run_dir}/metrics.jsonl") as f:
        return [json.loads(line) for line in f]


def train_losses(run_dir):
    return {r["step"]: r["loss"] for r in records(run_dir) if "rewards/chosen" in r}


def tensorboard_scalars(run_dir):
    acc = EventAccumulator(run_dir, size_guidance={"scalars": 0}, purge_orphaned_data=False)
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def scalars_of(run_dir, key):
    """metrics.jsonl's KEY as TensorBoard should show it: [(step, float32 value)]."""
    return [(r["step"], float(np.float32(r[key]))) for r in records(run_dir) if key in r]


def close(a, b, tol):
    return set(a) == set(b) and all(abs(a[k] - b[k]) <= tol for k in a)


def main():
    anvil, data = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as d:
        tiny_model(f"{d}/hf", os.path.join(data, "hf/smollm2"))
        run(anvil, "import-hf", f"{d}/hf", f"{d}/model")
        with gzip.open(os.path.join(data, "preference/hh_rlhf_harmless_base_test.jsonl.gz"), "rt") as f, \
                gzip.open(f"{d}/pairs.jsonl.gz", "wt") as out:
            for line in list(f)[:PAIRS]:
                out.write(line)
        config = f"{d}/model/config.yaml"
        base = [f"model.init_from={d}/model", "task.type=dpo", "dpo.format=dialogue", "run.device=cpu",
                "run.threads=1", f"data.train={d}/pairs.jsonl.gz", "data.val_fraction=0.25", "data.overlong=truncate",
                "model.block_size=256", "train.batch_size=4", f"train.max_steps={STEPS}", "schedule.warmup_steps=1",
                f"schedule.decay_steps={STEPS}",
                "train.log_every=1", f"eval.every={STEPS}", f"checkpoint.every={STEPS}", "optim.lr=3e-3"]

        def train(name, *extra):
            out = run(anvil, "train", config, *base, f"run.dir={d}/{name}", *extra)
            return out, f"{d}/{name}"

        os.environ["ANVIL_DATA"] = data  # the built-in benchmarks' files
        out, copy_dir = train("copy", "dpo.reference=copy", "eval.tasks=[arc_easy]", "eval.task_limit=4",
                              "eval.num_fewshot=0")
        first = records(copy_dir)[0]
        check("step 1: the policy is its reference, so the loss is ln 2 and the rewards are 0",
              abs(first["loss"] - math.log(2)) < 1e-6 and abs(first["rewards/chosen"]) < 1e-6
              and abs(first["rewards/margins"]) < 1e-6, json.dumps({k: first[k] for k in ["loss"] + METRICS}))
        check("TRL's metric names at every log line", all(all(m in r for m in METRICS) for r in records(copy_dir)
                                                          if "loss" in r and "val_loss" not in r))
        val = [r for r in records(copy_dir) if "val_loss" in r]
        check("held-out pairs: val_loss and eval_rewards/* at the validation",
              len(val) == 1 and all("eval_" + m in val[0] for m in METRICS), json.dumps(val[:1])[:200])
        shown = tensorboard_scalars(copy_dir)
        expected = {f"train/{m}": scalars_of(copy_dir, m) for m in METRICS}
        expected.update({f"val/{m}": scalars_of(copy_dir, "eval_" + m) for m in METRICS})
        expected.update({f"val/arc_easy/{m}": scalars_of(copy_dir, f"arc_easy/{m}") for m in ("acc", "acc_norm")})
        check("TensorBoard: train/rewards/*, val/rewards/* and val/arc_easy/* equal metrics.jsonl's",
              all(values and shown.get(tag) == values for tag, values in expected.items()),
              json.dumps({tag: [shown.get(tag), values] for tag, values in expected.items()
                          if shown.get(tag) != values or not values})[:600])
        check("the run's data line counts the pairs", "preference pairs from" in out and "for validation" in out,
              [l for l in out.splitlines() if "pairs" in l][:1].__repr__())
        losses = train_losses(copy_dir)
        check("the loss falls from ln 2 as the policy learns", losses[STEPS] < losses[1], json.dumps(losses))

        _, accum_dir = train("accum", "dpo.reference=copy", "train.batch_size=2", "train.grad_accum=2")
        check("grad_accum 2 x batch 2 trains as batch 4 (the loss is a mean over the step's pairs)",
              close(train_losses(accum_dir), losses, 1e-5), f"{train_losses(accum_dir)}")

        # Data parallel: train.batch_size is the global batch, 2 pairs a rank; precomputed on both ranks.
        for reference in ("copy", "precomputed"):
            run(anvil, "train", "--nproc", "2", config, *base, f"run.dir={d}/ranks_{reference}",
                f"dpo.reference={reference}")
        check("2 ranks train as 1 with the same global batch (copy and precomputed references, within 1e-5)",
              close(train_losses(f"{d}/ranks_copy"), losses, 1e-5)
              and close(train_losses(f"{d}/ranks_precomputed"), losses, 1e-4),
              f"{train_losses(f'{d}/ranks_copy')}")

        out, pre_dir = train("pre", "dpo.reference=precomputed")
        check("precomputed writes the reference table once, before training",
              "reference log-probabilities of" in out and os.path.exists(f"{pre_dir}/reference_logps.safetensors"))
        check("a precomputed reference trains as a frozen copy does (same losses within 1e-4)",
              close(train_losses(pre_dir), losses, 1e-4), f"{train_losses(pre_dir)} vs {losses}")

        # Resumed: half the steps, then the rest; the table is read back, not recomputed.
        run(anvil, "train", config, *base, f"run.dir={d}/pre2", "dpo.reference=precomputed",
            f"train.max_steps={STEPS // 2}", f"checkpoint.every={STEPS // 2}", f"eval.every={STEPS // 2}")
        out = run(anvil, "train", config, *base, f"run.dir={d}/pre2", "dpo.reference=precomputed")
        resumed = train_losses(f"{d}/pre2")
        check("resumed with precomputed: the table is read back, and the run goes on as an uninterrupted one",
              "reference log-probabilities of" not in out and close(resumed, train_losses(pre_dir), 1e-5),
              f"{resumed}")

        lora = ["lora.rank=4", "lora.alpha=8", "lora.dropout=0", "lora.targets=[attn.qkv, attn.proj, mlp.proj]"]
        _, off_dir = train("lora_off", *lora)  # auto: adapters_off with LoRA
        _, lcopy_dir = train("lora_copy", *lora, "dpo.reference=copy")
        off = train_losses(off_dir)
        check("LoRA: adapters switched off give the reference a frozen copy gives (same losses within 1e-4)",
              close(off, train_losses(lcopy_dir), 1e-4) and abs(off[1] - math.log(2)) < 1e-6, f"{off}")

        # The same pairs as chat messages, rendered with SmolLM2's template; the shared turns carry no loss.
        with gzip.open(f"{d}/pairs.jsonl.gz", "rt") as f, open(f"{d}/messages.jsonl", "w") as out:
            for line in f:
                pair = json.loads(line)
                out.write(json.dumps({side: dialogue_messages(pair[side]) for side in ("chosen", "rejected")}) + "\n")
        _, messages_dir = train("messages", "dpo.format=messages", f"data.train={d}/messages.jsonl", "dpo.reference=copy")
        first = records(messages_dir)[0]
        check("messages rendered with the chat template: the first loss is ln 2 and the run finishes",
              abs(first["loss"] - math.log(2)) < 1e-6 and STEPS in train_losses(messages_dir), json.dumps(first)[:160])

        out = run(anvil, "eval", config, *base, f"run.dir={d}/copy", "dpo.reference=copy")
        check("anvil eval of a DPO run prints the held-out loss and reward accuracy",
              "reward accuracy" in out and f"{val[0]['val_loss']:.4f}" in out, out.strip()[-200:])

        for name, extra, expected in [
            ("dpo without model.init_from", ["model.init_from="], "model.init_from"),
            ("adapters_off without LoRA", ["dpo.reference=adapters_off"], "lora.rank"),
            ("a loss that does not exist", ["dpo.loss=kto"], "dpo.loss"),
        ]:
            done = subprocess.run([anvil, "train", config, *base, f"run.dir={d}/bad", *extra], capture_output=True,
                                  text=True)
            check(f"{name}: exit 2 (a config error) naming {expected}", done.returncode == 2 and expected in done.stderr,
                  done.stderr.strip()[-200:])
        with open(f"{d}/broken.jsonl", "w") as f:
            f.write(json.dumps({"chosen": "\n\nHuman: hi\n\nAssistant: yes", "rejected": "\n\nHuman: hi\n\nAssistant: no"}) + "\n")
            f.write(json.dumps({"chosen": "no marker here", "rejected": "\n\nHuman: hi\n\nAssistant: no"}) + "\n")
        done = subprocess.run([anvil, "train", config, *base, f"run.dir={d}/bad", f"data.train={d}/broken.jsonl"],
                              capture_output=True, text=True)
        check("a dialogue without the response marker: exit 1 naming the file and line",
              done.returncode == 1 and f"{d}/broken.jsonl:2: 'chosen' has no response marker" in done.stderr,
              done.stderr.strip()[-200:])
    check.report()


if __name__ == "__main__":
    main()

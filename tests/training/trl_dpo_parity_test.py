"""anvil's preference losses against TRL's own trainers, number for number and gradient for gradient.

A tiny random Llama is made by transformers (the reference, seed 0) and a
policy near it (reference + noise, so the log-ratios are not zero); both are
saved as Hugging Face directories. For one batch of five token-id pairs of
different prompt and completion lengths (EOS appended to every completion,
as TRL appends it), TRL 1.16's DPOTrainer (its collator, compute_loss and
backward) gives the loss, the six metrics it logs and every gradient, for
sigmoid, IPO and hinge against a frozen reference, sigmoid + SFT
(loss_type ["sigmoid", "sft"], weights [1, 1]), and sigmoid, IPO and hinge
with LoRA adapters (o_proj and down_proj, r 4, alpha 8) whose reference is
the model with its adapters switched off (peft_config, ref_model=None);
TRL's CPOTrainer (loss_type simpo, cpo_alpha 0) gives SimPO's. The
preference_numbers helper computes the same with anvil's code
(training/preference_loss). Every number and every gradient element must
agree within 1e-5 + 2e-6 * |TRL|. A deliberately wrong beta must make the
comparison fail, so that the test shows it can see a difference.

    python trl_dpo_parity_test.py PREFERENCE_NUMBERS
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("ACCELERATE_USE_CPU", "true")
os.environ.setdefault("WANDB_DISABLED", "true")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hf"))

import torch
from safetensors.torch import load_file, save_file

from anvil_cli import report

torch.set_num_threads(1)

VOCAB, PAD, BOS, EOS = 96, 0, 2, 1
# (prompt, chosen, rejected) without the EOS; lengths differ within and across pairs.
PAIRS = [
    ([5, 9, 17, 33], [40, 41, 7], [12, 50]),
    ([8, 3], [22, 23, 24, 25, 26], [60, 61, 62]),
    ([11, 44, 13, 2, 19, 27, 70], [30], [31, 32, 34, 35]),
    ([57], [4, 6, 10, 14], [15, 16, 18, 20, 21, 28, 90]),
    ([81, 82, 83], [84, 85], [84, 86]),
]
EXAMPLES = [{"prompt_ids": p, "chosen_ids": c + [EOS], "rejected_ids": r + [EOS]} for p, c, r in PAIRS]
METRICS = ["rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
           "logps/rejected"]
ABS_TOL, REL_TOL = 1e-5, 2e-6
LORA_R, LORA_ALPHA = 4, 8
# PEFT's adapted module -> anvil's layer name.
LORA_LAYERS = {"self_attn.o_proj": "attn.proj", "mlp.down_proj": "mlp.proj"}


def make_models(root):
    """The reference (seed 0) and the policy (reference + 0.05 N(0, 1)) as Hugging Face directories."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         tie_word_embeddings=False, rms_norm_eps=1e-6, rope_theta=10000.0, attention_dropout=0.0,
                         pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, initializer_range=0.2)
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).float()
    model.save_pretrained(os.path.join(root, "reference"), safe_serialization=True)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.add_(0.05 * torch.randn(p.shape, generator=generator))
    model.save_pretrained(os.path.join(root, "policy"), safe_serialization=True)
    return os.path.join(root, "reference"), os.path.join(root, "policy")


def load(directory):
    from transformers import LlamaForCausalLM

    return LlamaForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")


def make_tokenizer():
    """A word-level tokenizer over the ids (TRL wants a processing class; the batch is token ids already)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(vocab={f"t{i}": i for i in range(VOCAB)}, unk_token="t3"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token=f"t{PAD}", eos_token=f"t{EOS}",
                                   bos_token=f"t{BOS}", unk_token="t3")


def dummy_dataset():
    from datasets import Dataset

    return Dataset.from_dict({"prompt": ["t5 t6"], "chosen": [" t7"], "rejected": [" t8"]})


def trainer_args(root, **kw):
    return dict(output_dir=os.path.join(root, "trainer"), report_to="none", use_cpu=True, bf16=False, fp16=False,
                gradient_checkpointing=False, logging_steps=1, save_strategy="no",
                per_device_train_batch_size=len(EXAMPLES), disable_dropout=True, seed=0, **kw)


def trainable_grads(model):
    return {n: (p.grad if p.grad is not None else torch.zeros_like(p)).detach().clone()
            for n, p in model.named_parameters() if p.requires_grad}


def anvil_lora_name(peft_name):
    """base_model.model.model.layers.0.self_attn.o_proj.lora_A.default.weight -> blocks.0.attn.proj.lora_a."""
    rest = peft_name.split("model.layers.", 1)[1]
    layer, rest = rest.split(".", 1)
    for peft_layer, anvil_layer in LORA_LAYERS.items():
        if rest.startswith(peft_layer + ".lora_"):
            side = rest[len(peft_layer) + len(".lora_")]
            return f"blocks.{layer}.{anvil_layer}.lora_{side.lower()}"
    raise KeyError(peft_name)


def trl_dpo(root, tokenizer, policy_dir, reference_dir, loss_type, loss_weights=None, beta=0.1, adapters=None):
    """TRL's loss, logged metrics and gradients for one batch: frozen reference, or LoRA with adapters off."""
    from trl import DPOConfig, DPOTrainer

    args = DPOConfig(**trainer_args(root, beta=beta, loss_type=loss_type, loss_weights=loss_weights,
                                    max_length=None))
    if adapters is None:
        trainer = DPOTrainer(model=load(policy_dir), ref_model=load(reference_dir).eval(), args=args,
                             train_dataset=dummy_dataset(), processing_class=tokenizer)
    else:
        from peft import LoraConfig

        peft_config = LoraConfig(r=LORA_R, lora_alpha=LORA_ALPHA, target_modules=["o_proj", "down_proj"],
                                 lora_dropout=0.0, bias="none", task_type="CAUSAL_LM")
        trainer = DPOTrainer(model=load(policy_dir), ref_model=None, args=args, train_dataset=dummy_dataset(),
                             processing_class=tokenizer, peft_config=peft_config)
        with torch.no_grad():  # nonzero adapters, set after TRL wrapped the model
            named = dict(trainer.model.named_parameters())
            trainable = [n for n, p in named.items() if p.requires_grad]
            assert sorted(anvil_lora_name(n) for n in trainable) == sorted(adapters), trainable
            for n in trainable:
                named[n].copy_(adapters[anvil_lora_name(n)])
    batch = trainer.data_collator(EXAMPLES)
    trainer.model.train()
    trainer.model.zero_grad(set_to_none=True)
    loss = trainer.compute_loss(trainer.model, batch)
    loss.backward()
    metrics = {k: float(v[-1]) for k, v in trainer._metrics["train"].items()}
    grads = trainable_grads(trainer.model)
    if adapters is not None:
        grads = {anvil_lora_name(n): g for n, g in grads.items()}
    return float(loss), {k: metrics[k] for k in METRICS}, grads


def trl_simpo(root, tokenizer, policy_dir, beta, gamma):
    """TRL's CPOTrainer with loss_type simpo and cpo_alpha 0 (SimPO), on a batch from its own collator."""
    from trl.experimental.cpo import CPOConfig, CPOTrainer

    args = CPOConfig(**trainer_args(root, beta=beta, loss_type="simpo", simpo_gamma=gamma, cpo_alpha=0.0,
                                    max_length=1024, label_smoothing=0.0,
                                    remove_unused_columns=False))
    trainer = CPOTrainer(model=load(policy_dir), args=args, train_dataset=dummy_dataset(), processing_class=tokenizer)
    rows = []
    for ex in EXAMPLES:  # CPOTrainer.tokenize_row's layout, with the ids as given (EOS already there)
        prompt = ex["prompt_ids"]
        row = {"prompt_input_ids": prompt, "prompt_attention_mask": [1] * len(prompt)}
        for side in ("chosen", "rejected"):
            ids = prompt + ex[f"{side}_ids"]
            row[f"{side}_input_ids"] = ids
            row[f"{side}_attention_mask"] = [1] * len(ids)
            row[f"{side}_labels"] = [-100] * len(prompt) + ex[f"{side}_ids"]
        rows.append(row)
    batch = trainer.data_collator(rows)
    trainer.model.train()
    trainer.model.zero_grad(set_to_none=True)
    loss, metrics = trainer.get_batch_loss_metrics(trainer.model, batch)
    loss.backward()
    return float(loss), {k: float(metrics[k]) for k in METRICS}, trainable_grads(trainer.model)


def anvil_numbers(binary, root, name, policy_dir, reference, keys, lora):
    """preference_numbers' loss, metrics and gradients (HF names, or anvil's adapter names with LoRA)."""
    out = os.path.join(root, "anvil", name)
    os.makedirs(out)
    args = [binary, policy_dir, reference, os.path.join(root, "pairs.json"), out] + keys
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    with open(os.path.join(out, "numbers.json")) as f:
        numbers = json.load(f)
    grads = load_file(os.path.join(out, "grads.safetensors") if lora else os.path.join(out, "hf", "model.safetensors"))
    return numbers, grads


def within(a, t):
    return abs(a - t) <= ABS_TOL + REL_TOL * abs(t)


def compare_numbers(trl, anvil):
    """(problems, worst abs, worst rel, most of the tolerance used) over the loss, the pair count and the metrics."""
    loss, metrics, _ = trl
    expect = {"loss": loss, **metrics}
    problems, worst_abs, worst_rel, used = [], 0.0, 0.0, 0.0
    if anvil.get("pairs") != len(EXAMPLES):
        problems.append(f"pairs {anvil.get('pairs')} != {len(EXAMPLES)}")
    for k, t in expect.items():
        if k not in anvil:
            problems.append(f"{k} missing")
            continue
        a = float(anvil[k])
        d = abs(a - t)
        worst_abs, worst_rel = max(worst_abs, d), max(worst_rel, d / abs(t) if t else (0.0 if d == 0 else float("inf")))
        used = max(used, d / (ABS_TOL + REL_TOL * abs(t)))
        if not within(a, t):
            problems.append(f"{k} anvil {a:.9g} TRL {t:.9g} (|d| {d:.3g})")
    return problems, worst_abs, worst_rel, used


def compare_grads(trl_grads, anvil_grads):
    """(problems, worst abs, worst rel, where, most of the tolerance used) over every gradient element."""
    problems = []
    missing, extra = sorted(set(trl_grads) - set(anvil_grads)), sorted(set(anvil_grads) - set(trl_grads))
    if missing:
        problems.append(f"anvil lacks {missing}")
    if extra:
        problems.append(f"anvil has extra {extra}")
    worst_abs, worst_rel, where, used = 0.0, 0.0, "-", 0.0
    for name in sorted(set(trl_grads) & set(anvil_grads)):
        t, a = trl_grads[name].double(), anvil_grads[name].double()
        if t.shape != a.shape:
            problems.append(f"{name} shape {list(a.shape)} != {list(t.shape)}")
            continue
        d = (a - t).abs()
        tolerance = ABS_TOL + REL_TOL * t.abs()
        excess = d - tolerance
        used = max(used, (d / tolerance).max().item())
        nonzero = t.abs() > 1e-6
        rel = (d[nonzero] / t.abs()[nonzero]).max().item() if nonzero.any() else 0.0
        if d.max().item() > worst_abs:
            worst_abs, where = d.max().item(), name
        worst_rel = max(worst_rel, rel)
        if (excess > 0).any():
            i = int(excess.flatten().argmax())
            problems.append(f"{name}: {int((excess > 0).sum())}/{t.numel()} elements off, worst [{i}] anvil "
                            f"{a.flatten()[i].item():.9g} TRL {t.flatten()[i].item():.9g}")
    return problems, worst_abs, worst_rel, where, used


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: trl_dpo_parity_test.py PREFERENCE_NUMBERS")
    binary = os.path.abspath(sys.argv[1])
    start = time.time()
    failures, checks = [], 0

    def check(name, problems, detail):
        nonlocal checks
        checks += 1
        if problems:
            failures.append(f"{name}: {'; '.join(problems)}")
            print(f"FAIL: {name}: {detail}; {'; '.join(problems)}")
        else:
            print(f"ok: {name}: {detail}")

    with tempfile.TemporaryDirectory() as root:
        reference_dir, policy_dir = make_models(root)
        with open(os.path.join(root, "pairs.json"), "w") as f:
            json.dump([{"prompt": e["prompt_ids"], "chosen": e["chosen_ids"], "rejected": e["rejected_ids"]}
                       for e in EXAMPLES], f)
        generator = torch.Generator().manual_seed(2)
        adapters = {}
        for i in range(2):  # [r, in] and [out, r]: o_proj 32 -> 32, down_proj 64 -> 32
            for layer, features in (("attn.proj", 32), ("mlp.proj", 64)):
                adapters[f"blocks.{i}.{layer}.lora_a"] = 0.3 * torch.randn(LORA_R, features, generator=generator)
                adapters[f"blocks.{i}.{layer}.lora_b"] = 0.3 * torch.randn(32, LORA_R, generator=generator)
        adapter_file = os.path.join(root, "adapters.safetensors")
        save_file(adapters, adapter_file)
        lora_keys = [f"lora_rank={LORA_R}", f"lora_alpha={LORA_ALPHA}", "lora_targets=attn.proj,mlp.proj",
                     f"lora_weights={adapter_file}"]
        tokenizer = make_tokenizer()

        cases = [  # name, TRL's numbers, preference_numbers' policy, reference and keys, LoRA
            ("sigmoid beta 0.1, frozen reference", lambda: trl_dpo(root, tokenizer, policy_dir, reference_dir,
                                                                   ["sigmoid"]),
             policy_dir, reference_dir, ["loss=sigmoid", "beta=0.1"], False),
            ("ipo beta 0.1, frozen reference", lambda: trl_dpo(root, tokenizer, policy_dir, reference_dir, ["ipo"]),
             policy_dir, reference_dir, ["loss=ipo", "beta=0.1"], False),
            ("hinge beta 0.1, frozen reference", lambda: trl_dpo(root, tokenizer, policy_dir, reference_dir,
                                                                 ["hinge"]),
             policy_dir, reference_dir, ["loss=hinge", "beta=0.1"], False),
            ("sigmoid + sft weights [1, 1], frozen reference",
             lambda: trl_dpo(root, tokenizer, policy_dir, reference_dir, ["sigmoid", "sft"], loss_weights=[1.0, 1.0]),
             policy_dir, reference_dir, ["loss=sigmoid", "beta=0.1", "sft_weight=1"], False),
            ("sigmoid beta 0.1, LoRA, adapters off as reference",
             lambda: trl_dpo(root, tokenizer, reference_dir, None, ["sigmoid"], adapters=adapters),
             reference_dir, "adapters_off", ["loss=sigmoid", "beta=0.1"] + lora_keys, True),
            ("ipo beta 0.1, LoRA, adapters off as reference",
             lambda: trl_dpo(root, tokenizer, reference_dir, None, ["ipo"], adapters=adapters),
             reference_dir, "adapters_off", ["loss=ipo", "beta=0.1"] + lora_keys, True),
            ("hinge beta 0.1, LoRA, adapters off as reference",
             lambda: trl_dpo(root, tokenizer, reference_dir, None, ["hinge"], adapters=adapters),
             reference_dir, "adapters_off", ["loss=hinge", "beta=0.1"] + lora_keys, True),
            ("simpo beta 2.0 gamma 0.5 (CPOTrainer, cpo_alpha 0)",
             lambda: trl_simpo(root, tokenizer, policy_dir, 2.0, 0.5),
             policy_dir, reference_dir, ["loss=simpo", "beta=2.0", "simpo_gamma=0.5"], False),
        ]
        first_trl = None
        for i, (name, trl_fn, policy, reference, keys, lora) in enumerate(cases):
            trl = trl_fn()
            first_trl = first_trl or trl
            try:
                numbers, grads = anvil_numbers(binary, root, f"case{i}", policy, reference, keys, lora)
            except RuntimeError as e:
                check(f"{name}: numbers", [str(e)], "preference_numbers failed")
                check(f"{name}: gradients", ["preference_numbers failed"], "-")
                continue
            problems, worst_abs, worst_rel, used = compare_numbers(trl, numbers)
            check(f"{name}: loss {trl[0]:.6g} and metrics", problems,
                  f"worst |d| {worst_abs:.2g}, worst |d|/|TRL| {worst_rel:.2g}, |d|/tolerance {used:.2g}")
            problems, worst_abs, worst_rel, where, used = compare_grads(trl[2], grads)
            check(f"{name}: {len(trl[2])} gradients, {sum(g.numel() for g in trl[2].values())} elements", problems,
                  f"worst |d| {worst_abs:.2g} ({where}), worst |d|/|TRL| {worst_rel:.2g} (|TRL| > 1e-6), "
                  f"|d|/tolerance {used:.2g}")

        # The comparison must see a difference: beta 0.12 against TRL's sigmoid at beta 0.1.
        try:
            numbers, grads = anvil_numbers(binary, root, "wrong_beta", policy_dir, reference_dir,
                                           ["loss=sigmoid", "beta=0.12"], False)
            seen = compare_numbers(first_trl, numbers)[0]
            seen_grads = compare_grads(first_trl[2], grads)[0]
            check("a wrong beta (0.12 for 0.1) is caught", [] if seen and seen_grads else
                  ["the comparison saw no difference"], f"{len(seen)} numbers and {len(seen_grads)} gradients differ")
        except RuntimeError as e:
            check("a wrong beta (0.12 for 0.1) is caught", [str(e)], "preference_numbers failed")
    print(f"({time.time() - start:.1f} s)")
    report(failures, checks)


if __name__ == "__main__":
    main()

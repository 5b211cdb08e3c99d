"""`anvil eval --tasks` scores as lm-evaluation-harness scores, request for request.

A small Llama-style model made by the binary from nothing: a sentencepiece BPE
tokenizer trained on WikiText-2 valid (`anvil tokenizer train`), token shards
(`anvil prepare`), a few dozen steps of `anvil train`, and `anvil export-hf` of
its checkpoint. Then arc_easy, piqa and lambada_openai on the first LIMIT
documents of each, by `anvil eval CHECKPOINT --tasks ... --predictions` and by
the harness's own `hf` model on the exported directory (float32, CPU, offline,
the task YAMLs of harness.py), compared. A fourth task, next_word, is the
test's own YAML in both formats: WikiText-2 test lines cut before a frequent
word, which the small model does predict, so that is_greedy is not always false.

  - the requests: the same (context, continuation) pairs for each document;
  - each request's log-likelihood within ATOL (plus the float32 rounding of
    the harness's sum on long continuations, see F32_SUM), and its is_greedy;
  - each document's acc and acc_norm (a flip is only excused on a near tie,
    two choices closer than ATOL, and none is expected);
  - the aggregates the harness reports: acc, acc_norm, their standard errors,
    LAMBADA's perplexity and its bootstrap standard error (relative RTOL).

And with SHOTS few-shot examples drawn from ARC-Easy-Dev (anvil: a copy of the
built-in arc_easy.yaml with fewshot_docs the Dev file; the harness:
fewshot_split validation), the prompts equal text for text, and their scores.

    python harness_parity_test.py ANVIL DATA_DIR
"""
import json
import math
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hf"))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (sets the HF_*_OFFLINE variables before the harness is imported)
from anvil_cli import report, run  # noqa: E402

TASKS = ["arc_easy", "piqa", "lambada_openai"]
NEXT = "next_word"  # the test's own task YAML: WikiText-2 test lines cut before " ,", " the", " ." or " of"
LIMIT = 40
SHOTS = 3
# Per-request log-likelihood: absolute, plus the float32 rounding of the harness's own sum. The harness adds a
# continuation's token log-probabilities in float32 (float(logits.sum())), so a long PIQA solution (-1186 over
# 182 tokens) comes back rounded to float32's spacing there, 1.2e-4, and 1.1e-4 from the float64 forward and sum,
# where anvil's double sum is within 1e-5 of it.
ATOL = 1e-4
F32_SUM = 2.0 ** -22  # relative: float32's epsilon (2^-23) twice over
RTOL = 1e-4  # aggregates, relative
BOOTSTRAP = 1000  # LAMBADA perplexity's stderr draws, the same on both sides
HARNESS_BATCH = 16
BUILTIN_ARC = os.path.join(HERE, "..", "..", "recipes", "benchmarks", "arc_easy.yaml")

# One thread for anvil: the model is tiny, and on a busy machine (ctest -j, a build) LibTorch's OpenMP threads
# spin-wait: two threads took 17 s for the three tasks' evals where one took 2 s.
CONFIG = """\
run: {{dir: {d}/run, device: cpu, threads: 1, seed: 7}}
data:
  shards: {d}/shards
  sources:
    - {{name: valid, path: {data}/wikitext-2/valid.txt, delimiter: blank_line}}
  packing: document_masked
tokenizer:
  type: sentencepiece
  path: {d}/tokenizer.model
  model_type: bpe
  vocab_size: 1500
  character_coverage: 1.0
  byte_fallback: true
  special_tokens: ["<|endoftext|>", "<pad>"]
model: {{n_layer: 2, n_head: 4, n_kv_head: 2, n_embd: 64, block_size: 256, position: rope, norm: rmsnorm,
         mlp: swiglu, tie_embeddings: false}}
optim: {{lr: 3.0e-3}}
schedule: {{warmup_steps: 5}}
train: {{max_steps: {steps}, batch_size: 8, log_every: 10}}
eval: {{every: 0, batches: 2}}
"""
STEPS = 40


def anvil_eval(anvil, checkpoint, tasks, predictions, *flags):
    """anvil's --json results and its predictions by task, then doc_id."""
    out = json.loads(run(anvil, "eval", checkpoint, "--tasks", ",".join(tasks), "--limit", LIMIT, "--json",
                         "--predictions", predictions, "--bootstrap-iters", BOOTSTRAP, "run.threads=1", *flags))
    by_task = {}
    with open(predictions) as f:
        for line in f:
            p = json.loads(line)
            by_task.setdefault(p["task"], {})[p["doc_id"]] = p
    return out["results"], by_task


def near_tie(lls):
    top = sorted(lls, reverse=True)
    return len(top) > 1 and top[0] - top[1] < ATOL


def compare_docs(label, ours, theirs, check):
    """Per-document checks of one task: ours {doc_id: prediction}, theirs [harness sample]."""
    theirs = {s["doc_id"]: s for s in theirs}
    same_ids = sorted(ours) == sorted(theirs) and len(ours) == LIMIT
    argument_diffs = [i for i in theirs if i in ours and
                      (harness.sample_arguments(theirs[i]) != ours[i]["arguments"]
                       or str(theirs[i]["target"]) != str(ours[i]["target"]))]
    check(f"{label}: requests", same_ids and not argument_diffs,
          f"{len(ours)} docs from anvil, {len(theirs)} from the harness, "
          f"{sum(len(p['arguments']) for p in ours.values())} requests, "
          f"{len(argument_diffs)} docs with other (context, continuation) pairs or target"
          + (f" (first: doc {argument_diffs[0]}: anvil {ours[argument_diffs[0]]['arguments'][:1]!r}, harness "
             f"{harness.sample_arguments(theirs[argument_diffs[0]])[:1]!r})" if argument_diffs else ""))
    common = [i for i in sorted(theirs) if i in ours and i not in argument_diffs]
    worst, worst_at, beyond, greedy_diffs = 0.0, None, [], []
    for i in common:
        responses = harness.sample_responses(theirs[i])
        lls = ours[i]["loglikelihoods"]
        if len(lls) != len(responses):
            worst, worst_at = math.inf, i
            continue
        for (ll, greedy), mine, my_greedy in zip(responses, lls, ours[i]["greedy"]):
            if not abs(ll - mine) <= worst:
                worst, worst_at = abs(ll - mine), i
            if not abs(ll - mine) <= ATOL + F32_SUM * abs(ll):
                beyond.append(i)
            if greedy != my_greedy:
                greedy_diffs.append(i)
    check(f"{label}: log-likelihoods", common and worst < math.inf and not beyond,
          f"max |anvil - harness| {worst:.3g} (doc {worst_at}) over {len(common)} docs, "
          f"{len(beyond)} requests beyond {ATOL:g} + {F32_SUM:.3g}·|ll|"
          + (f" (docs {sorted(set(beyond))[:5]})" if beyond else ""))
    greedy = sum(sum(ours[i]["greedy"]) for i in common)
    check(f"{label}: is_greedy", common and not greedy_diffs,
          f"{greedy} requests greedy, {len(greedy_diffs)} differ" + (f" (docs {sorted(set(greedy_diffs))[:5]})" if greedy_diffs else ""))
    metric_diffs, ties = [], []
    for i in common:
        for metric in ("acc", "acc_norm"):
            if metric in theirs[i] and float(theirs[i][metric]) != float(ours[i].get(metric, math.nan)):
                (ties if near_tie(ours[i]["loglikelihoods"]) else metric_diffs).append((i, metric))
    check(f"{label}: per-document acc/acc_norm", common and not metric_diffs,
          f"{len(metric_diffs)} differ, {len(ties)} on near ties" + (f" (first {metric_diffs[:3]})" if metric_diffs else ""))


def write_next_word(d, data):
    """A loglikelihood task of LIMIT documents whose targets the small model does predict (so is_greedy is
    sometimes true): anvil's YAML and the harness's, on the same JSON lines."""
    docs = []
    with open(os.path.join(data, "wikitext-2", "test.txt")) as f:
        for line in f:
            line = line.strip()
            cuts = [k for k in (line.find(w, 40) for w in (" , ", " the ", " . ", " of ")) if k > 0]
            if line and not line.startswith("=") and cuts:
                k = cuts[0]
                docs.append({"context": line[:k], "target": line[k:line.index(" ", k + 1)]})
            if len(docs) == LIMIT:
                break
    with open(f"{d}/next_word.jsonl", "w") as f:
        f.writelines(json.dumps(doc) + "\n" for doc in docs)
    with open(f"{d}/anvil_tasks/{NEXT}.yaml", "w") as f:
        f.write(f"task: {NEXT}\noutput_type: loglikelihood\ndocs: {d}/next_word.jsonl\n"
                'doc_to_text: "{{context}}"\ndoc_to_target: "{{target}}"\nmetric_list: [perplexity, acc]\n')
    with open(f"{d}/harness_tasks/{NEXT}.yaml", "w") as f:
        f.write(f"task: {NEXT}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {d}/next_word.jsonl\n"
                "output_type: loglikelihood\ntest_split: test\n"
                'doc_to_text: "{{context}}"\ndoc_to_target: "{{target}}"\nmetric_list:\n'
                "  - {metric: perplexity, aggregation: perplexity, higher_is_better: false}\n"
                "  - {metric: acc, aggregation: mean, higher_is_better: true}\n")


def compare_aggregates(label, ours, theirs, check):
    """Every numeric metric the harness reports for the task (acc,none, acc_stderr,none, perplexity,none, ...)."""
    compared, diffs = [], []
    for key, want in sorted(theirs.items()):
        if "," not in key or not isinstance(want, (int, float)):
            continue
        got = ours.get(key)
        compared.append(f"{key.split(',')[0]} {want:.6g}")
        if not isinstance(got, (int, float)) or abs(got - want) > RTOL * max(abs(want), 1e-12):
            diffs.append(f"{key}: anvil {got}, harness {want}")
    check(f"{label}: aggregates", compared and not diffs, "; ".join(diffs) if diffs else ", ".join(compared))


def main():
    anvil, data = sys.argv[1:3]
    os.environ["ANVIL_DATA"] = data  # the built-in tasks read ${ANVIL_DATA}/evals
    failures, checks = [], 0

    def check(label, ok, detail):
        nonlocal checks
        checks += 1
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {detail}", flush=True)
        if not ok:
            failures.append(label)

    with tempfile.TemporaryDirectory() as d:
        os.environ["HF_DATASETS_CACHE"] = f"{d}/datasets"  # the json loader's Arrow copies go with the test
        start = time.time()
        config = f"{d}/tiny.yaml"
        with open(config, "w") as f:
            f.write(CONFIG.format(d=d, data=data, steps=STEPS))
        run(anvil, "tokenizer", "train", config)
        run(anvil, "prepare", config)
        run(anvil, "train", config)
        checkpoint = f"{d}/run/checkpoints/step_{STEPS:08d}"
        run(anvil, "export-hf", checkpoint, f"{d}/hf")
        print(f"model: {STEPS} steps of a 2-layer rope/rmsnorm/swiglu model, vocabulary 1500, block 256, "
              f"exported to Hugging Face ({time.time() - start:.0f} s)", flush=True)

        # The harness reads every YAML under its include path: its tasks and anvil's are kept apart.
        os.makedirs(f"{d}/harness_tasks")
        os.makedirs(f"{d}/anvil_tasks")
        harness.write_tasks(f"{d}/harness_tasks", data)
        write_next_word(d, data)
        with open(BUILTIN_ARC) as f:
            arc = f.read()
        arc, replaced = re.subn(r"(?m)^fewshot_docs:.*$", "fewshot_docs: ${ANVIL_DATA}/evals/arc_easy/ARC-Easy-Dev.jsonl",
                                arc)
        assert replaced == 1, "no fewshot_docs line in the built-in arc_easy.yaml"
        with open(f"{d}/anvil_tasks/arc_easy_dev.yaml", "w") as f:
            f.write(arc)

        t = time.time()
        our_results, ours = anvil_eval(anvil, checkpoint, TASKS + [f"{d}/anvil_tasks/{NEXT}.yaml"], f"{d}/zero.jsonl")
        our_shot_results, our_shots = anvil_eval(anvil, checkpoint, [f"{d}/anvil_tasks/arc_easy_dev.yaml"],
                                                 f"{d}/shots.jsonl",
                                                 "--num-fewshot", SHOTS)
        print(f"anvil eval: {time.time() - t:.1f} s", flush=True)

        t = time.time()
        lm = harness.hf_model(f"{d}/hf", batch_size=HARNESS_BATCH)
        results, samples = harness.evaluate(f"{d}/harness_tasks", TASKS + [NEXT], lm, limit=LIMIT, batch_size=HARNESS_BATCH,
                                            bootstrap_iters=BOOTSTRAP)
        shot_results, shot_samples = harness.evaluate(f"{d}/harness_tasks", ["arc_easy"], lm, limit=LIMIT, num_fewshot=SHOTS,
                                                      batch_size=HARNESS_BATCH, bootstrap_iters=BOOTSTRAP)
        print(f"harness: {time.time() - t:.1f} s", flush=True)

        for task in TASKS + [NEXT]:
            compare_docs(task, ours.get(task, {}), samples.get(task, []), check)
            compare_aggregates(task, our_results.get(task, {}), results.get(task, {}), check)

        label = f"arc_easy {SHOTS}-shot from Dev"
        mine, theirs = our_shots.get("arc_easy", {}), {s["doc_id"]: s for s in shot_samples.get("arc_easy", [])}
        prompts = [i for i in theirs if i in mine and harness.sample_arguments(theirs[i]) != mine[i]["arguments"]]
        shots_seen = [p["arguments"][0][0].count("\nAnswer:") - 1 for p in mine.values()]
        check(f"{label}: prompts", len(mine) == len(theirs) == LIMIT and not prompts
              and shots_seen and min(shots_seen) == SHOTS,
              f"{len(theirs)} docs, {len(prompts)} prompts differ"
              + (f" (first: doc {prompts[0]})" if prompts else "")
              + f", {min(shots_seen or [0])}-{max(shots_seen or [0])} examples in each prompt")
        compare_docs(label, mine, shot_samples.get("arc_easy", []), check)
        compare_aggregates(label, our_shot_results.get("arc_easy", {}), shot_results.get("arc_easy", {}), check)
        print(f"total {time.time() - start:.0f} s", flush=True)
    report(failures, checks)


if __name__ == "__main__":
    main()

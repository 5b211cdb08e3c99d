"""lm-evaluation-harness run offline on the local benchmark files.

The task YAMLs written here are the harness's own arc_easy, piqa and
lambada_openai (prompts, targets, metrics unchanged) with their datasets read
from DATA_DIR/evals by the `json` loader instead of the Hugging Face Hub:
ARC's raw AI2 layout is mapped to the Hub's (question text, choices.text,
choices.label) and PIQA's labels file joined, as the Hub copies hold them.
"""
import os
import textwrap

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

UTILS = '''
import datasets


def arc_from_ai2(dataset):
    def convert(doc):
        return {"question": doc["question"]["stem"],
                "choices": {"text": [c["text"] for c in doc["question"]["choices"]],
                            "label": [c["label"] for c in doc["question"]["choices"]]},
                "answerKey": doc["answerKey"]}
    return dataset.map(convert, remove_columns=dataset.column_names)


def piqa_with_labels(dataset):
    with open(PIQA_LABELS) as f:
        labels = [int(line) for line in f if line.strip()]
    return dataset.add_column("label", labels)
'''


def write_tasks(directory, data_dir):
    """Writes the three task YAMLs (and their utils.py) into DIRECTORY."""
    evals = os.path.join(data_dir, "evals")
    files = {
        "utils.py": f"PIQA_LABELS = {os.path.join(evals, 'piqa/valid-labels.lst')!r}\n" + UTILS,
        "arc_easy.yaml": f"""
            task: arc_easy
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: {evals}/arc_easy/ARC-Easy-Test.jsonl
                validation: {evals}/arc_easy/ARC-Easy-Dev.jsonl
            output_type: multiple_choice
            test_split: test
            validation_split: validation
            fewshot_split: validation
            process_docs: !function utils.arc_from_ai2
            doc_to_text: "Question: {{{{question}}}}\\nAnswer:"
            doc_to_target: "{{{{choices.label.index(answerKey)}}}}"
            doc_to_choice: "{{{{choices.text}}}}"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
              - metric: acc_norm
                aggregation: mean
                higher_is_better: true
            """,
        "piqa.yaml": f"""
            task: piqa
            dataset_path: json
            dataset_kwargs:
              data_files:
                validation: {evals}/piqa/valid.jsonl
            output_type: multiple_choice
            validation_split: validation
            process_docs: !function utils.piqa_with_labels
            doc_to_text: "Question: {{{{goal}}}}\\nAnswer:"
            doc_to_target: label
            doc_to_choice: "{{{{[sol1, sol2]}}}}"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
              - metric: acc_norm
                aggregation: mean
                higher_is_better: true
            """,
        "lambada_openai.yaml": f"""
            task: lambada_openai
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: {evals}/lambada/lambada_test.jsonl
            output_type: loglikelihood
            test_split: test
            doc_to_text: "{{{{text.split(' ')[:-1]|join(' ')}}}}"
            doc_to_target: "{{{{' '+text.split(' ')[-1]}}}}"
            metric_list:
              - metric: perplexity
                aggregation: perplexity
                higher_is_better: false
              - metric: acc
                aggregation: mean
                higher_is_better: true
            """,
    }
    for name, text in files.items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(textwrap.dedent(text).lstrip() if name.endswith(".yaml") else text)


def hf_model(directory, batch_size=1):
    """The harness's `hf` model on a transformers directory, in float32 on the CPU, to reuse across evaluate calls."""
    from lm_eval.api.registry import get_model

    return get_model("hf").create_from_arg_string(f"pretrained={directory},dtype=float32",
                                                  {"batch_size": batch_size, "device": "cpu"})


def evaluate(task_dir, tasks, model, model_args=None, limit=None, num_fewshot=None, batch_size=1,
             bootstrap_iters=100000):
    """The harness's results and per-document samples: (results, {task: [sample, ...]}).

    MODEL is a model name with its MODEL_ARGS ("hf", "pretrained=DIR,dtype=float32") or an LM from hf_model."""
    import lm_eval
    from lm_eval.tasks import TaskManager

    out = lm_eval.simple_evaluate(model=model, model_args=model_args, tasks=list(tasks), limit=limit,
                                  num_fewshot=num_fewshot, batch_size=batch_size, log_samples=True,
                                  bootstrap_iters=bootstrap_iters, task_manager=TaskManager(include_path=task_dir),
                                  device="cpu")
    return out["results"], out["samples"]


def sample_arguments(sample):
    """A logged sample's requests as [[context, continuation], ...], whichever layout the harness logged."""
    arguments = sample["arguments"]
    if isinstance(arguments, dict):
        arguments = [[a["arg_0"], a["arg_1"]] for a in arguments.values()]
    return [list(a) for a in arguments]


def sample_responses(sample):
    """A logged sample's (log-likelihood, is_greedy) per request."""
    return [(float(r[0]), bool(r[1])) for r in sample["filtered_resps"]]

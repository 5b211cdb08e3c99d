"""Chat templates through the anvil binary against transformers.

For the SmolLM2, Qwen2.5, Mistral and Llama 3 tokenizers and their own chat
templates, `anvil tokenizer chat` renders each conversation to exactly the
text and ids of `apply_chat_template` (with and without the generation
prompt), and trains exactly the tokens of the assistant turns: each reply's
content as the template writes it and the end-of-turn token after it. The
spans are found here, in the rendered text, and mapped onto tokens with the
reference tokenizer's own offsets.

    python chat_tokens_parity_test.py ANVIL DATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

from transformers import AutoTokenizer

USERS = ["Hi there!", "What is 17 * 23?", "  Tell me a joke about cats.  ", "Übersetze: 'good morning'",
         "写一首关于秋天的诗。", "List:\n1. one\n2. two", "Why is the sky blue? 🙂"]
REPLIES = ["Hello! How can I help?", "17 * 23 = 391.", "Why did the cat sit on the computer? To keep an eye on "
           "the mouse.", " Guten Morgen. ", "秋风起，落叶飞。", "Sure:\n- one\n- two\n", "Rayleigh scattering."]
SYSTEMS = ["You are a helpful assistant.", "Answer in one sentence.\nBe kind."]


def conversations():
    """At least 20: with and without a system turn, one to four exchanges."""
    out = []
    for i in range(24):
        turns = 1 + i % 4
        messages = [{"role": "system", "content": SYSTEMS[i % 2]}] if i % 3 == 0 else []
        for t in range(turns):
            k = (i + 3 * t) % len(USERS)
            messages.append({"role": "user", "content": f"{USERS[k]} (#{i}.{t})"})
            messages.append({"role": "assistant", "content": f"{REPLIES[k]} [{i}.{t}]"})
        out.append(messages)
    return out


def llama3_dir(data, out):
    """Llama 3's tiktoken file with the tokenizer_config.json Meta's HF repos ship: specials and template."""
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
             "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>",
             "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
    names += [f"<|reserved_special_token_{i}|>" for i in range(3, 248)]
    decoder = {str(128000 + i): {"content": n, "lstrip": False, "rstrip": False, "normalized": False,
                                 "single_word": False, "special": True} for i, n in enumerate(names)}
    os.makedirs(out)
    with open(os.path.join(data, "hf/llama3/tokenizer.model"), "rb") as f, \
            open(os.path.join(out, "tokenizer.model"), "wb") as o:
        o.write(f.read())
    with open(os.path.join(data, "hf/llama3/chat_template.llama3.jinja")) as f:
        template = f.read()
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"added_tokens_decoder": decoder, "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                   "chat_template": template, "tokenizer_class": "PreTrainedTokenizerFast"}, f)
    return out


def anvil_chat(anvil, tokenizer_dir, convs, generation_prompt):
    args = [anvil, "tokenizer", "chat", tokenizer_dir] + (["--add-generation-prompt"] if generation_prompt else [])
    done = subprocess.run(args, input="".join(json.dumps(c) + "\n" for c in convs), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"anvil tokenizer chat {tokenizer_dir} exited {done.returncode}: {done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines()]


def expected_mask(tokenizer, text, messages, end_of_turn):
    """Tokens overlapping each assistant reply (as rendered) and the end-of-turn token after it."""
    spans, cursor = [], 0
    for m in messages:
        content = m["content"]
        found = text.find(content, cursor)
        if found < 0:
            content = content.strip()
            found = text.find(content, cursor)
        assert found >= 0, f"{m['role']} content {m['content']!r} not in the rendered text"
        end = found + len(content)
        if m["role"] == "assistant":
            eot = next(e for e in end_of_turn if text.startswith(e, end))
            spans.append((found, end + len(eot)))
        cursor = end
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return [any(s < e_span and e > b_span for b_span, e_span in spans) for s, e in offsets]


def check(name, anvil, tokenizer_dir, end_of_turn, system_moves=False):
    reference = AutoTokenizer.from_pretrained(tokenizer_dir)
    convs = conversations()
    if system_moves:  # Mistral writes the system prompt into the last user turn: search in order fails there
        convs = [c for c in convs if c[0]["role"] != "system"] + [c for c in convs if c[0]["role"] == "system"]
    failures = 0
    for generation_prompt in (False, True):
        ours = anvil_chat(anvil, tokenizer_dir, convs, generation_prompt)
        for i, (messages, got) in enumerate(zip(convs, ours)):
            text = reference.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
            ids = reference.apply_chat_template(messages, tokenize=True, add_generation_prompt=generation_prompt,
                                                return_dict=True)["input_ids"]
            problems = []
            if got["text"] != text:
                problems.append(f"text\n  hf    {text!r}\n  anvil {got['text']!r}")
            if got["ids"] != ids:
                problems.append(f"ids\n  hf    {ids}\n  anvil {got['ids']}")
            if not generation_prompt and not (system_moves and messages[0]["role"] == "system"):
                mask = expected_mask(reference, text, messages, end_of_turn)
                if [bool(t) for t in got["trained"]] != mask:
                    problems.append(f"trained mask\n  expected {mask}\n  anvil    {got['trained']}")
            if problems:
                failures += 1
                if failures <= 3:
                    print(f"{name} conversation {i} (generation prompt {generation_prompt}): " + "; ".join(problems))
    print(f"{name}: {2 * len(convs) - failures}/{2 * len(convs)} renderings identical")
    return failures == 0


CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}}}
TOOL_CONVERSATIONS = [  # the assistant's text, no text, no content key; keys in the order written
    [{"role": "user", "content": "Weather in Paris?"},
     {"role": "assistant", "content": "Let me check.", "tool_calls": [dict(CALL, id="abcdefghi")]},
     {"role": "tool", "tool_call_id": "abcdefghi", "name": "get_weather", "content": "sunny"},
     {"role": "assistant", "content": "It is sunny."}],
    [{"role": "user", "content": "Weather in Paris?"},
     {"role": "assistant", "content": "", "tool_calls": [dict(CALL, id="abcdefghi")]},
     {"role": "tool", "tool_call_id": "abcdefghi", "name": "get_weather", "content": "sunny"},
     {"role": "assistant", "content": "It is sunny."}],
]


def check_tool_calls(name, anvil, tokenizer_dir, end_of_turn, header):
    """A turn that calls tools is trained whole: its text, the calls, its end-of-turn token."""
    reference = AutoTokenizer.from_pretrained(tokenizer_dir)
    failures = 0
    for messages in TOOL_CONVERSATIONS:
        got = anvil_chat(anvil, tokenizer_dir, [messages], False)[0]
        text = reference.apply_chat_template(messages, tokenize=False)
        ids = reference.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"]
        spans, cursor = [], 0
        for m in messages:
            if m["role"] != "assistant":
                continue
            start = text.find(m["content"], cursor) if m["content"] else -1
            if start < 0:  # no text, or a template that writes only the calls (Mistral's)
                start = text.find(header, cursor) + len(header)
            closing = min(p for p in (text.find(e, start) for e in end_of_turn) if p >= 0)
            end = closing + len(next(e for e in end_of_turn if text.startswith(e, closing)))
            spans.append((start, end))
            cursor = end
        offsets = reference(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        mask = [any(s < e_span and e > b_span for b_span, e_span in spans) for s, e in offsets]
        ok = got["text"] == text and got["ids"] == ids and [bool(t) for t in got["trained"]] == mask
        failures += not ok
        if not ok:
            print(f"{name} tool calls: text {got['text'] == text}, ids {got['ids'] == ids}, mask "
                  f"{[bool(t) for t in got['trained']] == mask}\n  hf    {text!r}\n  anvil {got['text']!r}")
    print(f"{name} tool calls: {len(TOOL_CONVERSATIONS) - failures}/{len(TOOL_CONVERSATIONS)} identical")
    return failures == 0


def check_rejected(anvil, tokenizer_dir):
    """A conversation the template rejects fails with the template's own raise_exception text."""
    convs = [[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]]
    done = subprocess.run([anvil, "tokenizer", "chat", tokenizer_dir], input=json.dumps(convs[0]) + "\n",
                          capture_output=True, text=True)
    wanted = "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
    ok = done.returncode == 1 and wanted in done.stderr
    print(f"mistral rejects user, user: exit {done.returncode}, {'its own message' if ok else done.stderr!r}")
    return ok


def main():
    anvil, data = sys.argv[1:3]
    hf = os.path.join(data, "hf")
    with tempfile.TemporaryDirectory() as d:
        results = [check("smollm2", anvil, f"{hf}/smollm2", ["<|im_end|>"]),
                   check("qwen2.5", anvil, f"{hf}/qwen2.5", ["<|im_end|>"]),
                   check("mistral", anvil, f"{hf}/mistral", ["</s>"], system_moves=True),
                   check("llama3", anvil, llama3_dir(data, f"{d}/llama3"), ["<|eot_id|>"]),
                   check_rejected(anvil, f"{hf}/mistral"),
                   check_tool_calls("qwen2.5", anvil, f"{hf}/qwen2.5", ["<|im_end|>"], "<|im_start|>assistant\n"),
                   check_tool_calls("mistral", anvil, f"{hf}/mistral", ["</s>"], "[/INST]")]
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""chat_template_parity_test.py RENDER_CHATS

anvil's chat templates against transformers': each real model's template (in
$ANVIL_DATA/hf) renders a set of conversations with and without the
generation prompt, through tokenizer.apply_chat_template and through
RENDER_CHATS (tests/chat/render_chats.cpp); the texts, or the template's own
raise_exception texts, must be identical, and anvil's trained spans must be
the assistant contents as the template renders them plus the end-of-turn
token. Templates written here exercise the rest of the Jinja subset against
jinja2 in transformers' environment. Prints "N passed, M failed".
"""
import json
import os
import subprocess
import sys
import tempfile

import jinja2
from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import _compile_jinja_template, render_jinja_template

DATA = os.environ.get("ANVIL_DATA", "/work/shared/data")

CONTENTS = [
    "Hello!",
    "  padded on both sides \n",
    "line one\nline two\n\nline four",
    "unicode: héllo wörld — 日本語 🙂",
    "\u00a0non-breaking and ideographic spaces\u3000",
    "tabs\tand \"double\" and 'single' quotes, {{ not jinja }} {% neither %}",
    "",
    "Say that again",
]


def alternating(turns, system=None, offset=0):
    """A conversation of TURNS alternating user/assistant messages."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": role, "content": CONTENTS[(i + offset) % len(CONTENTS)]})
    return messages


def conversations():
    chats = []
    for turns in range(1, 5):
        for offset in range(0, len(CONTENTS), 3):
            chats.append(alternating(turns, offset=offset))
            chats.append(alternating(turns, system="You are terse.\n", offset=offset + 1))
    # The assistant repeats the user's words; an empty assistant turn.
    chats.append([{"role": "user", "content": "Say that again"}, {"role": "assistant", "content": "Say that again"},
                  {"role": "user", "content": "Say that again"}, {"role": "assistant", "content": "Say that again"}])
    chats.append([{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}])
    chats.append([{"role": "system", "content": ""}, {"role": "user", "content": " "}, {"role": "assistant", "content": " x "}])
    # Conversations some templates reject.
    chats.append([{"role": "assistant", "content": "I speak first"}])
    chats.append([{"role": "user", "content": "one"}, {"role": "user", "content": "two"}])
    chats.append([{"role": "user", "content": "a"}, {"role": "system", "content": "late system"},
                  {"role": "assistant", "content": "b"}])
    chats.append([{"role": "user", "content": "a"}, {"role": "developer", "content": "b"}])
    return chats


def strip(text):
    return text.strip()


def keep(text):
    return text


# name, loader, (assistant header, content as rendered, end of turn)
CHATML = ("<|im_start|>assistant\n", keep, "<|im_end|>")
LLAMA3_TEMPLATE = os.path.join(DATA, "hf", "llama3", "chat_template.llama3.jinja")


def hf_renderer(directory):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    variables = {k: v for k, v in tokenizer.special_tokens_map.items() if isinstance(v, str)}

    def render(messages, add_generation_prompt):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    return tokenizer.get_chat_template(), variables, render


def llama3_renderer():
    with open(LLAMA3_TEMPLATE, encoding="utf-8") as f:
        source = f.read()
    variables = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}

    def render(messages, add_generation_prompt):
        rendered, _ = render_jinja_template(conversations=[messages], chat_template=source,
                                            add_generation_prompt=add_generation_prompt, **variables)
        return rendered[0]

    return source, variables, render


MODELS = [
    ("smollm2", lambda: hf_renderer(os.path.join(DATA, "hf", "smollm2")), CHATML),
    ("qwen2.5", lambda: hf_renderer(os.path.join(DATA, "hf", "qwen2.5")), CHATML),
    ("mistral", lambda: hf_renderer(os.path.join(DATA, "hf", "mistral")), ("[/INST] ", strip, "</s>")),
    ("llama3", llama3_renderer, ("<|start_header_id|>assistant<|end_header_id|>\n\n", strip, "<|eot_id|>")),
]


def run_anvil(render_chats, source, end_of_turn, requests):
    with tempfile.NamedTemporaryFile("w", suffix=".jinja", encoding="utf-8", delete=False) as f:
        f.write(source)
        path = f.name
    try:
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests)
        out = subprocess.run([render_chats, path, *end_of_turn], input=lines.encode(), capture_output=True, check=True)
    finally:
        os.unlink(path)
    results = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(results) == len(requests), f"render_chats answered {len(results)} of {len(requests)} requests"
    return results


def expected_spans(text, messages, shape):
    """Byte spans of each assistant content as the template renders it, plus its end of turn."""
    header, rendered, end_of_turn = shape
    spans, pos = [], 0
    for message in messages:
        if message["role"] != "assistant":
            continue
        needle = header + rendered(message["content"]) + end_of_turn
        at = text.find(needle, pos)
        if at < 0:
            return None
        begin = len(text[: at + len(header)].encode())
        spans.append([begin, begin + len((rendered(message["content"]) + end_of_turn).encode())])
        pos = at + len(needle)
    return spans


def reference(render, messages, add_generation_prompt):
    try:
        return {"text": render(messages, add_generation_prompt)}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e), "raised": True}


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)


def compare(tally, label, want, got):
    if "error" in want:
        tally.check(got.get("error") == want["error"] and got.get("raised"), f"{label}: want error {want!r}, got {got!r}")
    else:
        tally.check(got.get("text") == want["text"], f"{label}: want {want['text']!r}, got {got!r}")


def check_model(tally, render_chats, name, load, shape):
    source, variables, render = load()
    requests, wants = [], []
    for messages in conversations():
        for add_generation_prompt in (False, True):
            requests.append({"messages": messages, "add_generation_prompt": add_generation_prompt, "variables": variables})
            wants.append(reference(render, messages, add_generation_prompt))
    results = run_anvil(render_chats, source, [shape[2]], requests)
    for request, want, got in zip(requests, wants, results):
        label = f"{name} {json.dumps(request['messages'], ensure_ascii=False)} agp={request['add_generation_prompt']}"
        compare(tally, label, want, got)
        if "text" in want and not request["add_generation_prompt"]:
            spans = expected_spans(want["text"], request["messages"], shape)
            tally.check(spans is not None and got.get("trained") == spans,
                        f"{label}: trained spans {got.get('trained')} {got.get('trained_error', '')}, want {spans}")


# Templates of our own: each with the variable sets it renders.
OWN_TEMPLATES = [
    (
        "macros, namespace and loop controls",
        "{%- macro render(m, sep=': ') -%}\n"
        "  {{- m.role | upper }}{{ sep }}{{ m.content | trim -}}\n"
        "{%- endmacro -%}\n"
        "{%- set ns = namespace(count=0, last_user=none) -%}\n"
        "{%- for m in messages -%}\n"
        "  {%- if m.role == 'skip' %}{% continue %}{% endif -%}\n"
        "  {%- if m.role == 'stop' %}{% break %}{% endif -%}\n"
        "  {%- set ns.count = ns.count + 1 -%}\n"
        "  {%- if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif -%}\n"
        "  [{{ loop.index }}/{{ loop.length }}{{ '*' if loop.first }}{{ '$' if loop.last }}] {{ render(m) }}\n"
        "{% else %}\n"
        "no messages\n"
        "{% endfor -%}\n"
        "count={{ ns.count }} last_user={{ ns.last_user }}\n",
        [
            {"messages": [{"role": "user", "content": " a "}, {"role": "skip", "content": "x"},
                          {"role": "assistant", "content": "b\n"}, {"role": "stop", "content": ""},
                          {"role": "user", "content": "never"}]},
            {"messages": []},
        ],
    ),
    (
        "filters and tests",
        "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(' | ') }}\n"
        "{{ messages | rejectattr('role', 'in', ['user']) | list | length }} {{ messages | map(attribute='role') | unique | list }}\n"
        "{{ names | sort | join(',') }} {{ names | sort(reverse=true) | first }} {{ names | last | capitalize }}\n"
        "{{ nums | sum }} {{ nums | max }} {{ nums | min }} {{ nums | select('odd') | list }} {{ nums | reject('even') | list }}\n"
        "{{ (nums | first / 3) | round(2) }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 2 ** 8 }} {{ '3' | int + 1 }} {{ '2.5' | float * 2 }}\n"
        "{{ missing | default('fallback') }} {{ '' | default('empty', true) }} {{ none | string }} {{ 42 is integer }}\n"
        "{{ title_me | title }} {{ title_me.title() }} {{ '  x  ' | trim | length }} {{ 'a-b-c' | replace('-', '+', 1) }}\n"
        "{{ text | indent(4) }}\n{{ text | indent(2, true) }}\n{{ text | wordcount }} {{ text | reverse }}\n"
        "{% for k, v in meta | items %}{{ k }}={{ v }}{{ ', ' if not loop.last }}{% endfor %}\n"
        "{{ meta.keys() | list }} {{ meta.get('absent', 'dflt') }} {{ 'a' in meta }} {{ meta is mapping }} {{ names is sequence }}\n"
        "{{ 3 is divisibleby 3 }} {{ 4 is odd }} {{ none is none }} {{ missing is undefined }} {{ 1.5 is float }} {{ 'x' is string }}\n",
        [
            {"messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
                          {"role": "user", "content": "q2"}],
             "names": ["bob", "Alice", "carol"], "nums": [5, 2, 9, 4], "title_me": "hello wORLD-wide (web)",
             "text": "first\nsecond\n\nfourth", "meta": {"z": 1, "a": [1, 2], "m": None}},
        ],
    ),
    (
        "slicing, string methods and literals",
        "{{ s[1:4] }}|{{ s[::-1] }}|{{ s[-3:] }}|{{ s[::2] }}|{{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[::-2] }}|{{ xs[5:] }}\n"
        "{{ s.upper() }} {{ s.startswith('hé') }} {{ s.endswith(('x', 'o')) }} {{ s.find('l') }} {{ s.count('l') }}\n"
        "{{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  l'.lstrip() }}|{{ 'r  '.rstrip() }}|{{ 'a b  c'.split() }}|{{ 'k=v=w'.split('=', 1) }}\n"
        "{{ 'Tab\\tNew\\nQuote\\'s \\u00e9' }} {{ \"dq\" ~ 'sq' ~ 3 ~ 1.0 ~ none ~ true }} {{ [1, 'two', 3.5, none, (4, 5)] }}\n"
        "{{ {'k': 'v', 'n': [1, {'d': false}]} }} {{ 1 if s else 2 }} {{ 'yes' if not xs else 'no' }} {{ (s | length) > 3 and xs }}\n"
        "{{ cased | upper }} {{ cased | lower }} {{ cased | title }} {{ cased.title() }} {{ cased | capitalize }}\n"
        "{{ '%s has %d items' % (s, xs | length) }} {{ '{} and {}'.format(s, 2) }} {{ 1 < 2 < 3 }} {{ range(2, 9, 3) | list }}\n",
        [{"s": "héllo", "xs": [1, 2, 3, 4], "cased": "àÉîÕü ÿŸ ĀāĹĺŹź αΒγΣςά ЖщЁё ｆＵ 日本語x ß"},
         {"s": "", "xs": [], "cased": ""}],
    ),
    (
        "tojson on nested dicts with unicode",
        "{{ tools | tojson }}\n{{ tools | tojson(indent=2) }}\n{{ tools[0] | tojson(separators=(',', ':')) }}\n"
        "{{ tools[0] | tojson(ensure_ascii=true) }}\n{{ tools[0].function | tojson(sort_keys=true, indent=1) }}\n"
        "{% for tool in tools %}{{ tool.function.name }}: {{ tool.function.parameters.properties | tojson }}\n{% endfor %}",
        [{"tools": [
            {"type": "function", "function": {
                "name": "météo", "description": "Donne la météo — 天气 🌦 \"quoted\"\n\ttabbed",
                "parameters": {"type": "object", "properties": {"ville": {"type": "string"}, "jours": {"type": "integer",
                               "minimum": 1, "ratio": 0.25, "big": 1e20, "ok": True, "none": None}},
                               "required": ["ville"]}}},
            {"type": "function", "function": {"name": "empty", "parameters": {"properties": {}, "list": []}}},
        ]}],
    ),
    (
        "whitespace control and raise_exception",
        "start\n"
        "  {% if flag %}\n"
        "    flagged\n"
        "  {% endif %}\n"
        "  {{- ' tight ' -}}\n"
        "  {# comment #}\n"
        "  {%+ if flag %}kept indent{% endif %}\n"
        "{% set block %}\n"
        "  captured {{ flag }}\n"
        "{% endset %}\n"
        "[{{ block }}]\n"
        "{% generation %}gen {{ flag }}{% endgeneration %}\n"
        "{% if fail %}{{ raise_exception('Failing on purpose: ' ~ fail) }}{% endif %}\n"
        "end\n",
        [{"flag": True}, {"flag": False}, {"flag": True, "fail": "because"}],
    ),
]


def check_own(tally, render_chats):
    for name, source, variable_sets in OWN_TEMPLATES:
        compiled = _compile_jinja_template(source)
        wants = []
        for variables in variable_sets:
            try:
                wants.append({"text": compiled.render(**variables)})
            except jinja2.exceptions.TemplateError as e:
                wants.append({"error": str(e), "raised": True})
        results = run_anvil(render_chats, source, [], [{"template_variables": v} for v in variable_sets])
        for variables, want, got in zip(variable_sets, wants, results):
            compare(tally, f"own template '{name}' with {json.dumps(variables, ensure_ascii=False)}", want, got)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tally = Tally()
    for name, load, shape in MODELS:
        check_model(tally, sys.argv[1], name, load, shape)
    check_own(tally, sys.argv[1])
    print(f"{tally.passed} passed, {tally.failed} failed")
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()

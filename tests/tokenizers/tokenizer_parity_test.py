"""Parity of anvil's HfTokenizer with Hugging Face, through encode_texts.

For six real tokenizers (gpt2 and qwen2.5 from vocab.json + merges.txt,
smollm2 and mistral from tokenizer.json, llama2 from a sentencepiece
tokenizer.model, llama3 from a tiktoken tokenizer.model) and every line of
WikiText-2 valid (and the whole file as one text), every Alpaca sample field,
every SST-2 dev sentence and a set of edge cases: anvil's ids equal the
reference's, with and without special tokens, and so do the decodes (with
and without skip_special_tokens), and each token begins where HF's offsets
say. The reference is transformers'
AutoTokenizer, except for smollm2 (tokenizers' Tokenizer.from_file: see
SMOLLM2 below) and llama3 (tiktoken with Meta's pattern and special tokens).
Invalid UTF-8 is checked under both policies, and a saved tokenizer loads in
transformers with the same ids.

    python tokenizer_parity_test.py ENCODE_TEXTS
"""
import base64
import csv
import json
import os
import subprocess
import sys
import tempfile

DATA = os.environ.get("ANVIL_DATA", "/work/shared/data")
HF = f"{DATA}/hf"
SHOWN_DIFFS = 3
LONG_TEXT = 100_000  # characters: the whole of WikiText-2 valid as one text

# transformers 5's GPT2Tokenizer rebuilds SmolLM2's pipeline without the
# Digits pre-tokenizer its tokenizer.json declares; anvil reads the file as
# `tokenizers` does, and the mismatches with transformers are only counted.
SMOLLM2 = "smollm2"

EDGE_CASES = [
    "", " ", "  ", "\n", "\n\n\n", "\t", "\t\tindented", "   leading spaces", "trailing spaces   ",
    "a" * 500, " " * 300, "\n" * 200, "1234567890" * 20, "3.14159 and 2,718 and 1/3 and 10^6",
    "Hello world", " Hello world", "Hello  world", "Hello\tworld\r\nagain\rand",
    "你好，世界！这是一个测试。", "日本語のテキストとカタカナ、ひらがな。", "한국어 텍스트입니다", "Привет, мир!", "مرحبا بالعالم",
    "שלום עולם", "ελληνικά κείμενα", "हिन्दी पाठ", "ภาษาไทย",
    "emoji 😀😃😄 and 👍🏽 and 👨‍👩‍👧‍👦 family and 🏳️‍🌈 flag", "🇫🇷🇯🇵 flags", "❤️‍🔥",
    "e\u0301 combining, A\u030a, n\u0303, Å vs A\u030a, ﬁ ligature, ① circled, ½ ² ³", "Z\u0351\u0352\u0353algo",
    "control \x00 \x01 \x07 \x1b[31m red \x7f end", "zero\u200bwidth\u200cjoin\u200dhere\ufeffbom",
    "nbsp\u00a0here and\u2003em space and\u3000ideographic and\u0085nel and\u2028line",
    "It's, I'm, we've, they're, you'll, he'd, IT'S, I'M, DON'T, don\u2019t", "'s 't 're 'S 'ſ",
    "<|endoftext|>", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "text<|im_end|>text", "text <|im_end|> text", "  <|im_end|>  ", "<|im_end|><|im_end|>",
    "<s>hello</s>", "<s> hello </s>", "a</s>b", "[INST] What? [/INST] Answer</s>", "<unk>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<|eot_id|> <|eom_id|>",
    "<|reserved_special_token_5|> <|python_tag|>", "<tool_call>{\"a\": 1}</tool_call>", "<|fim_prefix|>x<|fim_suffix|>",
    "<repo_name>anvil<file_sep>", "<|im_start", "im_end|>", "<<|im_end|>>", "<|endoftext|>" * 5,
    "def f(x):\n    return x ** 2  # square\n\n\nclass A:\n\tpass\n", "https://example.com/path?q=1&r=2#frag",
    "email@example.com", "$100.00 €50 £3 ¥1000", "C++ -> std::vector<int>{1, 2, 3};", "αβγ ΑΒΓ",
    "İstanbul ǅ ǈ ß ẞ", "ＦＵＬＬＷＩＤＴＨ", "   \n\t  \n", "a\n\nb\n\n\nc", "..." * 50, "!!!???",
    "word" + "\u0300" * 30, "\U0001F600" * 40, "x" + " " * 17 + "y", "\r\n" * 10,
]

# Raw bytes that are not UTF-8, and the offset of their first bad byte.
INVALID = [
    (b"abc\xff", 3), (b"\x80start", 0), (b"mid\xe2\x82dle", 3), (b"\xed\xa0\x80 surrogate", 0),
    (b"\xf0\x9f\x98 cut emoji", 0), (b"ok\xc3\x28", 2), (b"\xf5\xf6\xf7", 0), (b"\xc0\xaf overlong", 0),
    (b"fine \xe4\xbd\xa0 then \xe4\xbd", 14), (b"<|im_end|>\xfe<|im_end|>", 10),
]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def corpus():
    wiki = open(f"{DATA}/wikitext-2/valid.txt", encoding="utf-8").read()
    texts = wiki.split("\n") + [wiki]
    with open(f"{DATA}/alpaca/alpaca_sample_2000.jsonl", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts += [record["instruction"], record["input"], record["output"]]
    with open(f"{DATA}/sst2/dev.tsv", encoding="utf-8", newline="") as f:
        texts += [row["sentence"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return texts + EDGE_CASES


class Transformers:
    def __init__(self, path):
        from transformers import AutoTokenizer

        self.tok = AutoTokenizer.from_pretrained(path)

    def encode_batch(self, texts, special):
        return self.tok(texts, add_special_tokens=special)["input_ids"]

    def decode_batch(self, batch, skip):
        return self.tok.batch_decode(batch, skip_special_tokens=skip)

    def encode_with_starts(self, texts):
        """Ids without special tokens, and the character each token begins at."""
        out = self.tok(texts, add_special_tokens=False, return_offsets_mapping=True)
        return out["input_ids"], [[begin for begin, _ in row] for row in out["offset_mapping"]]


class TokenizersFile(Transformers):
    def __init__(self, path):
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(path)

    def encode_batch(self, texts, special):
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=special)]

    def decode_batch(self, batch, skip):
        return self.tok.decode_batch(batch, skip_special_tokens=skip)

    def encode_with_starts(self, texts):
        encodings = self.tok.encode_batch(texts, add_special_tokens=False)
        return [e.ids for e in encodings], [[begin for begin, _ in e.offsets] for e in encodings]


class Llama3Tiktoken:
    PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
    NAMED = ["begin_of_text", "end_of_text", "reserved_special_token_0", "reserved_special_token_1",
             "finetune_right_pad_id", "reserved_special_token_2", "start_header_id", "end_header_id", "eom_id",
             "eot_id", "python_tag"]

    def __init__(self, path):
        import tiktoken

        ranks = {}
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    token, rank = line.split()
                    ranks[base64.b64decode(token)] = int(rank)
        names = self.NAMED + [f"reserved_special_token_{i}" for i in range(3, 3 + 256 - len(self.NAMED))]
        self.specials = {f"<|{name}|>": len(ranks) + i for i, name in enumerate(names)}
        self.enc = tiktoken.Encoding("llama3", pat_str=self.PATTERN, mergeable_ranks=ranks, special_tokens=self.specials)
        self.special_ids = set(self.specials.values())

    def encode_batch(self, texts, special):
        ids = [self.enc.encode(t, allowed_special="all") for t in texts]
        return [[128000] + i for i in ids] if special else ids

    def decode_batch(self, batch, skip):
        return [self.enc.decode([i for i in ids if not (skip and i in self.special_ids)]) for ids in batch]


class SentencePieceWithBos(Transformers):
    """transformers 5 builds no post-processor for a bare tokenizer.model;
    anvil adds the model's BOS, as LlamaTokenizer does (add_bos_token=True)."""

    def encode_batch(self, texts, special):
        ids = super().encode_batch(texts, False)
        return [[self.tok.convert_tokens_to_ids("<s>")] + i for i in ids] if special else ids


def first_diffs(name, what, texts, ours, theirs):
    bad = [i for i in range(len(texts)) if ours[i] != theirs[i]]
    for i in bad[:SHOWN_DIFFS]:
        print(f"  {name} {what} differs on {texts[i][:80]!r}:\n    anvil {str(ours[i])[:300]}\n    hf    {str(theirs[i])[:300]}")
    return len(bad)


def char_indices_of_bytes(text):
    """For each byte offset of `text` (and its end), the index of the character it falls in."""
    if text.isascii():
        return None
    indices = []
    for i, c in enumerate(text):
        indices += [i] * len(c.encode("utf-8"))
    indices.append(len(text))
    return indices


def starts_as_chars(texts, rows, char_maps):
    """anvil's byte starts as the characters they fall in (a token made of part
    of a character begins inside it; HF's offsets give the character)."""
    out = []
    for i, row in enumerate(rows):
        starts = row.get("starts", [])
        out.append(starts if char_maps[i] is None else [char_maps[i][b] for b in starts])
    return out


def run_anvil(encode_texts, tokenizer, items, *flags):
    with tempfile.TemporaryDirectory() as d:
        with open(f"{d}/in.jsonl", "w", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps(item) + "\n")
        subprocess.run([encode_texts, tokenizer, f"{d}/in.jsonl", f"{d}/out.jsonl", *flags], check=True)
        with open(f"{d}/out.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
    return rows[:-1], rows[-1]


def compare(name, reference, texts, rows, char_maps=None):
    """char_maps: None when the texts are not what anvil read (repaired invalid UTF-8), so starts are not compared."""
    mismatches = 0
    if hasattr(reference, "encode_with_starts") and char_maps is not None:
        plain, starts = reference.encode_with_starts(texts)
        mismatches += first_diffs(name, "token starts", texts, starts_as_chars(texts, rows, char_maps), starts)
    else:
        plain = reference.encode_batch(texts, False)
    mismatches += first_diffs(name, "ids", texts, [r.get("ids", r.get("error")) for r in rows], plain)
    mismatches += first_diffs(name, "decode", texts, [r.get("decoded") for r in rows],
                              reference.decode_batch(plain, False))
    # With special tokens: every text but the whole file, whose plain ids were checked above (HF takes seconds on it).
    short = [i for i, t in enumerate(texts) if len(t) < LONG_TEXT]
    short_texts, short_rows = [texts[i] for i in short], [rows[i] for i in short]
    special = reference.encode_batch(short_texts, True)
    mismatches += first_diffs(name, "ids with special tokens", short_texts, [r.get("special_ids") for r in short_rows],
                              special)
    mismatches += first_diffs(name, "decode skipping special tokens", short_texts,
                              [r.get("decoded_skip") for r in short_rows], reference.decode_batch(special, True))
    return mismatches


def check_invalid_utf8(name, encode_texts, path, reference):
    items = [{"hex": raw.hex()} for raw, _ in INVALID]
    rows, _ = run_anvil(encode_texts, path, items)
    repaired = [raw.decode("utf-8", errors="replace") for raw, _ in INVALID]
    mismatches = compare(name + " invalid UTF-8 (replace)", reference, repaired, rows)
    rows, _ = run_anvil(encode_texts, path, items, "--error")
    for (raw, offset), row in zip(INVALID, rows):
        expected = f"text is not valid UTF-8 at byte offset {offset}"
        if row.get("error") != expected:
            print(f"  {name} invalid UTF-8 (error) on {raw!r}: {row} instead of {expected!r}")
            mismatches += 1
    return mismatches


def check_saved(name, encode_texts, path, texts, make_reference):
    """The files anvil saves load in HF with the same ids."""
    with tempfile.TemporaryDirectory() as d:
        rows, _ = run_anvil(encode_texts, path, [{"text": t} for t in texts], "--save", f"{d}/saved")
        saved = make_reference(f"{d}/saved")
        return first_diffs(name, "ids after save", texts, [r["ids"] for r in rows], saved.encode_batch(texts, False))


def count_other_mismatches(what, texts, theirs, rows):
    """Differences that do not fail the test, reported as found."""
    bad = sum(1 for i, r in enumerate(rows) if r.get("ids") != theirs[i])
    print(f"  note: {bad} of {len(texts)} texts differ from {what}")


def informational_comparisons(name, texts, rows):
    if name == SMOLLM2:
        count_other_mismatches("transformers 5's AutoTokenizer (which drops the Digits pre-tokenizer)", texts,
                               Transformers(f"{HF}/smollm2").encode_batch(texts, False), rows)
    if name == "llama2":
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=f"{HF}/llama2/tokenizer.model")
        count_other_mismatches("libsentencepiece's encode", texts, sp.encode(texts), rows)


def check_description(name, info, reference):
    if not isinstance(reference, Transformers) or isinstance(reference, TokenizersFile):
        return 0
    tok = reference.tok
    expected = {"vocab_size": len(tok), "template_variables": tok.special_tokens_map,
                "eos_id": tok.eos_token_id if tok.eos_token_id is not None else -1,
                "bos_id": tok.bos_token_id if tok.bos_token_id is not None else -1}
    bad = 0
    for key, value in expected.items():
        if info[key] != value:
            print(f"  {name} {key}: anvil {info[key]!r}, transformers {value!r}")
            bad += 1
    return bad


def main():
    encode_texts = sys.argv[1]
    texts = corpus()
    items = [{"text": t} for t in texts]
    char_maps = [char_indices_of_bytes(t) for t in texts]
    # name, path given to anvil, the reference, and what reads a directory anvil saved (None: not checked).
    cases = [
        ("gpt2", f"{HF}/gpt2", lambda: Transformers(f"{HF}/gpt2"), Transformers),
        (SMOLLM2, f"{HF}/smollm2", lambda: TokenizersFile(f"{HF}/smollm2/tokenizer.json"),
         lambda d: TokenizersFile(f"{d}/tokenizer.json")),
        ("qwen2.5", f"{HF}/qwen2.5", lambda: Transformers(f"{HF}/qwen2.5"), Transformers),
        ("mistral", f"{HF}/mistral", lambda: Transformers(f"{HF}/mistral"), Transformers),
        ("llama2", f"{HF}/llama2", lambda: SentencePieceWithBos(f"{HF}/llama2"), Transformers),
        ("llama3", f"{HF}/llama3/tokenizer.model", lambda: Llama3Tiktoken(f"{HF}/llama3/tokenizer.model"), None),
    ]
    passed = failed = 0
    for name, path, make_reference, read_saved in cases:
        reference = make_reference()
        rows, info = run_anvil(encode_texts, path, items)
        mismatches = compare(name, reference, texts, rows, char_maps)
        mismatches += check_invalid_utf8(name, encode_texts, path, reference)
        mismatches += check_description(name, info, reference)
        if read_saved is not None:
            mismatches += check_saved(name, encode_texts, path, texts[:300] + EDGE_CASES, read_saved)
        informational_comparisons(name, texts, rows)
        print(f"{name}: {len(texts)} texts, {mismatches} mismatches")
        if mismatches == 0:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

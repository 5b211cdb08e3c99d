#!/usr/bin/env python3
"""Regenerates the libFuzzer seed corpora under tests/fuzz/corpus/<target>/.

    python tests/fuzz/make_corpus.py [DATA_DIR] [--out CORPUS_DIR]

DATA_DIR is the shared data (default: ../shared/data relative to the repo
root; see its README.md). Each target's folder is emptied and rewritten, and
the same data gives the same bytes (fixed seeds, single-threaded training).
Needs `tokenizers` and `sentencepiece` (the project's venv has both).

Every input follows what tests/fuzz/<target>_fuzz.cpp does with its bytes:
tokenizer directories are their files joined by NUL bytes (fuzz_input.h's
input_directory), text_records' first byte picks the reader, config_fuzz
takes lines starting with '@' as overrides.
"""
import argparse
import base64
import gzip
import io
import json
import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAX_FILE = 64 * 1024

# ---------------------------------------------------------------- helpers


def shakespeare_lines(data: Path, count: int, start: int = 0):
    lines = (data / "tinyshakespeare.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines[start:start + count] if line.strip()]


def head_lines(path: Path, count: int) -> bytes:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return b"".join(f.readline() for _ in range(count))


def dump_json(value, indent=None) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=indent).encode("utf-8")


class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self.written = {}

    def target(self, name: str):
        d = self.root / name
        d.mkdir(parents=True, exist_ok=True)
        # regression_* are inputs a fuzzer once failed on, kept by hand.
        for old in d.iterdir():
            if not old.name.startswith("regression_"):
                old.unlink()
        self.written[name] = []
        return lambda file, data: self.write(name, file, data)

    def write(self, target: str, file: str, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > MAX_FILE:
            raise SystemExit(f"{target}/{file}: {len(data)} bytes, over the {MAX_FILE}-byte limit")
        (self.root / target / file).write_bytes(data)
        self.written[target].append((file, len(data)))


# ---------------------------------------------------------------- 1. config_fuzz


def make_config(corpus: Corpus, data: Path):
    out = corpus.target("config_fuzz")
    configs = sorted((REPO / "configs").glob("*.yaml"))
    for path in configs:
        if path.stat().st_size <= 16 * 1024:
            out(path.name, path.read_bytes())
    by_name = {p.stem: p.read_bytes() for p in configs}
    out("shakespeare_char_cpu_overrides.yaml",
        by_name["shakespeare_char_cpu"] + b"@train.max_steps=3\n@model.n_layer=2\n@optim.lr=1e-3\n")
    out("wikitext2_bpe_cpu_override.yaml", by_name["wikitext2_bpe_cpu"] + b"@train.max_steps=3\n")
    out("gpt2_124m_bad_override.yaml",
        by_name["gpt2_124m"] + b"@model.n_layer=2\n@train.no_such_key=1\n")
    # Anchors and aliases: a scalar reused (seed as max_steps, lr as min_lr) and a whole mapping (eval's as checkpoint's).
    out("anchors_aliases.yaml", """\
run:
  dir: runs/fuzz
  seed: &seed 7
data:
  train: ${ANVIL_DATA}/tinyshakespeare.txt
  val_fraction: 0.1
tokenizer:
  type: char
model:
  n_layer: 2
  n_head: 2
  n_embd: 32
  block_size: 16
optim:
  lr: &lr 1.0e-3
schedule:
  min_lr: *lr
train:
  max_steps: *seed
  batch_size: 4
eval: &every
  every: 5
checkpoint: *every
""")
    out("map_for_scalar.yaml", """\
run:
  dir: runs/fuzz
  seed: {value: 1337, nested: [1, 2]}
data:
  train: ${ANVIL_DATA}/tinyshakespeare.txt
tokenizer:
  type: char
model:
  n_layer:
    deep: 4
  n_head: [4, 4]
  n_embd: 128
optim:
  lr: 1.0e-3
train:
  max_steps: 10
""")


# ---------------------------------------------------------------- 2. safetensors_fuzz

DTYPE_FORMAT = {"F32": "<f", "F64": "<d", "I64": "<q", "I32": "<i", "I16": "<h", "I8": "<b", "U8": "<B",
                "BOOL": "<?", "F16": "<e"}


def bf16_bytes(values):
    out = b""
    for v in values:
        out += struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:]  # the upper half
    return out


def safetensors_file(tensors, metadata=None, pad=True) -> bytes:
    """tensors: list of (name, dtype, shape, raw bytes), laid out in order."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def pack(dtype, values):
    if dtype == "BF16":
        return bf16_bytes(values)
    return b"".join(struct.pack(DTYPE_FORMAT[dtype], v) for v in values)


def _expect(name, problem, invalid):
    if invalid and problem is None:
        raise SystemExit(f"{name}: meant to be refused, but the reader's checks accept it")
    if not invalid and problem is not None:
        raise SystemExit(f"{name}: meant to be valid, but the reader would refuse it: {problem}")


def safetensors_problem(raw: bytes):
    """None when models/safetensors_header.cpp accepts the file, else why not (its checks, in its order)."""
    if len(raw) < 8:
        return "shorter than 8 bytes"
    length = struct.unpack("<Q", raw[:8])[0]
    if length > len(raw) - 8:
        return "header length past the end"
    try:
        header = json.loads(raw[8:8 + length])
    except ValueError:
        return "header is not JSON"
    if not isinstance(header, dict):
        return "header is not an object"
    data_size = len(raw) - 8 - length
    for name, entry in header.items():
        if name == "__metadata__":
            if not (isinstance(entry, dict) and all(isinstance(v, str) for v in entry.values())):
                return "metadata is not str: str"
            continue
        width = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                 "BOOL": 1}.get(entry.get("dtype"))
        if width is None:
            return f"{name}: dtype"
        shape, offsets = entry["shape"], entry["data_offsets"]
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            return f"{name}: shape"
        count = width
        for d in shape:
            count *= d
        if len(offsets) != 2 or offsets[0] > offsets[1] or offsets[1] > data_size or offsets[1] - offsets[0] != count:
            return f"{name}: data_offsets"
    return None


def make_safetensors(corpus: Corpus, data: Path):
    corpus.target("safetensors_fuzz")

    def out(name, raw):
        _expect(name, safetensors_problem(raw), name.startswith("bad_"))
        corpus.write("safetensors_fuzz", name, raw)

    out("f32_matrix_metadata.safetensors", safetensors_file(
        [("wte.weight", "F32", [3, 2], pack("F32", [0.5, -1.0, 2.0, 0.0, 1e-3, 3.25])),
         ("ln_f.bias", "F32", [2], pack("F32", [0.0, 1.0]))],
        metadata={"format": "pt", "model": "fuzz"}))
    out("bf16_no_metadata.safetensors", safetensors_file(
        [("model.embed_tokens.weight", "BF16", [2, 4], pack("BF16", [1.0, -2.0, 0.5, 0.25, 3.0, -0.125, 8.0, 0.0]))]))
    out("i64_bool.safetensors", safetensors_file(
        [("position_ids", "I64", [1, 5], pack("I64", [0, 1, 2, 3, 4])),
         ("mask", "BOOL", [5], pack("BOOL", [True, False, True, True, False]))],
        metadata={"format": "pt"}))
    out("scalar_and_empty.safetensors", safetensors_file(
        [("scale", "F32", [], pack("F32", [2.5])),
         ("empty", "F32", [0, 4], b""),
         ("bias", "F16", [3], pack("F16", [1.0, 0.5, -0.25]))],
        metadata={}))
    out("mixed_dtypes.safetensors", safetensors_file(
        [("a", "F64", [2], pack("F64", [1.5, -2.5])), ("b", "I32", [2, 2], pack("I32", [1, -2, 3, -4])),
         ("c", "I16", [3], pack("I16", [7, 8, 9])), ("d", "I8", [2], pack("I8", [-1, 1])),
         ("e", "U8", [4], pack("U8", [0, 127, 128, 255]))],
        metadata={"format": "pt", "note": "one of each width"}))
    out("unpadded_header.safetensors", safetensors_file(
        [("x", "F32", [1], pack("F32", [1.0]))], pad=False))
    # Invalid: data_offsets past the end of the data, and a header length past the file.
    past = safetensors_file([("w", "F32", [4], pack("F32", [1.0, 2.0, 3.0, 4.0]))])
    length = struct.unpack("<Q", past[:8])[0]
    header = json.loads(past[8:8 + length])
    header["w"]["data_offsets"] = [0, 32]
    header["w"]["shape"] = [8]
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    out("bad_offsets_past_end.safetensors", struct.pack("<Q", len(text)) + text + past[8 + length:])
    good = safetensors_file([("w", "F32", [2], pack("F32", [1.0, 2.0]))])
    out("bad_header_length.safetensors", struct.pack("<Q", len(good) + 100) + good[8:])


# ---------------------------------------------------------------- 3. token_shard_fuzz

SHARD_MAGIC = b"ANVLTOK1"
SHARD_VERSION = 1


def token_shard(documents, vocab_size, token_bytes, fingerprint=0x1234ABCD, text_bytes=None) -> bytes:
    """data/token_shard.h: 64-byte header, tokens padded to 8 bytes, (documents + 1) u64 index."""
    tokens = [t for doc in documents for t in doc]
    assert all(0 <= t < vocab_size for t in tokens)
    index = [0]
    for doc in documents:
        index.append(index[-1] + len(doc))
    if text_bytes is None:
        text_bytes = 3 * len(tokens)
    header = SHARD_MAGIC + struct.pack("<IIQQQQQQ", SHARD_VERSION, token_bytes, len(tokens), len(documents),
                                       vocab_size, fingerprint, text_bytes, 0)
    body = struct.pack("<%d%s" % (len(tokens), "H" if token_bytes == 2 else "I"), *tokens)
    body += b"\0" * (-len(body) % 8)
    return header + body + struct.pack("<%dQ" % len(index), *index)


def token_shard_problem(raw: bytes):
    """None when data/token_shard.cpp's TokenShard accepts the file (and its reads succeed), else why not."""
    if len(raw) < 64:
        return "shorter than the header"
    magic = raw[:8]
    version, token_bytes, tokens, documents, vocab, _, _, _ = struct.unpack("<IIQQQQQQ", raw[8:64])
    if magic != SHARD_MAGIC:
        return "magic"
    if version != SHARD_VERSION:
        return "version"
    if token_bytes not in (2, 4):
        return "token width"
    padded = (tokens * token_bytes + 7) // 8 * 8
    if 64 + padded + (documents + 1) * 8 != len(raw):
        return "size"
    index = struct.unpack("<%dQ" % (documents + 1), raw[64 + padded:])
    if index[0] != 0 or index[-1] != tokens or list(index) != sorted(index):
        return "index"
    ids = struct.unpack("<%d%s" % (tokens, "H" if token_bytes == 2 else "I"), raw[64:64 + tokens * token_bytes])
    if any(t >= vocab for t in ids):
        return "token outside the vocabulary"
    return None


def make_token_shards(corpus: Corpus, data: Path):
    corpus.target("token_shard_fuzz")

    def out(name, raw):
        _expect(name, token_shard_problem(raw), name.startswith(("truncated_", "header_only")))
        corpus.write("token_shard_fuzz", name, raw)
    # Character ids of Tiny Shakespeare lines, as a char tokenizer would give them.
    text = (data / "tinyshakespeare.txt").read_text(encoding="utf-8")
    chars = sorted(set(text))
    lines = text.splitlines()[:12]
    docs = [[chars.index(c) for c in line + "\n"] for line in lines]
    out("u16_one_document.tok", token_shard([docs[0] + docs[1]], len(chars), 2))
    out("u16_documents_empty_one.tok", token_shard([docs[2], [], docs[3][:7], docs[4]], len(chars), 2))
    out("u32_documents.tok", token_shard([[t + 70000 for t in d] for d in docs[5:9]], 70000 + len(chars), 4))
    out("u32_empty_last_document.tok", token_shard([[1, 2, 3], [], []], 50257, 4))
    out("u16_no_tokens.tok", token_shard([[]], 256, 2, text_bytes=0))
    out("u16_no_documents.tok", token_shard([], 256, 2, text_bytes=0))
    whole = token_shard(docs[9:12], len(chars), 2)
    out("truncated_index.tok", whole[:-5])
    out("header_only.tok", whole[:64])


# ---------------------------------------------------------------- 4. text_records_fuzz

JSONL, LINES, TSV, CSV, REPLACE = 0, 1, 2, 3, 4


def make_text_records(corpus: Corpus, data: Path):
    out = corpus.target("text_records_fuzz")
    rec = lambda kind, body: bytes([kind]) + body
    out("jsonl_alpaca", rec(JSONL, head_lines(data / "alpaca/alpaca_sample_2000.jsonl", 20)))
    out("jsonl_lambada_text", rec(JSONL, head_lines(data / "evals/lambada/lambada_test.jsonl", 12)))
    out("jsonl_arc_nested", rec(JSONL | REPLACE, head_lines(data / "evals/arc_easy/ARC-Easy-Dev.jsonl", 15)))
    pref = head_lines(data / "preference/hh_rlhf_harmless_base_test.jsonl.gz", 40)
    pref_lines = [line for line in pref.splitlines(keepends=True) if len(line) < 2000][:12]
    out("jsonl_preference", rec(JSONL, b"".join(pref_lines)))
    out("jsonl_blank_and_bad", rec(JSONL, b'{"text": "a"}\n\n   \n{"text": 5}\n["not", "an", "object"]\n{"text": "b"\n'))
    out("lines_wikitext", rec(LINES, head_lines(data / "wikitext-2/valid.txt", 20)))
    out("lines_shakespeare_bom_crlf", rec(LINES | REPLACE, b"\xef\xbb\xbf" + b"".join(
        line.rstrip(b"\n") + b"\r\n" for line in head_lines(data / "tinyshakespeare.txt", 20).splitlines(True))))
    out("tsv_sst2", rec(TSV, head_lines(data / "sst2/dev.tsv", 21)))
    out("tsv_ragged", rec(TSV, b"label\tsentence\n1\tfine\n0\ttoo\tmany\n1\n"))
    out("csv_quoted", rec(CSV, (
        'id,text,label\n'
        '1,"Hello, world",1\n'
        '2,"She said ""hi"" and left",0\n'
        '3,"two\nlines, and a comma",1\n'
        '4,plain,0\n'
        '5,"",1\n'
        '6,"caf\u00e9 \u6771\u4eac \U0001f642",0\r\n'
        '7,"ends with a quote """,1\n').encode("utf-8")))
    out("csv_unterminated_quote", rec(CSV, b'a,b\n1,"never closed\n2,3\n'))
    bad = b'{"text": "caf\xc3\xa9 ok"}\n{"text": "bad \xff\xfe bytes"}\n{"text": "cut \xe6\x9d"}\n'
    out("jsonl_invalid_utf8_replace", rec(JSONL | REPLACE, bad))
    out("lines_invalid_utf8_replace", rec(LINES | REPLACE, b"good line\nbad \xc0\xaf overlong\n\xed\xa0\x80 surrogate\ntail \xf0\x9f"))
    out("lines_invalid_utf8_strict", rec(LINES, b"good line\nbad \xff byte\n"))


# ---------------------------------------------------------------- 5. hf_config_fuzz


def make_hf_config(corpus: Corpus, data: Path):
    out = corpus.target("hf_config_fuzz")
    for model in sorted(p.name for p in (data / "hf").iterdir()):
        path = data / "hf" / model / "config.json"
        if path.exists():
            out(f"{model}_config.json", path.read_bytes())
    llama31 = {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
        "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072,
        "mlp_bias": False, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
        "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0.dev0", "use_cache": True, "vocab_size": 128256}
    out("llama3_rope_llama3_tied.json", dump_json(llama31, indent=2))
    untied = dict(llama31, tie_word_embeddings=False, num_hidden_layers=4, hidden_size=256, head_dim=32,
                  num_attention_heads=8, num_key_value_heads=2, intermediate_size=512,
                  rope_scaling={"type": "linear", "factor": 2.0})
    out("llama_rope_linear_untied.json", dump_json(untied, indent=2))
    qwen = json.loads((data / "hf/qwen2.5/config.json").read_text())
    out("qwen2_sliding_window_on.json", dump_json(dict(qwen, use_sliding_window=True, sliding_window=4096,
                                                       max_window_layers=12), indent=2))
    out("qwen2_sliding_window_null.json", dump_json(dict(qwen, sliding_window=None, max_window_layers=24,
                                                         tie_word_embeddings=False,
                                                         rope_scaling={"type": "yarn", "factor": 4.0,
                                                                       "original_max_position_embeddings": 32768}),
                                                    indent=2))
    mistral = json.loads((data / "hf/mistral/config.json").read_text())
    out("mistral_sliding_window.json", dump_json(dict(mistral, sliding_window=4096, rope_theta=10000.0,
                                                      vocab_size=32000), indent=2))
    out("qwen2_layer_types.json", dump_json(dict(qwen, num_hidden_layers=4,
                                                 layer_types=["full_attention"] * 4), indent=2))
    out("unknown_model_type.json", dump_json({"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12}))


# ---------------------------------------------------------------- 6/7. tokenizer_json_fuzz, vocab_merges_fuzz

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                   "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                   "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
QWEN2_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
                  "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
                  "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
QWEN2_ADDED = ["<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
               "<|repo_name|>", "<|file_sep|>"]


def retrain(tok_json: dict, texts, vocab_size, specials_first=(), byte_level=False, extra_first=()):
    """Retrains a tokenizer.json's BPE model in place: every other part is kept.

    specials_first become the first ids (special added tokens), extra_first
    (sentencepiece byte pieces) the ids after them, as plain vocabulary."""
    from tokenizers import Tokenizer, pre_tokenizers, trainers
    tok_json = json.loads(json.dumps(tok_json))
    tok_json["model"]["vocab"] = {}
    tok_json["model"]["merges"] = []
    tok_json["added_tokens"] = []
    tokenizer = Tokenizer.from_str(json.dumps(tok_json))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, show_progress=False,
        special_tokens=list(specials_first) + list(extra_first),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if byte_level else [])
    tokenizer.train_from_iterator(texts, trainer)
    out = json.loads(tokenizer.to_str())
    extra = set(extra_first)
    out["added_tokens"] = [t for t in out["added_tokens"] if t["content"] not in extra]
    return out


def add_specials_after(tok_json: dict, specials, special=True):
    """Appends added tokens after the model's vocabulary (GPT-2's, Llama 3's and Qwen's layout)."""
    next_id = max(list(tok_json["model"]["vocab"].values()) + [t["id"] for t in tok_json["added_tokens"]]) + 1
    for content in specials:
        tok_json["added_tokens"].append({"id": next_id, "content": content, "single_word": False, "lstrip": False,
                                         "rstrip": False, "normalized": not special, "special": special})
        next_id += 1
    return tok_json


def pipeline_json(normalizer, pre_tokenizer, post_processor, decoder, model):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": normalizer,
            "pre_tokenizer": pre_tokenizer, "post_processor": post_processor, "decoder": decoder, "model": model}


def bpe_model(**options):
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
             "vocab": {}, "merges": []}
    model.update(options)
    return model


def byte_level_pre(add_prefix_space=False, use_regex=True):
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": True, "use_regex": use_regex}


def template_with(token, token_id):
    return {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": token, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": token, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": token, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {token: {"id": token, "ids": [token_id], "tokens": [token]}}}


def small_config(config: dict, keep_ids=None) -> dict:
    """The real tokenizer_config.json less any field over a few KB, except
    chat_template; added_tokens_decoder is cut to `keep_ids` when given."""
    out = {}
    for key, value in config.items():
        if key == "added_tokens_decoder" and keep_ids is not None:
            value = {k: v for k, v in value.items() if int(k) in keep_ids}
        if key != "chat_template" and len(json.dumps(value)) > 3000:
            continue
        out[key] = value
    return out


def build_tokenizers(data: Path):
    """The retrained tokenizers: name -> (tokenizer.json dict, tokenizer_config.json dict or None)."""
    texts = shakespeare_lines(data, 200)
    hf = data / "hf"
    built = {}

    smol = json.loads((hf / "smollm2/tokenizer.json").read_text(encoding="utf-8"))
    specials = [t["content"] for t in sorted(smol["added_tokens"], key=lambda t: t["id"])]
    smol = retrain(smol, texts, 400, specials_first=specials, byte_level=True)
    built["smollm2"] = (smol, json.loads((hf / "smollm2/tokenizer_config.json").read_text(encoding="utf-8")))

    mistral = json.loads((hf / "mistral/tokenizer.json").read_text(encoding="utf-8"))
    kept = [t["content"] for t in sorted(mistral["added_tokens"], key=lambda t: t["id"])
            if not t["content"].startswith("[control_")]
    byte_pieces = ["<0x%02X>" % b for b in range(256)]
    mistral = retrain(mistral, texts, 500, specials_first=kept, extra_first=byte_pieces)
    config = json.loads((hf / "mistral/tokenizer_config.json").read_text(encoding="utf-8"))
    built["mistral"] = (mistral, small_config(config, keep_ids=set(range(len(kept)))))

    gpt2 = pipeline_json(None, byte_level_pre(), {"type": "ByteLevel", "add_prefix_space": True,
                                                  "trim_offsets": False, "use_regex": True},
                         {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
                         bpe_model())
    gpt2 = add_specials_after(retrain(gpt2, texts, 350, byte_level=True), ["<|endoftext|>"])
    built["gpt2"] = (gpt2, json.loads((hf / "gpt2/tokenizer_config.json").read_text(encoding="utf-8")))

    llama3 = pipeline_json(
        None,
        {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level_pre(use_regex=False)]},
        None,
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        bpe_model(ignore_merges=True))
    llama3 = add_specials_after(retrain(llama3, texts, 450, byte_level=True), LLAMA3_SPECIALS)
    bos = llama3["added_tokens"][0]["id"]
    llama3["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        template_with("<|begin_of_text|>", bos)]}
    template = (hf / "llama3/chat_template.llama3.jinja").read_text(encoding="utf-8")
    llama3_config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "clean_up_tokenization_spaces": True,
                     "model_input_names": ["input_ids", "attention_mask"], "model_max_length": 131072,
                     "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": template}
    built["llama3"] = (llama3, llama3_config)

    qwen2 = pipeline_json(
        {"type": "NFC"},
        {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level_pre(use_regex=False)]},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        bpe_model())
    qwen2 = add_specials_after(retrain(qwen2, texts, 350, byte_level=True), QWEN2_SPECIALS)
    qwen2 = add_specials_after(qwen2, QWEN2_ADDED, special=False)
    built["qwen2.5"] = (qwen2, json.loads((hf / "qwen2.5/tokenizer_config.json").read_text(encoding="utf-8")))
    return built


def make_tokenizer_json(corpus: Corpus, data: Path, built):
    out = corpus.target("tokenizer_json_fuzz")
    for name, (tok, config) in built.items():
        out(f"{name}_with_config", dump_json(tok) + b"\0" + dump_json(config, indent=2))
    out("llama3_tokenizer_only", dump_json(built["llama3"][0]))
    smol = built["smollm2"][0]
    out("smollm2_empty_config_part", dump_json(smol) + b"\0")


def merges_of(tok: dict):
    return [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]


def slow_files(tok: dict, version_line=True) -> bytes:
    vocab = dict(tok["model"]["vocab"])
    for t in tok["added_tokens"]:
        vocab.setdefault(t["content"], t["id"])
    merges = ("#version: 0.2\n" if version_line else "") + "".join(m + "\n" for m in merges_of(tok))
    return dump_json(vocab) + b"\0" + merges.encode("utf-8")


def make_vocab_merges(corpus: Corpus, data: Path, built):
    out = corpus.target("vocab_merges_fuzz")
    out("gpt2_style", slow_files(built["gpt2"][0]))
    out("smollm2", slow_files(built["smollm2"][0]))
    out("llama3_style", slow_files(built["llama3"][0]))
    out("qwen2_no_version_line", slow_files(built["qwen2.5"][0], version_line=False))
    alphabet = ["h", "e", "l", "o", "w", "r", "d", "Ġ", "Ċ"]
    tiny_merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"]
    vocab = {t: i for i, t in enumerate(alphabet)}
    for m in tiny_merges:
        vocab.setdefault(m.replace(" ", ""), len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    out("tiny_hand_made", dump_json(vocab) + b"\0" +
        ("#version: 0.2\n" + "\n".join(tiny_merges) + "\n").encode("utf-8"))
    out("crlf_merges_missing_token", dump_json({"a": 0, "b": 1, "ab": 2}) + b"\0" +
        b"#version: 0.2\r\na b\r\nab c\r\n")


# ---------------------------------------------------------------- 8. tokenizer_model_fuzz


def train_sentencepiece(texts, **options) -> bytes:
    import sentencepiece as spm
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, num_threads=1, minloglevel=2,
        shuffle_input_sentence=False, seed_sentencepiece_size=10000, **options)
    return model.getvalue()


def make_tokenizer_model(corpus: Corpus, data: Path):
    out = corpus.target("tokenizer_model_fuzz")
    texts = shakespeare_lines(data, 500)
    out("spm_bpe.model", train_sentencepiece(texts, model_type="bpe", vocab_size=250,
                                             normalization_rule_name="identity"))
    out("spm_bpe_byte_fallback.model", train_sentencepiece(
        texts, model_type="bpe", vocab_size=400, byte_fallback=True, normalization_rule_name="identity",
        user_defined_symbols=["<sep>"], control_symbols=["<ctrl>"]))
    out("spm_bpe_no_dummy_prefix.model", train_sentencepiece(
        texts, model_type="bpe", vocab_size=200, normalization_rule_name="identity", add_dummy_prefix=False,
        remove_extra_whitespaces=False, pad_id=3))
    out("spm_unigram.model", train_sentencepiece(texts, model_type="unigram", vocab_size=250,
                                                 normalization_rule_name="identity"))
    # tiktoken: Llama 3's first ranks (its 256 single bytes, then the first merged tokens).
    with open(data / "hf/llama3/tokenizer.model", "rb") as f:
        lines = [f.readline() for _ in range(356)]
    for rank, line in enumerate(lines):
        token, number = line.split()
        assert int(number) == rank and len(base64.b64decode(token)) >= 1
    out("tiktoken_llama3_head.model", b"".join(lines))
    out("tiktoken_duplicate_rank.model", b"".join(lines[:40]) + lines[40].split()[0] + b" 3\n")


# ---------------------------------------------------------------- 9. chat_template_fuzz


def make_chat_template(corpus: Corpus, data: Path):
    out = corpus.target("chat_template_fuzz")
    hf = data / "hf"
    for model in sorted(p.name for p in hf.iterdir()):
        config = hf / model / "tokenizer_config.json"
        if config.exists():
            template = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
            if isinstance(template, str):
                out(f"{model}.jinja", template)
            elif isinstance(template, list):
                for entry in template:
                    out(f"{model}_{entry['name']}.jinja", entry["template"])
    out("llama3.jinja", (hf / "llama3/chat_template.llama3.jinja").read_bytes())
    out("loops_filters.jinja", """\
{%- for message in messages -%}
{{ loop.index }}/{{ loop.length }} {{ message.role | upper }}: {{ message.content | trim }}
{%- if message.tool_calls is defined %} calls={{ message.tool_calls | tojson }}{% endif %}
{%- if not loop.last %}{{ '\\n' }}{% endif -%}
{%- else -%}no messages
{%- endfor %}
{{- messages | length }} {{ messages | map(attribute='role') | join(',') }}
{%- if add_generation_prompt %}{{ '\\nASSISTANT:' }}{% endif %}""")
    out("macro_namespace.jinja", """\
{%- macro render(message, prefix='> ') -%}
{{ prefix }}{{ message['role'] }}: {{ message['content'] if message['content'] is string else message['content'] | tojson(indent=2) }}
{%- endmacro -%}
{%- set ns = namespace(system='', count=0) -%}
{%- for m in messages -%}
  {%- if m.role == 'system' -%}{%- set ns.system = m.content -%}
  {%- else -%}{%- set ns.count = ns.count + 1 -%}{{ render(m) }}{{ '\\n' }}{%- endif -%}
{%- endfor -%}
system={{ ns.system | default('none') }} turns={{ ns.count }}
{{- bos_token ~ eos_token }}""")
    out("slicing_strings.jinja", """\
{%- set first = messages[0] -%}
{%- set rest = messages[1:] -%}
{{ first.content[:4] }}|{{ first.content[::-1] }}|{{ rest[-1].content.split('!')[0] }}
{%- for m in rest[::2] %}
{{ m.content.strip().lower().replace('<b>', '[b]').startswith('hi') }} {{ m.content.endswith('!') }} {{ m.role.title() }} {{ '%s=%d' % (m.role, loop.index0) }}
{%- endfor %}
{{ "a,b,,c".split(",") | select | list | tojson }} {{ [3, 1, 2] | sort | first }} {{ {'k': 'v', 'a': 1} | items | list }} {{ range(3) | sum }}
{%- if messages | selectattr('role', 'equalto', 'tool') | list | length > 0 %}tools{% endif %}""")
    out("raise_exception.jinja", """\
{%- if messages[0]['role'] != 'system' -%}
  {{- raise_exception('The first message must be a system message') -}}
{%- endif -%}
{%- for message in messages[1:] -%}
  {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}
  {%- endif -%}
  {{- '[' + message['role'] + '] ' + message['content'] -}}
{%- endfor -%}
{{- raise_exception('reached the end: ' ~ messages | length) -}}""")


# ---------------------------------------------------------------- 10. openai_request_fuzz


def make_openai_request(corpus: Corpus, data: Path):
    out = corpus.target("openai_request_fuzz")
    bodies = {
        "completion_string.json": {"model": "anvil", "prompt": "Once upon a time", "max_tokens": 16,
                                   "temperature": 0.8, "top_p": 0.95, "seed": 42, "stop": "\n"},
        "completion_list.json": {"prompt": ["First prompt", "Second prompt"], "n": 2, "max_tokens": 8,
                                 "stop": ["\n\n", "END"], "logprobs": 2, "echo": True},
        "completion_token_ids.json": {"prompt": [15, 496, 995, 3], "max_tokens": 4, "temperature": 0},
        "completion_token_lists.json": {"prompt": [[1, 2, 3], [999], [0, 0]], "max_tokens": 2, "seed": 7},
        "completion_stream_neutral.json": {"prompt": "x", "stream": True, "presence_penalty": 0,
                                           "frequency_penalty": 0, "best_of": 1, "suffix": "",
                                           "logit_bias": {}, "max_tokens": 3, "response_format": {"type": "text"}},
        "chat_roles.json": {"model": "anvil", "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Count to three."}],
            "max_tokens": 12, "temperature": 0.7, "top_p": 0.9, "n": 1, "stop": ["4"], "seed": 1},
        "chat_tool.json": {"messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "call_1", "type": "function",
                             "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C, cloudy"}],
            "tools": [], "max_completion_tokens": 20, "stream": True},
        "chat_content_parts.json": {"messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe"}, {"type": "text", "text": " briefly."}]}],
            "response_format": {"type": "text"}},
        "chat_logprobs_not_supported.json": {"messages": [{"role": "user", "content": "hi"}], "logprobs": True,
                                             "top_logprobs": 2},
        "bad_unsupported_fields.json": {"messages": [{"role": "user", "content": "hi"}],
                                        "tools": [{"type": "function", "function": {"name": "weather"}}],
                                        "prompt": "hi", "presence_penalty": 0.5, "logit_bias": {"50": -100},
                                        "best_of": 3, "stream": True, "echo": True},
        "bad_negative_max_tokens.json": {"prompt": "hi", "max_tokens": -5, "n": 0, "temperature": -1},
        "bad_messages_not_list.json": {"messages": {"role": "user", "content": "hi"}, "prompt": 5,
                                       "stop": [1, 2]},
        "bad_over_limits.json": {"prompt": ["p"] * 20, "n": 9, "max_tokens": 100000, "top_p": 1.5,
                                 "messages": [{"role": "wizard", "content": "x"}, {"content": 3}]},
    }
    for name, body in bodies.items():
        out(name, dump_json(body, indent=1))


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", default=str(REPO.parent / "shared" / "data"),
                        help="the shared data directory (default: ../shared/data beside the repo)")
    parser.add_argument("--out", default=str(REPO / "tests/fuzz/corpus"), help="the corpus directory")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    if not (data / "tinyshakespeare.txt").exists():
        raise SystemExit(f"{data}: not the shared data (no tinyshakespeare.txt)")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    corpus = Corpus(Path(args.out))
    make_config(corpus, data)
    make_safetensors(corpus, data)
    make_token_shards(corpus, data)
    make_text_records(corpus, data)
    make_hf_config(corpus, data)
    built = build_tokenizers(data)
    make_tokenizer_json(corpus, data, built)
    make_vocab_merges(corpus, data, built)
    make_tokenizer_model(corpus, data)
    make_chat_template(corpus, data)
    make_openai_request(corpus, data)
    total = 0
    for target, files in corpus.written.items():
        size = sum(n for _, n in files)
        total += size
        print(f"{target:24s} {len(files):3d} files {size:8d} bytes")
    print(f"{'total':24s} {sum(len(f) for f in corpus.written.values()):3d} files {total:8d} bytes")


if __name__ == "__main__":
    sys.exit(main())

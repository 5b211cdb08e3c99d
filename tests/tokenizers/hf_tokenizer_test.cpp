#include "tokenizers/hf_tokenizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace anvil::tokenizers {
namespace {

namespace fs = std::filesystem;

std::string data_dir() {
  const char* env = std::getenv("ANVIL_DATA");
  return env != nullptr ? env : "/work/shared/data";
}
std::string hf(const std::string& name) { return data_dir() + "/hf/" + name; }

std::vector<int32_t> ids(const HfTokenizer& t, const std::string& text, bool special = false) {
  return t.encode(text, special).ids;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("anvil_tok_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(HfTokenizer, KnownIdsOfEachFormat) {
  EXPECT_EQ(ids(HfTokenizer::load(hf("gpt2")), "Hello world"), (std::vector<int32_t>{15496, 995}));
  EXPECT_EQ(ids(HfTokenizer::load(hf("qwen2.5")), "Hello world"), (std::vector<int32_t>{9707, 1879}));
  EXPECT_EQ(ids(HfTokenizer::load(hf("llama3")), "Hello world"), (std::vector<int32_t>{9906, 1917}));
  EXPECT_EQ(ids(HfTokenizer::load(hf("llama3")), "Hello world", true), (std::vector<int32_t>{128000, 9906, 1917}));
  EXPECT_EQ(ids(HfTokenizer::load(hf("llama2")), "Hello", true), (std::vector<int32_t>{1, 15043}));
  const auto smol = HfTokenizer::load(hf("smollm2"));
  EXPECT_EQ(ids(smol, "<|im_start|>user<|im_end|>"), (std::vector<int32_t>{1, 4093, 2}));
}

TEST(HfTokenizer, SpecialTokensFromTheDirectory) {
  const auto smol = HfTokenizer::load(hf("smollm2"));
  const auto& s = smol.special_tokens();
  EXPECT_EQ(s.bos, "<|im_start|>");
  EXPECT_EQ(s.eos_id, 2);
  EXPECT_EQ(s.end_ids, (std::vector<int32_t>{2}));
  EXPECT_EQ(s.template_variables.at("pad_token"), "<|im_end|>");
  EXPECT_TRUE(smol.is_special(2));
  EXPECT_NE(smol.chat_template().find("<|im_start|>"), std::string::npos);
  const auto llama3 = HfTokenizer::load(hf("llama3"));
  EXPECT_EQ(llama3.token_to_id("<|eot_id|>"), 128009);
  EXPECT_EQ(llama3.token_to_id("<|reserved_special_token_247|>"), 128255);
  EXPECT_EQ(llama3.special_tokens().end_ids, (std::vector<int32_t>{128001, 128008, 128009}));
  EXPECT_EQ(llama3.vocab_size(), 128256);
  EXPECT_EQ(HfTokenizer::load(hf("gpt2")).special_tokens().eos_id, 50256);
}

TEST(HfTokenizer, InvalidUtf8Policies) {
  const auto replace = HfTokenizer::load(hf("gpt2"), InvalidUtf8::kReplace);
  EXPECT_EQ(replace.decode(ids(replace, "a\xFF" "b\xE2\x82")), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  const auto strict = HfTokenizer::load(hf("gpt2"), InvalidUtf8::kError);
  EXPECT_EQ(error_of([&] { strict.encode("ab\xC3(", false); }), "text is not valid UTF-8 at byte offset 2");
}

TEST(HfTokenizer, StartsPointIntoTheInput) {
  const auto mistral = HfTokenizer::load(hf("mistral"));
  const auto encoding = mistral.encode("Hi there", true);
  EXPECT_EQ(encoding.ids.front(), 1);
  EXPECT_EQ(encoding.starts, (std::vector<uint32_t>{0, 0, 2}));
}

TEST(HfTokenizer, ErrorsNameFileAndType) {
  const fs::path dir = temp_dir("errors");
  write(dir / "tokenizer.json",
        R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "Precompiled"}})");
  const std::string unsupported = error_of([&] { HfTokenizer::load(dir.string()); });
  EXPECT_NE(unsupported.find((dir / "tokenizer.json").string()), std::string::npos) << unsupported;
  EXPECT_NE(unsupported.find("unsupported normalizer type 'Precompiled'"), std::string::npos) << unsupported;
  write(dir / "tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  EXPECT_NE(error_of([&] { HfTokenizer::load(dir.string()); }).find("unsupported model type 'Unigram'"), std::string::npos);
  write(dir / "tokenizer.json", "{not json");
  EXPECT_NE(error_of([&] { HfTokenizer::load(dir.string()); }).find("tokenizer.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { HfTokenizer::load((dir / "missing").string()); }).find("no such tokenizer file"),
            std::string::npos);
  write(dir / "tokenizer.model", "IQ== 0\nIg== 1\n");
  EXPECT_NE(error_of([&] { HfTokenizer::load((dir / "tokenizer.model").string()); }).find("unknown tiktoken file (2 ranks)"),
            std::string::npos);
  write(dir / "tokenizer.model", "\x0a\x05garbage");
  EXPECT_NE(error_of([&] { HfTokenizer::load((dir / "tokenizer.model").string()); }).find("not a sentencepiece model"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(HfTokenizer, SaveWritesTheFilesBack) {
  const auto original = HfTokenizer::load(hf("qwen2.5"));
  const fs::path dir = temp_dir("save");
  original.save(dir.string());
  const auto reloaded = HfTokenizer::load(dir.string());
  EXPECT_EQ(reloaded.fingerprint(), original.fingerprint());
  EXPECT_EQ(reloaded.files().size(), original.files().size());
  const std::string text = "Hi <|im_start|>user\n\u4f60\u597d 123<|im_end|>";
  EXPECT_EQ(ids(reloaded, text), ids(original, text));
  EXPECT_NE(original.fingerprint(), HfTokenizer::load(hf("gpt2")).fingerprint());
  fs::remove_all(dir);
}

// A directory with GPT-2's vocab.json and merges.txt and the given tokenizer_config.json.
fs::path gpt2_copy(const std::string& name, const std::string& config) {
  const fs::path dir = temp_dir(name);
  fs::copy_file(hf("gpt2") + "/vocab.json", dir / "vocab.json");
  fs::copy_file(hf("gpt2") + "/merges.txt", dir / "merges.txt");
  write(dir / "tokenizer_config.json", config);
  return dir;
}

TEST(HfTokenizer, SlowFilesFollowTheConfigFlags) {
  const fs::path dir = gpt2_copy("flags", R"({"add_bos_token": true, "add_prefix_space": true})");
  EXPECT_EQ(ids(HfTokenizer::load(dir.string()), "Hello", true), (std::vector<int32_t>{50256, 18435}));
  write(dir / "tokenizer_config.json", R"({"tokenizer_class": "BertTokenizer"})");
  const std::string error = error_of([&] { HfTokenizer::load(dir.string()); });
  EXPECT_NE(error.find((dir / "vocab.json").string()), std::string::npos) << error;
  EXPECT_NE(error.find("unsupported tokenizer_class 'BertTokenizer'"), std::string::npos) << error;
  fs::remove_all(dir);
}

TEST(HfTokenizer, ChatTemplateAndEndIds) {
  const fs::path dir = gpt2_copy(
      "chat", R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})");
  write(dir / "generation_config.json", R"({"eos_token_id": [50256, 7]})");
  const auto listed = HfTokenizer::load(dir.string());
  EXPECT_EQ(listed.chat_template(), "D");
  EXPECT_EQ(listed.special_tokens().end_ids, (std::vector<int32_t>{50256, 7}));
  write(dir / "chat_template.jinja", "J");
  EXPECT_EQ(HfTokenizer::load(dir.string()).chat_template(), "J");
  fs::remove_all(dir);
}

TEST(HfTokenizer, TwoThreadsEncodeAsOne) {
  const auto tokenizer = HfTokenizer::load(hf("smollm2"));
  std::ifstream in(data_dir() + "/wikitext-2/valid.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line) && lines.size() < 2000;) lines.push_back(line);
  ASSERT_FALSE(lines.empty());
  std::vector<std::vector<int32_t>> alone, together(lines.size());
  for (const auto& line : lines) alone.push_back(ids(tokenizer, line));
  const auto fresh = HfTokenizer::load(hf("smollm2"));  // an empty word cache, filled by both threads at once
  auto work = [&](size_t first) {
    for (size_t i = first; i < lines.size(); i += 2) together[i] = ids(fresh, lines[i]);
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(together, alone);
}

}  // namespace
}  // namespace anvil::tokenizers

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/pair_dataset.h"
#include "data/preference_pairs.h"
#include "data/text_lines.h"
#include "tests/data/chars_with_eos.h"
#include "tests/support/error_of.h"

using namespace anvil::data;
using anvil::test_support::CharsWithEos;
using anvil::test_support::error_of;

namespace {

PairOptions options(PairFormat format) {
  PairOptions o;
  o.format = format;
  o.prompt_field = "prompt";
  o.chosen_field = "chosen";
  o.rejected_field = "rejected";
  o.response_marker = "a:";
  return o;
}

std::optional<PairExample> pair_of(const std::string& record, PairFormat format, PairSkip* skip = nullptr) {
  PairSkip ignored{};
  return pair_example(nlohmann::ordered_json::parse(record), options(format), CharsWithEos(), "p.jsonl", 3,
                      skip ? skip : &ignored);
}

// The text a row is trained on: its targets decoded, EOS as '$'.
std::string trained_text(const Example& e) {
  const CharsWithEos tokenizer;
  std::string out;
  for (const auto t : e.targets)
    if (t != kIgnoreIndex) out += t == tokenizer.eos_id() ? "$" : tokenizer.decode({static_cast<int32_t>(t)});
  return out;
}

}  // namespace

TEST(PreferencePairs, PromptFormTrainsEachResponseAndItsEos) {
  const auto pair = pair_of(R"({"prompt": "q: hi ", "chosen": "good", "rejected": "bad"})", PairFormat::kPrompt);
  ASSERT_TRUE(pair);
  EXPECT_EQ(trained_text(pair->chosen), "good$");
  EXPECT_EQ(trained_text(pair->rejected), "bad$");
  EXPECT_EQ(pair->chosen.inputs.size(), std::string("q: hi good").size());  // the row, less its last token
}

TEST(PreferencePairs, DialoguesSplitAfterTheLastMarker) {
  const auto pair = pair_of(R"({"chosen": "h: x a: y h: z a: yes", "rejected": "h: x a: y h: z a: no"})",
                            PairFormat::kDialogue);
  ASSERT_TRUE(pair);
  EXPECT_EQ(trained_text(pair->chosen), " yes$");
  EXPECT_EQ(trained_text(pair->rejected), " no$");
}

TEST(PreferencePairs, IdenticalOrUnsharedPairsAreCountedNotTrained) {
  PairSkip skip{};
  EXPECT_FALSE(pair_of(R"({"prompt": "q", "chosen": "same", "rejected": "same"})", PairFormat::kPrompt, &skip));
  EXPECT_EQ(skip, PairSkip::kIdentical);
  EXPECT_FALSE(pair_of(R"({"chosen": "h: x a: y", "rejected": "h: w a: y"})", PairFormat::kDialogue, &skip));
  EXPECT_EQ(skip, PairSkip::kNoSharedPrompt);
}

TEST(PreferencePairs, MalformedRecordsNameTheFileLineAndField) {
  EXPECT_EQ(error_of([] { pair_of(R"({"prompt": "q", "chosen": "x"})", PairFormat::kPrompt); }),
            "p.jsonl:3: no field 'rejected' (fields: prompt, chosen)");
  EXPECT_EQ(error_of([] { pair_of(R"({"chosen": "h: x", "rejected": "h: x a: y"})", PairFormat::kDialogue); }),
            "p.jsonl:3: 'chosen' has no response marker \"a:\" (dpo.response_marker)");
  EXPECT_EQ(error_of([] { pair_of(R"({"chosen": [], "rejected": []})", PairFormat::kMessages); }),
            "p.jsonl:3: dpo.format messages needs a Hugging Face tokenizer with a chat template");
}

TEST(PairDataset, ChosenRowsFirstThenRejectedWithTheirReferenceLogps) {
  std::vector<PairExample> pairs;
  for (const auto* text : {"ab", "abcd", "abc"}) {
    const std::string t(text);
    pairs.push_back({encode_parts({{"q", false}, {t, true}}, CharsWithEos()),
                     encode_parts({{"q", false}, {t + t, true}}, CharsWithEos())});
  }
  PairDataset dataset(std::move(pairs), 16, 0);
  dataset.set_reference_logps(torch::tensor({{-1.0, -2.0}, {-3.0, -4.0}, {-5.0, -6.0}}));
  const auto batch = dataset.gather({2, 0});
  ASSERT_EQ(batch.inputs.size(0), 4);
  EXPECT_TRUE(torch::equal(batch.pair_ids, torch::tensor({2, 0}, torch::kLong)));
  EXPECT_TRUE(torch::allclose(batch.reference_logps, torch::tensor({-5.0, -1.0, -6.0, -2.0}, torch::kFloat)));
  // Row 0: pair 2's chosen ("q" "abc" EOS: 4 targets), row 2: its rejected ("abcabc" EOS: 7).
  EXPECT_EQ(batch.targets[0].ne(kIgnoreIndex).sum().item<int64_t>(), 4);
  EXPECT_EQ(batch.targets[2].ne(kIgnoreIndex).sum().item<int64_t>(), 7);
  EXPECT_EQ(batch.inputs.size(1), 7);  // padded to the longest row
}

TEST(TextLines, GzipFilesAreReadLineByLineAndCorruptOnesNamed) {
  const auto dir = std::filesystem::temp_directory_path() / ("anvil_gz_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "pairs.jsonl.gz").string();
  gzFile out = gzopen(path.c_str(), "wb");
  const std::string text = "{\"a\": 1}\n\n{\"a\": 2}\n{\"a\": 3}";  // no final newline
  gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
  gzclose(out);
  std::vector<std::pair<int64_t, int64_t>> seen;
  for_each_json_record(path, false, [&](const nlohmann::ordered_json& r, int64_t line) {
    seen.emplace_back(line, r["a"].get<int64_t>());
  });
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 2}, {4, 3}}));
  // Cut short: zlib reports the truncation, it is never taken for the end of the file.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 6);
  const auto error = error_of([&] { for_each_json_record(path, false, [](const nlohmann::ordered_json&, int64_t) {}); });
  EXPECT_NE(error.find(path), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

#include <gtest/gtest.h>

#include "data/batch.h"
#include "data/class_labels.h"
#include "tests/data/chars_with_eos.h"
#include "tests/support/error_of.h"
#include "tests/support/temp_dir.h"

using namespace anvil::data;
using anvil::test_support::CharsWithEos;
using anvil::test_support::error_of;
using anvil::test_support::TempDir;

namespace {

ClassificationOptions fields(std::vector<std::string> labels = {}) { return {"text", "label", std::move(labels)}; }

std::vector<std::string> labels_of(const std::vector<LabeledText>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.label);
  return out;
}

std::vector<LabeledText> with_labels(const std::vector<std::string>& labels) {
  std::vector<LabeledText> out;
  for (const auto& l : labels) out.push_back({"t", l, 1});
  return out;
}

}  // namespace

TEST(ClassLabels, JsonlLabelsAreStringsOrIntegersWithoutSurroundingSpace) {
  TempDir dir;
  const auto path = dir.write("d.jsonl", "{\"text\": \"good\", \"label\": \" pos\\t\"}\n\n"
                                         "{\"text\": \"bad\", \"label\": -3}\n");
  const auto items = read_labeled_texts(path, fields(), false);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(labels_of(items), (std::vector<std::string>{"pos", "-3"}));
  EXPECT_EQ(items[1].text, "bad");
  EXPECT_EQ(items[1].line, 3);
}

TEST(ClassLabels, BadExamplesNameFileAndLine) {
  TempDir dir;
  const auto read = [&](const std::string& name, const std::string& contents) {
    return error_of([&] { read_labeled_texts(dir.write(name, contents), fields(), false); });
  };
  EXPECT_EQ(read("a.jsonl", "{\"text\": \"a\", \"label\": 1.5}\n"),
            dir.path("a.jsonl") + ":1: the label is neither a string nor an integer");
  EXPECT_EQ(read("b.jsonl", "{\"text\": \"a\", \"tag\": 1}\n"),
            dir.path("b.jsonl") + ":1: no field 'label' (fields: text, tag)");
  EXPECT_EQ(read("l.jsonl", "{\"label\": null}\n"),  // the label is checked first
            dir.path("l.jsonl") + ":1: the label is neither a string nor an integer");
  EXPECT_EQ(read("c.jsonl", "{\"text\": \" \\n\", \"label\": 1}\n"), dir.path("c.jsonl") + ":1: empty text");
  EXPECT_EQ(read("d.tsv", "text\tlabel\ngood\tpos\nbad\t \n"), dir.path("d.tsv") + ":3: empty label");
  EXPECT_NE(read("e.csv", "sentence,label\ngood,pos\n").find("has no column 'text' (columns: sentence, label)"),
            std::string::npos);
}

TEST(ClassLabels, TablesReadByTheirExtension) {
  TempDir dir;
  const auto csv_path = dir.write("t.csv", "label,text\npos,\"good, really\"\nneg,bad\n");
  const auto csv = read_labeled_texts(csv_path, fields(), false);
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[0].text, "good, really");
  EXPECT_EQ(labels_of(csv), (std::vector<std::string>{"pos", "neg"}));
  const auto tsv = read_labeled_texts(dir.write("t.tsv", "text\tlabel\na, b\t1 \n"), fields(), false);
  ASSERT_EQ(tsv.size(), 1u);
  EXPECT_EQ(tsv[0].text, "a, b");
  EXPECT_EQ(tsv[0].label, "1");
}

TEST(ClassLabels, ClassesAreSortedNumericallyWhenAllAreIntegers) {
  EXPECT_EQ(class_labels(with_labels({"10", "9", "-3", "9"}), fields(), "t.tsv"),
            (std::vector<std::string>{"-3", "9", "10"}));
  EXPECT_EQ(class_labels(with_labels({"10", "9", "x"}), fields(), "t.tsv"),
            (std::vector<std::string>{"10", "9", "x"}));
  EXPECT_EQ(class_labels(with_labels({"pos", "neg"}), fields(), "t.tsv"), (std::vector<std::string>{"neg", "pos"}));
  // Listed labels keep their order, even with one class in the data.
  EXPECT_EQ(class_labels(with_labels({"pos"}), fields({"pos", "neg"}), "t.tsv"),
            (std::vector<std::string>{"pos", "neg"}));
  EXPECT_EQ(error_of([] { class_labels(with_labels({"pos", "pos"}), fields(), "t.tsv"); }),
            "'t.tsv': every example has the label 'pos': classification needs at least two (or list them in "
            "classify.labels)");
}

TEST(ClassLabels, AnExampleTargetsItsClassIdAtTheLastToken) {
  const CharsWithEos tok;
  const std::vector<std::string> labels = {"neg", "pos"};
  const auto e = class_example({"abc", "pos", 4}, labels, tok, "t.tsv");
  EXPECT_EQ(e.inputs, tok.encode("abc"));
  EXPECT_EQ(e.targets, (std::vector<int64_t>{kIgnoreIndex, kIgnoreIndex, 1}));
  EXPECT_EQ(error_of([&] { class_example({"abc", "neutral", 4}, labels, tok, "t.tsv"); }),
            "t.tsv:4: label 'neutral' is not one of the labels (neg, pos)");
}

TEST(ClassLabels, BalancedWeightsAreInverseFrequencyWithMeanOne) {
  const CharsWithEos tok;
  std::vector<Example> train;
  for (const int64_t label : {0, 0, 0, 1}) train.push_back(encode_labeled("ab", label, tok));
  const auto w = balanced_class_weights(train, 2);
  EXPECT_EQ(w.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(w, torch::tensor({0.5f, 1.5f})));
  // A class without examples counts as one, so its weight stays finite.
  const auto absent = balanced_class_weights(train, 3);
  EXPECT_TRUE(torch::allclose(absent, torch::tensor({1.0f / 3, 1.0f, 1.0f}) * 3 / (1.0f / 3 + 2)));
}

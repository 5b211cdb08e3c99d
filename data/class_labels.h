#pragma once
// Classification examples: texts and their labels from a jsonl, tsv or csv
// file, the classes they name (in class-id order), and loss weights that
// balance the classes.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "data/examples.h"
#include "data/tokenizer.h"

namespace anvil::data {

struct ClassificationOptions {
  std::string text_field;   // a jsonl field or a table column
  std::string label_field;  // likewise; a jsonl label is a string or an integer
  std::vector<std::string> labels;  // the classes in id order; empty: the training data's
};

struct LabeledText {
  std::string text;
  std::string label;  // without surrounding spaces: "1 " and "1" are one class
  int64_t line;       // where the example starts in its file
};

// Every example of `path`: jsonl when its name ends in .jsonl, else a tsv or
// csv table. Throws naming the file and line for an empty text or label, a
// missing field or column, or a label that is neither string nor integer.
std::vector<LabeledText> read_labeled_texts(const std::string& path, const ClassificationOptions& options,
                                            bool replace_invalid_utf8);

// The classes: options.labels when given, else the labels of `train` sorted,
// numerically when all are integers. Throws when `train` (read from
// `train_path`) has one label only: a classifier needs two classes to tell apart.
std::vector<std::string> class_labels(const std::vector<LabeledText>& train, const ClassificationOptions& options,
                                      const std::string& train_path);

// The text's tokens with its class id as the one target, at the last token.
// Throws naming `path` and the line when the label is not one of `labels`.
Example class_example(const LabeledText& item, const std::vector<std::string>& labels, const Tokenizer& tokenizer,
                      const std::string& path);

// Per-class loss weights, float [classes]: inverse class frequency in
// `train`, normalised to mean 1 (an absent class counts as one example).
torch::Tensor balanced_class_weights(const std::vector<Example>& train, size_t classes);

}  // namespace anvil::data

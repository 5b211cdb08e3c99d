#pragma once
// A benchmark task as lm-evaluation-harness declares one: where its documents
// are, how a document becomes a prompt, its choices and gold answer, and what
// is measured. Typed options; the YAML that fills them is read in recipes/.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace anvil::benchmarks {

enum class OutputType {
  kMultipleChoice,  // one (context, delimiter + choice) pair per choice; or per context (multiple inputs)
  kLoglikelihood,   // one (context, target) pair: its log-likelihood and whether it is the greedy continuation
  kGenerateUntil,   // greedy text after the context, up to a stop string, compared with the target
};

// A file of documents: JSON lines, or one JSON array (a path ending in .json).
// Where a dataset keeps its labels apart (PIQA, Winogrande), LABELS_PATH has
// one per line and each becomes the document's LABEL_FIELD.
struct DocFiles {
  std::string path;
  std::string labels_path;
  std::string label_field = "label";
  bool empty() const { return path.empty(); }
};

// One text clean-up step of process_docs, applied to strings in order.
struct TextStep {
  enum class Kind { kStrip, kReplace, kRegexReplace };
  Kind kind;
  std::string pattern;  // kReplace: the text; kRegexReplace: a Python-style regex
  std::string replacement;
};

// New fields computed from each document before anything else sees it, as the
// harness's process_docs functions do (HellaSwag's query and choices).
struct DocProcessing {
  std::vector<std::pair<std::string, std::string>> fields;  // name, template (a list literal gives a list)
  std::vector<TextStep> steps;                              // applied to every new field's strings
  bool empty() const { return fields.empty(); }
};

// doc_to_text, doc_to_target and doc_to_choice: a Jinja template over the
// document's fields, or the name of a field taken as it is. A choice template
// renders a Python list literal, as the harness reads it with ast.literal_eval;
// a fixed list of choices is given in CHOICES instead.
struct BenchmarkSpec {
  std::string name;
  std::string source;  // the file (or built-in) it was declared in, for errors
  OutputType output_type = OutputType::kMultipleChoice;
  DocFiles docs;     // the documents scored
  DocFiles fewshot;  // where few-shot examples are drawn from (may be docs' file)
  // The harness's fewshot_split equal to the test split: a document is never
  // its own example. (A task whose only split is the test split, LAMBADA,
  // draws from it without this.)
  bool fewshot_excludes_doc = false;
  DocProcessing process_docs;
  std::string description;  // before the few-shot examples: a field name or a template, as doc_to_text
  std::string doc_to_text;
  std::string doc_to_target;
  std::string doc_to_choice;
  std::vector<std::string> choices;  // fixed choices, when doc_to_choice is empty
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  int64_t num_fewshot = 0;
  uint64_t fewshot_seed = 1234;  // the harness's default --fewshot_seed
  // acc, acc_norm, acc_bytes (multiple choice); perplexity, acc (loglikelihood);
  // exact_match (generation).
  std::vector<std::string> metrics;
  // Generation: stop strings and the most new tokens.
  std::vector<std::string> until = {"\n\n"};
  int64_t max_gen_toks = 256;
};

}  // namespace anvil::benchmarks

#pragma once
// Documents into scoring requests, exactly as lm-evaluation-harness builds
// them without a chat template: the few-shot examples (drawn with the
// harness's seeded sampler), the document's context, and one
// (context, continuation) pair per choice.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/benchmark_spec.h"
#include "benchmarks/docs.h"
#include "benchmarks/python_random.h"

namespace anvil::benchmarks {

struct Request {
  std::string context;
  std::string continuation;
};

struct DocRequests {
  std::vector<Request> requests;
  // Multiple choice: the choices as strings, for acc_norm's and acc_bytes'
  // lengths, and the gold indices (one, or several where doc_to_target gives
  // a list: any of them is right, as in the harness). Loglikelihood and
  // generation: the target text.
  std::vector<std::string> choices;
  std::vector<int64_t> golds;
  std::string target;
};

class PromptBuilder {
 public:
  // FEWSHOT_DOCS: where examples are drawn from (processed as the docs are);
  // SAME_SPLIT: they are the scored documents, and a document is never its
  // own example.
  PromptBuilder(const BenchmarkSpec& spec, std::vector<Doc> fewshot_docs, bool same_split);
  ~PromptBuilder();

  // process_docs' new fields added to DOC.
  Doc processed(Doc doc) const;
  // Call in document order: the few-shot sampler draws as the harness's does.
  DocRequests build(const Doc& doc);

 private:
  struct Templates;
  const BenchmarkSpec& spec_;
  std::unique_ptr<Templates> templates_;
  std::vector<Doc> fewshot_docs_;
  bool same_split_;
  PythonRandom random_;
};

}  // namespace anvil::benchmarks

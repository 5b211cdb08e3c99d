#pragma once
// One benchmark scored on one model: documents read, prompts built, requests
// scored, figures aggregated as lm-evaluation-harness aggregates them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "benchmarks/benchmark_spec.h"
#include "benchmarks/loglikelihood.h"
#include "benchmarks/prompts.h"
#include "data/tokenizer.h"
#include "models/gpt.h"

namespace anvil::benchmarks {

struct BenchmarkOptions {
  int64_t limit = 0;                   // the first N documents; 0: all
  std::optional<int64_t> num_fewshot;  // overrides the task's
  int64_t bootstrap_iters = 100000;    // perplexity's standard error, as the harness's default
  ScoringOptions scoring;
};

struct Metric {
  std::string name;
  double value = 0;
  double stderr_ = 0;  // NaN where there is none
};

struct ExampleResult {
  size_t doc_id = 0;
  DocRequests prompt;
  std::vector<Loglikelihood> scores;  // one per request
  std::string generation;             // generate_until's text
  std::vector<std::pair<std::string, double>> metrics;
};

struct BenchmarkResult {
  std::string name;
  int64_t num_fewshot = 0;
  size_t documents = 0;  // in the file; examples holds those scored
  std::vector<Metric> metrics;
  std::vector<ExampleResult> examples;
  double seconds = 0;  // scoring alone, without reading and tokenizing
};

// Throws std::runtime_error naming the task and its file for documents that
// cannot be read or rendered.
BenchmarkResult run_benchmark(const BenchmarkSpec& spec, models::GPT& model, const data::Tokenizer& tokenizer,
                              const BenchmarkOptions& options);

}  // namespace anvil::benchmarks

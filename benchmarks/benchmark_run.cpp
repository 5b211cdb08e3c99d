#include "benchmarks/benchmark_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include <torch/torch.h>

#include "benchmarks/metrics.h"
#include "chat/python_str.h"
#include "data/hf_tokenizer.h"
#include "models/generate.h"

namespace anvil::benchmarks {
namespace {

// tokenizer.encode(text) as the harness calls it.
std::vector<int64_t> encode(const data::Tokenizer& tokenizer, const std::string& text) {
  const auto ids = data::encode_with_special_tokens(tokenizer, text);
  return {ids.begin(), ids.end()};
}

// The harness's prefix_token_id: what an empty context is scored after.
int64_t prefix_token(const data::Tokenizer& tokenizer) {
  if (tokenizer.bos_id() >= 0) return tokenizer.bos_id();
  if (tokenizer.eos_id() < 0) throw std::runtime_error("an empty context needs a BOS or EOS token; the tokenizer has none");
  return tokenizer.eos_id();
}

// The harness's _encode_pair: the context's trailing whitespace moves to the
// continuation, the pair is encoded whole and split where the context ends.
ScoreGroup encode_group(const data::Tokenizer& tokenizer, const std::string& context,
                        const std::vector<std::string>& continuations) {
  ScoreGroup group;
  if (context.empty()) {
    group.context = {prefix_token(tokenizer)};
    for (const auto& c : continuations) group.continuations.push_back(encode(tokenizer, c));
    return group;
  }
  const std::string kept = chat::py_strip(context, std::nullopt, false, true);
  const std::string moved = context.substr(kept.size());
  group.context = encode(tokenizer, kept);
  for (const auto& c : continuations) {
    auto whole = encode(tokenizer, kept + moved + c);
    group.continuations.emplace_back(whole.begin() + static_cast<std::ptrdiff_t>(std::min(group.context.size(), whole.size())), whole.end());
  }
  return group;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t argmax(const std::vector<double>& xs) {
  size_t best = 0;
  for (size_t i = 1; i < xs.size(); ++i)
    if (xs[i] > xs[best]) best = i;
  return best;
}

bool wants(const BenchmarkSpec& spec, const std::string& metric) {
  for (const auto& m : spec.metrics)
    if (m == metric) return true;
  return false;
}

void multiple_choice_metrics(const BenchmarkSpec& spec, ExampleResult& ex) {
  std::vector<double> lls, by_chars, by_bytes;
  for (size_t i = 0; i < ex.scores.size(); ++i) {
    lls.push_back(ex.scores[i].logprob);
    by_chars.push_back(lls.back() / static_cast<double>(code_points(ex.prompt.choices[i])));
    by_bytes.push_back(lls.back() / static_cast<double>(ex.prompt.choices[i].size()));
  }
  const auto& golds = ex.prompt.golds;
  auto hit = [&](size_t pred) {
    return std::find(golds.begin(), golds.end(), static_cast<int64_t>(pred)) != golds.end() ? 1.0 : 0.0;
  };
  if (wants(spec, "acc")) ex.metrics.emplace_back("acc", hit(argmax(lls)));
  if (wants(spec, "acc_norm")) ex.metrics.emplace_back("acc_norm", hit(argmax(by_chars)));
  if (wants(spec, "acc_bytes")) ex.metrics.emplace_back("acc_bytes", hit(argmax(by_bytes)));
  if (wants(spec, "exact_match")) {
    bool greedy = false;
    for (const auto g : golds) greedy = greedy || ex.scores[static_cast<size_t>(g)].greedy;
    ex.metrics.emplace_back("exact_match", greedy ? 1.0 : 0.0);
  }
}

std::string cut_at_stop(std::string text, const std::vector<std::string>& until) {
  for (const auto& stop : until) {
    const size_t at = text.find(stop);
    if (!stop.empty() && at != std::string::npos) text.resize(at);
  }
  return text;
}

void generate_all(const BenchmarkSpec& spec, models::GPT& model, const data::Tokenizer& tokenizer,
                  std::vector<ExampleResult>& examples) {
  models::SamplingOptions sampling;
  sampling.temperature = 0;
  sampling.max_new_tokens = spec.max_gen_toks;
  sampling.stop_tokens = tokenizer.stop_ids();
  for (auto& ex : examples) {
    auto prompt = encode(tokenizer, ex.prompt.requests[0].context);
    const auto room = model->config.block_size - spec.max_gen_toks;
    if (room > 0 && static_cast<int64_t>(prompt.size()) > room) prompt.erase(prompt.begin(), prompt.end() - room);
    const auto all = models::generate(model, prompt, sampling);
    std::vector<int32_t> fresh(all.begin() + static_cast<std::ptrdiff_t>(prompt.size()), all.end());
    if (!fresh.empty() && models::is_stop_token(sampling, fresh.back())) fresh.pop_back();
    ex.generation = cut_at_stop(tokenizer.decode(fresh), spec.until);
    ex.metrics.emplace_back("exact_match", ex.generation == ex.prompt.target ? 1.0 : 0.0);
  }
}

std::vector<Metric> aggregate(const BenchmarkSpec& spec, const std::vector<ExampleResult>& examples,
                              int64_t bootstrap_iters) {
  std::vector<Metric> out;
  if (examples.empty()) return out;
  for (size_t m = 0; m < examples[0].metrics.size(); ++m) {
    std::vector<double> values;
    for (const auto& ex : examples) values.push_back(ex.metrics[m].second);
    const auto& name = examples[0].metrics[m].first;
    if (name == "perplexity")
      out.push_back({name, perplexity(values), perplexity_bootstrap_stderr(values, bootstrap_iters)});
    else
      out.push_back({name, mean(values), mean_stderr(values)});
  }
  return out;
}

}  // namespace

BenchmarkResult run_benchmark(const BenchmarkSpec& spec, models::GPT& model, const data::Tokenizer& tokenizer,
                              const BenchmarkOptions& options) {
  BenchmarkSpec task = spec;
  if (options.num_fewshot) task.num_fewshot = *options.num_fewshot;
  const std::string what = task.name + " (" + task.source + ")";
  auto docs = read_docs(task.docs);
  std::vector<Doc> fewshot_docs;
  if (task.num_fewshot > 0) {
    if (task.fewshot.empty()) throw std::runtime_error(what + ": few-shot examples asked for but no fewshot file is set");
    fewshot_docs = read_docs(task.fewshot);
    // Drawn from the scored documents, one more is drawn so that a document is never its own example.
    const int64_t needed = task.num_fewshot + (task.fewshot_excludes_doc ? 1 : 0);
    if (static_cast<int64_t>(fewshot_docs.size()) < needed)
      throw std::runtime_error(what + ": " + std::to_string(task.num_fewshot) + " few-shot examples asked for" +
                               (task.fewshot_excludes_doc ? " from the scored documents themselves (so " +
                                                                std::to_string(needed) + " are needed)"
                                                          : std::string()) +
                               ", " + task.fewshot.path + " has " + std::to_string(fewshot_docs.size()));
  }
  PromptBuilder prompts(task, std::move(fewshot_docs), task.fewshot_excludes_doc);

  BenchmarkResult result;
  result.name = task.name;
  result.num_fewshot = task.num_fewshot;
  result.documents = docs.size();
  const size_t n = options.limit > 0 ? std::min(docs.size(), static_cast<size_t>(options.limit)) : docs.size();
  std::vector<ScoreGroup> groups;
  for (size_t i = 0; i < n; ++i) {
    ExampleResult ex;
    ex.doc_id = i;
    try {
      ex.prompt = prompts.build(prompts.processed(docs[i]));
    } catch (const std::exception& e) {
      throw std::runtime_error(task.docs.path + ", document " + std::to_string(i + 1) + ": " + e.what());
    }
    if (task.output_type == OutputType::kMultipleChoice && ex.prompt.requests.empty())
      throw std::runtime_error(task.docs.path + ", document " + std::to_string(i + 1) + ": no choices");
    if (task.output_type != OutputType::kGenerateUntil) {
      // A document's requests share a context, or (multiple inputs) a continuation.
      const auto& first = ex.prompt.requests[0];
      bool shared_context = true;
      for (const auto& r : ex.prompt.requests) shared_context = shared_context && r.context == first.context;
      const size_t first_group = groups.size();
      if (shared_context) {
        std::vector<std::string> continuations;
        for (const auto& r : ex.prompt.requests) continuations.push_back(r.continuation);
        groups.push_back(encode_group(tokenizer, first.context, continuations));
      } else {
        for (const auto& r : ex.prompt.requests) groups.push_back(encode_group(tokenizer, r.context, {r.continuation}));
      }
      // As the harness asserts: a continuation must fit the model's window.
      for (size_t g = first_group; g < groups.size(); ++g)
        for (const auto& c : groups[g].continuations)
          if (static_cast<int64_t>(c.size()) > model->config.block_size)
            throw std::runtime_error(task.docs.path + ", document " + std::to_string(i + 1) + ": a continuation of " +
                                     std::to_string(c.size()) + " tokens does not fit the model's " +
                                     std::to_string(model->config.block_size) + "-token window");
    }
    result.examples.push_back(std::move(ex));
  }

  if (task.output_type == OutputType::kGenerateUntil && task.max_gen_toks >= model->config.block_size)
    throw std::runtime_error(what + ": max_gen_toks " + std::to_string(task.max_gen_toks) +
                             " leaves no room for the prompt in the model's " +
                             std::to_string(model->config.block_size) + "-token window");
  const auto start = std::chrono::steady_clock::now();
  if (task.output_type == OutputType::kGenerateUntil) {
    generate_all(task, model, tokenizer, result.examples);
  } else {
    const auto scored = score_groups(model, groups, options.scoring);
    size_t g = 0;
    for (auto& ex : result.examples) {
      while (ex.scores.size() < ex.prompt.requests.size())
        for (const auto& s : scored[g++]) ex.scores.push_back(s);
      if (task.output_type == OutputType::kMultipleChoice) {
        multiple_choice_metrics(task, ex);
      } else {
        if (wants(task, "perplexity")) ex.metrics.emplace_back("perplexity", ex.scores[0].logprob);
        if (wants(task, "acc")) ex.metrics.emplace_back("acc", ex.scores[0].greedy ? 1.0 : 0.0);
      }
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.metrics = aggregate(task, result.examples, options.bootstrap_iters);
  return result;
}

}  // namespace anvil::benchmarks

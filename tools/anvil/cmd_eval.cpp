#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "benchmarks/benchmark_run.h"
#include "common/console.h"
#include "common/output_file.h"
#include "recipes/benchmark_tasks.h"
#include "tools/anvil/benchmark_report.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "data/example_dataset.h"
#include "training/classification_metrics.h"
#include "training/evaluate.h"
#include "training/precision.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"
#include "recipes/validation.h"

namespace anvil::cli {
namespace {

// One line per validation example: its text, true and predicted label. A
// plain checked file, not an atomic one: PATH may be a pipe or /dev/stdout.
void write_predictions(const std::string& path, const data::BlockDataset& val, const data::Tokenizer& tokenizer,
                       const training::ClassificationReport& report, const std::vector<std::string>& labels) {
  const auto& examples = dynamic_cast<const data::ExampleDataset&>(val).examples();
  common::OutputFile out(path);
  out.write("text\tlabel\tprediction\n");
  for (size_t i = 0; i < examples.size(); ++i) {
    std::string text = tokenizer.decode(examples[i].inputs);
    for (char& c : text)
      if (c == '\t' || c == '\n') c = ' ';
    out.write(text + '\t' + labels[static_cast<size_t>(report.truth[i])] + '\t' +
              labels[static_cast<size_t>(report.predictions[i])] + '\n');
  }
  out.close();
}

int eval_classifier(LoadedCheckpoint& ckpt, const recipes::RunData& data, int64_t batch, c10::Device device,
                    bool json) {
  const auto& config = ckpt.config;
  const auto report = training::evaluate_classification(ckpt.model, *data.val, batch, device);
  if (!config.eval.predictions.empty())
    write_predictions(config.eval.predictions, *data.val, *data.tokenizer, report, config.classify.labels);
  if (json) {
    std::printf("%s\n", nlohmann::json({{"checkpoint", ckpt.path},
                                         {"val_loss", report.loss},
                                         {"val_accuracy", report.accuracy},
                                         {"val_macro_f1", report.macro_f1},
                                         {"examples", report.truth.size()},
                                         {"confusion", report.confusion}})
                              .dump()
                              .c_str());
    return 0;
  }
  std::printf("%s: val loss %.4f | val accuracy %.4f | val macro-F1 %.4f | %zu examples\n%s", ckpt.path.c_str(),
              report.loss, report.accuracy, report.macro_f1, report.truth.size(),
              training::format_classification_report(report, config.classify.labels).c_str());
  return 0;
}

struct EvalFlags {
  bool json = false;
  std::string tasks;  // empty: validation loss
  std::string predictions;
  benchmarks::BenchmarkOptions benchmark;
};

EvalFlags parse_flags(const Args& args, Args& rest) {
  EvalFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--json") {
      f.json = true;
      continue;
    }
    if (a != "--tasks" && a != "--limit" && a != "--num-fewshot" && a != "--predictions" && a != "--batch-tokens" &&
        a != "--bootstrap-iters") {
      rest.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) throw std::runtime_error(a + " needs a value");
    const auto& v = args[++i];
    if (a == "--tasks") f.tasks = v;
    if (a == "--predictions") f.predictions = v;
    if (a == "--limit") f.benchmark.limit = integer_flag(a, v, 1, int64_t{1} << 40);
    if (a == "--num-fewshot") f.benchmark.num_fewshot = integer_flag(a, v, 0, 10000);
    if (a == "--batch-tokens") f.benchmark.scoring.batch_tokens = integer_flag(a, v, 1, int64_t{1} << 24);
    if (a == "--bootstrap-iters") f.benchmark.bootstrap_iters = integer_flag(a, v, 0, 10000000);
  }
  return f;
}

// A preference-tuned model: its loss and TRL's reward metrics on the held-out pairs.
int eval_preferences(LoadedCheckpoint& ckpt, const recipes::RunData& data, c10::Device device, bool json) {
  const auto v = recipes::validate(ckpt.model, data, ckpt.config, device);
  if (json) {
    nlohmann::json out = {{"checkpoint", ckpt.path}};
    for (const auto& [key, value] : v.values) out[key] = value;
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s: %s\n", ckpt.path.c_str(), v.line.c_str());
  }
  return 0;
}

int eval_benchmarks(const EvalFlags& flags, const Args& rest) {
  const auto specs = recipes::load_benchmarks(flags.tasks);  // before the model: a typo fails fast
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kNoData, /*inference=*/true);
  if (ckpt.model->score) throw std::runtime_error(ckpt.path + " is a classifier: benchmark tasks need a language model");
  const auto device = ckpt.model->parameters().front().device();
  training::AutocastScope autocast(device, recipes::resolve_precision(ckpt.config, device));
  std::vector<benchmarks::BenchmarkResult> results;
  for (const auto& spec : specs) {
    common::ProgressLine progress("eval " + spec.name, 0, "request");
    auto options = flags.benchmark;
    options.scoring.on_progress = [&](int64_t done, int64_t total) {
      progress.set_total(total);
      progress.update(done);
    };
    results.push_back(benchmarks::run_benchmark(spec, ckpt.model, *ckpt.tokenizer, options));
    const auto& r = results.back();
    std::fprintf(stderr, "%s: %zu examples scored in %.2f s (%.1f examples/s)\n", r.name.c_str(), r.examples.size(),
                 r.seconds, r.seconds > 0 ? static_cast<double>(r.examples.size()) / r.seconds : 0.0);
  }
  if (!flags.predictions.empty()) write_benchmark_predictions(flags.predictions, results);
  if (flags.json)
    std::printf("%s\n", results_json(results, ckpt.path).dump(2).c_str());
  else
    std::printf("%s: %s", ckpt.path.c_str(), ("\n" + results_table(results)).c_str());
  return 0;
}

}  // namespace

int eval_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil eval CONFIG_OR_MODEL [checkpoint=PATH] [--json] [key.path=value ...]\n"
        "       anvil eval CONFIG_OR_MODEL --tasks arc_easy,piqa,lambada_openai [--limit N] [--num-fewshot K]\n"
        "                  [--predictions PATH] [--batch-tokens N] [--bootstrap-iters N] [--json]\n\n"
        "Validation loss and perplexity of a checkpoint (default: the newest complete one in run.dir)\n"
        "on the config's validation data, encoded with the checkpoint's own tokenizer.\n\n"
        "With --tasks: benchmark tasks scored as lm-evaluation-harness scores them (docs/evaluation.md).\n"
        "A task is a built-in name (arc_easy, arc_challenge, piqa, hellaswag, winogrande, boolq, copa,\n"
        "openbookqa, sciq, lambada_openai) or a task YAML file. --json prints the harness's results\n"
        "layout; --predictions writes each document's requests and scores as JSON lines.");
    return 0;
  }
  Args rest;
  const auto flags = parse_flags(args, rest);
  if (!flags.tasks.empty()) return eval_benchmarks(flags, rest);
  if (!flags.predictions.empty() || flags.benchmark.limit || flags.benchmark.num_fewshot)
    throw std::runtime_error("--predictions, --limit and --num-fewshot go with --tasks (eval.predictions is the classifier's)");
  const bool json = flags.json;
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kTrain, /*inference=*/true);
  const auto& config = ckpt.config;
  const auto data = recipes::load_run_data(config, std::move(ckpt.tokenizer));
  const auto eval = recipes::resolve(config).eval;
  const auto device = ckpt.model->parameters().front().device();
  training::AutocastScope autocast(device, recipes::resolve_precision(config, device));
  if (ckpt.model->score) return eval_classifier(ckpt, data, eval.batch_size, device, json);
  if (recipes::resolve(config).task == recipes::TaskKind::kDpo) return eval_preferences(ckpt, data, device, json);
  const auto result = eval.stride > 0
                          ? training::evaluate_sliding(ckpt.model, data.val_tokens, eval.window, eval.stride, device)
                          : training::evaluate(ckpt.model, *data.val, eval.batch_size, eval.batches, device);
  // Bits per byte where the text's bytes are known (language modelling): an
  // sft response's loss has no byte count to spread over.
  std::optional<double> bpb;
  if (data.val_bytes_per_token > 0) bpb = result.bits_per_byte(data.val_bytes_per_token);
  if (json) {
    nlohmann::json out = {{"checkpoint", ckpt.path}, {"val_loss", result.loss}, {"val_ppl", result.perplexity},
                          {"tokens", result.tokens}};
    if (bpb) out["val_bpb"] = *bpb;
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s: val loss %.4f | val ppl %.6g", ckpt.path.c_str(), result.loss, result.perplexity);
    if (bpb) std::printf(" | val bpb %.4f", *bpb);
    std::printf(" | %lld tokens\n", static_cast<long long>(result.tokens));
  }
  return 0;
}

}  // namespace anvil::cli

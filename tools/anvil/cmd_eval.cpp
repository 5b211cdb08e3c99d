#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/output_file.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "data/example_dataset.h"
#include "training/classification_metrics.h"
#include "training/evaluate.h"
#include "training/precision.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"

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

}  // namespace

int eval_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil eval CONFIG [checkpoint=PATH] [--json] [key.path=value ...]\n\n"
        "Validation loss and perplexity of a checkpoint (default: the newest complete one in run.dir)\n"
        "on the config's validation data, encoded with the checkpoint's own tokenizer.");
    return 0;
  }
  Args rest;
  bool json = false;
  for (const auto& a : args) {
    if (a == "--json")
      json = true;
    else
      rest.push_back(a);
  }
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kTrain, /*inference=*/true);
  const auto& config = ckpt.config;
  const auto data = recipes::load_run_data(config, std::move(ckpt.tokenizer));
  const auto eval = recipes::resolve(config).eval;
  const auto device = ckpt.model->parameters().front().device();
  training::AutocastScope autocast(device, recipes::resolve_precision(config, device));
  if (ckpt.model->score) return eval_classifier(ckpt, data, eval.batch_size, device, json);
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

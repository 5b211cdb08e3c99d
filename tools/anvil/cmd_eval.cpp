#include <cstdio>

#include <nlohmann/json.hpp>

#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "trainer/checkpoint.h"
#include "trainer/evaluate.h"
#include "trainer/runtime.h"
#include "trainer/text_data.h"

namespace anvil::cli {
namespace {

constexpr const char* kUsage =
    "usage: anvil eval CONFIG [checkpoint=PATH] [--json] [key.path=value ...]\n\n"
    "Validation loss and perplexity of a checkpoint (default: the newest complete one in run.dir)\n"
    "on the config's validation data, encoded with the checkpoint's own tokenizer.";

}  // namespace

int eval_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(kUsage);
    return 0;
  }
  std::string checkpoint;
  bool json = false;
  Args config_args;
  for (const auto& a : args) {
    if (a.rfind("checkpoint=", 0) == 0)
      checkpoint = a.substr(11);
    else if (a == "--json")
      json = true;
    else
      config_args.push_back(a);
  }
  const auto config = load_config_args(config_args).config;
  if (checkpoint.empty()) checkpoint = trainer::latest_checkpoint(config.run.dir);
  if (checkpoint.empty())
    throw std::runtime_error("no complete checkpoint in '" + config.run.dir + "/checkpoints'; name one with checkpoint=PATH");
  if (!trainer::is_complete_checkpoint(checkpoint))
    throw std::runtime_error("'" + checkpoint + "' is not a complete checkpoint directory");

  trainer::configure_threads(config.run.threads);
  const auto device = trainer::select_device(config.run.device);
  auto data = trainer::load_text_data(config, trainer::load_checkpoint_tokenizer(checkpoint, config.tokenizer.type));
  models::GPT model(trainer::gpt_config(config.model, data.tokenizer->vocab_size()));
  model->to(device);
  trainer::load_model_weights(checkpoint, model);
  const int64_t batch = config.eval.batch_size > 0 ? config.eval.batch_size : config.train.batch_size;
  const auto result = trainer::evaluate(model, *data.val, batch, config.eval.batches, device);
  if (json)
    std::printf("%s\n", nlohmann::json({{"checkpoint", checkpoint},
                                        {"val_loss", result.loss},
                                        {"val_ppl", result.perplexity},
                                        {"tokens", result.tokens}})
                            .dump()
                            .c_str());
  else
    std::printf("%s: val loss %.4f | val ppl %.3f | %lld tokens\n", checkpoint.c_str(), result.loss,
                result.perplexity, static_cast<long long>(result.tokens));
  return 0;
}

}  // namespace anvil::cli

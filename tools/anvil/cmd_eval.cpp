#include <cstdio>

#include <nlohmann/json.hpp>

#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "trainer/evaluate.h"
#include "trainer/run_data.h"

namespace anvil::cli {

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
  auto ckpt = load_checkpoint_args(rest);
  const auto& config = ckpt.config;
  const auto data = trainer::load_run_data(config, std::move(ckpt.tokenizer));
  const int64_t batch = config.eval.batch_size > 0 ? config.eval.batch_size : config.train.batch_size;
  const auto device = ckpt.model->parameters().front().device();
  const int64_t window = config.eval.max_length > 0 ? config.eval.max_length : config.model.block_size;
  const auto result =
      config.eval.stride > 0
          ? trainer::evaluate_sliding(ckpt.model, data.val_tokens, window, config.eval.stride, device)
          : trainer::evaluate(ckpt.model, *data.val, batch, config.eval.batches, device);
  const double bpb = result.bits_per_byte(data.val_bytes_per_token);
  if (json)
    std::printf("%s\n", nlohmann::json({{"checkpoint", ckpt.path},
                                        {"val_loss", result.loss},
                                        {"val_ppl", result.perplexity},
                                        {"val_bpb", bpb},
                                        {"tokens", result.tokens}})
                            .dump()
                            .c_str());
  else
    std::printf("%s: val loss %.4f | val ppl %.3f | val bpb %.4f | %lld tokens\n", ckpt.path.c_str(), result.loss,
                result.perplexity, bpb, static_cast<long long>(result.tokens));
  return 0;
}

}  // namespace anvil::cli

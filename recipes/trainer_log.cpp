#include "recipes/trainer_log.h"

#include <cstdio>
#include <map>
#include <string>

#include <ATen/Parallel.h>

#include "common/console.h"
#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"
#include "training/device_stats.h"
#include "training/precision.h"
#include "training/preference_options.h"

namespace anvil::recipes {
using namespace training;

void print_header(const RunConfig& config, models::GPT& model, const RunData& data, c10::Device device,
                  const Communicator& comm, const TrainStep& step) {
  const auto& m = model->config;
  common::say("anvil train -> %s", config.run.dir.c_str());
  common::say("model: %lld layers, %lld heads, %lld wide, block %lld, vocab %lld | %.2fM parameters | %.3g FLOPs/token",
              (long long)m.n_layer, (long long)m.n_head, (long long)m.n_embd, (long long)m.block_size,
              (long long)m.vocab_size, static_cast<double>(model->num_parameters()) / 1e6, model->flops_per_token());
  int64_t trainable = 0;
  for (const auto& p : trainable_parameters(model)) trainable += p.numel();
  if (trainable != model->num_parameters())
    common::say("trainable: %lld of %lld parameters (%.2f%%)", (long long)trainable,
                (long long)model->num_parameters(), 100.0 * static_cast<double>(trainable) / model->num_parameters());
  common::say("data: %s | %lld val rows of up to %lld tokens | %s tokenizer | device %s, %d threads, %s%s%s",
              data.description.c_str(), (long long)data.val->size(), (long long)m.block_size,
              data.tokenizer->type().c_str(), device.str().c_str(), at::get_num_threads(),
              resolve_precision(config, device) == Precision::kBf16 ? "bf16 autocast" : "fp32",
              m.fused_ops ? ", fused kernels" : "", step.graphed() ? ", CUDA graphs" : "");
  if (comm.world_size() > 1)
    common::say("data parallel: %d ranks, %lld sequences per rank per micro-batch, gradients in %zu buckets%s",
                comm.world_size(), (long long)(config.train.batch_size / comm.world_size()), step.gradient_buckets(),
                config.dist.shard_optimizer ? ", optimizer state sharded (ZeRO-1)" : "");
}

void Progress::add_step(double seconds, int64_t tokens) {
  train_seconds += seconds;
  interval_seconds += seconds;
  interval_tokens += tokens;
  ++steps;
}

void Progress::add_wait(double seconds) {
  train_seconds += seconds;
  interval_seconds += seconds;
}

double Progress::eta(int64_t steps_left) const {
  return train_seconds / static_cast<double>(steps) * static_cast<double>(steps_left);
}

void Progress::start_interval() {
  interval_seconds = 0;
  interval_tokens = 0;
}

void StepLog::write(const TrainingState& state, const StepResult& result, double lr, int64_t max_steps,
                    const ShardedAdamW& optimizer, Communicator& comm, c10::Device device) {
  // The largest rank's: the one that runs out first.
  const auto largest = comm.max({static_cast<double>(optimizer.state_bytes()), peak_memory_bytes(device)});
  const double optimizer_bytes = largest[0], peak_memory = largest[1];
  // Reading the step's figures waits for the device to finish the steps
  // queued so far: training time too.
  const auto read_start = Clock::now();
  const double loss = comm.sum({result.loss_sum.item<double>()})[0] / result.step_tokens;
  const double grad_norm = result.grad_norm.item<double>();
  progress.add_wait(seconds_since(read_start));
  const double tokens_per_sec = progress.tokens_per_second();
  std::string line;
  line += common::format_text("step %6lld/%lld | loss %.4f | lr %.2e | grad %.3f | %.1fk tok/s", (long long)state.step,
          (long long)max_steps, loss, lr, grad_norm, tokens_per_sec / 1e3);
  figures = common::format_text("loss %.4f | %.1fk tok/s", loss, tokens_per_sec / 1e3);
  std::map<std::string, double> values{{"loss", loss}, {"lr", lr}, {"grad_norm", grad_norm},
                                       {"tokens_per_sec", tokens_per_sec},
                                       {"tokens_seen", double(state.tokens_seen)},
                                       {"elapsed_s", seconds_since(start)},
                                       {"optimizer_state_bytes", optimizer_bytes},
                                       {"peak_memory_bytes", peak_memory}};
  if (result.pair_metric_sums.defined()) {
    const auto local = result.pair_metric_sums.cpu();
    std::vector<double> sums(local.data_ptr<double>(), local.data_ptr<double>() + local.numel());
    sums = comm.sum(sums);
    for (size_t i = 0; i < sums.size(); ++i) values[kPreferenceMetrics[i]] = sums[i] / result.step_tokens;
    line += common::format_text(" | reward acc %.3f | margin %.3f", values["rewards/accuracies"], values["rewards/margins"]);
  }
  if (skipped_steps > 0) {
    values["skipped_steps"] = static_cast<double>(skipped_steps);
    line += common::format_text(" | skipped %lld non-finite", (long long)skipped_steps);
  }
  if (peak_flops > 0) {
    values["mfu"] = tokens_per_sec * flops_per_token / peak_flops;
    line += common::format_text(" | mfu %.1f%%", 100.0 * values["mfu"]);
  }
  line += common::format_text(" | mem %.2f GiB | eta %s", peak_memory / (1 << 30),
          common::format_duration(progress.eta(max_steps - state.step)).c_str());
  common::record("train", state.step, values, line);
  if (record) record->write(state.step, "train", values);
  progress.start_interval();
}

void print_done(const TrainSummary& summary, const TrainingState& state) {
  std::string line;
  line += common::format_text("done: %lld steps in %s", (long long)summary.steps, common::format_duration(summary.seconds).c_str());
  if (state.val_loss) line += common::format_text(", final val loss %.4f", *state.val_loss);
  if (state.best_score && state.val_accuracy)
    line += common::format_text(", best val accuracy %.4f", *state.best_score);
  else if (state.best_score)
    line += common::format_text(" (best %.4f)", -*state.best_score);
  common::say("%s", line.c_str());
}

}  // namespace anvil::recipes

#include "trainer/train_loop.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/nn/utils/clip_grad.h>

#include "data/batch_loader.h"
#include "trainer/checkpoint.h"
#include "trainer/config_loader.h"
#include "trainer/evaluate.h"
#include "trainer/loss.h"
#include "trainer/lr_schedule.h"
#include "trainer/metrics_log.h"
#include "trainer/model_builder.h"
#include "trainer/optimizer.h"
#include "trainer/runtime.h"
#include "trainer/run_data.h"
#include "trainer/validation.h"

namespace anvil::trainer {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct StepResult {
  double loss;  // mean per trained token
  double grad_norm;
  int64_t positions;  // tokens the model read, padding included
  data::MixtureCursor cursor;  // the loader's state after this step's batches
};

// One optimizer step over train.grad_accum micro-batches. Each micro-batch's
// summed loss is divided by the token count of the whole step, so the gradient
// equals that of one batch holding all the micro-batches.
StepResult optimizer_step(models::GPT& model, torch::optim::Optimizer& optimizer, data::BatchLoader& loader,
                          const RunConfig& config, const torch::Tensor& class_weights, c10::Device device) {
  std::vector<data::Batch> micro_batches;
  data::MixtureCursor cursor;
  int64_t tokens = 0, positions = 0;
  for (int64_t i = 0; i < config.train.grad_accum; ++i) {
    auto loaded = loader.next();
    positions += loaded.batch.inputs.numel();
    micro_batches.push_back(std::move(loaded.batch));
    cursor = std::move(loaded.cursor);
    tokens += count_loss_tokens(micro_batches.back().targets);
  }
  if (tokens == 0) throw std::runtime_error("a training step without a single target token: blocks too short?");
  optimizer.zero_grad();
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  for (const auto& batch : micro_batches) {
    const auto logits = forward_batch(model, batch, device);
    const auto loss = summed_token_loss(logits, batch.targets.to(device), config.train.label_smoothing, class_weights);
    (loss / static_cast<double>(tokens)).backward();
    loss_sum += loss.detach().to(torch::kDouble);
  }
  const double max_norm = config.optim.grad_clip > 0 ? config.optim.grad_clip : std::numeric_limits<double>::infinity();
  const double grad_norm = torch::nn::utils::clip_grad_norm_(trainable_parameters(model), max_norm);
  optimizer.step();
  return {loss_sum.item<double>() / static_cast<double>(tokens), grad_norm, positions, std::move(cursor)};
}

void print_header(const RunConfig& config, models::GPT& model, const RunData& data, c10::Device device) {
  const auto& m = model->config;
  std::printf("anvil train -> %s\n", config.run.dir.c_str());
  std::printf("model: %lld layers, %lld heads, %lld wide, block %lld, vocab %lld | %.2fM parameters | %.3g FLOPs/token\n",
              (long long)m.n_layer, (long long)m.n_head, (long long)m.n_embd, (long long)m.block_size,
              (long long)m.vocab_size, static_cast<double>(model->num_parameters()) / 1e6, model->flops_per_token());
  int64_t trainable = 0;
  for (const auto& p : trainable_parameters(model)) trainable += p.numel();
  if (trainable != model->num_parameters())
    std::printf("trainable: %lld of %lld parameters (%.2f%%)\n", (long long)trainable,
                (long long)model->num_parameters(), 100.0 * static_cast<double>(trainable) / model->num_parameters());
  std::printf("data: %s | %lld val rows of up to %lld tokens | %s tokenizer | device %s, %d threads\n",
              data.description.c_str(), (long long)data.val->size(), (long long)m.block_size,
              data.tokenizer->type().c_str(), device.str().c_str(), at::get_num_threads());
  std::fflush(stdout);
}

// Loads the newest of `checkpoints` that loads cleanly into model and
// optimizer; a broken one is reported and the next older one tried.
TrainingState restore_newest(const std::vector<std::string>& checkpoints, models::GPT& model,
                             torch::optim::Optimizer& optimizer, const RunConfig& config) {
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    try {
      load_checkpoint_weights(*it, model, config);
      const TrainingState state = load_training_state(*it, optimizer);
      std::printf("resuming from %s (step %lld)\n", it->c_str(), (long long)state.step);
      std::fflush(stdout);
      return state;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: skipping checkpoint %s: %s\n", it->c_str(), e.what());
    }
  }
  if (!checkpoints.empty())
    throw std::runtime_error("none of the " + std::to_string(checkpoints.size()) +
                             " checkpoints in the run directory could be loaded (see the warnings above)");
  return {};
}

// Creates the run directory and returns the complete checkpoints a resumed
// run may continue from.
std::vector<std::string> open_run_directory(const RunConfig& config) {
  fs::create_directories(config.run.dir);
  remove_partial_checkpoints(config.run.dir);
  const auto checkpoints = complete_checkpoints(config.run.dir);
  if (config.run.resume == "never" && !checkpoints.empty())
    throw std::runtime_error("run.dir '" + config.run.dir +
                             "' already holds checkpoints and run.resume is never: choose another run.dir");
  return checkpoints;
}

// The tokenizer a run encodes with: a resumed run's checkpoint's; a run
// fine-tuning from model.init_from that checkpoint's, when it has one; else
// the config's (null).
std::unique_ptr<data::Tokenizer> starting_tokenizer(const RunConfig& config, const std::vector<std::string>& checkpoints) {
  if (!checkpoints.empty()) return load_checkpoint_tokenizer(checkpoints.back(), config.tokenizer.type);
  const auto from = fs::path(config.model.init_from) / data::tokenizer_file_name(config.tokenizer.type);
  if (!config.model.init_from.empty() && fs::exists(from)) return data::load_tokenizer(config.tokenizer.type, from.string());
  return nullptr;
}

// Counts validations since the metric last improved.
struct EarlyStopping {
  int64_t patience;
  double best = -std::numeric_limits<double>::infinity();
  int64_t since_best = 0;

  // `score`: higher is better. True when patience has run out.
  bool update(double score) {
    if (score > best) {
      best = score;
      since_best = 0;
    } else {
      ++since_best;
    }
    return patience > 0 && since_best >= patience;
  }
};

// Every `every` steps (0: never) and at the last step.
bool due(int64_t step, int64_t every, bool last) { return last || (every > 0 && step % every == 0); }

// Throughput over the steps since the last log line, and the ETA from all
// steps this process has run (evaluation and checkpoint time excluded).
struct Progress {
  double train_seconds = 0, interval_seconds = 0;
  int64_t interval_tokens = 0, steps = 0;

  void add_step(double seconds, int64_t tokens) {
    train_seconds += seconds;
    interval_seconds += seconds;
    interval_tokens += tokens;
    ++steps;
  }
  double tokens_per_second() const { return static_cast<double>(interval_tokens) / interval_seconds; }
  double eta(int64_t steps_left) const {
    return train_seconds / static_cast<double>(steps) * static_cast<double>(steps_left);
  }
  void start_interval() {
    interval_seconds = 0;
    interval_tokens = 0;
  }
};

}  // namespace

TrainSummary train(const RunConfig& config) {
  const auto start = Clock::now();
  configure_threads(config.run.threads);
  const auto device = select_device(config.run.device);
  const fs::path run_dir = config.run.dir;
  const auto checkpoints = open_run_directory(config);
  RunData data = load_run_data(config, starting_tokenizer(config, checkpoints));
  // The run directory's config names the label set, so the checkpoints' classes keep their meaning.
  RunConfig resolved = config;
  if (!data.labels.empty()) resolved.classify.labels = data.labels;
  const std::string config_yaml = to_yaml(resolved);
  std::ofstream(run_dir / "config.yaml") << config_yaml;
  data.tokenizer->save((run_dir / data::tokenizer_file_name(data.tokenizer->type())).string());

  torch::manual_seed(static_cast<uint64_t>(config.run.seed));
  models::GPT model = build_model(config, data.tokenizer->vocab_size(), static_cast<int64_t>(data.labels.size()), device,
                                  /*restoring=*/!checkpoints.empty());
  auto optimizer = make_adamw(*model, config.optim);
  TrainingState state = restore_newest(checkpoints, model, *optimizer, config);
  data::BatchLoader loader(data.train, data.weights, config.train.batch_size, static_cast<uint64_t>(config.run.seed),
                           state.cursor, config.data.prefetch);
  MetricsLog metrics((run_dir / "metrics.jsonl").string(), state.step);
  print_header(config, model, data, device);
  if (!config.model.init_from.empty() && checkpoints.empty())
    std::printf("initialised from %s\n", config.model.init_from.c_str());

  const auto& t = config.train;
  const int64_t first_step = state.step;
  TrainSummary summary;
  Progress progress;
  EarlyStopping early_stopping{t.early_stop_patience};
  while (state.step < t.max_steps) {
    const double lr = learning_rate(config.schedule, config.optim.lr, state.step, t.max_steps);
    set_learning_rate(*optimizer, lr);
    // Dropout draws from a generator seeded by the step alone, so a resumed run
    // draws exactly what an uninterrupted one would.
    torch::manual_seed(static_cast<uint64_t>(config.run.seed) + static_cast<uint64_t>(state.step) + 1);
    const auto step_start = Clock::now();
    StepResult result = optimizer_step(model, *optimizer, loader, config, data.class_weights, device);
    progress.add_step(seconds_since(step_start), result.positions);
    ++state.step;
    state.tokens_seen += result.positions;
    state.cursor = std::move(result.cursor);
    state.val_loss.reset();
    state.val_accuracy.reset();

    bool last = state.step == t.max_steps;
    if (due(state.step, t.log_every, last)) {
      std::printf("step %6lld/%lld | loss %.4f | lr %.2e | grad %.3f | %.1fk tok/s | eta %s\n",
                  (long long)state.step, (long long)t.max_steps, result.loss, lr, result.grad_norm,
                  progress.tokens_per_second() / 1e3, format_duration(progress.eta(t.max_steps - state.step)).c_str());
      std::fflush(stdout);
      metrics.write(state.step, {{"loss", result.loss}, {"lr", lr}, {"grad_norm", result.grad_norm},
                                 {"tokens_per_sec", progress.tokens_per_second()},
                                 {"tokens_seen", double(state.tokens_seen)}, {"elapsed_s", seconds_since(start)}});
      progress.start_interval();
    }
    if (due(state.step, config.eval.every, last)) {
      const Validation val = validate(model, data, config, device);
      std::printf("eval step %lld | %s\n", (long long)state.step, val.line.c_str());
      std::fflush(stdout);
      metrics.write(state.step, val.values);
      summary.final_val_loss = val.loss;
      summary.final_val_accuracy = val.accuracy.value_or(0.0);
      state.val_loss = val.loss;
      state.val_accuracy = val.accuracy;
      if (early_stopping.update(val.accuracy ? *val.accuracy : -val.loss) && !last) {
        std::printf("early stop: no improvement in %lld validations\n", (long long)t.early_stop_patience);
        last = true;
      }
    }
    if (due(state.step, config.checkpoint.every, last)) {
      summary.checkpoint = save_checkpoint(
          config.run.dir, {state, checkpoint_state(model, config), *optimizer, config_yaml, *data.tokenizer});
      prune_checkpoints(config.run.dir, config.checkpoint.keep_last, config.checkpoint.keep_best);
      std::printf("checkpoint %s\n", summary.checkpoint.c_str());
    }
    if (last) break;
  }
  if (first_step >= t.max_steps) std::printf("nothing to do: the run already reached train.max_steps\n");
  summary.steps = state.step;
  summary.seconds = seconds_since(start);
  std::printf("done: %lld steps in %s, final val loss %.4f\n", (long long)summary.steps,
              format_duration(summary.seconds).c_str(), summary.final_val_loss);
  return summary;
}

}  // namespace anvil::trainer

#include "recipes/train_loop.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include <ATen/Parallel.h>

#include "data/batch_loader.h"
#include "training/checkpoint.h"
#include "training/communicator.h"
#include "recipes/config_loader.h"
#include "training/device_stats.h"
#include "training/early_stopping.h"
#include "training/gradient_sync.h"
#include "training/lr_schedule.h"
#include "training/metrics_log.h"
#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"
#include "training/optimizer.h"
#include "training/optimizer_step.h"
#include "training/precision.h"
#include "recipes/runtime.h"
#include "recipes/run_data.h"
#include "recipes/run_resume.h"
#include "training/sharded_adamw.h"
#include "recipes/validation.h"

namespace anvil::recipes {
using namespace training;
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void print_header(const RunConfig& config, models::GPT& model, const RunData& data, c10::Device device,
                  const Communicator& comm, const GradientSync* sync, bool cuda_graphs) {
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
  std::printf("data: %s | %lld val rows of up to %lld tokens | %s tokenizer | device %s, %d threads, %s%s%s\n",
              data.description.c_str(), (long long)data.val->size(), (long long)m.block_size,
              data.tokenizer->type().c_str(), device.str().c_str(), at::get_num_threads(),
              resolve_precision(config, device) == Precision::kBf16 ? "bf16 autocast" : "fp32",
              m.fused_ops ? ", fused kernels" : "", cuda_graphs ? ", CUDA graphs" : "");
  if (sync)
    std::printf("data parallel: %d ranks, %lld sequences per rank per micro-batch, gradients in %zu buckets%s\n",
                comm.world_size(), (long long)(config.train.batch_size / comm.world_size()), sync->bucket_count(),
                config.dist.shard_optimizer ? ", optimizer state sharded (ZeRO-1)" : "");
  std::fflush(stdout);
}

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
  void add_wait(double seconds) {
    train_seconds += seconds;
    interval_seconds += seconds;
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

// The step's log line and metrics.jsonl record, every train.log_every steps.
struct StepLog {
  std::optional<MetricsLog> metrics;  // rank 0's
  Progress progress;
  Clock::time_point start;
  double peak_flops = 0;  // every rank's devices together: MFU counts every rank's tokens
  double flops_per_token = 0;

  void write(const TrainingState& state, const StepResult& result, double lr, int64_t max_steps,
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
    std::printf("step %6lld/%lld | loss %.4f | lr %.2e | grad %.3f | %.1fk tok/s", (long long)state.step,
                (long long)max_steps, loss, lr, grad_norm, tokens_per_sec / 1e3);
    std::map<std::string, double> values{{"loss", loss}, {"lr", lr}, {"grad_norm", grad_norm},
                                         {"tokens_per_sec", tokens_per_sec},
                                         {"tokens_seen", double(state.tokens_seen)},
                                         {"elapsed_s", seconds_since(start)},
                                         {"optimizer_state_bytes", optimizer_bytes},
                                         {"peak_memory_bytes", peak_memory}};
    if (peak_flops > 0) {
      values["mfu"] = tokens_per_sec * flops_per_token / peak_flops;
      std::printf(" | mfu %.1f%%", 100.0 * values["mfu"]);
    }
    std::printf(" | mem %.2f GiB | eta %s\n", peak_memory / (1 << 30),
                format_duration(progress.eta(max_steps - state.step)).c_str());
    std::fflush(stdout);
    if (metrics) metrics->write(state.step, values);
    progress.start_interval();
  }
};

// Validates (every rank on the whole set, so all hold the same figures),
// logs and records the result. True when early stopping's patience ran out.
bool validate_step(models::GPT& model, const RunData& data, const RunConfig& config, c10::Device device,
                   TrainingState& state, TrainSummary& summary, StepLog& log, Communicator& comm) {
  const Validation val = validate(model, data, config, device);
  std::printf("eval step %lld | %s\n", (long long)state.step, val.line.c_str());
  std::fflush(stdout);
  if (log.metrics) log.metrics->write(state.step, val.values);
  summary.final_val_loss = val.loss;
  summary.final_val_accuracy = val.accuracy.value_or(0.0);
  state.val_loss = val.loss;
  state.val_accuracy = val.accuracy;
  return comm.any(patience_ran_out(state.best_score, state.validations_since_best,
                                   val.accuracy ? *val.accuracy : -val.loss, config.train.early_stop_patience));
}

// The closing line, with the best validation too: a small corpus overfits, and
// a run is judged by its best checkpoint. The final validation is the last
// step's, which a run that had nothing to do restored from its checkpoint.
void print_done(const TrainSummary& summary, const TrainingState& state) {
  std::printf("done: %lld steps in %s", (long long)summary.steps, format_duration(summary.seconds).c_str());
  if (state.val_loss) std::printf(", final val loss %.4f", *state.val_loss);
  if (state.best_score && state.val_accuracy)
    std::printf(", best val accuracy %.4f", *state.best_score);
  else if (state.best_score)
    std::printf(" (best %.4f)", -*state.best_score);
  std::printf("\n");
}

TrainSummary train_on_ranks(const RunConfig& config, Communicator& comm, c10::Device device) {
  StepLog log;
  log.start = Clock::now();
  const bool cuda_graphs = resolve_cuda_graphs(config, device, comm.world_size(), cuda_graphs_available());
  const fs::path run_dir = config.run.dir;
  const RunDirectory directory = open_run_directory(config, comm);  // locked until the run returns
  const auto& checkpoints = directory.checkpoints;
  ResumeCandidates resume{checkpoints, {}};
  RunData data = load_run_data(config, starting_tokenizer(config, resume));
  // The run directory's config names the label set, so the checkpoints' classes keep their meaning.
  RunConfig resolved = config;
  if (!data.labels.empty()) resolved.classify.labels = data.labels;
  const std::string config_yaml = to_yaml(resolved);

  torch::manual_seed(static_cast<uint64_t>(config.run.seed));
  models::GPT model = build_model(config, data.tokenizer->vocab_size(), static_cast<int64_t>(data.labels.size()), device,
                                  /*restoring=*/!checkpoints.empty());
  const auto params = trainable_parameters(model);
  ShardedAdamW optimizer(params, config.optim, comm, config.dist.shard_optimizer);
  TrainingState state = restore_newest(resume, model, optimizer, config, *data.tokenizer);
  record_source_sizes(state, data, comm.is_main());
  comm.broadcast(params, 0);  // every rank starts from rank 0's weights, as DDP does
  // After the broadcast: every rank has finished reading checkpoints.
  if (comm.is_main()) {
    set_aside_broken(resume.broken);
    write_run_files(run_dir, config_yaml, *data.tokenizer);
  }
  std::unique_ptr<GradientSync> sync;
  if (comm.world_size() > 1) sync = std::make_unique<GradientSync>(params, comm, config.dist.bucket_mb);
  data::BatchLoader loader(data.train, data.weights, config.train.batch_size, static_cast<uint64_t>(config.run.seed),
                           state.cursor, config.data.prefetch, {comm.rank(), comm.world_size()});
  if (comm.is_main()) log.metrics.emplace((run_dir / "metrics.jsonl").string(), state.step);
  log.peak_flops = peak_flops(device, config.run.peak_tflops) * comm.world_size();
  log.flops_per_token = model->flops_per_token();
  print_header(config, model, data, device, comm, sync.get(), cuda_graphs);
  if (!config.model.init_from.empty() && checkpoints.empty())
    std::printf("initialised from %s\n", config.model.init_from.c_str());

  const auto& t = config.train;
  const int64_t first_step = state.step;
  TrainSummary summary;
  const StepParts parts{model, optimizer, loader, comm, sync.get(), resolve_precision(config, device)};
  std::unique_ptr<GraphedStep> graphed;
  if (cuda_graphs) {
    optimizer.fused()->read_learning_rates_from_device();
    graphed = std::make_unique<GraphedStep>();
  }
  const ScheduleOptions schedule = resolve(config).schedule;
  while (state.step < t.max_steps) {
    const double lr = learning_rate(schedule, state.step);
    optimizer.set_learning_rate(lr);
    // Dropout draws from a generator seeded by the step (and rank) alone, so a
    // resumed run draws exactly what an uninterrupted one would.
    torch::manual_seed(static_cast<uint64_t>(config.run.seed) + static_cast<uint64_t>(state.step) + 1 +
                       (static_cast<uint64_t>(comm.rank()) << 32));
    const auto step_start = Clock::now();
    StepResult result = optimizer_step(parts, config, data.class_weights, device, graphed.get());
    log.progress.add_step(seconds_since(step_start), result.positions);
    ++state.step;
    state.tokens_seen += result.positions;
    state.cursor = std::move(result.cursor);
    state.val_loss.reset();
    state.val_accuracy.reset();

    bool last = state.step == t.max_steps;
    if (due(state.step, t.log_every, last)) log.write(state, result, lr, t.max_steps, optimizer, comm, device);
    if (due(state.step, config.eval.every, last) &&
        validate_step(model, data, config, device, state, summary, log, comm) && !last) {
      std::printf("early stop: no improvement in %lld validations\n", (long long)t.early_stop_patience);
      last = true;
    }
    if (due(state.step, config.checkpoint.every, last)) {
      auto& full_optimizer = optimizer.gather_full_state();
      if (comm.is_main()) {
        summary.checkpoint = save_checkpoint(
            config.run.dir, {state, checkpoint_state(model, config), full_optimizer, config_yaml, *data.tokenizer});
        prune_checkpoints(config.run.dir, summary.checkpoint, config.checkpoint.keep_last, config.checkpoint.keep_best);
        std::printf("checkpoint %s\n", summary.checkpoint.c_str());
      }
    }
    if (last) break;
  }
  // Every rank leaves together, once rank 0's last checkpoint is on disk.
  comm.barrier();
  if (first_step >= t.max_steps) std::printf("nothing to do: the run already reached train.max_steps\n");
  summary.steps = state.step;
  summary.seconds = seconds_since(log.start);
  print_done(summary, state);
  return summary;
}

}  // namespace

TrainSummary train(const RunConfig& config) {
  configure_threads(config.run.threads);
  allow_tf32(config.run.tf32);
  const LaunchEnv launch = launch_env_from_environment();
  const auto device = select_device(resolve(config).device, launch.local_rank);
  require_even_batch_split(config, launch.world_size);
  if (!launch.distributed()) {
    Communicator single;
    return train_on_ranks(config, single, device);
  }
  Communicator comm(launch, config.dist.backend, device, std::chrono::seconds(config.dist.timeout_s));
  // Rank 0 alone logs; the other ranks' errors still reach stderr.
  if (!comm.is_main() && !std::freopen("/dev/null", "w", stdout))
    throw std::runtime_error("cannot silence stdout of rank " + std::to_string(comm.rank()));
  try {
    return train_on_ranks(config, comm, device);
  } catch (...) {
    comm.rethrow_naming_lost_ranks(std::current_exception());
  }
}

}  // namespace anvil::recipes

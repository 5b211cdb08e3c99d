#include "recipes/trainer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/console.h"
#include "common/stop_signals.h"
#include "data/batch_loader.h"
#include "recipes/config_loader.h"
#include "recipes/model_builder.h"
#include "recipes/resolved_config.h"
#include "recipes/run_data.h"
#include "recipes/run_resume.h"
#include "recipes/runtime.h"
#include "recipes/sample_prompts.h"
#include "recipes/tasks/task.h"
#include "recipes/training_parts.h"
#include "recipes/trainer_log.h"
#include "recipes/validation.h"
#include "training/checkpoint.h"
#include "training/communicator.h"
#include "training/device_stats.h"
#include "training/early_stopping.h"
#include "training/launch_env.h"
#include "training/lr_schedule.h"
#include "training/nonfinite_guard.h"
#include "training/precision.h"

namespace anvil::recipes {
using namespace training;
namespace fs = std::filesystem;
namespace {

// Every `every` steps (0: never) and at the last step.
bool due(int64_t step, int64_t every, bool last) { return last || (every > 0 && step % every == 0); }

// Ranks that resumed from different checkpoints (say each saw another run
// directory) would each train another model while summing their gradients.
void require_one_step_on_every_rank(int64_t step, Communicator& comm) {
  const auto extremes = comm.max({static_cast<double>(step), -static_cast<double>(step)});
  if (extremes[0] == -extremes[1]) return;
  throw std::runtime_error("the ranks resumed from different checkpoints (steps " +
                           std::to_string(static_cast<int64_t>(-extremes[1])) + " to " +
                           std::to_string(static_cast<int64_t>(extremes[0])) +
                           "): every rank must see the same run.dir and its checkpoints");
}

// Test-only fault injection: ANVIL_TEST_POISON_STEPS="5,6" multiplies the
// loss of steps 5 and 6 (counted from 1) by NaN.
std::vector<int64_t> poisoned_steps() {
  std::vector<int64_t> steps;
  const char* list = std::getenv("ANVIL_TEST_POISON_STEPS");
  for (const char* p = list; p && *p;) {
    char* end = nullptr;
    steps.push_back(std::strtoll(p, &end, 10));
    if (end == p) throw std::runtime_error("ANVIL_TEST_POISON_STEPS: expected step numbers separated by commas");
    p = *end == ',' ? end + 1 : end;
  }
  return steps;
}

// One run on this process's rank, in three phases. open: the run directory
// (locked until the trainer goes), the data, the model and its training step,
// resumed from the newest checkpoint that loads. run: the steps, each followed
// by its hooks (log line, validation with early stopping, checkpoint). close:
// every rank leaves together.
class Trainer {
 public:
  Trainer(const RunConfig& config, Communicator& comm, c10::Device device)
      : config_(config), comm_(comm), device_(device),
        step_options_(step_options(config, device, comm.world_size())), nonfinite_(resolve(config).nonfinite),
        poisoned_steps_(poisoned_steps()) {}

  void open();
  void run();
  TrainSummary close();

 private:
  void open_data();
  std::unique_ptr<ShardedAdamW> open_model();
  void open_step(std::unique_ptr<ShardedAdamW> optimizer);
  StepResult train_step(double lr);
  bool after_step(const StepResult& result, double lr);
  bool validate_and_check_patience();
  void write_samples();
  void require_finite_steps();
  void write_checkpoint();
  void stop_preempted();

  const RunConfig& config_;
  Communicator& comm_;
  c10::Device device_;
  // First: a run.cuda_graphs on that cannot be is refused before the run directory is touched.
  StepOptions step_options_;
  StepLog log_;
  RunDirectory directory_;
  ResumeCandidates resume_;
  RunData data_;
  std::string config_yaml_;
  models::GPT model_{nullptr};
  TrainingState state_;
  std::unique_ptr<TrainStep> step_;
  std::unique_ptr<data::BatchLoader> loader_;
  std::unique_ptr<BatchStage> stage_;  // the task's, before each step (null: none)
  TrainSummary summary_;
  int64_t first_step_ = 0;
  NonFiniteGuard nonfinite_;
  std::vector<int64_t> poisoned_steps_;
  std::optional<SamplePrompts> samples_;
};

void Trainer::open() {
  open_data();
  samples_.emplace(config_, *data_.tokenizer);
  auto optimizer = open_model();
  // After the restore's collectives: every rank has finished reading checkpoints.
  if (comm_.is_main()) {
    set_aside_broken(resume_.broken);
    write_run_files(config_.run.dir, config_yaml_, *data_.tokenizer);
  }
  open_step(std::move(optimizer));
  print_header(config_, model_, data_, device_, comm_, *step_);
  if (!config_.model.init_from.empty() && directory_.checkpoints.empty())
    common::say("initialised from %s", config_.model.init_from.c_str());
  first_step_ = state_.step;
}

void Trainer::open_data() {
  directory_ = open_run_directory(config_, comm_);
  resume_ = {directory_.checkpoints, {}};
  data_ = load_run_data(config_, starting_tokenizer(config_, resume_));
  // The run directory's config names the label set, so the checkpoints' classes keep their meaning.
  RunConfig resolved = config_;
  if (!data_.labels.empty()) resolved.classify.labels = data_.labels;
  config_yaml_ = to_yaml(resolved);
}

// The model and its optimizer in the state of the newest checkpoint that
// loads (or fresh), the same on every rank.
std::unique_ptr<ShardedAdamW> Trainer::open_model() {
  torch::manual_seed(static_cast<uint64_t>(config_.run.seed));
  model_ = build_model(config_, data_.tokenizer->vocab_size(), task_of(config_).num_classes(data_.labels), device_,
                       {/*restoring=*/!directory_.checkpoints.empty()});
  auto optimizer = build_optimizer(config_, model_, comm_);
  state_ = restore_newest(resume_, model_, *optimizer, config_, *data_.tokenizer);
  record_source_sizes(state_, data_, comm_.is_main());
  require_one_step_on_every_rank(state_.step, comm_);
  comm_.broadcast(optimizer->parameters(), 0);  // every rank starts from rank 0's weights, as DDP does
  return optimizer;
}

void Trainer::open_step(std::unique_ptr<ShardedAdamW> optimizer) {
  auto options = step_options_;
  options.loss.class_weights = data_.class_weights;
  options.preference = resolve(config_).preference;
  stage_ = task_of(config_).batch_stage(config_, model_, data_, device_, /*resumed=*/state_.step > 0, comm_.is_main());
  step_ = std::make_unique<TrainStep>(model_, std::move(optimizer), comm_, device_, std::move(options));
  loader_ = build_loader(config_, data_, state_.cursor, {comm_.rank(), comm_.world_size()}, config_.data.prefetch);
  if (comm_.is_main()) {
    log_.record.emplace(config_.run.dir, state_.step);
    log_.record->write_config(config_yaml_);
  }
  log_.peak_flops = peak_flops(device_, config_.run.peak_tflops) * comm_.world_size();
  log_.flops_per_token = model_->flops_per_token();
}

void Trainer::run() {
  const ScheduleOptions schedule = resolve(config_).schedule;
  common::ProgressLine progress("train", config_.train.max_steps, "step");
  progress.start_from(state_.step);
  while (state_.step < config_.train.max_steps) {
    const double lr = learning_rate(schedule, state_.step);
    const StepResult result = train_step(lr);
    progress.update(state_.step, log_.figures);  // the figures of the last log line
    if (after_step(result, lr)) break;
    if (result.stop) return stop_preempted();
  }
}

// A stop signal reached some rank during the step just run: every rank
// stops after it, with a checkpoint of it.
void Trainer::stop_preempted() {
  if (!due(state_.step, config_.checkpoint.every, false)) write_checkpoint();
  summary_.preempted = true;
  common::say("preempted at step %lld; run the same command again to resume", (long long)state_.step);
}

StepResult Trainer::train_step(double lr) {
  step_->set_learning_rate(lr);
  // Dropout draws from a generator seeded by the step (and rank) alone, so a
  // resumed run draws exactly what an uninterrupted one would.
  torch::manual_seed(static_cast<uint64_t>(config_.run.seed) + static_cast<uint64_t>(state_.step) + 1 +
                     (static_cast<uint64_t>(comm_.rank()) << 32));
  const auto start = Clock::now();
  data::MixtureCursor cursor;
  if (std::find(poisoned_steps_.begin(), poisoned_steps_.end(), state_.step + 1) != poisoned_steps_.end())
    step_->poison_next_step();
  StepResult result = step_->run(
      [&] {
        auto loaded = loader_->next();
        cursor = std::move(loaded.cursor);
        if (stage_) stage_->apply(loaded.batch);
        return std::move(loaded.batch);
      },
      common::stop_requested());
  log_.progress.add_step(seconds_since(start), result.positions);
  ++state_.step;
  nonfinite_.record(result.skipped, state_.step);
  state_.tokens_seen += result.positions;
  state_.cursor = std::move(cursor);
  state_.val_loss.reset();
  state_.val_accuracy.reset();
  return result;
}

// The hooks after a step: its log line, validation (whose patience may stop
// the run) and checkpoint, each when due. True when the run stops.
bool Trainer::after_step(const StepResult& result, double lr) {
  const auto& t = config_.train;
  bool last = state_.step == t.max_steps;
  if (due(state_.step, t.log_every, last)) {
    require_finite_steps();
    log_.skipped_steps = nonfinite_.skipped_total();
    log_.write(state_, result, lr, t.max_steps, step_->optimizer(), comm_, device_);
  }
  if (due(state_.step, config_.eval.every, last) && validate_and_check_patience() && !last) {
    common::say("early stop: no improvement in %lld validations", (long long)t.early_stop_patience);
    last = true;
  }
  if (due(state_.step, config_.checkpoint.every, last)) write_checkpoint();
  return last;
}

// Validates (every rank on the whole set, so all hold the same figures),
// logs and records the result. True when early stopping's patience ran out.
bool Trainer::validate_and_check_patience() {
  require_finite_steps();
  const Validation val = validate(model_, data_, config_, device_);
  common::record("val", state_.step, val.values,
                 common::format_text("eval step %lld | %s", (long long)state_.step, val.line.c_str()));
  if (log_.record) log_.record->write(state_.step, "val", val.values);
  if (!samples_->empty() && comm_.is_main()) write_samples();
  summary_.final_val_loss = val.loss;
  summary_.final_val_accuracy = val.accuracy.value_or(0.0);
  state_.val_loss = val.loss;
  state_.val_accuracy = val.accuracy;
  return comm_.any(patience_ran_out(state_.best_score, state_.validations_since_best,
                                    val.accuracy ? *val.accuracy : -val.loss, config_.train.early_stop_patience));
}

void Trainer::write_samples() {
  const auto samples = samples_->generate(model_);
  for (size_t i = 0; i < samples.size(); ++i)
    common::say("sample %zu | %s%s", i + 1, samples[i].prompt.c_str(), samples[i].text.c_str());
  log_.record->write_samples(state_.step, samples);
}

// Stops the run, before anything else is logged or saved, when the
// non-finite steps say so (train.nonfinite).
void Trainer::require_finite_steps() {
  if (const auto error = nonfinite_.check()) throw std::runtime_error(*error);
}

void Trainer::write_checkpoint() {
  require_finite_steps();
  // The host's step counts still count the skipped steps the device undid.
  step_->optimizer().uncount_steps(nonfinite_.take_new_skips());
  auto& full_optimizer = step_->optimizer().gather_full_state();  // collective
  if (!comm_.is_main()) return;
  const auto& c = config_.checkpoint;
  summary_.checkpoint = save_checkpoint(
      config_.run.dir, {state_, checkpoint_state(model_, config_), full_optimizer, config_yaml_, *data_.tokenizer});
  prune_checkpoints(config_.run.dir, summary_.checkpoint, c.keep_last, c.keep_best);
  common::say("checkpoint %s", summary_.checkpoint.c_str());
}

TrainSummary Trainer::close() {
  // Every rank leaves together, once rank 0's last checkpoint is on disk.
  comm_.barrier();
  if (first_step_ >= config_.train.max_steps) common::say("nothing to do: the run already reached train.max_steps");
  summary_.steps = state_.step;
  summary_.seconds = seconds_since(log_.start);
  if (!summary_.preempted) print_done(summary_, state_);
  return summary_;
}

TrainSummary train_on_ranks(const RunConfig& config, Communicator& comm, c10::Device device) {
  common::install_stop_signals();
  Trainer trainer(config, comm, device);
  trainer.open();
  trainer.run();
  return trainer.close();
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

// Data-parallel training through the anvil binary: 2 ranks on Gloo over
// loopback against 1 rank with the same global batch and seed.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/metrics.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace anvil::test_support;
namespace fs = std::filesystem;
using std::chrono::seconds;

// 20 steps of 2 micro-batches of 8 rows: each rank reads 4 rows per micro-batch.
const std::vector<std::string> kRecipe = {
    "run.threads=1",    "train.max_steps=20", "train.batch_size=8",  "train.grad_accum=2", "train.log_every=1",
    "eval.every=20",    "eval.batches=4",     "checkpoint.every=10", "schedule.warmup_steps=5"};

struct Finished {
  int status;
  std::string log;
};

Finished train(const std::vector<std::string>& launch, const std::string& run_dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {ANVIL_BIN, "train"};
  argv.insert(argv.end(), launch.begin(), launch.end());
  argv.push_back(std::string(ANVIL_CONFIGS) + "/shakespeare_char_cpu.yaml");
  argv.push_back("run.dir=" + run_dir);
  argv.insert(argv.end(), kRecipe.begin(), kRecipe.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string log = run_dir + ".log";
  const auto status = wait_process(start_process(argv, {}, log), seconds(240));
  return {status.value_or(-1), read_file(log)};
}

// step -> the metric, from the training lines of metrics.jsonl.
std::map<int64_t, double> series(const std::string& run_dir, const std::string& key) {
  std::map<int64_t, double> out;
  for (const auto& line : read_metrics(run_dir))
    if (line.contains(key)) out[line["step"].get<int64_t>()] = line[key].get<double>();
  return out;
}

void expect_same_losses(const std::string& expected_dir, const std::string& actual_dir, int64_t from_step) {
  const auto expected = series(expected_dir, "loss"), actual = series(actual_dir, "loss");
  ASSERT_EQ(actual.size(), 20u);
  for (const auto& [step, loss] : actual)
    if (step >= from_step) EXPECT_NEAR(loss, expected.at(step), 1e-5) << "step " << step;
  EXPECT_NEAR(series(actual_dir, "grad_norm").at(20), series(expected_dir, "grad_norm").at(20), 1e-5);
}

class Distributed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = new TempDir; }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const std::string& name) { return dir_->path(name); }

  // The single-process run the others are checked against, trained on first use.
  static std::string one_rank() {
    const std::string dir = path("one_rank");
    if (!fs::exists(dir)) {
      const Finished one = train({}, dir);
      EXPECT_EQ(one.status, 0) << one.log;
    }
    return dir;
  }

  static TempDir* dir_;
};
TempDir* Distributed::dir_ = nullptr;

TEST_F(Distributed, TwoRanksOnGlooTrainLikeOneWithTheSameGlobalBatch) {
  const Finished two = train({"--nproc", "2"}, path("two_ranks"));
  ASSERT_EQ(two.status, 0) << two.log;
  EXPECT_NE(two.log.find("data parallel: 2 ranks, 4 sequences per rank per micro-batch"), std::string::npos) << two.log;
  expect_same_losses(one_rank(), path("two_ranks"), 1);
  // Only rank 0 logs: one line per step, not two.
  size_t lines = 0;
  for (size_t at = two.log.find("step     20/20"); at != std::string::npos; at = two.log.find("step     20/20", at + 1))
    ++lines;
  EXPECT_EQ(lines, 1u);
}

TEST_F(Distributed, ShardedOptimizerTrainsTheSameWithHalfTheStatePerRank) {
  const Finished sharded = train({"--nproc", "2"}, path("sharded"), {"dist.shard_optimizer=true"});
  ASSERT_EQ(sharded.status, 0) << sharded.log;
  expect_same_losses(one_rank(), path("sharded"), 1);
  const double whole = series(one_rank(), "optimizer_state_bytes").at(20);
  const double per_rank = series(path("sharded"), "optimizer_state_bytes").at(20);  // the larger rank's share
  EXPECT_GT(whole, 0);
  EXPECT_LE(per_rank, 0.55 * whole);
  EXPECT_GE(per_rank, 0.5 * whole);
}

TEST_F(Distributed, ActivationCheckpointingKeepsTheGradientSyncExact) {
  // Recomputed blocks hand their gradients to the same accumulators the
  // Reducer watches, so buckets still fill and sync once per step.
  const Finished two = train({"--nproc", "2"}, path("recompute"), {"model.activation_checkpointing=1"});
  ASSERT_EQ(two.status, 0) << two.log;
  expect_same_losses(one_rank(), path("recompute"), 1);
}

TEST_F(Distributed, CheckpointOfTwoShardedRanksResumesOnOneRank) {
  const Finished sharded = train({"--nproc", "2"}, path("to_resume"), {"dist.shard_optimizer=true"});
  ASSERT_EQ(sharded.status, 0) << sharded.log;
  // Keep only the step-10 checkpoint, as if the 2-rank run had stopped there.
  fs::remove_all(path("to_resume/checkpoints/step_00000020"));
  const Finished resumed = train({}, path("to_resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.log;
  EXPECT_NE(resumed.log.find("resuming from"), std::string::npos) << resumed.log;
  expect_same_losses(one_rank(), path("to_resume"), 11);
}

// Launches 2 ranks by hand, as torchrun would, kills `victim` once training
// runs, and returns the survivor's exit status and output.
Finished kill_one_of_two(const std::string& run_dir, int victim) {
  const std::string port = std::to_string(free_port());
  std::vector<pid_t> ranks;
  for (int r = 0; r < 2; ++r) {
    std::vector<std::string> argv = {ANVIL_BIN, "train", std::string(ANVIL_CONFIGS) + "/shakespeare_char_cpu.yaml",
                                     "run.dir=" + run_dir, "run.threads=1", "train.max_steps=100000",
                                     "train.log_every=1", "eval.every=0", "train.batch_size=8"};
    ranks.push_back(start_process(argv,
                                  {"RANK=" + std::to_string(r), "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                   "MASTER_PORT=" + port},
                                  run_dir + ".rank" + std::to_string(r) + ".log"));
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds(120);
  while (read_file(run_dir + ".rank0.log").find("step      3/") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(ranks[static_cast<size_t>(victim)], SIGKILL);
  wait_process(ranks[static_cast<size_t>(victim)], seconds(10));
  const int survivor = 1 - victim;
  const auto status = wait_process(ranks[static_cast<size_t>(survivor)], seconds(60));
  if (!status) kill(ranks[static_cast<size_t>(survivor)], SIGKILL);
  return {status.value_or(-1), read_file(run_dir + ".rank" + std::to_string(survivor) + ".log")};
}

TEST_F(Distributed, KilledRankIsNamedBySurvivorWithinAMinute) {
  const Finished survivor = kill_one_of_two(path("kill_rank1"), 1);
  EXPECT_NE(survivor.status, -1) << "rank 0 still running 60 s after rank 1 died:\n" << survivor.log;
  EXPECT_EQ(survivor.status, 1);  // an error it names, not a crash
  EXPECT_NE(survivor.log.find("rank 0: lost rank 1"), std::string::npos) << survivor.log;
}

TEST_F(Distributed, LosingRankZeroAndItsStoreIsNamedToo) {
  const Finished survivor = kill_one_of_two(path("kill_rank0"), 0);
  EXPECT_NE(survivor.status, -1) << "rank 1 still running 60 s after rank 0 died:\n" << survivor.log;
  EXPECT_EQ(survivor.status, 1);
  EXPECT_NE(survivor.log.find("rank 0 is lost"), std::string::npos) << survivor.log;
}

TEST_F(Distributed, BadLaunchesAreClearErrors) {
  const std::string config = std::string(ANVIL_CONFIGS) + "/shakespeare_char_cpu.yaml";
  auto run = [&](const std::vector<std::string>& args, const std::vector<std::string>& env) {
    std::vector<std::string> argv = {ANVIL_BIN, "train"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto status = wait_process(start_process(argv, env, path("bad.log")), seconds(60));
    return Finished{status.value_or(-1), read_file(path("bad.log"))};
  };
  Finished r = run({config, "run.dir=" + path("bad")}, {"RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.log.find("RANK='2': expected an integer in [0, 1]"), std::string::npos) << r.log;
  r = run({config, "run.dir=" + path("bad")}, {"RANK=0", "WORLD_SIZE=2", "MASTER_PORT=29500"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.log.find("MASTER_ADDR is not set"), std::string::npos) << r.log;
  r = run({"--nproc", "3", config, "run.dir=" + path("bad"), "train.batch_size=8"}, {});
  EXPECT_EQ(r.status, 2);  // a config error, found before any rank starts: said once
  const std::string split = "train.batch_size 8 (sequences per micro-batch over all ranks) does not split evenly over 3 ranks";
  EXPECT_NE(r.log.find(split), std::string::npos) << r.log;
  EXPECT_EQ(r.log.find(split), r.log.rfind(split)) << r.log;
  r = run({"--nproc", "two", config}, {});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.log.find("--nproc: expected a number of processes"), std::string::npos) << r.log;
}

}  // namespace

#pragma once
// The one thread that runs the model for every client. HTTP threads hand it
// jobs and wait: prompts to score (what lm-evaluation-harness sends, echo with
// at most one new token) are drained from the queue together and run as one
// batch; a generation runs alone, token by token, its text handed back as it
// grows so that it can be streamed.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "data/tokenizer.h"
#include "models/gpt.h"
#include "training/precision.h"

namespace anvil::serving {

struct TokenLogprob {
  int64_t token = 0;
  double logprob = 0;
  std::vector<std::pair<int64_t, double>> top;  // the most likely tokens at that position, best first
};

// A prompt's tokens scored in place (the first has no logprob), then up to
// one new token.
struct ScoredPrompt {
  std::vector<TokenLogprob> prompt;  // prompt[0].logprob is unset (NaN)
  std::vector<TokenLogprob> next;    // empty or one
};

struct ScoreJob {
  std::vector<int64_t> tokens;
  int64_t top = 0;          // alternatives to report per position
  bool next_token = false;  // also draw one new token
  double temperature = 0, top_p = 1;
  uint64_t seed = 0;
};

struct GenerateJob {
  std::vector<int64_t> prompt;
  int64_t max_tokens = 16;
  double temperature = 1, top_p = 1;
  uint64_t seed = 0;
  int64_t top = -1;  // >= 0: each new token's logprob and this many alternatives
  std::vector<int64_t> stop_tokens;
  // Each new token with its logprob; returning false ends the generation.
  std::function<bool(const TokenLogprob&)> on_token;
};

struct QueueFull : std::runtime_error {
  QueueFull() : std::runtime_error("the server is busy: too many requests are waiting") {}
};

struct EngineOptions {
  int64_t batch_tokens = 8192;  // tokens per forward pass of a scoring batch
  size_t max_queue = 1024;      // jobs waiting; past it a submit fails (the server says 503)
};

class Engine {
 public:
  Engine(models::GPT model, training::Precision precision, EngineOptions options);
  ~Engine();  // finishes the running job, fails the waiting ones, joins the worker

  const models::GPTConfig& config() const { return config_; }
  // Both throw QueueFull when max_queue jobs are waiting; a request's jobs
  // are queued all together or not at all.
  std::vector<std::future<ScoredPrompt>> score(std::vector<ScoreJob> jobs);
  // Resolves when the generation ends (by length, a stop token or on_token).
  std::future<void> generate(GenerateJob job);

 private:
  struct Job;
  void run();
  void run_scores(std::vector<std::shared_ptr<Job>>& jobs);
  void run_generation(Job& job);

  models::GPT model_;
  models::GPTConfig config_;
  training::Precision precision_;
  EngineOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace anvil::serving

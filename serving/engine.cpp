#include "serving/engine.h"

#include <cmath>
#include <variant>

#include <torch/torch.h>

#include "models/generate.h"

namespace anvil::serving {

struct Engine::Job {
  std::variant<ScoreJob, GenerateJob> work;
  std::promise<ScoredPrompt> scored;
  std::promise<void> generated;
};

namespace {

// The logprob of TOKEN and the TOP best under one row of log-probabilities.
TokenLogprob read_position(const torch::Tensor& logp, int64_t token, int64_t top) {
  TokenLogprob out;
  out.token = token;
  out.logprob = logp[token].item<double>();
  if (top > 0) {
    const auto [values, indices] = logp.topk(std::min<int64_t>(top, logp.size(0)));
    for (int64_t i = 0; i < values.size(0); ++i)
      out.top.emplace_back(indices[i].item<int64_t>(), values[i].item<double>());
  }
  return out;
}

models::SamplingOptions sampling_options(double temperature, double top_p, uint64_t seed) {
  models::SamplingOptions o;
  o.temperature = temperature;
  o.top_p = top_p;
  o.top_k = 0;
  o.seed = seed;
  return o;
}

}  // namespace

Engine::Engine(models::GPT model, training::Precision precision, EngineOptions options)
    : model_(std::move(model)), config_(model_->config), precision_(precision), options_(options) {
  model_->eval();
  worker_ = std::thread([this] { run(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::vector<std::future<ScoredPrompt>> Engine::score(std::vector<ScoreJob> jobs) {
  std::vector<std::shared_ptr<Job>> queued;
  std::vector<std::future<ScoredPrompt>> futures;
  for (auto& job : jobs) {
    queued.push_back(std::make_shared<Job>());
    queued.back()->work = std::move(job);
    futures.push_back(queued.back()->scored.get_future());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() + queued.size() > options_.max_queue || stopping_) throw QueueFull();
    queue_.insert(queue_.end(), queued.begin(), queued.end());
  }
  wake_.notify_one();
  return futures;
}

std::future<void> Engine::generate(GenerateJob job) {
  auto j = std::make_shared<Job>();
  j->work = std::move(job);
  auto future = j->generated.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= options_.max_queue || stopping_) throw QueueFull();
    queue_.push_back(j);
  }
  wake_.notify_one();
  return future;
}

void Engine::run() {
  // Grad mode and autocast are per thread: this one runs every forward.
  torch::NoGradGuard no_grad;
  const auto device = model_->parameters().front().device();
  training::AutocastScope autocast(device, precision_);
  while (true) {
    std::vector<std::shared_ptr<Job>> scores;
    std::shared_ptr<Job> generation;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        for (auto& j : queue_) {
          const auto error = std::make_exception_ptr(std::runtime_error("the server is shutting down"));
          if (std::holds_alternative<ScoreJob>(j->work)) j->scored.set_exception(error);
          else j->generated.set_exception(error);
        }
        queue_.clear();
        return;
      }
      // Every waiting scoring job goes in one batch; else the oldest generation.
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (std::holds_alternative<ScoreJob>((*it)->work)) {
          scores.push_back(*it);
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
      if (scores.empty()) {
        generation = queue_.front();
        queue_.pop_front();
      }
    }
    if (!scores.empty()) {
      try {
        run_scores(scores);
      } catch (...) {
        for (auto& j : scores) {
          try {
            j->scored.set_exception(std::current_exception());
          } catch (const std::future_error&) {  // this one was answered before the failure
          }
        }
      }
    } else {
      try {
        run_generation(*generation);
        generation->generated.set_value();
      } catch (...) {
        generation->generated.set_exception(std::current_exception());
      }
    }
  }
}

// Prompts right-padded into batches of about batch_tokens tokens, longest
// first; every position's log-probabilities from one forward pass.
void Engine::run_scores(std::vector<std::shared_ptr<Job>>& jobs) {
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto tokens_of = [&](size_t i) -> const std::vector<int64_t>& { return std::get<ScoreJob>(jobs[i]->work).tokens; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens_of(a).size() > tokens_of(b).size(); });
  const auto device = model_->parameters().front().device();
  for (size_t start = 0; start < order.size();) {
    const auto width = static_cast<int64_t>(tokens_of(order[start]).size());
    const size_t rows = static_cast<size_t>(std::max<int64_t>(1, options_.batch_tokens / width));
    const size_t end = std::min(order.size(), start + rows);
    std::vector<int64_t> batch(static_cast<size_t>((end - start) * width), 0);
    for (size_t r = start; r < end; ++r)
      std::copy(tokens_of(order[r]).begin(), tokens_of(order[r]).end(), batch.begin() + (r - start) * width);
    const auto hidden = model_->forward_hidden(
        torch::tensor(batch, torch::kLong).view({static_cast<int64_t>(end - start), width}).to(device));
    for (size_t r = start; r < end; ++r) {
      const auto& job = std::get<ScoreJob>(jobs[order[r]]->work);
      const auto n = static_cast<int64_t>(job.tokens.size());
      const auto logits = model_->lm_logits(hidden[static_cast<int64_t>(r - start)].narrow(0, 0, n))
                              .narrow(1, 0, config_.vocab_size).to(torch::kCPU, torch::kFloat);
      const auto logp = logits.log_softmax(-1);
      ScoredPrompt out;
      out.prompt.push_back({job.tokens[0], std::nan(""), {}});
      for (int64_t t = 1; t < n; ++t) out.prompt.push_back(read_position(logp[t - 1], job.tokens[static_cast<size_t>(t)], job.top));
      if (job.next_token) {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(job.seed);
        const auto next = models::sample_token(logits[n - 1], sampling_options(job.temperature, job.top_p, job.seed), generator);
        out.next.push_back(read_position(logp[n - 1], next, job.top));
      }
      jobs[order[r]]->scored.set_value(std::move(out));
    }
    start = end;
  }
}

void Engine::run_generation(Job& job) {
  auto& g = std::get<GenerateJob>(job.work);
  auto options = sampling_options(g.temperature, g.top_p, g.seed);
  options.max_new_tokens = g.max_tokens;
  options.stop_tokens = g.stop_tokens;
  options.on_token = [&](int64_t token, const torch::Tensor& logits) {
    const auto logp = logits.to(torch::kCPU, torch::kFloat).log_softmax(-1);
    return g.on_token(read_position(logp, token, std::max<int64_t>(g.top, 0)));
  };
  models::generate(model_, g.prompt, options);
}

}  // namespace anvil::serving

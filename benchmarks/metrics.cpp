#include "benchmarks/metrics.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "benchmarks/python_random.h"

namespace anvil::benchmarks {
namespace {

double sample_stddev(const std::vector<double>& xs) {
  if (xs.size() < 2) return std::nan("");
  const double mu = mean(xs);
  double sum = 0;
  for (double x : xs) sum += (x - mu) * (x - mu);
  return std::sqrt(sum / static_cast<double>(xs.size() - 1));
}

// Python's random.random(): 53 bits from two 32-bit draws.
double python_random_double(PythonRandom& rnd) {
  const double a = rnd.next_uint32() >> 5, b = rnd.next_uint32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace

// Python's sum, left to right, so the figures agree to the last bit.
double mean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

double mean_stderr(const std::vector<double>& xs) { return sample_stddev(xs) / std::sqrt(static_cast<double>(xs.size())); }

double perplexity(const std::vector<double>& loglikelihoods) { return std::exp(-mean(loglikelihoods)); }

double perplexity_bootstrap_stderr(const std::vector<double>& xs, int64_t iters) {
  if (iters <= 0 || xs.empty()) return std::nan("");
  const int64_t chunk = std::min<int64_t>(1000, iters), chunks = iters / chunk;
  std::vector<double> replicates(static_cast<size_t>(chunks * chunk));
  const double n = static_cast<double>(xs.size());
  auto run_chunks = [&](int64_t first, int64_t step) {
    std::vector<double> draw(xs.size());
    for (int64_t c = first; c < chunks; c += step) {
      PythonRandom rnd(static_cast<uint64_t>(c));
      for (int64_t r = 0; r < chunk; ++r) {
        for (auto& d : draw) d = xs[static_cast<size_t>(std::floor(python_random_double(rnd) * n))];
        replicates[static_cast<size_t>(c * chunk + r)] = perplexity(draw);
      }
    }
  };
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(chunks, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int64_t w = 1; w < workers; ++w) threads.emplace_back(run_chunks, w, workers);
  run_chunks(0, workers);
  for (auto& t : threads) t.join();
  return sample_stddev(replicates);
}

}  // namespace anvil::benchmarks

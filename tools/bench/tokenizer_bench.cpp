// Encodes a text file's lines with an HfTokenizer on N threads and prints tokens/s.
//   tokenizer_bench TOKENIZER TEXT_FILE [THREADS=1] [REPEATS=1]
// Lines are dealt to threads in contiguous blocks; the best of REPEATS runs is printed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tokenizers/hf_tokenizer.h"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Seconds to encode every line, and the tokens made.
double encode_all(const anvil::tokenizers::HfTokenizer& tokenizer, const std::vector<std::string>& lines, int threads,
                  size_t* tokens) {
  std::atomic<size_t> total{0};
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  const size_t block = (lines.size() + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      size_t count = 0;
      const size_t end = std::min(lines.size(), (t + 1) * block);
      for (size_t i = t * block; i < end; ++i) count += tokenizer.encode(lines[i]).ids.size();
      total += count;
    });
  }
  for (auto& worker : workers) worker.join();
  *tokens = total;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tokenizer_bench TOKENIZER TEXT_FILE [THREADS=1] [REPEATS=1]\n";
    return 64;
  }
  try {
    const int threads = argc > 3 ? std::max(1, std::stoi(argv[3])) : 1;
    const int repeats = argc > 4 ? std::max(1, std::stoi(argv[4])) : 1;
    const auto load_begin = std::chrono::steady_clock::now();
    const auto tokenizer = anvil::tokenizers::HfTokenizer::load(argv[1]);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_begin).count();
    const auto lines = read_lines(argv[2]);
    double best = 1e30;
    size_t tokens = 0;
    for (int r = 0; r < repeats; ++r) best = std::min(best, encode_all(tokenizer, lines, threads, &tokens));
    std::cout << "threads " << threads << " lines " << lines.size() << " tokens " << tokens << " seconds " << best
              << " tokens_per_s " << static_cast<long long>(tokens / best) << " load_s " << load_s << '\n';
  } catch (const std::exception& e) {
    std::cerr << "tokenizer_bench: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

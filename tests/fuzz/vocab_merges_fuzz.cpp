// GPT-2's slow files: vocab.json, then (after a NUL byte) merges.txt.
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/tokenizer_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = anvil::fuzz::input_directory(data, size, {"vocab.json", "merges.txt"});
  anvil::fuzz::expect_no_crash([&] { anvil::fuzz::round_trip(dir); });
  return 0;
}

// A Hugging Face tokenizer directory: tokenizer.json, then (after a NUL byte)
// tokenizer_config.json; loaded, then a few texts encoded and decoded.
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/tokenizer_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = anvil::fuzz::input_directory(data, size, {"tokenizer.json", "tokenizer_config.json"});
  anvil::fuzz::expect_no_crash([&] { anvil::fuzz::round_trip(dir); });
  return 0;
}

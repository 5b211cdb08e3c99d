// tokenizer.model: a tiktoken file (base64 token and rank per line) or a
// sentencepiece model (protobuf), told apart by the reader.
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/tokenizer_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = anvil::fuzz::input_directory(data, size, {"tokenizer.model"});
  anvil::fuzz::expect_no_crash([&] { anvil::fuzz::round_trip(dir); });
  return 0;
}

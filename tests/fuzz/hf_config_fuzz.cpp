// A Hugging Face config.json: its family and the model it describes.
#include "models/hf_config.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = anvil::fuzz::input_file(data, size, "config.json");
  anvil::fuzz::expect_no_crash([&] {
    const auto architecture = anvil::models::read_hf_config(path);
    anvil::models::family_mismatch(architecture.family, architecture.config);
  });
  return 0;
}

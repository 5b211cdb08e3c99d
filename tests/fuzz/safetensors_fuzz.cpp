// The safetensors header: length, JSON, and each entry against the file size.
#include <sstream>

#include "models/safetensors_header.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  anvil::fuzz::expect_no_crash([&] { anvil::models::read_safetensors_header(in, size, "fuzz.safetensors"); });
  return 0;
}

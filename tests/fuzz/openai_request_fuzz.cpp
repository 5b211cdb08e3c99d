// The server's request bodies: JSON (depth-checked first, as the server does),
// then read as a /v1/completions and as a /v1/chat/completions request.
#include <nlohmann/json.hpp>

#include "common/json_depth.h"
#include "serving/openai_protocol.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (anvil::common::json_depth(text) > anvil::common::kMaxJsonDepth) return 0;
  const auto body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  const anvil::serving::ServingLimits limits{/*context=*/256, /*max_tokens=*/64, /*max_n=*/4, /*max_prompts=*/16,
                                             /*vocab=*/1000};
  anvil::fuzz::expect_no_crash([&] { anvil::serving::parse_completion_request(body, limits); });
  anvil::fuzz::expect_no_crash([&] { anvil::serving::parse_chat_request(body, limits); });
  return 0;
}

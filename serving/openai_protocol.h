#pragma once
// The OpenAI API's request bodies read into typed requests, every field
// checked: what a client may send to /v1/completions and /v1/chat/completions
// and the 4xx each mistake gets. No model, no HTTP.
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anvil::serving {

// A request the server refuses: the HTTP status and the OpenAI-style error body.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message, std::string param = "",
           std::string type = "invalid_request_error");
  int status() const { return status_; }
  nlohmann::json body() const;

 private:
  int status_;
  std::string param_, type_;
};

struct ServingLimits {
  int64_t context = 0;         // the model's window: prompt + max_tokens fit in it
  int64_t max_tokens = 1024;   // the most new tokens one request may ask for
  int64_t max_n = 8;           // completions per prompt
  int64_t max_prompts = 256;   // prompts times n in one /v1/completions request
  int64_t vocab = 0;           // token-id prompts must lie in [0, vocab)
};

struct Sampling {
  int64_t max_tokens = 16;  // -1: as many as the window leaves (chat's default)
  double temperature = 1.0;
  double top_p = 1.0;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  int64_t n = 1;
  bool stream = false;
};

// A prompt as sent: text, or token ids (what lm-evaluation-harness sends).
struct Prompt {
  std::string text;
  std::vector<int64_t> ids;
  bool is_ids = false;
};

struct CompletionRequest {
  std::string model;
  std::vector<Prompt> prompts;
  Sampling sampling;
  bool echo = false;
  std::optional<int64_t> logprobs;  // top alternatives per token, 0..5
};

struct ChatRequest {
  std::string model;
  nlohmann::json messages;  // [{role, content: string}], content parts joined
  Sampling sampling;
};

// Throw ApiError (400) naming the field that is missing, of the wrong type
// or out of range.
CompletionRequest parse_completion_request(const nlohmann::json& body, const ServingLimits& limits);
ChatRequest parse_chat_request(const nlohmann::json& body, const ServingLimits& limits);

}  // namespace anvil::serving

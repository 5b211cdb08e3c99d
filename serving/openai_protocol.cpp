#include "serving/openai_protocol.h"

namespace anvil::serving {
namespace {

using nlohmann::json;

ApiError bad(const std::string& param, const std::string& message) { return ApiError(400, message, param); }

const json* field(const json& body, const std::string& name) {
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

int64_t integer(const json& v, const std::string& name, int64_t min, int64_t max) {
  if (!v.is_number_integer()) throw bad(name, "'" + name + "' must be an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max))
    throw bad(name, "'" + name + "' must be at most " + std::to_string(max));
  const auto i = v.get<int64_t>();
  if (i < min || i > max)
    throw bad(name, "'" + name + "' must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                        std::to_string(i));
  return i;
}

double number(const json& v, const std::string& name, double min, double max, bool min_open = false) {
  if (!v.is_number()) throw bad(name, "'" + name + "' must be a number");
  const double d = v.get<double>();
  if (!(min_open ? d > min : d >= min) || !(d <= max))
    throw bad(name, "'" + name + "' must be " + (min_open ? "above " : "from ") + json(min).dump() + " to " +
                        json(max).dump() + ", got " + v.dump());
  return d;
}

bool boolean(const json& v, const std::string& name) {
  if (!v.is_boolean()) throw bad(name, "'" + name + "' must be true or false");
  return v.get<bool>();
}

// Fields that would change the output and are not implemented are refused, never ignored; their neutral
// values (what clients send by default) pass.
void refuse_unimplemented(const json& body) {
  const std::pair<const char*, json> neutral[] = {
      {"suffix", ""}, {"logit_bias", json::object()}, {"presence_penalty", 0}, {"frequency_penalty", 0},
      {"best_of", 1}, {"tools", json::array()}, {"response_format", {{"type", "text"}}}};
  for (const auto& [name, value] : neutral)
    if (const auto* v = field(body, name); v && *v != value)
      throw bad(name, std::string("'") + name + "' is not supported by this server (only " + value.dump() + ")");
}

Sampling sampling(const json& body, const ServingLimits& limits, int64_t default_max_tokens, bool allow_zero_tokens) {
  refuse_unimplemented(body);
  Sampling s;
  s.max_tokens = default_max_tokens;
  for (const char* name : {"max_tokens", "max_completion_tokens"})
    if (const auto* v = field(body, name)) s.max_tokens = integer(*v, name, allow_zero_tokens ? 0 : 1, limits.max_tokens);
  if (const auto* v = field(body, "temperature")) s.temperature = number(*v, "temperature", 0.0, 2.0);
  if (const auto* v = field(body, "top_p")) s.top_p = number(*v, "top_p", 0.0, 1.0, /*min_open=*/true);
  if (const auto* v = field(body, "n")) s.n = integer(*v, "n", 1, limits.max_n);
  if (const auto* v = field(body, "seed"))
    s.seed = static_cast<uint64_t>(integer(*v, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
  if (const auto* v = field(body, "stream")) s.stream = boolean(*v, "stream");
  if (const auto* v = field(body, "stop")) {
    if (v->is_string()) {
      s.stop = {v->get<std::string>()};
    } else if (v->is_array() && v->size() <= 4) {
      for (const auto& item : *v) {
        if (!item.is_string()) throw bad("stop", "'stop' must be a string or a list of up to 4 strings");
        s.stop.push_back(item.get<std::string>());
      }
    } else {
      throw bad("stop", "'stop' must be a string or a list of up to 4 strings");
    }
    for (const auto& stop : s.stop)
      if (stop.empty()) throw bad("stop", "a stop string must not be empty");
  }
  if (s.stream && s.n > 1) throw bad("n", "'stream' with 'n' above 1 is not supported");
  return s;
}

std::string model_name(const json& body) {
  const auto* v = field(body, "model");
  if (!v) return "";
  if (!v->is_string()) throw bad("model", "'model' must be a string");
  return v->get<std::string>();
}

std::vector<int64_t> token_ids(const json& list, const ServingLimits& limits) {
  std::vector<int64_t> ids;
  for (const auto& t : list) {
    if (!t.is_number_integer()) throw bad("prompt", "a token-id prompt must hold integers only");
    const auto id = t.get<int64_t>();
    if (id < 0 || id >= limits.vocab)
      throw bad("prompt", "token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(limits.vocab) + ")");
    ids.push_back(id);
  }
  if (ids.empty()) throw bad("prompt", "'prompt' must not be empty");
  return ids;
}

std::vector<Prompt> prompts(const json& body, const ServingLimits& limits) {
  const auto* v = field(body, "prompt");
  if (!v) throw bad("prompt", "'prompt' is required");
  std::vector<Prompt> out;
  auto text = [&](const json& s) {
    if (s.get<std::string>().empty()) throw bad("prompt", "'prompt' must not be empty");
    Prompt p;
    p.text = s.get<std::string>();
    out.push_back(std::move(p));
  };
  auto ids = [&](const json& list) {
    Prompt p;
    p.ids = token_ids(list, limits);
    p.is_ids = true;
    out.push_back(std::move(p));
  };
  if (v->is_string()) {
    text(*v);
  } else if (v->is_array() && !v->empty() && v->at(0).is_number()) {
    ids(*v);
  } else if (v->is_array() && !v->empty()) {
    for (const auto& item : *v) {
      if (item.is_string())
        text(item);
      else if (item.is_array())
        ids(item);
      else
        throw bad("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists");
    }
  } else {
    throw bad("prompt", "'prompt' must be a non-empty string, a list of strings, a list of token ids or a list of such lists");
  }
  return out;
}

// OpenAI content: a string, or parts of which the text ones are joined.
std::string content_text(const json& content, size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "].content";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) throw bad(where, "'" + where + "' must be a string or a list of text parts");
  std::string text;
  for (const auto& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
      throw bad(where, "'" + where + "' parts must be {\"type\": \"text\", \"text\": ...}");
    text += part["text"].get<std::string>();
  }
  return text;
}

}  // namespace

ApiError::ApiError(int status, const std::string& message, std::string param, std::string type)
    : std::runtime_error(message), status_(status), param_(std::move(param)), type_(std::move(type)) {}

nlohmann::json ApiError::body() const {
  return {{"error",
           {{"message", what()}, {"type", type_}, {"param", param_.empty() ? json(nullptr) : json(param_)}, {"code", nullptr}}}};
}

CompletionRequest parse_completion_request(const json& body, const ServingLimits& limits) {
  if (!body.is_object()) throw bad("", "the request body must be a JSON object");
  CompletionRequest r;
  r.model = model_name(body);
  r.prompts = prompts(body, limits);
  if (const auto* v = field(body, "echo")) r.echo = boolean(*v, "echo");
  if (const auto* v = field(body, "logprobs")) r.logprobs = integer(*v, "logprobs", 0, 5);
  r.sampling = sampling(body, limits, 16, /*allow_zero_tokens=*/r.echo);
  if (static_cast<int64_t>(r.prompts.size()) * r.sampling.n > limits.max_prompts)
    throw bad("n", "prompts times 'n' is at most " + std::to_string(limits.max_prompts) + " per request");
  if (r.sampling.stream && (r.echo || r.logprobs)) throw bad("stream", "'stream' with 'echo' or 'logprobs' is not supported");
  if (r.sampling.stream && r.prompts.size() > 1) throw bad("stream", "'stream' takes one prompt");
  if (const auto* v = field(body, "best_of"); v && !(v->is_number_integer() && v->get<int64_t>() == r.sampling.n))
    throw bad("best_of", "'best_of' is not supported");
  return r;
}

ChatRequest parse_chat_request(const json& body, const ServingLimits& limits) {
  if (!body.is_object()) throw bad("", "the request body must be a JSON object");
  ChatRequest r;
  r.model = model_name(body);
  const auto* messages = field(body, "messages");
  if (!messages || !messages->is_array() || messages->empty())
    throw bad("messages", "'messages' must be a non-empty list of {role, content}");
  r.messages = json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const auto& m = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      throw bad(where, "'" + where + "' must be an object with a string 'role'");
    r.messages.push_back({{"role", m["role"]}, {"content", m.contains("content") && !m["content"].is_null() ? content_text(m["content"], i) : ""}});
  }
  if (const auto* v = field(body, "logprobs"); v && boolean(*v, "logprobs"))
    throw bad("logprobs", "'logprobs' is not supported for chat completions");
  if (const auto* v = field(body, "tools"); v && !v->empty()) throw bad("tools", "'tools' is not supported");
  r.sampling = sampling(body, limits, /*default_max_tokens=*/-1, /*allow_zero_tokens=*/false);
  return r;
}

}  // namespace anvil::serving

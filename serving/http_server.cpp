#include "serving/http_server.h"

#include <atomic>
#include <chrono>
#include <cmath>

#include <sys/socket.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/json_depth.h"
#include "data/hf_tokenizer.h"
#include "serving/growing_text.h"

namespace anvil::serving {
namespace {

using nlohmann::json;

// Token texts may be part of a UTF-8 sequence: dump them with U+FFFD.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

uint64_t content_length(const httplib::Request& req) {
  try {
    return std::stoull(req.get_header_value("Content-Length"));
  } catch (const std::exception&) {
    return 0;
  }
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Chunks handed from the engine's thread to the connection's.
struct EventChannel {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> events;
  std::atomic<bool> client_gone{false};

  void push(std::string event) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(std::move(event));
    }
    ready.notify_one();
  }
};

}  // namespace

struct ApiServer::Handlers {
  Engine& engine;
  const data::Tokenizer& tokenizer;
  const ServerOptions& options;
  std::atomic<uint64_t> next_id{1};

  std::string id(const char* prefix) { return prefix + std::to_string(next_id++); }

  std::string token_text(int64_t token) const { return tokenizer.decode({static_cast<int32_t>(token)}); }

  std::vector<int64_t> encode(const Prompt& p) const {
    if (p.is_ids) return p.ids;
    const auto ids = data::encode_with_special_tokens(tokenizer, p.text);
    return {ids.begin(), ids.end()};
  }


  // The prompt and the tokens asked for must fit the window; the last new
  // token is never fed back, so it needs no position of its own.
  int64_t checked_max_tokens(const std::vector<int64_t>& prompt, int64_t max_tokens, const char* prompt_field = "prompt") const {
    const int64_t context = options.limits.context, length = static_cast<int64_t>(prompt.size());
    if (prompt.empty()) throw ApiError(400, "the prompt encodes to no tokens", prompt_field);
    if (length > context)
      throw ApiError(400, "This model's maximum context length is " + std::to_string(context) + " tokens, however the prompt has " +
                              std::to_string(length), prompt_field);
    if (max_tokens < 0) max_tokens = std::min<int64_t>(options.limits.max_tokens, context + 1 - length);
    if (length + max_tokens > context + 1 || max_tokens < 0)
      throw ApiError(400, "This model's maximum context length is " + std::to_string(context) +
                              " tokens, however you requested " + std::to_string(length + std::max<int64_t>(max_tokens, 0)) +
                              " tokens (" + std::to_string(length) + " in the prompt, " +
                              std::to_string(std::max<int64_t>(max_tokens, 0)) + " for the completion)", "max_tokens");
    return max_tokens;
  }

  uint64_t seed_of(const Sampling& s, size_t i) const {
    return s.seed ? *s.seed + i : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) + i;
  }

  GenerateJob generation_job(const std::vector<int64_t>& prompt, const Sampling& s, int64_t max_tokens, size_t i) const {
    GenerateJob job;
    job.prompt = prompt;
    job.max_tokens = max_tokens;
    job.temperature = s.temperature;
    job.top_p = s.top_p;
    job.seed = seed_of(s, i);
    return job;
  }

  // OpenAI's legacy logprobs object over TOKENS, starting at text offset OFFSET.
  json logprobs_json(const std::vector<TokenLogprob>& tokens, bool first_unscored, size_t offset) const {
    json texts = json::array(), values = json::array(), tops = json::array(), offsets = json::array();
    for (size_t i = 0; i < tokens.size(); ++i) {
      const auto& t = tokens[i];
      const std::string text = token_text(t.token);
      texts.push_back(text);
      offsets.push_back(offset);
      offset += code_points(text);  // OpenAI counts characters
      if (first_unscored && i == 0) {
        values.push_back(nullptr);
        tops.push_back(nullptr);
        continue;
      }
      values.push_back(t.logprob);
      json top = json::object();
      for (const auto& [token, lp] : t.top) top[token_text(token)] = lp;
      if (!top.contains(text)) top[text] = t.logprob;  // the chosen token is always among them, as OpenAI does
      tops.push_back(top);
    }
    return {{"tokens", texts}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
  }

  json completion_choice(size_t index, const std::string& text, const json& logprobs, const std::string& finish) const {
    return {{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish}};
  }

  void completions(const httplib::Request& req, httplib::Response& res) {
    const auto request = parse_completion_request(parse_body(req), options.limits);
    const auto& s = request.sampling;
    std::vector<std::vector<int64_t>> prompts;
    for (const auto& p : request.prompts) prompts.push_back(encode(p));
    for (const auto& p : prompts) checked_max_tokens(p, s.max_tokens);
    if (s.stream) return stream_completion(res, prompts[0], s, /*chat=*/false);
    json choices = json::array();
    int64_t prompt_tokens = 0, completion_tokens = 0;
    const int64_t top = request.logprobs.value_or(0);
    // At most one new token: a scoring job, batched with the others waiting.
    if (s.max_tokens <= 1) {
      std::vector<ScoreJob> jobs;
      for (const auto& p : prompts)
        for (int64_t k = 0; k < s.n; ++k)
          jobs.push_back({p, top, s.max_tokens == 1, s.temperature, s.top_p, seed_of(s, static_cast<size_t>(k))});
      auto futures = engine.score(std::move(jobs));
      size_t f = 0;
      for (const auto& p : prompts) {
        prompt_tokens += static_cast<int64_t>(p.size());
        for (int64_t k = 0; k < s.n; ++k) {
          const auto scored = futures[f++].get();
          std::vector<int32_t> next_ids;
          for (const auto& t : scored.next) next_ids.push_back(static_cast<int32_t>(t.token));
          completion_tokens += static_cast<int64_t>(next_ids.size());
          const std::string prompt_text = tokenizer.decode(std::vector<int32_t>(p.begin(), p.end()));
          const std::string completion = tokenizer.decode(next_ids);
          json logprobs = nullptr;
          if (request.logprobs) {
            std::vector<TokenLogprob> all = request.echo ? scored.prompt : std::vector<TokenLogprob>{};
            all.insert(all.end(), scored.next.begin(), scored.next.end());
            logprobs = logprobs_json(all, request.echo, 0);
          }
          choices.push_back(completion_choice(choices.size(), request.echo ? prompt_text + completion : completion, logprobs, "length"));
        }
      }
    } else {
      for (const auto& p : prompts) {
        prompt_tokens += static_cast<int64_t>(p.size());
        for (int64_t k = 0; k < s.n; ++k) {
          GrowingText text(tokenizer, s.stop);
          auto job = generation_job(p, s, s.max_tokens, static_cast<size_t>(k));
          job.top = request.logprobs ? top : -1;
          job.on_token = [&](const TokenLogprob& t) { return text.add(t); };
          std::future<ScoredPrompt> echoed;
          if (request.echo && request.logprobs) echoed = std::move(engine.score({{p, top, false, 0, 1, 0}})[0]);
          engine.generate(std::move(job)).get();
          completion_tokens += static_cast<int64_t>(text.tokens());
          const std::string prompt_text = request.echo ? tokenizer.decode(std::vector<int32_t>(p.begin(), p.end())) : "";
          json logprobs = nullptr;
          if (request.logprobs) {
            std::vector<TokenLogprob> all = request.echo ? echoed.get().prompt : std::vector<TokenLogprob>{};
            all.insert(all.end(), text.logprobs().begin(), text.logprobs().end());
            logprobs = logprobs_json(all, request.echo, 0);
          }
          choices.push_back(completion_choice(choices.size(), prompt_text + text.text(), logprobs, text.finish_reason()));
        }
      }
    }
    send_json(res, 200, {{"id", id("cmpl-")}, {"object", "text_completion"}, {"created", now_seconds()},
                         {"model", options.model_name}, {"choices", choices},
                         {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
                                    {"total_tokens", prompt_tokens + completion_tokens}}}});
  }

  std::vector<int64_t> chat_prompt(const ChatRequest& request) const {
    const auto* hf = tokenizer.hf();
    if (!hf || hf->tokenizer().chat_template().empty())
      throw ApiError(400, "this model's tokenizer has no chat template: use /v1/completions", "messages");
    std::string text;
    try {
      text = hf->chat_template().render(request.messages, /*add_generation_prompt=*/true);
    } catch (const std::exception& e) {  // the template's raise_exception, or a conversation it cannot render
      throw ApiError(400, std::string("the chat template refused the conversation: ") + e.what(), "messages");
    }
    // The template writes BOS itself, as apply_chat_template expects.
    const auto ids = tokenizer.encode(text);
    return {ids.begin(), ids.end()};
  }

  void chat(const httplib::Request& req, httplib::Response& res) {
    const auto request = parse_chat_request(parse_body(req), options.limits);
    const auto prompt = chat_prompt(request);
    const auto& s = request.sampling;
    const int64_t max_tokens = checked_max_tokens(prompt, s.max_tokens, "messages");
    if (s.stream) return stream_completion(res, prompt, s, /*chat=*/true, max_tokens);
    json choices = json::array();
    int64_t completion_tokens = 0;
    for (int64_t k = 0; k < s.n; ++k) {
      GrowingText text(tokenizer, s.stop);
      auto job = generation_job(prompt, s, max_tokens, static_cast<size_t>(k));
      job.on_token = [&](const TokenLogprob& t) { return text.add(t); };
      engine.generate(std::move(job)).get();
      completion_tokens += static_cast<int64_t>(text.tokens());
      choices.push_back({{"index", k},
                         {"message", {{"role", "assistant"}, {"content", text.text()}}},
                         {"logprobs", nullptr},
                         {"finish_reason", text.finish_reason()}});
    }
    const auto prompt_tokens = static_cast<int64_t>(prompt.size());
    send_json(res, 200, {{"id", id("chatcmpl-")}, {"object", "chat.completion"}, {"created", now_seconds()},
                         {"model", options.model_name}, {"choices", choices},
                         {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
                                    {"total_tokens", prompt_tokens + completion_tokens}}}});
  }

  // Server-sent events: one chunk per settled piece of text, then the
  // finish reason and [DONE]. A client that goes away ends the generation.
  void stream_completion(httplib::Response& res, const std::vector<int64_t>& prompt, const Sampling& s, bool chat,
                         int64_t max_tokens = -1) {
    if (max_tokens < 0) max_tokens = s.max_tokens;
    const std::string stream_id = id(chat ? "chatcmpl-" : "cmpl-");
    const int64_t created = now_seconds();
    auto chunk = [=](const json& delta_or_text, const json& finish) {
      json choice = chat ? json{{"index", 0}, {"delta", delta_or_text}, {"logprobs", nullptr}, {"finish_reason", finish}}
                         : json{{"index", 0}, {"text", delta_or_text}, {"logprobs", nullptr}, {"finish_reason", finish}};
      return "data: " + dump({{"id", stream_id}, {"object", chat ? "chat.completion.chunk" : "text_completion"},
                              {"created", created}, {"model", options.model_name}, {"choices", json::array({choice})}}) + "\n\n";
    };
    auto channel = std::make_shared<EventChannel>();
    auto text = std::make_shared<GrowingText>(tokenizer, s.stop);
    if (chat) channel->push(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    auto job = generation_job(prompt, s, max_tokens, 0);
    job.on_token = [=](const TokenLogprob& t) {
      const bool more = text->add(t);
      const auto piece = text->take_settled(false);
      if (!piece.empty()) channel->push(chunk(chat ? json{{"content", piece}} : json(piece), nullptr));
      return more && !channel->client_gone;
    };
    auto done = std::make_shared<std::future<void>>(engine.generate(std::move(job)));
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [=](size_t, httplib::DataSink& sink) {
      // Every event is pushed before the generation's future is ready, so
      // events drained after seeing it ready are all there will be.
      const bool finished = done->wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      std::unique_lock<std::mutex> lock(channel->mutex);
      if (!finished)
        channel->ready.wait_for(lock, std::chrono::milliseconds(200), [&] { return !channel->events.empty(); });
      while (!channel->events.empty()) {
        std::string event = std::move(channel->events.front());
        channel->events.pop_front();
        lock.unlock();
        if (!sink.write(event.data(), event.size())) {
          channel->client_gone = true;
          return false;
        }
        lock.lock();
      }
      lock.unlock();
      if (!finished) {
        if (!sink.is_writable()) {
          channel->client_gone = true;
          return false;
        }
        return true;
      }
      std::string tail;
      try {
        done->get();
        const auto rest = text->take_settled(true);
        if (!rest.empty()) tail += chunk(chat ? json{{"content", rest}} : json(rest), nullptr);
        tail += chunk(chat ? json::object() : json(""), text->finish_reason());
      } catch (const std::exception& e) {
        tail += "data: " + dump(ApiError(500, e.what(), "", "server_error").body()) + "\n\n";
      }
      tail += "data: [DONE]\n\n";
      sink.write(tail.data(), tail.size());
      sink.done();
      return true;
    });
  }

  json parse_body(const httplib::Request& req) const {
    if (common::json_depth(req.body) > common::kMaxJsonDepth)
      throw ApiError(400, "the body's JSON is nested more than " + std::to_string(common::kMaxJsonDepth) + " levels deep");
    try {
      return json::parse(req.body);
    } catch (const json::exception& e) {
      throw ApiError(400, std::string("the body is not valid JSON (UTF-8): ") + e.what());
    }
  }

  bool authorized(const httplib::Request& req, httplib::Response& res) const {
    if (options.api_key.empty()) return true;
    if (req.get_header_value("Authorization") == "Bearer " + options.api_key) return true;
    send_json(res, 401, ApiError(401, "a valid API key is required (Authorization: Bearer KEY)", "", "authentication_error").body());
    return false;
  }

  // Every error a handler meets becomes a status and an OpenAI error body.
  template <typename Handler>
  httplib::Server::Handler guarded(Handler handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req, res)) return;
      try {
        (this->*handler)(req, res);
      } catch (const ApiError& e) {
        send_json(res, e.status(), e.body());
      } catch (const QueueFull& e) {
        send_json(res, 503, ApiError(503, e.what(), "", "server_error").body());
      } catch (const std::exception& e) {
        send_json(res, 500, ApiError(500, e.what(), "", "server_error").body());
      }
    };
  }
};

ApiServer::ApiServer(Engine& engine, const data::Tokenizer& tokenizer, ServerOptions options)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  handlers_.reset(new Handlers{engine, tokenizer, options_});
  auto& h = *handlers_;
  const int threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_read_timeout(10, 0);
  http_->set_write_timeout(10, 0);
  // cpp-httplib checks the size of a body only by its Content-Length, and
  // limits form-typed ones (curl -d's default) to 8 KiB: refuse what it would
  // let through unbounded, and say why, before any body is read.
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, const std::string& message) {
      send_json(res, status, ApiError(status, message).body());
      return httplib::Server::HandlerResponse::Handled;
    };
    if (req.has_header("Transfer-Encoding"))
      return refuse(411, "send the body with a Content-Length: chunked bodies are not accepted");
    // A length that is not one decimal number would have the server wait for a body that never comes.
    const auto length = req.get_header_value("Content-Length");
    if (req.get_header_value_count("Content-Length") > 1 ||
        (req.has_header("Content-Length") && (length.empty() || length.find_first_not_of("0123456789") != std::string::npos)))
      return refuse(400, "Content-Length must be given once, as a decimal number of bytes");
    const auto encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity")
      return refuse(415, "compressed bodies (Content-Encoding: " + encoding + ") are not accepted");
    if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0 &&
        content_length(req) > CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH)
      return refuse(413, "a body sent as application/x-www-form-urlencoded (curl -d's default) is limited to 8 KiB: "
                         "send it with Content-Type: application/json");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_keep_alive_max_count(1000);
  // SO_REUSEADDR alone: a restart binds while old connections sit in
  // TIME_WAIT. cpp-httplib's default adds SO_REUSEPORT, with which a second
  // server on a port in use starts and silently shares its connections.
  http_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = sock;
  });
  http_->Post("/v1/completions", h.guarded(&Handlers::completions));
  http_->Post("/v1/chat/completions", h.guarded(&Handlers::chat));
  http_->Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
    if (!handlers_->authorized(req, res)) return;
    send_json(res, 200, {{"object", "list"},
                         {"data", json::array({{{"id", options_.model_name}, {"object", "model"}, {"created", now_seconds()},
                                                {"owned_by", "anvil"}, {"max_model_len", options_.limits.context}}})}});
  });
  http_->Get("/health", [](const httplib::Request&, httplib::Response& res) { send_json(res, 200, {{"status", "ok"}}); });
  // Routing and size errors (404, 413, ...) get a JSON body too.
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 413 ? "the request body is too large"
                                : res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                                                    : "the request could not be served";
    send_json(res, res.status, ApiError(res.status, message).body());
  });
}

ApiServer::~ApiServer() = default;

void ApiServer::bind() {
  port_ = options_.port == 0 ? http_->bind_to_any_port(options_.host) : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ <= 0)
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + " (in use, or not an address of this machine)");
  // cpp-httplib listens with a backlog of 5, which drops connections when
  // dozens of clients connect at once; a second listen() raises it.
  ::listen(listen_socket_, SOMAXCONN);
}

void ApiServer::listen() { http_->listen_after_bind(); }

void ApiServer::stop() { http_->stop(); }

}  // namespace anvil::serving

#pragma once
// The OpenAI-compatible HTTP API over an Engine: /v1/completions,
// /v1/chat/completions (streamed as server-sent events on request),
// /v1/models and /health, served by cpp-httplib's thread pool.
#include <cstddef>
#include <memory>
#include <string>

#include "data/tokenizer.h"
#include "serving/engine.h"
#include "serving/openai_protocol.h"

namespace httplib {
class Server;
}

namespace anvil::serving {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;              // 0: any free port (port() says which)
  std::string api_key;          // when set, every /v1 request needs "Authorization: Bearer KEY"
  std::string model_name = "anvil";
  size_t max_body_bytes = 8 << 20;
  int threads = 64;             // connections served at once
  ServingLimits limits;
};

class ApiServer {
 public:
  ApiServer(Engine& engine, const data::Tokenizer& tokenizer, ServerOptions options);
  ~ApiServer();
  // Throws std::runtime_error when the address cannot be bound.
  void bind();
  int port() const { return port_; }
  // Serves until stop() (from another thread).
  void listen();
  void stop();

 private:
  struct Handlers;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Handlers> handlers_;
  int port_ = 0;
  int listen_socket_ = -1;
};

}  // namespace anvil::serving

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <pthread.h>
#include <thread>

#include "recipes/resolved_config.h"
#include "serving/engine.h"
#include "serving/http_server.h"
#include "tools/anvil/checkpoint_args.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"

namespace anvil::cli {
namespace {

std::string served_name(const std::string& path) {
  auto p = std::filesystem::path(path).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string().empty() ? "anvil" : p.filename().string();
}

}  // namespace

int serve_command(const Args& args) {
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil serve CONFIG_OR_MODEL [checkpoint=PATH] [--host 127.0.0.1] [--port 8000] [--api-key KEY]\n"
        "                   [--model-name NAME] [--max-tokens 1024] [--max-body-bytes 8388608] [--threads 64]\n"
        "                   [key.path=value ...]\n\n"
        "An OpenAI-compatible HTTP API over the model: POST /v1/completions (echo and logprobs too, as\n"
        "lm-evaluation-harness's local-completions needs), POST /v1/chat/completions (the tokenizer's chat\n"
        "template; stream: true for server-sent events), GET /v1/models, GET /health. Loopback only unless\n"
        "--host says otherwise; --port 0 takes any free port. Ctrl-C or SIGTERM stops it. See docs/serving.md.");
    return 0;
  }
  // SIGINT and SIGTERM go to one thread, which stops the server. Blocked
  // first: every thread made after (LibTorch's while loading, the server's)
  // inherits the mask, so none of them takes the signal's default action.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up mid-stream must cost its own request (EPIPE), not the server.
  std::signal(SIGPIPE, SIG_IGN);
  serving::ServerOptions options;
  Args rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    const bool takes_value = a == "--host" || a == "--port" || a == "--api-key" || a == "--model-name" ||
                             a == "--max-tokens" || a == "--max-body-bytes" || a == "--threads";
    if (!takes_value) {
      rest.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) throw std::runtime_error(a + " needs a value");
    const auto& v = args[++i];
    if (a == "--host") options.host = v;
    if (a == "--port") options.port = static_cast<int>(integer_flag(a, v, 0, 65535));
    if (a == "--api-key") options.api_key = v;
    if (a == "--model-name") options.model_name = v;
    if (a == "--max-tokens") options.limits.max_tokens = integer_flag(a, v, 1, 1 << 20);
    if (a == "--max-body-bytes") options.max_body_bytes = static_cast<size_t>(integer_flag(a, v, 1024, int64_t{1} << 32));
    if (a == "--threads") options.threads = static_cast<int>(integer_flag(a, v, 1, 1024));
  }
  if (options.model_name == "anvil" && !rest.empty()) options.model_name = served_name(rest[0]);
  auto ckpt = load_checkpoint_args(rest, recipes::ConfigUse::kNoData, /*inference=*/true);
  if (ckpt.model->score) throw std::runtime_error(ckpt.path + " is a classifier: anvil serve needs a language model");
  const auto device = ckpt.model->parameters().front().device();
  options.limits.context = ckpt.model->config.block_size;
  options.limits.vocab = ckpt.model->config.vocab_size;
  options.limits.max_tokens = std::min(options.limits.max_tokens, options.limits.context);

  serving::Engine engine(ckpt.model, recipes::resolve_precision(ckpt.config, device), {});
  serving::ApiServer server(engine, *ckpt.tokenizer, options);
  server.bind();
  std::thread waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  std::fprintf(stderr, "anvil serve: %s as '%s' on http://%s:%d (context %lld tokens)\n", ckpt.path.c_str(),
               options.model_name.c_str(), options.host.c_str(), server.port(),
               static_cast<long long>(options.limits.context));
  std::fflush(stderr);
  server.listen();
  pthread_kill(waiter.native_handle(), SIGTERM);  // a stop from elsewhere still ends the waiter
  waiter.join();
  std::fprintf(stderr, "anvil serve: stopped\n");
  return 0;
}

}  // namespace anvil::cli

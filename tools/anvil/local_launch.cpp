#include "tools/anvil/local_launch.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <initializer_list>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

extern char** environ;

namespace anvil::cli {
namespace {

// Time the surviving ranks get to report a lost peer before they are terminated.
constexpr auto kGracePeriod = std::chrono::seconds(30);

std::vector<pid_t> g_ranks;  // read by the signal handler

void forward_signal(int signal) {
  for (const pid_t pid : g_ranks)
    if (pid > 0) kill(pid, signal);
}

// This process's environment without the launch variables, plus `launch`.
std::vector<std::string> rank_environment(const std::vector<std::string>& launch) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& var : launch) replaced |= entry.compare(0, var.find('=') + 1, var, 0, var.find('=') + 1) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), launch.begin(), launch.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn_rank(int rank, int nproc, int port, const std::vector<std::string>& train_args) {
  std::vector<std::string> argv = {"anvil", "train"};
  argv.insert(argv.end(), train_args.begin(), train_args.end());
  std::vector<std::string> env = rank_environment(
      {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(nproc),
       "LOCAL_WORLD_SIZE=" + std::to_string(nproc), "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
       "TORCHELASTIC_USE_AGENT_STORE=True"});
  // Each rank in a process group of its own, so that a terminal's Ctrl-C
  // reaches the ranks once, forwarded from here, and a second one is a second.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, "/proc/self/exe", nullptr, &attributes, c_strings(argv).data(), c_strings(env).data());
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::runtime_error("cannot start rank " + std::to_string(rank) + ": " + std::strerror(error));
  return pid;
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

int run_local_ranks(int nproc, const std::vector<std::string>& train_args) {
  c10d::TCPStoreOptions options;
  options.isServer = true;
  options.port = 0;  // any free port; the ranks are told which
  options.waitWorkers = false;
  const auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);

  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  forward.sa_flags = SA_RESTART;
  for (const int signal : {SIGINT, SIGTERM, SIGUSR1}) sigaction(signal, &forward, nullptr);
  g_ranks.assign(static_cast<size_t>(nproc), 0);
  for (int r = 0; r < nproc; ++r) g_ranks[static_cast<size_t>(r)] = spawn_rank(r, nproc, store->getPort(), train_args);

  int running = nproc, first_failure = 0;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0) break;
    if (pid == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "anvil train: terminating the remaining ranks\n");
        forward_signal(SIGTERM);
        deadline = std::chrono::steady_clock::now() + kGracePeriod;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    --running;
    for (auto& p : g_ranks)
      if (p == pid) p = 0;
    if (exit_status(status) != 0 && first_failure == 0) {
      first_failure = exit_status(status);
      deadline = std::chrono::steady_clock::now() + kGracePeriod;
    }
  }
  return first_failure;
}

}  // namespace anvil::cli

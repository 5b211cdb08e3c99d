#pragma once
// Runs `tick` at once and then every `interval` on a thread of its own, until
// it returns false or the object is destroyed (which wakes it, so destruction
// never waits out an interval). A rank's heartbeat. Free of LibTorch so that
// its locking runs under TSan (tools/sanitize.sh).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace anvil::common {

class PeriodicThread {
 public:
  PeriodicThread(std::chrono::milliseconds interval, std::function<bool()> tick);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void run();

  std::chrono::milliseconds interval_;
  std::function<bool()> tick_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace anvil::common

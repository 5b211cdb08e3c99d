#include "common/periodic_thread.h"

#include <utility>

namespace anvil::common {

PeriodicThread::PeriodicThread(std::chrono::milliseconds interval, std::function<bool()> tick)
    : interval_(interval), tick_(std::move(tick)), thread_([this] { run(); }) {}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void PeriodicThread::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const bool again = tick_();
    lock.lock();
    if (!again) return;
    stop_.wait_for(lock, interval_, [&] { return stopping_; });
  }
}

}  // namespace anvil::common

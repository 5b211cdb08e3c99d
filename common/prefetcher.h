#pragma once
// Values made ahead of their consumer on a thread of their own: up to
// `capacity` wait ready, so the consumer (a training step) never waits for
// the producer (batch assembly) unless it is slower. An error the producer
// throws is rethrown by next() once the values made before it are consumed.
// Free of LibTorch so that its locking runs under TSan (tools/sanitize.sh).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace anvil::common {

template <typename T>
class Prefetcher {
 public:
  Prefetcher(size_t capacity, std::function<T()> make) : capacity_(capacity), make_(std::move(make)) {
    worker_ = std::thread([this] { produce(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  T next() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || error_; });
    if (ready_.empty()) std::rethrow_exception(error_);
    T value = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return value;
  }

 private:
  void produce() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < capacity_; });
      if (stopping_) return;
      lock.unlock();
      try {
        T value = make_();
        lock.lock();
        ready_.push_back(std::move(value));
      } catch (...) {
        lock.lock();
        error_ = std::current_exception();
        changed_.notify_all();
        return;
      }
      changed_.notify_all();
    }
  }

  const size_t capacity_;
  std::function<T()> make_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> ready_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread worker_;  // last: started once the rest is built
};

}  // namespace anvil::common

#pragma once
// An exclusive lock on a run directory, held for the whole run, so a second
// anvil train on the same run.dir stops at once instead of deleting the first
// one's checkpoint in progress or writing checkpoints beside it. It is an
// advisory flock on RUN/.lock: the kernel drops it when the process ends,
// however it ends, so a killed run never leaves the directory locked.
#include <string>

namespace anvil::training {

class RunDirectoryLock {
 public:
  // Throws, naming the directory and the holder's process id, when another
  // process holds the lock.
  explicit RunDirectoryLock(const std::string& run_dir);
  ~RunDirectoryLock();
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace anvil::training

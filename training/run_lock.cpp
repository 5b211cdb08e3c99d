#include "training/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace anvil::training {
namespace {

// The process id the holder wrote into the lock file, or "" if none.
std::string holder_of(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

}  // namespace

RunDirectoryLock::RunDirectoryLock(const std::string& run_dir) {
  const std::string path = (std::filesystem::path(run_dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open '" + path + "' to lock the run directory: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = holder_of(fd_);
    ::close(fd_);
    if (error != EWOULDBLOCK) throw std::runtime_error("cannot lock '" + path + "': " + std::strerror(error));
    throw std::runtime_error("run.dir '" + run_dir + "' is in use by another anvil train (" +
                             (holder.empty() ? "" : "process " + holder + ", ") + "which holds " + path +
                             "): wait for it to finish, or choose another run.dir");
  }
  // This process's id, for the error a second run shows.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd_);
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(error));
  }
}

RunDirectoryLock::~RunDirectoryLock() { ::close(fd_); }

}  // namespace anvil::training

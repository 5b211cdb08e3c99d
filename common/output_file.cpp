#include "common/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace anvil::common {
namespace {

constexpr size_t kBufferBytes = 1 << 20;

// write(2) may write less than asked, and a signal may interrupt it.
void write_fully(int fd, const char* data, size_t bytes, const std::filesystem::path& path) {
  while (bytes > 0) {
    const ssize_t n = ::write(fd, data, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_file_error("cannot write", path, errno);
    data += n;
    bytes -= static_cast<size_t>(n);
  }
}

}  // namespace

void throw_file_error(const std::string& what, const std::filesystem::path& path, int error) {
  throw std::system_error(error, std::generic_category(), what + " '" + path.string() + "'");
}

void sync_path(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_file_error("cannot open to sync", path, errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw_file_error("cannot fsync", path, error);
}

OutputFile::OutputFile(std::filesystem::path path, Mode mode) : path_(std::move(path)) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == Mode::kAppend ? O_APPEND : O_TRUNC);
  fd_ = ::open(path_.c_str(), flags, 0644);
  if (fd_ < 0) throw_file_error("cannot create", path_, errno);
  buffer_.reserve(kBufferBytes);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputFile::write(const void* data, size_t bytes) {
  const char* bytes_in = static_cast<const char*>(data);
  if (buffer_.size() + bytes > kBufferBytes) flush();
  if (bytes >= kBufferBytes) return write_fully(fd_, bytes_in, bytes, path_);
  buffer_.insert(buffer_.end(), bytes_in, bytes_in + bytes);
}

void OutputFile::write_at(uint64_t offset, const void* data, size_t bytes) {
  flush();
  const char* bytes_in = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd_, bytes_in, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_file_error("cannot write", path_, errno);
    bytes_in += n;
    offset += static_cast<uint64_t>(n);
    bytes -= static_cast<size_t>(n);
  }
}

void OutputFile::flush() {
  write_fully(fd_, buffer_.data(), buffer_.size(), path_);
  buffer_.clear();
}

void OutputFile::sync() {
  flush();
  if (::fsync(fd_) != 0) throw_file_error("cannot fsync", path_, errno);
}

void OutputFile::close() {
  flush();
  const int fd = fd_;
  fd_ = -1;
  // Some file systems report a failed write only at close.
  if (::close(fd) != 0) throw_file_error("cannot close", path_, errno);
}

}  // namespace anvil::common

#include "common/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/output_file.h"

namespace anvil::common {
namespace {

class InputFd {
 public:
  explicit InputFd(const std::filesystem::path& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw_file_error("cannot open", path_, errno);
  }
  ~InputFd() { ::close(fd_); }
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;

  // Up to `bytes` bytes into `data`; 0 at the end of the file.
  size_t read(char* data, size_t bytes) {
    for (;;) {
      const ssize_t n = ::read(fd_, data, bytes);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw_file_error("cannot read", path_, errno);
    }
  }

 private:
  std::filesystem::path path_;
  int fd_;
};

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  InputFd in(path);
  std::string text;
  char chunk[1 << 16];
  for (size_t n; (n = in.read(chunk, sizeof chunk)) > 0;) text.append(chunk, n);
  return text;
}

void check_readable(const std::filesystem::path& path) {
  InputFd in(path);
  char first[1];
  in.read(first, sizeof first);  // a directory opens, but reading it fails (EISDIR)
}

}  // namespace anvil::common

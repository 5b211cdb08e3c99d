#include "common/file_checksum.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include <zlib.h>

#include "common/output_file.h"

namespace anvil::common {

std::string file_crc32(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_file_error("cannot open", path, errno);
  std::vector<unsigned char> buffer(size_t{4} << 20);
  uLong crc = crc32_z(0L, Z_NULL, 0);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw_file_error("cannot read", path, error);
    }
    if (n == 0) break;
    crc = crc32_z(crc, buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
  return hex;
}

}  // namespace anvil::common

#pragma once
// Reading a whole file with the OS's reason when it cannot be read: a
// std::system_error naming the path, whose code tells a missing file (ENOENT)
// from a directory (EISDIR), a permission (EACCES) or an I/O error (EIO).
#include <filesystem>
#include <string>

namespace anvil::common {

std::string read_file(const std::filesystem::path& path);

// Throws as read_file would if `path` cannot be opened and read, but reads
// only its first bytes: a check before a library reads a large file itself.
void check_readable(const std::filesystem::path& path);

}  // namespace anvil::common

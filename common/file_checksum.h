#pragma once
// The CRC-32 (zlib's, as gzip and PNG use it) of a file's bytes, as eight hex
// digits: what a checkpoint records of each file it writes, so a byte that
// changed on disk since is found before the file is trusted.
#include <filesystem>
#include <string>

namespace anvil::common {

// Throws std::system_error naming the path when it cannot be read.
std::string file_crc32(const std::filesystem::path& path);

}  // namespace anvil::common

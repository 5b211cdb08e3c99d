#include "common/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace anvil::common {
namespace {

std::filesystem::path directory_of(const std::filesystem::path& target) {
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

// Names the target, not its temporary, when the directory is what is missing.
std::filesystem::path temporary_for(const std::filesystem::path& target) {
  std::error_code error;
  const auto directory = directory_of(target);
  if (!std::filesystem::is_directory(directory, error))
    throw std::runtime_error("cannot write '" + target.string() + "': the directory '" + directory.string() +
                             "' does not exist");
  std::filesystem::path temporary = target;
  return temporary += ".tmp";
}

}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& target) : target_(target), temporary_(temporary_for(target)) {}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temporary_.path().c_str());  // a destructor must not throw
}

void AtomicFile::commit() {
  temporary_.sync();
  temporary_.close();
  if (std::rename(temporary_.path().c_str(), target_.c_str()) != 0) throw_file_error("cannot rename into", target_, errno);
  committed_ = true;
  sync_path(directory_of(target_));
}

void publish_file(const std::filesystem::path& target, std::string_view contents) {
  AtomicFile file(target);
  file.write(contents);
  file.commit();
}

}  // namespace anvil::common

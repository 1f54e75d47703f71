#include "distcnn/cli/output_paths.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace distcnn {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

Status CheckOutputFile(const std::string& flag, const std::string& path) {
  const std::string prefix = path + ": ";
  const std::string suffix = " (" + flag + ")";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return IoError(prefix + "cannot open for writing: it is a directory" + suffix);
  }
  // O_EXCL: a file that exists already is opened without O_CREAT, so it is
  // neither truncated nor removed.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return IoError(prefix + "cannot open for writing: " + ErrnoText(error) + suffix);
  }
  ::close(fd);
  if (created) ::unlink(path.c_str());
  return Status::Ok();
}

Status PrepareOutputDirectory(const std::string& flag, const std::string& path) {
  const std::string prefix = path + ": ";
  const std::string suffix = " (" + flag + ")";
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError(prefix + "cannot create directory: " + ec.message() + suffix);
  if (!std::filesystem::is_directory(path, ec)) return IoError(prefix + "not a directory" + suffix);
  std::string probe = (std::filesystem::path(path) / ".distcnn-write-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    const int error = errno;
    return IoError(prefix + "cannot write into the directory: " + ErrnoText(error) + suffix);
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::Ok();
}

}  // namespace distcnn

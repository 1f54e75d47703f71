#include "distcnn/io/file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace distcnn::io {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

Result<std::string> ReadFileBytes(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return IoError(path + ": cannot open: " + std::strerror(errno));
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    bytes.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(f.get())) return IoError(path + ": read failed: " + std::strerror(errno));
  return bytes;
}

Status WriteFileBytes(const std::string& path, std::string_view bytes) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) return IoError(path + ": cannot open for writing: " + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return IoError(path + ": write failed: " + std::strerror(errno));
  }
  if (std::fclose(f.release()) != 0) {
    return IoError(path + ": write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace distcnn::io

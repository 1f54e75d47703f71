#include "distcnn/runtime/node_key_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace distcnn::runtime {

NodeKeyFiles::~NodeKeyFiles() {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Result<std::vector<std::string>> NodeKeyFiles::Write(const std::string& id,
                                                     const transport::CurveKeyPair& keys,
                                                     const std::string& coordinator_public_key) {
  if (dir_.empty()) {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "distcnn-keys-XXXXXX").string();
    if (ec) tmpl = "/tmp/distcnn-keys-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {  // mode 0700
      return IoError(tmpl +
                     ": cannot create a directory for the nodes' keys: " + std::strerror(errno));
    }
    dir_ = tmpl;
    // Only the coordinator's public half is written here.
    const std::string pub = dir_ + "/coordinator.pub";
    FILE* f = std::fopen(pub.c_str(), "wx");
    if (f == nullptr) return IoError(pub + ": cannot create: " + std::strerror(errno));
    const bool ok = std::fprintf(f, "%s\n", coordinator_public_key.c_str()) > 0;
    if (std::fclose(f) != 0 || !ok) return IoError(pub + ": write failed");
  }
  RETURN_IF_ERROR(transport::WriteKeyPair(keys, dir_ + "/" + id));
  return std::vector<std::string>{"--key", dir_ + "/" + id + ".key", "--coordinator-key",
                                  dir_ + "/coordinator.pub"};
}

void NodeKeyFiles::Remove(const std::string& id) {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(dir_ + "/" + id + ".key", ignored);
  std::filesystem::remove(dir_ + "/" + id + ".pub", ignored);
}

}  // namespace distcnn::runtime

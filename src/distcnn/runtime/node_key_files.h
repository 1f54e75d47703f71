// NodeKeyFiles: how `distcnn run` hands a CURVE key pair to a node process it
// starts (docs/security.md). Each node's secret key (mode 0600) and the
// coordinator's public key are written to a private temporary directory
// (mode 0700) and removed as soon as the node has read them (it does before it
// prints its endpoint); the directory goes when this object does. Not
// thread-safe; used by the coordinator's thread.
#pragma once

#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn::runtime {

class NodeKeyFiles {
 public:
  NodeKeyFiles() = default;
  ~NodeKeyFiles();
  NodeKeyFiles(const NodeKeyFiles&) = delete;
  NodeKeyFiles& operator=(const NodeKeyFiles&) = delete;

  // Writes `keys` as node `id`'s (a file name: letters, digits, '-', '_') and
  // returns its flags: --key FILE --coordinator-key FILE. IoError naming the
  // file or directory.
  Result<std::vector<std::string>> Write(const std::string& id, const transport::CurveKeyPair& keys,
                                         const std::string& coordinator_public_key);
  // Removes node `id`'s files (it has read them).
  void Remove(const std::string& id);

 private:
  std::string dir_;  // created by the first Write
};

}  // namespace distcnn::runtime

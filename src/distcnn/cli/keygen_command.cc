#include "distcnn/cli/keygen_command.h"

#include <cstdio>
#include <filesystem>

#include "distcnn/cli/exit_status.h"
#include "distcnn/transport/zmq/curve_keys.h"

namespace distcnn {

int RunKeygenCommand(const KeygenFlags& flags) {
  if (flags.out.empty() || flags.out.back() == '/') {
    return Fail(InvalidArgument("--out: expected DIR/NAME (got '" + flags.out + "')"));
  }
  const std::filesystem::path dir = std::filesystem::path(flags.out).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(IoError(dir.string() + ": cannot create: " + ec.message()));
  }
  Result<transport::CurveKeyPair> keys = transport::GenerateCurveKeyPair();
  if (!keys.ok()) return Fail(keys.status());
  if (Status s = transport::WriteKeyPair(*keys, flags.out); !s.ok()) return Fail(s);
  std::fprintf(stderr, "wrote %s.key (secret key, mode 0600: keep it on its device) and %s.pub\n",
               flags.out.c_str(), flags.out.c_str());
  std::printf("%s\n", keys->public_key.c_str());
  return kExitOk;
}

}  // namespace distcnn

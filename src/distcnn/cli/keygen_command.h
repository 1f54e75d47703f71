// `distcnn keygen --out DIR/NAME`: writes a CURVE key pair for a node or the
// coordinator (docs/security.md): DIR/NAME.key (the secret key, mode 0600) and
// DIR/NAME.pub (the public key, to hand to the peers), creating DIR if needed
// and never overwriting a key. Prints the public key on stdout. Returns the
// exit status: 0, or 1 (no CURVE in libzmq, a file exists or cannot be written).
#pragma once

#include <string>

namespace distcnn {

struct KeygenFlags {
  std::string out;  // DIR/NAME, without an extension
};

int RunKeygenCommand(const KeygenFlags& flags);

}  // namespace distcnn

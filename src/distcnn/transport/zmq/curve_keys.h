// CURVE keys for the ZeroMQ transport (docs/security.md): generation, files
// and validation. A key is 40 characters of Z85 text (32 bytes). A key pair is
// stored as two files, NAME.key (the secret key, mode 0600) and NAME.pub (the
// public key); each holds the key on one line, with optional '#' comment lines.
// The public key is always derived from the secret one, never trusted from a
// file next to it. Plain functions, thread-safe.
#pragma once

#include <string>

#include "distcnn/base/status.h"

namespace distcnn::transport {

inline constexpr size_t kCurveKeyChars = 40;  // Z85 text of a 32-byte key

struct CurveKeyPair {
  std::string public_key;  // Z85, kCurveKeyChars characters
  std::string secret_key;  // Z85, kCurveKeyChars characters
};

// Whether this libzmq was built with CURVE (zmq_has("curve")).
bool CurveAvailable();

// A fresh key pair from libzmq's generator. Unavailable without CURVE.
Result<CurveKeyPair> GenerateCurveKeyPair();

// OK when `key` is a well-formed Z85 key; else InvalidArgument "WHAT: ...".
Status CheckCurveKey(const std::string& key, const std::string& what);

// The key pair whose secret key is `secret_key` (the public key is derived).
// InvalidArgument for a malformed key, Unavailable without CURVE.
Result<CurveKeyPair> KeyPairFromSecret(const std::string& secret_key, const std::string& what);

// Reads a secret key file. Errors name the file: NotFound / IoError when it
// cannot be read, InvalidArgument when it is malformed or readable by group or
// others (as ssh refuses such keys).
Result<CurveKeyPair> LoadSecretKeyFile(const std::string& path);

// Reads a public key file (errors as LoadSecretKeyFile, without the mode check).
Result<std::string> LoadPublicKeyFile(const std::string& path);

// Writes BASE.key (mode 0600, created exclusively: an existing file is never
// overwritten) and BASE.pub. IoError naming the file on failure.
Status WriteKeyPair(const CurveKeyPair& keys, const std::string& base);

}  // namespace distcnn::transport

#include "distcnn/transport/zmq/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace distcnn::transport {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

Status Unavailable(const std::string& what) {
  return Status(StatusCode::kUnavailable,
                what + ": this libzmq has no CURVE support (zmq_has(\"curve\") is false)");
}

// The one key line of a key file: blank lines and '#' comments are skipped.
Result<std::string> ReadKeyLine(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                  path + ": cannot read: " + std::strerror(err));
  }
  std::string line, key;
  int keys = 0;
  while (std::getline(in, line)) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const size_t end = line.find_last_not_of(" \t\r");
    key = line.substr(begin, end - begin + 1);
    ++keys;
  }
  if (in.bad()) return IoError(path + ": read error");
  if (keys != 1) {
    return InvalidArgument(path + ": expected one Z85 key line, found " + std::to_string(keys));
  }
  RETURN_IF_ERROR(CheckCurveKey(key, path));
  return key;
}

Status WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return IoError(path + ": cannot create: " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return IoError(path + ": write failed: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  // O_CREAT's mode is reduced by the umask; the secret's must be exactly `mode`.
  if (::fchmod(fd, mode) != 0 || ::close(fd) != 0) {
    return IoError(path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

bool CurveAvailable() { return zmq_has("curve") != 0; }

Result<CurveKeyPair> GenerateCurveKeyPair() {
  if (!CurveAvailable()) return Unavailable("generate a key pair");
  std::array<char, kCurveKeyChars + 1> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    return IoError(std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{pub.data(), sec.data()};
}

Status CheckCurveKey(const std::string& key, const std::string& what) {
  if (key.size() != kCurveKeyChars) {
    return InvalidArgument(what + ": a CURVE key is " + std::to_string(kCurveKeyChars) +
                           " Z85 characters, got " + std::to_string(key.size()));
  }
  for (size_t i = 0; i < key.size(); ++i) {
    if (kZ85Alphabet.find(key[i]) == std::string_view::npos) {
      return InvalidArgument(what + ": character " + std::to_string(i + 1) +
                             " of the key is not Z85");
    }
  }
  std::array<uint8_t, 32> bytes{};
  if (zmq_z85_decode(bytes.data(), key.c_str()) == nullptr) {
    return InvalidArgument(what + ": not a Z85 key");
  }
  return Status::Ok();
}

Result<CurveKeyPair> KeyPairFromSecret(const std::string& secret_key, const std::string& what) {
  RETURN_IF_ERROR(CheckCurveKey(secret_key, what));
  if (!CurveAvailable()) return Unavailable(what);
  std::array<char, kCurveKeyChars + 1> pub{};
  if (zmq_curve_public(pub.data(), secret_key.c_str()) != 0) {
    return InvalidArgument(what + ": zmq_curve_public: " + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{pub.data(), secret_key};
}

Result<CurveKeyPair> LoadSecretKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument(path + ": a secret key must not be readable by group or others (mode " +
                           mode + "; chmod 600 it)");
  }
  ASSIGN_OR_RETURN(std::string secret, ReadKeyLine(path));
  return KeyPairFromSecret(secret, path);
}

Result<std::string> LoadPublicKeyFile(const std::string& path) { return ReadKeyLine(path); }

Status WriteKeyPair(const CurveKeyPair& keys, const std::string& base) {
  RETURN_IF_ERROR(CheckCurveKey(keys.public_key, "public key"));
  RETURN_IF_ERROR(CheckCurveKey(keys.secret_key, "secret key"));
  RETURN_IF_ERROR(WriteFile(
      base + ".key",
      "# distcnn CURVE secret key: keep it on this device only\n" + keys.secret_key + "\n", 0600));
  return WriteFile(base + ".pub", "# distcnn CURVE public key\n" + keys.public_key + "\n", 0644);
}

}  // namespace distcnn::transport

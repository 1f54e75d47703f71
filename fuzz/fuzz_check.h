// Shared checks of the libFuzzer targets (docs/fuzzing.md): a rejection must
// carry a message that starts with the name the input was given, so that a
// user can tell which file was wrong. A violated check aborts (a fuzzer
// finding). Header-only; no state.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "distcnn/base/status.h"

namespace distcnn::fuzz {

// Aborts unless `status` is an error whose message starts with `prefix`.
inline void CheckRejection(const Status& status, std::string_view prefix) {
  const std::string& message = status.message();
  if (status.ok() || message.size() <= prefix.size() ||
      std::string_view(message).substr(0, prefix.size()) != prefix) {
    std::fprintf(stderr, "rejection without the expected prefix '%.*s': '%s'\n",
                 static_cast<int>(prefix.size()), prefix.data(), message.c_str());
    std::abort();
  }
}

// The fuzzer's bytes as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace distcnn::fuzz

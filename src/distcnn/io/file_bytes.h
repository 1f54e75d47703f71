// Whole-file reads and writes for the io module (tensor and image files are
// small enough to hold in memory). Errors name the file and the system's reason.
// Thread safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>

#include "distcnn/base/status.h"

namespace distcnn::io {

// The bytes of the file at `path`. IoError "PATH: cannot open: REASON" or
// "PATH: read failed: REASON".
Result<std::string> ReadFileBytes(const std::string& path);

// Creates or truncates `path` and writes `bytes`. IoError "PATH: cannot open for
// writing: REASON" or "PATH: write failed: REASON".
Status WriteFileBytes(const std::string& path, std::string_view bytes);

}  // namespace distcnn::io

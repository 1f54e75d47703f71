// Output locations checked before any work starts, so that a command that
// cannot write its results fails at once instead of after the work: a file the
// command will write (--json, --save-output) and a directory it will fill
// (--save-outputs, created here). Touches the file system only to probe;
// leaves no file behind. Thread-safe.
#pragma once

#include <string>

#include "distcnn/base/status.h"

namespace distcnn {

// OK when `path` can be opened for writing: an existing regular file that is
// writable (left unchanged), or a new file in an existing writable directory
// (created and removed again). Errors (kIoError) name the path and the flag:
// "/proc/x/r.json: cannot open for writing: No such file or directory (--json)".
Status CheckOutputFile(const std::string& flag, const std::string& path);

// Creates `path` and its parents if missing and checks that a file can be
// created in it. Errors (kIoError) name the path and the flag:
// "/proc/x: cannot create directory: ... (--save-outputs)".
Status PrepareOutputDirectory(const std::string& flag, const std::string& path);

}  // namespace distcnn

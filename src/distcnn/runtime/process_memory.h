// Resident memory of processes, from /proc (Linux): what the soak check of
// `distcnn run` samples to show that a long stream does not grow. Stateless;
// thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "distcnn/base/status.h"

namespace distcnn::runtime {

// Resident set size of process `pid` (0: this process) in bytes, from
// /proc/PID/statm. Errors (kIoError): the process is gone or /proc unreadable.
Result<int64_t> ResidentBytes(pid_t pid = 0);

}  // namespace distcnn::runtime

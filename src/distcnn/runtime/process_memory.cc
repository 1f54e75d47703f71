#include "distcnn/runtime/process_memory.h"

#include <unistd.h>

#include <fstream>
#include <string>

namespace distcnn::runtime {

Result<int64_t> ResidentBytes(pid_t pid) {
  const std::string path =
      pid == 0 ? std::string("/proc/self/statm") : "/proc/" + std::to_string(pid) + "/statm";
  std::ifstream in(path);
  int64_t size_pages = 0, resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) return IoError(path + ": cannot read");
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace distcnn::runtime

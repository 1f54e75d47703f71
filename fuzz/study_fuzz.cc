// libFuzzer target: study text (YAML, docs/sweeps.md) -> LoadStudyText. Any
// bytes give a Study or an error naming the file. Scenario files named by
// configurations resolve against a directory that does not exist, so no input
// reads the disk through them.
#include <cstddef>
#include <cstdint>

#include "distcnn/sim/study_loader.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace distcnn;
  Result<Study> study =
      LoadStudyText(fuzz::AsText(data, size), "fuzz-study.yaml", "/nonexistent-fuzz-dir");
  if (!study.ok()) fuzz::CheckRejection(study.status(), "fuzz-study.yaml");
  return 0;
}

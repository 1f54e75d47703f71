// `distcnn sweep STUDY.yaml`: runs a Monte-Carlo study (random systems x CNN
// configurations x L x cost conventions), shows progress with an ETA on stderr
// and writes runs.csv, summary.csv, summary.md and SVG charts into --out.
// Returns the process exit status: 0 done, 1 bad input or runtime failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace distcnn {

struct SweepFlags {
  std::string study_path;
  std::string out_dir;                // empty: sweep-results/<study name>
  int jobs = 0;                       // 0: the number of hardware threads
  std::optional<uint64_t> seed;       // overrides the study's seed
  std::optional<std::string> solver;  // overrides the study's solver
  std::optional<int> systems;         // overrides the study's number of systems
};

int RunSweepCommand(const SweepFlags& flags);

}  // namespace distcnn

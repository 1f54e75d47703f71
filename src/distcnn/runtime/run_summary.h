// The report role of `distcnn run`: turns what the coordinator measured and
// what the nodes reported into the run's figures (latency statistics, compute
// per frame, throughput, the busiest vertex) and names what the figures show
// lost or failed. Pure functions.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "distcnn/runtime/coordinator.h"

namespace distcnn::runtime {

// What the coordinator measured itself.
struct MeasuredRun {
  std::vector<std::vector<double>> latencies;   // per CNN: measured frames, through the coordinator
  std::vector<std::vector<double>> monolithic;  // per CNN (RunOptions::monolithic), or empty
  std::set<uint32_t> local_vertices;            // vertices that share the coordinator's clock
  uint64_t measured_from = 0;                   // frames below are the warm-up
  int frames = 0;                               // measured frames per CNN
};

// Mean, p50, p99, min and max of `samples` (zeros when empty).
LatencyStats SummariseLatencies(std::vector<double> samples);

// Fills the figures of `report` (its nodes' statistics and frame counts are
// in) and appends to its failures the frames lost and the nodes' errors.
void SummariseRun(const MeasuredRun& measured, RunReport* report);

}  // namespace distcnn::runtime

// The models a scenario's CNNs run: each CNN's `model:` loaded with its
// weights, profiled and cut into layer slices that must match the scenario's
// layers one to one; and the calibration of gate thresholds, so that on
// sample frames each gate exits at the rate the scenario's exit_prob asks for
// (random-weight models have no meaningful confidence of their own).
#pragma once

#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/runtime/deployment.h"
#include "distcnn/scenario/scenario_loader.h"

namespace distcnn::runtime {

// Loads the model of every CNN of `scenario` (paths relative to the scenario
// file; the same model is loaded once). Errors (kInvalidArgument): a CNN
// without a model, a model whose placeable layers differ from the CNN's.
Result<std::vector<CnnProgram>> LoadCnnPrograms(const Scenario& scenario);

// The whole model of CNN `cnn` of `scenario`, unsliced (the monolithic twin).
Result<Graph> LoadWholeModel(const Scenario& scenario, size_t cnn);

struct GateCalibration {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  std::string name;
  double target_rate = 0;      // exit_prob: the share of the frames reaching the gate that exit
  float threshold = 0;         // exit when the top softmax probability >= threshold
  double calibrated_rate = 0;  // exit rate on the calibration frames
  int frames = 0;              // calibration frames that reached the gate
};

// Per CNN, per layer: the gate thresholds (0 for other layers), calibrated on
// `frames` seeded random inputs (seeds seed, seed + 1, ...). A target rate of 0
// gives a threshold above 1 (never exits), 1 gives 0 (always exits).
Result<std::vector<std::vector<float>>> CalibrateGates(const Problem& problem,
                                                       const std::vector<CnnProgram>& programs,
                                                       int frames, uint64_t seed,
                                                       const KernelRegistry& kernels,
                                                       std::vector<GateCalibration>* report);

}  // namespace distcnn::runtime

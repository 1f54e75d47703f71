// The built-in model zoo: well-known CNN architectures built in code with
// seeded random weights (nothing is downloaded). Weights are generated lazily
// (Initializer::seed), so building and profiling even VGG-16 is cheap. The
// paper's models (cnn5, cnn5-gc, alexnet-2class, alexnet-gc) carry explicit
// layer boundaries and the paper's layer names. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"

namespace distcnn {

struct ZooEntry {
  std::string name;              // "resnet50"
  std::string description;       // one line, with input size and source
  int64_t published_params = 0;  // parameter count published for the architecture
};

// All zoo models, in a fixed order.
const std::vector<ZooEntry>& ZooEntries();

// Builds the named model with shapes inferred. `seed` fixes its weights.
// Errors: kNotFound for an unknown name (the message lists the known ones).
Result<Graph> BuildZooModel(std::string_view name, uint64_t seed = 1);

}  // namespace distcnn

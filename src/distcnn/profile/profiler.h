// Per-operator and per-placeable-layer profiles of a CNN graph: parameters,
// weight bytes (by data type), multiplications, output elements and bytes,
// activation memory; and the grouping of operators into placeable layers.
// Cuts are only made where the main path has a single live tensor. The rules
// (docs/models.md, docs/ops.md): `op` = every possible cut; `layer` (default) =
// a weighted operator (Conv, Gemm, MatMul) with the parameter-free operators
// that follow it, a multi-branch region as one layer, or the model's explicit
// layer names; `block` = consecutive layers whose outputs have the same spatial
// size. Branches that end in an extra graph output are early exits (gates): one
// layer each, placed after the layer whose output they read. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/model/graph.h"

namespace distcnn {

enum class Granularity { kOp, kLayer, kBlock };
const char* GranularityName(Granularity g);
Result<Granularity> ParseGranularity(const std::string& name);

struct OpProfile {
  std::string node;
  std::string op_type;
  int64_t params = 0;        // trainable parameters (BN running stats excluded)
  int64_t weight_bytes = 0;  // all initializers it reads first, by data type
  double mults = 0;          // multiplications per inference (docs/ops.md)
  int64_t output_elements = 0;
  int64_t output_bytes = 0;  // its first output
};

struct LayerProfile {
  std::string name;
  std::vector<int> ops;  // indices into ModelProfile::ops, execution order
  int64_t params = 0;
  int64_t weight_bytes = 0;  // m_j
  double mults = 0;          // c_j
  std::string output;        // the tensor the layer forwards
  int64_t output_elements = 0;
  int64_t output_bytes = 0;  // K_j: for an exit layer, the representation it read
  // Peak working memory: the largest input + output bytes of any operator.
  int64_t activation_bytes = 0;
  bool exit = false;           // an early-exit (gate) layer
  std::string exit_output;     // exit layers: the graph output they produce
  int64_t decision_bytes = 0;  // exit layers: bytes of that output
};

struct ModelProfile {
  std::string model;
  Granularity granularity = Granularity::kLayer;
  std::string input;  // the graph input (several: comma-separated, bytes summed)
  int64_t input_elements = 0;
  int64_t input_bytes = 0;  // K_s
  std::string output;       // the main (final) output
  int64_t output_bytes = 0;
  std::vector<OpProfile> ops;  // in execution order of `layers`
  std::vector<LayerProfile> layers;
  int64_t params = 0;
  int64_t weight_bytes = 0;
  double mults = 0;
};

// Profiles a graph whose shapes are inferred (InferShapes). Errors
// (kInvalidArgument): no or several runtime inputs, an exit branch that reads
// more than one tensor of the main path or attaches inside a multi-branch
// region, explicit layer names that cut a multi-branch region.
Result<ModelProfile> ProfileGraph(const Graph& graph, Granularity granularity);

}  // namespace distcnn

// Layer timing: measures how long each placeable layer of a model takes on this
// host with a given kernel backend (`distcnn profile --measure`), so that plans
// can use measured speeds instead of the catalogue's clock x cores / 10 rule.
// Each layer runs as its standalone slice (SliceLayers) on the real output of
// the previous main layer, starting from a seeded RandomInput. Pure functions
// apart from the clock; the graph and registry are only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/kernels/registry.h"
#include "distcnn/model/graph.h"
#include "distcnn/profile/profiler.h"

namespace distcnn {

struct LayerTiming {
  std::string name;        // the profile layer's name
  bool exit = false;       // an early-exit (gate) layer
  double mults = 0;        // c_j, copied from the profile
  double time_s = 0;       // median wall time of one run of the layer, seconds (> 0)
  double mults_per_s = 0;  // mults / time_s
};

struct LayerTimingOptions {
  int repeat = 5;     // timed runs per layer (median reported), >= 1
  uint64_t seed = 1;  // seed of the first layer's RandomInput
  // Evict the CPU caches (write a buffer larger than the last-level cache)
  // before every timed run. A node process on a host it shares with other
  // nodes runs each layer once per frame, with its weights and code evicted by
  // the others in between: hot timings underestimate it 1.5-10x.
  bool cold = false;
};

// Times every layer of `profile` (ProfileGraph(graph, ...)), in profile order.
// `graph` must hold weight values (LoadModel with keep_weights, or a zoo
// graph). Each slice's executor is created outside the timed region, runs once
// to warm up, then `options.repeat` times; time_s is the median of those runs.
// The input of the first layer is RandomInput(graph input shape, seed); a main
// layer passes its output on, an exit layer reads the same tensor as the next
// main layer. Errors: kInvalidArgument (repeat < 1, a profile that does not
// fit the graph, kernel errors naming the layer), kNotFound (an op type
// without a kernel in `registry`).
Result<std::vector<LayerTiming>> TimeLayers(const Graph& graph, const ModelProfile& profile,
                                            const KernelRegistry& registry,
                                            const LayerTimingOptions& options);

// The host's effective speed over the whole model: total mults / total time_s
// (multiplications per second; 0 for no layers).
double EffectiveMultsPerS(const std::vector<LayerTiming>& timings);

}  // namespace distcnn

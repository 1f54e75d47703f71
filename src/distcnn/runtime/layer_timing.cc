#include "distcnn/runtime/layer_timing.h"

#include <algorithm>
#include <chrono>

#include "distcnn/runtime/executor.h"
#include "distcnn/runtime/layer_slices.h"
#include "distcnn/runtime/random_input.h"

namespace distcnn {
namespace {

// Larger than the last-level cache of the hosts we run on (32 MiB here).
constexpr size_t kEvictionBytes = size_t{64} << 20;

// Writes then reads a buffer larger than the caches, so that the next run
// finds none of its weights, activations or code cached.
void EvictCaches(std::vector<uint64_t>& buffer) {
  uint64_t sum = 0;
  for (size_t i = 0; i < buffer.size(); i += 8) buffer[i] += i;  // one write per 64 B line
  for (size_t i = 0; i < buffer.size(); i += 8) sum += buffer[i];
  volatile uint64_t sink = sum;  // keeps the loops
  (void)sink;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

Result<std::vector<LayerTiming>> TimeLayers(const Graph& graph, const ModelProfile& profile,
                                            const KernelRegistry& registry,
                                            const LayerTimingOptions& options) {
  const int repeat = options.repeat;
  if (repeat < 1) {
    return InvalidArgument("repeat " + std::to_string(repeat) + ": expected at least 1 run");
  }
  std::vector<uint64_t> eviction(options.cold ? kEvictionBytes / sizeof(uint64_t) : 0);
  if (graph.inputs.size() != 1) {
    return InvalidArgument("the model has " + std::to_string(graph.inputs.size()) +
                           " inputs; timing needs exactly one");
  }
  ASSIGN_OR_RETURN(std::vector<LayerSlice> slices, SliceLayers(graph, profile));
  std::vector<LayerTiming> timings;
  Tensor current = RandomInput(graph.inputs[0].shape, options.seed);
  for (size_t j = 0; j < slices.size(); ++j) {
    const LayerSlice& slice = slices[j];
    const std::string context = "layer '" + slice.name + "'";
    // One executor at a time: its float32 weights are freed before the next.
    Result<Executor> executor = Executor::Create(slice.graph, registry);
    if (!executor.ok()) return executor.status().WithContext(context);
    const TensorMap inputs = {{slice.input(), current}};
    Result<TensorMap> warm_up = executor->Run(inputs);  // untimed
    if (!warm_up.ok()) return warm_up.status().WithContext(context);
    std::vector<double> runs_s;
    for (int r = 0; r < repeat; ++r) {
      if (options.cold) EvictCaches(eviction);
      const auto start = std::chrono::steady_clock::now();
      Result<TensorMap> out = executor->Run(inputs);
      const auto end = std::chrono::steady_clock::now();
      if (!out.ok()) return out.status().WithContext(context);
      runs_s.push_back(std::chrono::duration<double>(end - start).count());
    }
    LayerTiming t;
    t.name = slice.name;
    t.exit = slice.exit;
    t.mults = profile.layers[j].mults;
    // A median below one clock tick counts as one tick (keeps time_s > 0).
    const double tick_s =
        std::chrono::duration<double>(std::chrono::steady_clock::duration(1)).count();
    t.time_s = std::max(Median(std::move(runs_s)), tick_s);
    t.mults_per_s = t.mults / t.time_s;
    timings.push_back(std::move(t));
    if (!slice.exit) current = std::move(warm_up->at(slice.output()));
  }
  return timings;
}

double EffectiveMultsPerS(const std::vector<LayerTiming>& timings) {
  double mults = 0;
  double time_s = 0;
  for (const LayerTiming& t : timings) {
    mults += t.mults;
    time_s += t.time_s;
  }
  return time_s > 0 ? mults / time_s : 0;
}

}  // namespace distcnn

// What one part of a split layer holds, runs and moves, and what its merge
// unit adds (docs/cost-model.md, "Costs of a split layer"): the single place
// where a share of granules becomes channels, bytes and mults. Pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/plan.h"
#include "distcnn/placement/problem.h"

namespace distcnn {

// The split units (channels, neurons, groups) each part holds, parts in the
// plan's order: part k holds floor(D N_k / G) - floor(D N_{k-1} / G) of the D
// units, N_k the sum of the first k shares, G their total. Every entry >= 0;
// they sum to D.
std::vector<int64_t> SplitUnitCounts(int64_t total_units, const std::vector<int>& shares);

// One part's figures, per frame, unweighted by probabilities.
struct PartFigures {
  int64_t memory_bytes = 0;  // weights it holds
  double mults = 0;          // multiplications it runs
  int64_t input_bytes = 0;   // what the scatter sends it
  int64_t output_bytes = 0;  // what it sends to the merge unit
};

// The merge unit's own work after the gather.
struct MergeFigures {
  int64_t memory_bytes = 0;
  double mults = 0;
};

// A part holding `units` of layer j's split units under `kind`
// (kOutChannels or kInChannels). The layer must have split figures.
PartFigures SplitPartFigures(const Layer& layer, PartitionKind kind, int64_t units);
MergeFigures SplitMergeFigures(const Layer& layer, PartitionKind kind);

// A part of a fused pair (first, second): `units` of first's output channels,
// and the matching fraction of second's input channels. Its input is first's
// whole input; its output a partial sum of second.
PartFigures FusedPartFigures(const Layer& first, const Layer& second, int64_t units);

// The split units of `layer` under `kind` (kFused: the first layer's output
// units).
int64_t SplitUnits(const Layer& layer, PartitionKind kind);

// What one split placement computes: layer `last` of CNN `cnn`, or the fused
// pair that ends there. The evaluator and the solvers' options both read it,
// so a split's compute and loads are priced once.
struct SplitWork {
  struct PartWork {
    int unit = -1;
    PartFigures first;        // a fused pair's first layer (zero for a lone layer)
    PartFigures last;         // layer `last`
    int64_t input_bytes = 0;  // what the scatter brings it
  };
  std::vector<PartWork> parts;  // in the placement's order
  MergeFigures merge;           // on the placement's merge unit
  // Expected seconds: the slowest part (both layers of a pair), then the merge.
  double processing_s = 0;
};
// `counts`: the split units of each part (Plan::PartUnits).
SplitWork SplitLayerWork(const CostModel& model, int cnn, int last, const Placement& placement,
                         const std::vector<int64_t>& counts);

}  // namespace distcnn

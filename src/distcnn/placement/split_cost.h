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

// The split units of `layer` under `kind`: output units (kOutChannels; for
// kFused the first layer's), input units (kInChannels), or output rows
// (kSpatial, the layer that ends the stack).
int64_t SplitUnits(const Layer& layer, PartitionKind kind);

// Part q's figures on each layer of the split span [first, last] of `cnn`
// placed as `kind`, `counts` holding every part's split units
// (Plan::PartUnits): a lone split's one layer; a fused pair's first layer by
// output channels and its second by the matching input channels; a spatial
// stack's band of rows on each layer, halo included (row_bands.h), with all
// of each layer's weights.
std::vector<PartFigures> SpanPartFigures(const Cnn& cnn, int first, int last, PartitionKind kind,
                                         const std::vector<int64_t>& counts, size_t q);

// What one split placement computes: the span [first, last] of CNN `cnn`. The
// evaluator and the solvers' options both read it, so a split's compute and
// loads are priced once.
struct SplitWork {
  struct PartWork {
    int unit = -1;
    std::vector<PartFigures> layers;  // SpanPartFigures
    // What the scatter brings it, and what it sends to the merge unit.
    int64_t input_bytes() const { return layers.front().input_bytes; }
    int64_t output_bytes() const { return layers.back().output_bytes; }
  };
  std::vector<PartWork> parts;  // in the placement's order
  MergeFigures merge;           // on the placement's merge unit
  // Expected seconds: the slowest part (all layers of its span), then the merge.
  double processing_s = 0;
};
SplitWork SplitSpanWork(const CostModel& model, int cnn, int first, int last,
                        const Placement& placement, const std::vector<int64_t>& counts);

}  // namespace distcnn

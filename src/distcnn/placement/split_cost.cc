#include "distcnn/placement/split_cost.h"

#include <algorithm>

#include "distcnn/base/status.h"

namespace distcnn {

namespace {

// n/D of a whole-layer byte figure, rounded up (bytes are exactly
// channel-proportional for the zoo's layers; a remainder would be a partial
// byte).
int64_t ShareOf(int64_t total, int64_t units, int64_t of) {
  if (of <= 0) return 0;
  const int64_t num = total * units + (of - 1);  // < 2^63: bytes < 2^40, units < 2^22
  return num / of;
}

double ShareOf(double total, int64_t units, int64_t of) {
  return of <= 0 ? 0.0 : total * static_cast<double>(units) / static_cast<double>(of);
}

}  // namespace

std::vector<int64_t> SplitUnitCounts(int64_t total_units, const std::vector<int>& shares) {
  int64_t granules = 0;
  for (int s : shares) granules += s;
  std::vector<int64_t> out;
  if (granules <= 0) return std::vector<int64_t>(shares.size(), 0);
  int64_t cumulative = 0;
  int64_t previous = 0;
  for (int s : shares) {
    cumulative += s;
    const int64_t boundary = total_units * cumulative / granules;
    out.push_back(boundary - previous);
    previous = boundary;
  }
  return out;
}

int64_t SplitUnits(const Layer& layer, PartitionKind kind) {
  DISTCNN_CHECK(layer.split.has_value());
  return kind == PartitionKind::kInChannels ? layer.split->in_units : layer.split->out_units;
}

PartFigures SplitPartFigures(const Layer& layer, PartitionKind kind, int64_t units) {
  DISTCNN_CHECK(layer.split.has_value());
  const LayerSplit& s = *layer.split;
  PartFigures f;
  if (kind == PartitionKind::kOutChannels) {
    f.memory_bytes = ShareOf(s.out_part_memory_bytes, units, s.out_units);
    f.mults = ShareOf(s.out_part_mults, units, s.out_units);
    f.input_bytes = s.input_bytes;
    f.output_bytes = ShareOf(s.out_part_output_bytes, units, s.out_units);
  } else {
    DISTCNN_CHECK(kind == PartitionKind::kInChannels);
    f.memory_bytes = ShareOf(s.in_part_memory_bytes, units, s.in_units);
    f.mults = ShareOf(s.in_part_mults, units, s.in_units);
    f.input_bytes = ShareOf(s.input_bytes, units, s.in_units);
    f.output_bytes = s.partial_sum_bytes;
  }
  return f;
}

MergeFigures SplitMergeFigures(const Layer& layer, PartitionKind kind) {
  DISTCNN_CHECK(layer.split.has_value());
  const LayerSplit& s = *layer.split;
  if (kind == PartitionKind::kOutChannels) return {s.out_merge_memory_bytes, s.out_merge_mults};
  return {s.in_merge_memory_bytes, s.in_merge_mults};
}

PartFigures FusedPartFigures(const Layer& first, const Layer& second, int64_t units) {
  const PartFigures a = SplitPartFigures(first, PartitionKind::kOutChannels, units);
  // The second layer's input channels are the first's outputs (possibly
  // flattened, k input units per output channel).
  const int64_t k = second.split->in_units / first.split->out_units;
  const PartFigures b = SplitPartFigures(second, PartitionKind::kInChannels, units * k);
  return {a.memory_bytes + b.memory_bytes, a.mults + b.mults, a.input_bytes, b.output_bytes};
}

SplitWork SplitLayerWork(const CostModel& model, int c, int last, const Placement& p,
                         const std::vector<int64_t>& counts) {
  const Problem& problem = model.problem();
  const Cnn& cnn = problem.cnns[c];
  const bool fused = p.kind == PartitionKind::kFused;
  const PartitionKind kind = fused ? PartitionKind::kInChannels : p.kind;
  SplitWork w;
  double slowest_s = 0;
  for (size_t q = 0; q < p.parts.size(); ++q) {
    SplitWork::PartWork part;
    part.unit = p.parts[q].unit;
    const double speed = problem.system.units[part.unit].type.mults_per_s;
    int64_t units = counts[q];
    double part_s = 0;
    if (fused) {
      const Layer& first = cnn.layers[last - 1];
      part.first = SplitPartFigures(first, PartitionKind::kOutChannels, units);
      part_s = model.ProcessingWeight(c, last - 1) * part.first.mults / speed;
      // The second layer's input units are the first's outputs, k per channel.
      units *= cnn.layers[last].split->in_units / first.split->out_units;
    }
    part.last = SplitPartFigures(cnn.layers[last], kind, units);
    part_s += model.ProcessingWeight(c, last) * part.last.mults / speed;
    slowest_s = std::max(slowest_s, part_s);
    part.input_bytes = fused ? part.first.input_bytes : part.last.input_bytes;
    w.parts.push_back(part);
  }
  w.merge = SplitMergeFigures(cnn.layers[last], kind);
  w.processing_s = slowest_s + model.ProcessingWeight(c, last) * w.merge.mults /
                                   problem.system.units[p.merge].type.mults_per_s;
  return w;
}

}  // namespace distcnn

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
  switch (kind) {
    case PartitionKind::kInChannels:
      return layer.split->in_units;
    case PartitionKind::kSpatial:
      return layer.split->row_ops.empty() ? 0 : layer.split->row_ops.back().out_rows;
    default:
      return layer.split->out_units;
  }
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

namespace {

// A spatial stack's band: part q's rows of the last layer's output, traced
// back through every op of the stack.
std::vector<PartFigures> BandFigures(const Cnn& cnn, int last, const std::vector<int64_t>& counts,
                                     size_t q) {
  std::vector<RowWindow> ops;
  for (int l = 0; l <= last; ++l) {
    const std::vector<RowWindow>& row_ops = cnn.layers[l].split->row_ops;
    ops.insert(ops.end(), row_ops.begin(), row_ops.end());
  }
  int64_t begin = 0;
  for (size_t k = 0; k < q; ++k) begin += counts[k];
  const std::vector<RowRange> rows = BandRows(ops, {begin, begin + counts[q]});
  std::vector<PartFigures> out;
  size_t op = 0;  // index of the layer's first op in `ops`
  for (int l = 0; l <= last; ++l) {
    const LayerSplit& s = *cnn.layers[l].split;
    const size_t n = s.row_ops.size();
    const std::vector<RowRange> own(rows.begin() + op, rows.begin() + op + n + 1);
    PartFigures f;
    f.memory_bytes = s.out_part_memory_bytes + s.out_merge_memory_bytes;  // the layer's weights
    f.mults = BandMults(s.row_ops, own);
    f.input_bytes = own.front().size() * s.input_row_bytes;
    f.output_bytes = own.back().size() * s.output_row_bytes;
    out.push_back(f);
    op += n;
  }
  return out;
}

}  // namespace

std::vector<PartFigures> SpanPartFigures(const Cnn& cnn, int first, int last, PartitionKind kind,
                                         const std::vector<int64_t>& counts, size_t q) {
  switch (kind) {
    case PartitionKind::kFused: {
      DISTCNN_CHECK(last == first + 1);
      const Layer& a = cnn.layers[first];
      const Layer& b = cnn.layers[last];
      // The second layer's input units are the first's outputs, k per channel.
      const int64_t k = b.split->in_units / a.split->out_units;
      return {SplitPartFigures(a, PartitionKind::kOutChannels, counts[q]),
              SplitPartFigures(b, PartitionKind::kInChannels, counts[q] * k)};
    }
    case PartitionKind::kSpatial:
      DISTCNN_CHECK(first == 0);
      return BandFigures(cnn, last, counts, q);
    default:
      DISTCNN_CHECK(first == last);
      return {SplitPartFigures(cnn.layers[last], kind, counts[q])};
  }
}

SplitWork SplitSpanWork(const CostModel& model, int c, int first, int last, const Placement& p,
                        const std::vector<int64_t>& counts) {
  const Problem& problem = model.problem();
  const Cnn& cnn = problem.cnns[c];
  SplitWork w;
  double slowest_s = 0;
  for (size_t q = 0; q < p.parts.size(); ++q) {
    SplitWork::PartWork part;
    part.unit = p.parts[q].unit;
    part.layers = SpanPartFigures(cnn, first, last, p.kind, counts, q);
    const double speed = problem.system.units[part.unit].type.mults_per_s;
    double part_s = 0;
    for (size_t l = 0; l < part.layers.size(); ++l) {
      part_s +=
          model.ProcessingWeight(c, first + static_cast<int>(l)) * part.layers[l].mults / speed;
    }
    slowest_s = std::max(slowest_s, part_s);
    w.parts.push_back(std::move(part));
  }
  // A spatial stack's merge only joins the bands; the others run the merge
  // ops of the span's last layer.
  if (p.kind != PartitionKind::kSpatial) {
    w.merge = SplitMergeFigures(
        cnn.layers[last], p.kind == PartitionKind::kFused ? PartitionKind::kInChannels : p.kind);
  }
  w.processing_s = slowest_s + model.ProcessingWeight(c, last) * w.merge.mults /
                                   problem.system.units[p.merge].type.mults_per_s;
  return w;
}

}  // namespace distcnn

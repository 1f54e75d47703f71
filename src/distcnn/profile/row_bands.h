// Row geometry of a spatial split (docs/cost-model.md, "Partition kinds"): a
// stack of conv/pool layers at a CNN's start is cut into bands of its output
// rows, and each band is computed from the input rows it needs, the halo
// included. The planner prices a band with these functions and the runtime
// cuts its tensors and pads with the same ones, so the two cannot drift apart.
// Pure, header-only (the placement library has no model dependency).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace distcnn {

// How one op maps input rows (axis 2 of an NCHW tensor) to output rows: a
// window of `kernel` rows (dilation included) every `stride` rows, after
// `pad_top` rows of padding. A point-wise op is a window of 1, stride 1.
struct RowWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t pad_top = 0;
  int64_t in_rows = 0;       // rows of its input
  int64_t out_rows = 0;      // rows of its output
  double mults_per_row = 0;  // the op's mults / out_rows
  bool operator==(const RowWindow&) const = default;
};

// Rows [begin, end).
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
  bool operator==(const RowRange&) const = default;
};

// The rows each op of a stack (ops in order, each reading the previous one's
// output) computes so that the last produces `out`: entry i is op i's input
// rows, entry ops.size() is `out`. Rows outside a tensor are padding, never
// computed, so every range lies within its tensor.
inline std::vector<RowRange> BandRows(const std::vector<RowWindow>& ops, RowRange out) {
  std::vector<RowRange> rows(ops.size() + 1);
  rows[ops.size()] = out;
  for (size_t i = ops.size(); i-- > 0;) {
    const RowWindow& op = ops[i];
    const RowRange& o = rows[i + 1];
    const int64_t first = o.begin * op.stride - op.pad_top;
    const int64_t last = (o.end - 1) * op.stride - op.pad_top + op.kernel;  // exclusive
    rows[i] = {std::max<int64_t>(0, first), std::min(op.in_rows, last)};
  }
  return rows;
}

// The padding an op needs above and below its input band `in` to compute
// exactly the output rows `out` (both from BandRows).
struct BandPads {
  int64_t top = 0;
  int64_t bottom = 0;
};
inline BandPads PadsForBand(const RowWindow& op, RowRange in, RowRange out) {
  return {in.begin - (out.begin * op.stride - op.pad_top),
          (out.end - 1) * op.stride - op.pad_top + op.kernel - in.end};
}

// The mults a band's stack runs: each op's mults_per_row x the rows it computes.
inline double BandMults(const std::vector<RowWindow>& ops, const std::vector<RowRange>& rows) {
  double total = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    total += ops[i].mults_per_row * static_cast<double>(rows[i + 1].size());
  }
  return total;
}

}  // namespace distcnn

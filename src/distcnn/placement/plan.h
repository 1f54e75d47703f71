// Plan: where every layer of every CNN runs, and the data transfers (with
// their radio routes) that this implies, derived once when the plan is made.
// It is what the solvers return, what report/ writes, what `run --plan` reads
// and what the runtime deploys. A layer's placement is a partition kind and
// its parts; today every layer is whole (one part). The split kinds of
// DeeperThings join PartitionKind here. Immutable once made; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/problem.h"

namespace distcnn {

// unit[c][j]: index of the unit that runs layer j of CNN c; the solvers'
// search form of a plan where every layer is whole.
struct Assignment {
  std::vector<std::vector<int>> unit;
  bool operator==(const Assignment&) const = default;
};

// One unit's part of a layer. A whole layer has one part with no share; a
// split layer's parts hold `granules` of the CNN's G each (docs/cost-model.md).
struct Part {
  int unit = -1;
  int granules = 0;
  bool operator==(const Part&) const = default;
};

// How one layer is placed. A split may span several layers, which then have
// the same placement: kFused marks both layers of a fused pair (j, j+1), read
// left to right; kSpatial every layer of the spatial stack at the CNN's start.
// Nothing is sent between the layers of a span.
struct Placement {
  PartitionKind kind = PartitionKind::kWhole;
  std::vector<Part> parts;  // kWhole: exactly one; else 2..max_parts, ascending units
  int merge = -1;           // split: the unit (one of the parts) that gathers
  bool operator==(const Placement&) const = default;
};

enum class TransferKind {
  kSource,   // the CNN's source -> the unit of its first layer (whole)
  kLink,     // the output unit of layer j -> the unit of layer j+1 (whole)
  kExit,     // the output unit of an exiting layer (IsExit) -> the sink
  kScatter,  // the holder of a split layer's input -> one of its parts
  kGather,   // a part of a split layer -> its merge unit
};
// "source", "link", "exit", "scatter", "gather"
const char* TransferKindName(TransferKind kind);

struct Transfer {
  TransferKind kind = TransferKind::kSource;
  int from_layer = -1;   // layer index sending the data; -1 for kSource
  int to_layer = -1;     // layer index receiving it; -1 for kExit
  double prob = 1;       // probability per frame that the transfer happens (1, p_{j+1}, g_j)
  int from_vertex = -1;  // hop-graph vertex of the source or unit at the start
  int to_vertex = -1;    // ... of the unit or sink at the end
  std::string from_id;   // their ids
  std::string to_id;
  // Hop-graph vertices of one shortest path, both ends included (so hops + 1 of
  // them); a single vertex when both ends share it; empty if unreachable.
  std::vector<int> path;
  int64_t bytes = 0;  // what it carries per frame (K_s, K_j, D, or a part's share)
  int part = -1;      // kScatter, kGather: index of the part in its layer's placement

  // Number of radio hops, or HopGraph::kUnreachable (-1).
  int hops() const { return static_cast<int>(path.size()) - 1; }
};

class Plan {
 public:
  // A plan for `problem` from one placement per layer of each CNN. Errors
  // (kInvalidArgument, naming the CNN and layer): wrong counts, a unit index
  // out of range, a split the problem does not allow (docs/cost-model.md, "The
  // plan space": kind, part count, ascending units, shares, merge unit, pairs).
  static Result<Plan> Make(const Problem& problem, std::vector<std::vector<Placement>> layers);
  // Every layer whole on assignment.unit[c][j]; `assignment` must be well
  // formed for `problem` (CHECKed: solvers only make well-formed ones).
  static Plan Whole(const Problem& problem, const Assignment& assignment);

  int num_cnns() const { return static_cast<int>(layers_.size()); }
  int num_layers(int cnn) const { return static_cast<int>(layers_[cnn].size()); }
  const Placement& placement(int cnn, int j) const { return layers_[cnn][j]; }
  // The unit where layer j's output is whole: a whole layer's only unit, or a
  // split layer's merge unit.
  int OutputUnit(int cnn, int j) const {
    const Placement& p = layers_[cnn][j];
    return p.kind == PartitionKind::kWhole ? p.parts.front().unit : p.merge;
  }
  // The first and last layers of the span that holds layer j: j and j for a
  // whole layer or a lone split, (j, j+1) for a fused pair, (0, k-1) for a
  // spatial stack of k layers. Data leaves a span only after its last layer.
  int SpanFirst(int cnn, int j) const { return span_first_[cnn][j]; }
  int SpanLast(int cnn, int j) const { return span_last_[cnn][j]; }
  bool SpanEnds(int cnn, int j) const { return span_last_[cnn][j] == j; }
  // The split units each part of layer j holds (SplitUnitCounts): channels,
  // neurons or groups; for a spatial stack, rows of its last layer's output.
  // Empty for a whole layer. Every layer of a span reports the same.
  const std::vector<int64_t>& PartUnits(int cnn, int j) const { return part_units_[cnn][j]; }
  bool all_whole() const;
  // The plan as per-layer units; CHECKs all_whole().
  Assignment ToAssignment() const;

  // Every transfer of `cnn`, in execution order (into the first layer, then
  // per layer: its gathers, its exit if any, then the transfers into the next
  // layer), zero-hop ones included.
  // Paths come from HopGraph::ShortestPath (deterministic).
  const std::vector<Transfer>& transfers(int cnn) const { return transfers_[cnn]; }
  // Units that run a layer or relay a transfer.
  const std::set<int>& units_taking_part() const { return units_taking_part_; }

  bool operator==(const Plan& other) const { return layers_ == other.layers_; }

 private:
  void DeriveTransfers(const Problem& problem);

  std::vector<std::vector<Placement>> layers_;
  std::vector<std::vector<int>> span_first_;
  std::vector<std::vector<int>> span_last_;
  std::vector<std::vector<std::vector<int64_t>>> part_units_;
  std::vector<std::vector<Transfer>> transfers_;
  std::set<int> units_taking_part_;
};

}  // namespace distcnn

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

enum class PartitionKind {
  kWhole,  // the layer runs on one unit
};
const char* PartitionKindName(PartitionKind kind);  // "whole"

// One unit's share of a layer.
struct Part {
  int unit = -1;
  bool operator==(const Part&) const = default;
};

struct Placement {
  PartitionKind kind = PartitionKind::kWhole;
  std::vector<Part> parts;  // kWhole: exactly one
  bool operator==(const Placement&) const = default;
};

enum class TransferKind {
  kSource,  // the CNN's source -> the unit of its first layer
  kLink,    // the unit of layer j -> the unit of layer j+1
  kExit,    // the unit of an exiting layer (IsExit) -> the sink
};
const char* TransferKindName(TransferKind kind);  // "source", "link", "exit"

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

  // Number of radio hops, or HopGraph::kUnreachable (-1).
  int hops() const { return static_cast<int>(path.size()) - 1; }
};

class Plan {
 public:
  // A plan for `problem` from one placement per layer of each CNN. Errors
  // (kInvalidArgument, naming the CNN and layer): wrong counts, a placement
  // whose parts do not match its kind, a unit index out of range.
  static Result<Plan> Make(const Problem& problem, std::vector<std::vector<Placement>> layers);
  // Every layer whole on assignment.unit[c][j]; `assignment` must be well
  // formed for `problem` (CHECKed: solvers only make well-formed ones).
  static Plan Whole(const Problem& problem, const Assignment& assignment);

  int num_cnns() const { return static_cast<int>(layers_.size()); }
  int num_layers(int cnn) const { return static_cast<int>(layers_[cnn].size()); }
  const Placement& placement(int cnn, int j) const { return layers_[cnn][j]; }
  // The unit where layer j's output is whole (a whole layer's only unit).
  int OutputUnit(int cnn, int j) const { return layers_[cnn][j].parts.front().unit; }
  bool all_whole() const;
  // The plan as per-layer units; CHECKs all_whole().
  Assignment ToAssignment() const;

  // Every transfer of `cnn`, in execution order (the source, then per layer:
  // its exit if any, then the link to the next layer), zero-hop ones included.
  // Paths come from HopGraph::ShortestPath (deterministic).
  const std::vector<Transfer>& transfers(int cnn) const { return transfers_[cnn]; }
  // Units that run a layer or relay a transfer.
  const std::set<int>& units_taking_part() const { return units_taking_part_; }

  bool operator==(const Plan& other) const { return layers_ == other.layers_; }

 private:
  void DeriveTransfers(const Problem& problem);

  std::vector<std::vector<Placement>> layers_;
  std::vector<std::vector<Transfer>> transfers_;
  std::set<int> units_taking_part_;
};

}  // namespace distcnn

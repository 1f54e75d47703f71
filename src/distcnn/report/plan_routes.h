// Plan routes: every data transfer a plan implies for one CNN (source -> first
// layer, layer -> next layer, every exit -> sink) with its hop path in the radio
// graph (probabilities p_j / g_j from problem.h). Shared by the JSON,
// text and SVG outputs. Pure functions of their inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/problem.h"

namespace distcnn {

enum class TransferKind {
  kSource,  // the CNN's source -> the unit of its first layer
  kLink,    // the unit of layer j -> the unit of layer j+1
  kExit,    // the unit of an exiting layer (exit_prob > 0, or the last) -> the sink
};
const char* TransferKindName(TransferKind kind);  // "source", "link", "exit"

struct Transfer {
  TransferKind kind = TransferKind::kSource;
  int from_layer = -1;  // layer index sending the data; -1 for kSource
  int to_layer = -1;    // layer index receiving it; -1 for kExit
  double prob = 1;      // probability per frame that the transfer happens (1, p_{j+1}, g_j)
  std::string from_id;  // id of the source or unit at the start
  std::string to_id;    // id of the unit or sink at the end
  // Hop-graph vertices of one shortest path, both ends included (so hops + 1 of
  // them); a single vertex when both ends share it; empty if unreachable.
  std::vector<int> path;

  // Number of radio hops, or HopGraph::kUnreachable (-1).
  int hops() const { return static_cast<int>(path.size()) - 1; }
};

// Every transfer of CNN `cnn` under `assignment`, in execution order (the source,
// then per layer: its exit if any, then the link to the next layer), including
// zero-hop ones (both ends on one vertex). Paths come from HopGraph::ShortestPath
// (deterministic). `assignment` must be well formed for `problem` (CHECKed).
std::vector<Transfer> CnnTransfers(const Problem& problem, const Assignment& assignment, int cnn);

}  // namespace distcnn

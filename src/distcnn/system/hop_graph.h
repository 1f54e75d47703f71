// HopGraph: the radio graph of an IoT system (units, sources and sinks are
// vertices; an edge joins two vertices that can talk directly) and its hop
// distances, computed once by breadth-first search from every vertex.
// Invariant after Finalize(): Distance(a,b) == Distance(b,a), Distance(a,a) == 0.
// Immutable after Finalize(); safe to read from several threads.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace distcnn {

class HopGraph {
 public:
  static constexpr int kUnreachable = -1;

  explicit HopGraph(int num_vertices = 0);

  int num_vertices() const { return static_cast<int>(neighbours_.size()); }
  // Adds the undirected edge {a, b}; self-loops and repeats are ignored.
  void AddEdge(int a, int b);
  // Computes all-pairs hop distances (BFS from every vertex, O(V (V + E))).
  void Finalize();

  // Hop count of a shortest path, or kUnreachable.
  int Distance(int a, int b) const { return distance_[static_cast<size_t>(a) * n_ + b]; }
  // Vertices of one shortest path from a to b, both included; empty if unreachable.
  // Deterministic: among shortest paths, each step goes to the lowest-index vertex
  // that is one hop closer to b.
  std::vector<int> ShortestPath(int a, int b) const;
  const std::vector<int>& Neighbours(int v) const { return neighbours_[v]; }
  // The same vertices with every edge at a vertex of `cut` removed, finalized:
  // the radio graph once those devices are gone (a dead relay lengthens
  // routes, or cuts them).
  HopGraph WithoutVertices(const std::set<int>& cut) const;
  int num_edges() const;

 private:
  std::vector<std::vector<int>> neighbours_;
  std::vector<int> distance_;  // row-major V x V
  size_t n_ = 0;
};

}  // namespace distcnn

#include "distcnn/system/hop_graph.h"

#include <algorithm>

#include "distcnn/base/status.h"

namespace distcnn {

HopGraph::HopGraph(int num_vertices) : neighbours_(num_vertices) {}

void HopGraph::AddEdge(int a, int b) {
  DISTCNN_CHECK(a >= 0 && b >= 0 && a < num_vertices() && b < num_vertices());
  if (a == b) return;
  auto& na = neighbours_[a];
  if (std::find(na.begin(), na.end(), b) != na.end()) return;
  na.push_back(b);
  neighbours_[b].push_back(a);
}

int HopGraph::num_edges() const {
  size_t total = 0;
  for (const auto& n : neighbours_) total += n.size();
  return static_cast<int>(total / 2);
}

void HopGraph::Finalize() {
  n_ = neighbours_.size();
  for (auto& n : neighbours_) std::sort(n.begin(), n.end());
  distance_.assign(n_ * n_, kUnreachable);
  std::vector<int> queue(n_);
  for (size_t s = 0; s < n_; ++s) {
    int* row = &distance_[s * n_];
    size_t head = 0, tail = 0;
    queue[tail++] = static_cast<int>(s);
    row[s] = 0;
    while (head < tail) {
      int v = queue[head++];
      for (int w : neighbours_[v]) {
        if (row[w] == kUnreachable) {
          row[w] = row[v] + 1;
          queue[tail++] = w;
        }
      }
    }
  }
}

std::vector<int> HopGraph::ShortestPath(int a, int b) const {
  if (Distance(a, b) == kUnreachable) return {};
  std::vector<int> path{a};
  int v = a;
  while (v != b) {
    for (int w : neighbours_[v]) {  // sorted ascending
      if (Distance(w, b) == Distance(v, b) - 1) {
        v = w;
        break;
      }
    }
    path.push_back(v);
  }
  return path;
}

HopGraph HopGraph::WithoutVertices(const std::set<int>& cut) const {
  HopGraph g(num_vertices());
  for (int a = 0; a < num_vertices(); ++a) {
    if (cut.count(a)) continue;
    for (int b : neighbours_[a]) {
      if (!cut.count(b)) g.AddEdge(a, b);
    }
  }
  g.Finalize();
  return g;
}

}  // namespace distcnn

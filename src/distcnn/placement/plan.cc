#include "distcnn/placement/plan.h"

namespace distcnn {

const char* PartitionKindName(PartitionKind kind) {
  switch (kind) {
    case PartitionKind::kWhole:
      return "whole";
  }
  return "?";
}

const char* TransferKindName(TransferKind kind) {
  switch (kind) {
    case TransferKind::kSource:
      return "source";
    case TransferKind::kLink:
      return "link";
    case TransferKind::kExit:
      return "exit";
  }
  return "?";
}

Result<Plan> Plan::Make(const Problem& problem, std::vector<std::vector<Placement>> layers) {
  const int n = problem.system.num_units();
  if (layers.size() != problem.cnns.size()) {
    return InvalidArgument("plan: " + std::to_string(layers.size()) + " CNNs, the problem has " +
                           std::to_string(problem.cnns.size()));
  }
  for (size_t c = 0; c < layers.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    if (layers[c].size() != cnn.layers.size()) {
      return InvalidArgument("plan: CNN '" + cnn.name + "' has " +
                             std::to_string(layers[c].size()) + " placed layers, the problem " +
                             std::to_string(cnn.layers.size()));
    }
    for (size_t j = 0; j < layers[c].size(); ++j) {
      const Placement& p = layers[c][j];
      const std::string at = "plan: layer " + cnn.name + "." + cnn.layers[j].name;
      if (p.kind == PartitionKind::kWhole && p.parts.size() != 1) {
        return InvalidArgument(at + ": a whole layer has exactly one part, not " +
                               std::to_string(p.parts.size()));
      }
      for (const Part& part : p.parts) {
        if (part.unit < 0 || part.unit >= n) {
          return InvalidArgument(at + ": unit index " + std::to_string(part.unit) +
                                 " is not one of the " + std::to_string(n) + " units");
        }
      }
    }
  }
  Plan plan;
  plan.layers_ = std::move(layers);
  plan.DeriveTransfers(problem);
  return plan;
}

Plan Plan::Whole(const Problem& problem, const Assignment& assignment) {
  std::vector<std::vector<Placement>> layers(assignment.unit.size());
  for (size_t c = 0; c < assignment.unit.size(); ++c) {
    for (int u : assignment.unit[c]) layers[c].push_back({PartitionKind::kWhole, {Part{u}}});
  }
  Result<Plan> plan = Make(problem, std::move(layers));
  DISTCNN_CHECK(plan.ok());
  return *std::move(plan);
}

bool Plan::all_whole() const {
  for (const auto& cnn : layers_) {
    for (const Placement& p : cnn) {
      if (p.kind != PartitionKind::kWhole) return false;
    }
  }
  return true;
}

Assignment Plan::ToAssignment() const {
  DISTCNN_CHECK(all_whole());
  Assignment a;
  a.unit.resize(layers_.size());
  for (size_t c = 0; c < layers_.size(); ++c) {
    for (const Placement& p : layers_[c]) a.unit[c].push_back(p.parts.front().unit);
  }
  return a;
}

void Plan::DeriveTransfers(const Problem& problem) {
  const IoTSystem& sys = problem.system;
  transfers_.assign(layers_.size(), {});
  // Ends are named by their own ids: a source or sink merged `at:` a unit
  // shares the unit's vertex but keeps its name.
  auto add = [&](std::vector<Transfer>& out, Transfer t) {
    if (t.from_id.empty()) t.from_id = sys.vertex_ids[t.from_vertex];
    if (t.to_id.empty()) t.to_id = sys.vertex_ids[t.to_vertex];
    t.path = sys.graph.ShortestPath(t.from_vertex, t.to_vertex);
    for (int v : t.path) {
      if (v < sys.num_units()) units_taking_part_.insert(v);
    }
    out.push_back(std::move(t));
  };
  for (size_t c = 0; c < layers_.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    const int m = static_cast<int>(cnn.layers.size());
    if (m == 0) continue;
    const std::vector<double> p = RunProbabilities(cnn);
    const std::vector<double> g = ExitProbabilities(cnn);
    std::vector<Transfer>& out = transfers_[c];
    const int ci = static_cast<int>(c);
    add(out, {TransferKind::kSource, -1, 0, 1.0, sys.sources[cnn.source].vertex, OutputUnit(ci, 0),
              sys.sources[cnn.source].id});
    for (int j = 0; j < m; ++j) {
      units_taking_part_.insert(OutputUnit(ci, j));
      if (IsExit(cnn, j)) {
        add(out, {TransferKind::kExit, j, -1, g[j], OutputUnit(ci, j), sys.sinks[cnn.sink].vertex,
                  "", sys.sinks[cnn.sink].id});
      }
      if (j + 1 < m) {
        add(out,
            {TransferKind::kLink, j, j + 1, p[j + 1], OutputUnit(ci, j), OutputUnit(ci, j + 1)});
      }
    }
  }
}

}  // namespace distcnn

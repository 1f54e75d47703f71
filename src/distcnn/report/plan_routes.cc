#include "distcnn/report/plan_routes.h"

#include "distcnn/base/status.h"

namespace distcnn {

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

std::vector<Transfer> CnnTransfers(const Problem& problem, const Assignment& assignment, int cnn) {
  const IoTSystem& sys = problem.system;
  const Cnn& c = problem.cnns[cnn];
  const int m = static_cast<int>(c.layers.size());
  DISTCNN_CHECK(cnn >= 0 && cnn < static_cast<int>(assignment.unit.size()));
  const std::vector<int>& unit = assignment.unit[cnn];
  DISTCNN_CHECK(static_cast<int>(unit.size()) == m);
  for (int u : unit) DISTCNN_CHECK(u >= 0 && u < sys.num_units());
  const std::vector<double> p = RunProbabilities(c);
  const std::vector<double> g = ExitProbabilities(c);
  const Endpoint& source = sys.sources[c.source];
  const Endpoint& sink = sys.sinks[c.sink];

  std::vector<Transfer> out;
  if (m == 0) return out;
  Transfer t;
  t.kind = TransferKind::kSource;
  t.to_layer = 0;
  t.prob = 1.0;
  t.from_id = source.id;
  t.to_id = sys.units[unit[0]].id;
  t.path = sys.graph.ShortestPath(source.vertex, unit[0]);
  out.push_back(t);
  for (int j = 0; j < m; ++j) {
    if (IsExit(c, j)) {
      Transfer e;
      e.kind = TransferKind::kExit;
      e.from_layer = j;
      e.prob = g[j];
      e.from_id = sys.units[unit[j]].id;
      e.to_id = sink.id;
      e.path = sys.graph.ShortestPath(unit[j], sink.vertex);
      out.push_back(e);
    }
    if (j + 1 < m) {
      Transfer l;
      l.kind = TransferKind::kLink;
      l.from_layer = j;
      l.to_layer = j + 1;
      l.prob = p[j + 1];
      l.from_id = sys.units[unit[j]].id;
      l.to_id = sys.units[unit[j + 1]].id;
      l.path = sys.graph.ShortestPath(unit[j], unit[j + 1]);
      out.push_back(l);
    }
  }
  return out;
}

}  // namespace distcnn

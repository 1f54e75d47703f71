#include "distcnn/system/system_builder.h"

#include <cmath>
#include <map>

namespace distcnn {

namespace {

double DistanceM(const Position& a, const Position& b) {
  return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m);
}

}  // namespace

Result<IoTSystem> BuildSystem(const SystemSpec& spec) {
  IoTSystem sys;
  sys.units = spec.units;
  sys.technology = spec.technology;
  std::map<std::string, int> vertex_of;
  std::vector<std::optional<Position>> vertex_pos;
  auto add_vertex = [&](const std::string& id, std::optional<Position> pos) -> Result<int> {
    if (vertex_of.count(id)) return InvalidArgument("duplicate id '" + id + "'");
    int v = static_cast<int>(sys.vertex_ids.size());
    vertex_of[id] = v;
    sys.vertex_ids.push_back(id);
    vertex_pos.push_back(pos);
    return v;
  };
  for (const Unit& u : spec.units) {
    ASSIGN_OR_RETURN(int v, add_vertex(u.id, u.pos));
    (void)v;
  }
  std::map<std::string, int> unit_index;
  for (int i = 0; i < static_cast<int>(spec.units.size()); ++i) unit_index[spec.units[i].id] = i;
  std::map<std::string, int> alias;  // merged endpoints -> unit vertex
  auto add_endpoints = [&](const std::vector<EndpointSpec>& in, std::vector<Endpoint>& out,
                           const char* kind) -> Status {
    for (const EndpointSpec& e : in) {
      Endpoint ep{e.id, -1, e.pos, std::nullopt};
      if (e.at) {
        auto it = unit_index.find(*e.at);
        if (it == unit_index.end()) {
          return InvalidArgument(std::string(kind) + " '" + e.id + "': at: unknown unit '" + *e.at +
                                 "'");
        }
        if (vertex_of.count(e.id) || alias.count(e.id)) {
          return InvalidArgument("duplicate id '" + e.id + "'");
        }
        ep.vertex = it->second;
        ep.at_unit = it->second;
        ep.pos = spec.units[it->second].pos;
        alias[e.id] = it->second;
      } else {
        if (alias.count(e.id)) return InvalidArgument("duplicate id '" + e.id + "'");
        ASSIGN_OR_RETURN(ep.vertex, add_vertex(e.id, e.pos));
      }
      out.push_back(ep);
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(add_endpoints(spec.sources, sys.sources, "source"));
  RETURN_IF_ERROR(add_endpoints(spec.sinks, sys.sinks, "sink"));

  const int n = static_cast<int>(sys.vertex_ids.size());
  sys.graph = HopGraph(n);
  auto resolve = [&](const std::string& id) -> int {
    auto it = vertex_of.find(id);
    if (it != vertex_of.end()) return it->second;
    auto a = alias.find(id);
    return a == alias.end() ? -1 : a->second;
  };
  if (spec.links) {
    for (size_t k = 0; k < spec.links->size(); ++k) {
      const auto& [a, b] = (*spec.links)[k];
      int va = resolve(a), vb = resolve(b);
      if (va < 0 || vb < 0) {
        return InvalidArgument("links[" + std::to_string(k) + "]: unknown id '" + (va < 0 ? a : b) +
                               "'");
      }
      sys.graph.AddEdge(va, vb);
    }
  } else {
    for (int v = 0; v < n; ++v) {
      if (!vertex_pos[v]) {
        return InvalidArgument("'" + sys.vertex_ids[v] +
                               "' has no pos, and there are no links to connect it");
      }
    }
    const double range = sys.technology.range_m;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        // A tiny tolerance so that units placed exactly at range are adjacent.
        if (DistanceM(*vertex_pos[a], *vertex_pos[b]) <= range * (1 + 1e-12)) {
          sys.graph.AddEdge(a, b);
        }
      }
    }
  }
  sys.graph.Finalize();
  return sys;
}

}  // namespace distcnn

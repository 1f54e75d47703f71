#include "distcnn/placement/infeasibility.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace distcnn {

namespace {

std::string Bytes(double b) {
  char buf[32];
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else if (b >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

std::string Mults(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g M mults", m / 1e6);
  return buf;
}

// Units eligible for every layer of the item (all its CNNs reach them).
std::vector<int> ReachingUnits(const CostModel& model, const Item& item) {
  std::vector<int> out;
  for (int u = 0; u < model.num_units(); ++u) {
    bool ok = true;
    for (const LayerRef& r : item.layers) ok = ok && model.Eligible(r.cnn, u);
    if (ok) out.push_back(u);
  }
  return out;
}

std::string ItemName(const Problem& p, const Item& item) {
  std::string name = "layer " + p.LayerName(item.layers[0]);
  if (item.layers.size() > 1)
    name = "shared " + name + " (and " + std::to_string(item.layers.size() - 1) + " more)";
  return name;
}

}  // namespace

std::string ExplainInfeasibility(const CostModel& model) {
  const Problem& p = model.problem();
  const IoTSystem& sys = p.system;
  for (int c = 0; c < model.num_cnns(); ++c) {
    if (!model.EligibleUnits(c).empty()) continue;
    const Endpoint& src = sys.sources[p.cnns[c].source];
    const Endpoint& snk = sys.sinks[p.cnns[c].sink];
    if (sys.graph.Distance(src.vertex, snk.vertex) == HopGraph::kUnreachable) {
      return "cnn '" + p.cnns[c].name + "': its source '" + src.id + "' cannot reach its sink '" +
             snk.id + "' over the radio graph";
    }
    return "cnn '" + p.cnns[c].name + "': no unit reaches both its source '" + src.id +
           "' and its sink '" + snk.id + "'";
  }
  const auto& items = model.items();
  for (const Item& item : items) {
    std::vector<int> reach = ReachingUnits(model, item);
    if (reach.empty()) {
      return ItemName(p, item) + ": no unit reaches the sources and sinks of all CNNs sharing it";
    }
    int best_mem = reach[0], best_mults = reach[0];
    bool any_fits = false;
    for (int u : reach) {
      const DeviceType& t = sys.units[u].type;
      if (t.memory_bytes > sys.units[best_mem].type.memory_bytes) best_mem = u;
      if (t.max_mults > sys.units[best_mults].type.max_mults) best_mults = u;
      any_fits = any_fits || (item.memory_bytes <= t.memory_bytes && item.mults <= t.max_mults);
    }
    if (any_fits) continue;
    const Unit& um = sys.units[best_mem];
    if (item.memory_bytes > um.type.memory_bytes) {
      return ItemName(p, item) + " needs " + Bytes(item.memory_bytes) +
             " of weights; no unit that can host it has that much (the largest, '" + um.id + "' (" +
             um.type.name + "), has " + Bytes(um.type.memory_bytes) + ")";
    }
    const Unit& uc = sys.units[best_mults];
    return ItemName(p, item) + " needs " + Mults(item.mults) +
           " per frame; no unit that can host it allows that many (the largest max_mults, on '" +
           uc.id + "', is " + Mults(uc.type.max_mults) + ")";
  }
  // Counting: items confined to a set of units need L slots each there.
  if (p.max_layers_per_unit > 0) {
    const int L = p.max_layers_per_unit;
    std::set<int> all_units;
    int total = 0;
    for (int c = 0; c < model.num_cnns(); ++c) {
      std::set<int> cnn_items;
      for (int j = 0; j < model.num_layers(c); ++j) cnn_items.insert(model.ItemOf(c, j));
      const int hosts = static_cast<int>(model.EligibleUnits(c).size());
      if (static_cast<int>(cnn_items.size()) > L * hosts) {
        return "max_layers_per_unit L = " + std::to_string(L) + ": cnn '" + p.cnns[c].name +
               "' has " + std::to_string(cnn_items.size()) + " layers but only " +
               std::to_string(hosts) + " units can host it (room for " + std::to_string(L * hosts) +
               ")";
      }
      all_units.insert(model.EligibleUnits(c).begin(), model.EligibleUnits(c).end());
    }
    total = static_cast<int>(items.size());
    if (total > L * static_cast<int>(all_units.size())) {
      return "max_layers_per_unit L = " + std::to_string(L) + ": " + std::to_string(total) +
             " layers to place but only " + std::to_string(all_units.size()) +
             " units can host them (room for " + std::to_string(L * all_units.size()) + ")";
    }
  }
  double need = 0, have = 0;
  std::set<int> hosts;
  for (const Item& item : items) {
    need += static_cast<double>(item.memory_bytes);
    for (int u : ReachingUnits(model, item)) hosts.insert(u);
  }
  for (int u : hosts) have += static_cast<double>(sys.units[u].type.memory_bytes);
  if (need > have) {
    return "memory: the layers need " + Bytes(need) + " of weights in all, the units that can " +
           "host them have " + Bytes(have);
  }
  return "the per-unit limits (L, memory, max_mults) cannot all be met at once; no single "
         "limit is violated by itself";
}

}  // namespace distcnn

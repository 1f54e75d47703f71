#include "distcnn/placement/infeasibility.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "distcnn/placement/slot_matching.h"

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

// Names up to four entries of a list, then how many more.
std::string FewNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 4; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 4) out += " and " + std::to_string(names.size() - 4) + " more";
  return out;
}

// Hall's condition on the layer limit: some set of items may only use units
// that have fewer slots (L each), together, than there are items.
std::optional<std::string> SlotShortageReason(const CostModel& model) {
  const Problem& p = model.problem();
  if (p.max_layers_per_unit <= 0) return std::nullopt;
  const int n = model.num_units();
  const int k = static_cast<int>(model.items().size());
  std::vector<char> allowed(static_cast<size_t>(k) * n);
  for (int i = 0; i < k; ++i) {
    for (int u = 0; u < n; ++u) allowed[static_cast<size_t>(i) * n + u] = model.ItemFits(i, u);
  }
  std::vector<int> all_items(k);
  for (int i = 0; i < k; ++i) all_items[i] = i;
  const std::optional<SlotShortage> shortage =
      FindSlotShortage(allowed, n, std::vector<int>(n, p.max_layers_per_unit), all_items);
  if (!shortage) return std::nullopt;

  const std::string head =
      "max_layers_per_unit L = " + std::to_string(p.max_layers_per_unit) + ": ";
  const std::string room = " (room for " + std::to_string(shortage->free_slots) + ")";
  const std::string hosts =
      std::to_string(shortage->units.size()) + " unit" + (shortage->units.size() == 1 ? "" : "s");
  // The common case, a whole CNN on too few units, reads best by its name.
  for (int c = 0; c < model.num_cnns(); ++c) {
    std::set<int> cnn_items;
    for (int j = 0; j < model.num_layers(c); ++j) cnn_items.insert(model.ItemOf(c, j));
    if (std::vector<int>(cnn_items.begin(), cnn_items.end()) != shortage->items) continue;
    return head + "cnn '" + p.cnns[c].name + "' has " + std::to_string(cnn_items.size()) +
           " layers but only " + hosts + " can host it" + room;
  }
  std::vector<std::string> layers, units;
  for (int i : shortage->items) layers.push_back(p.LayerName(model.items()[i].layers[0]));
  for (int u : shortage->units) units.push_back(p.system.units[u].id);
  if (static_cast<int>(shortage->items.size()) == k) {
    return head + std::to_string(k) + " layers to place but only " + hosts + " can host them" +
           room;
  }
  return head + std::to_string(shortage->items.size()) + " layers (" + FewNames(layers) +
         ") can only go on " + hosts + " (" + FewNames(units) + ")" + room;
}

}  // namespace

std::optional<std::string> ProveInfeasible(const CostModel& model) {
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
  // The counting below assumes whole layers: a split layer spreads its
  // weights, mults and slots over several units.
  if (AnyPartitioning(p)) return std::nullopt;
  const auto& items = model.items();
  for (int it = 0; it < static_cast<int>(items.size()); ++it) {
    const Item& item = items[it];
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
      any_fits = any_fits || model.ItemFits(it, u);
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
  if (std::optional<std::string> reason = SlotShortageReason(model)) return reason;
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
  return std::nullopt;
}

std::string ExplainInfeasibility(const CostModel& model) {
  return ProveInfeasible(model).value_or(
      "the per-unit limits (L, memory, max_mults) cannot all be met at once; no single "
      "limit is violated by itself");
}

}  // namespace distcnn

#include "distcnn/placement/layer_options.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "distcnn/placement/split_cost.h"

namespace distcnn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Compositions of `total` into `parts` positive integers, in lexicographic order.
void Compositions(int total, int parts, std::vector<int>& prefix,
                  std::vector<std::vector<int>>& out) {
  if (parts == 1) {
    prefix.push_back(total);
    out.push_back(prefix);
    prefix.pop_back();
    return;
  }
  for (int first = 1; first <= total - (parts - 1); ++first) {
    prefix.push_back(first);
    Compositions(total - first, parts - 1, prefix, out);
    prefix.pop_back();
  }
}

// Visits every subset of `units` with `size` elements, ascending.
template <typename Visit>
void Subsets(const std::vector<int>& units, int size, size_t from, std::vector<int>& chosen,
             Visit&& visit) {
  if (static_cast<int>(chosen.size()) == size) {
    visit(chosen);
    return;
  }
  for (size_t k = from; k < units.size(); ++k) {
    chosen.push_back(units[k]);
    Subsets(units, size, k + 1, chosen, visit);
    chosen.pop_back();
  }
}

void AddUse(std::map<int, UnitUse>& uses, int unit, int items, int64_t memory, double mults) {
  UnitUse& u = uses[unit];
  u.unit = unit;
  u.items += items;
  u.memory_bytes += memory;
  u.mults += mults;
}

double ExitSeconds(const CostModel& model, int c, int j, int unit) {
  if (!IsExit(model.problem().cnns[c], j)) return 0;
  return HopSeconds(model.SinkCoef(c, j), model.SinkHops(c, unit));
}

// The option for one split placement of the span [j, last], with `counts`
// split units per part.
LayerOption SplitOption(const CostModel& model, int c, int j, int last, const Placement& p,
                        const std::vector<int64_t>& counts) {
  const std::vector<double> run =
      RunProbabilities(model.problem().cnns[c]);  // scatter p_j, gather p_last
  LayerOption o;
  o.placements.assign(last - j + 1, p);
  const SplitWork work = SplitSpanWork(model, c, j, last, p, counts);
  std::map<int, UnitUse> uses;
  double gather = 0;
  for (const SplitWork::PartWork& part : work.parts) {
    for (const PartFigures& layer : part.layers) {
      AddUse(uses, part.unit, 1, layer.memory_bytes, layer.mults);
    }
    // Same arithmetic as the evaluator: prob x bytes x seconds per byte.
    o.inputs.push_back({part.unit, model.AirtimePerHop(run[j], part.input_bytes())});
    if (part.unit != p.merge) {
      const double coef = model.AirtimePerHop(run[last], part.output_bytes());
      gather += HopSeconds(coef, model.Hops(part.unit, p.merge));
    }
  }
  AddUse(uses, p.merge, 0, work.merge.memory_bytes, work.merge.mults);
  o.fixed_s = work.processing_s + gather + ExitSeconds(model, c, last, p.merge);
  o.output_unit = p.merge;
  for (const auto& [unit, use] : uses) o.uses.push_back(use);
  return o;
}

// Every split of the span [j, last] as `kind`.
void AddSplitOptions(const CostModel& model, int c, int j, int last, PartitionKind kind,
                     std::vector<LayerOption>& out) {
  const Cnn& cnn = model.problem().cnns[c];
  const Partitioning& part = cnn.partitioning;
  const std::vector<int>& units = model.EligibleUnits(c);
  // Spatial shares cut the stack's last layer's rows; the others, layer j's units.
  const int64_t split_units =
      SplitUnits(cnn.layers[kind == PartitionKind::kSpatial ? last : j], kind);
  for (int size = 2; size <= std::min<int>(part.max_parts, part.granules); ++size) {
    std::vector<std::vector<int>> shares;
    std::vector<int> prefix;
    if (part.equal_shares) {
      shares.push_back(EqualShares(part.granules, size));
    } else {
      Compositions(part.granules, size, prefix, shares);
    }
    std::vector<int> chosen;
    Subsets(units, size, 0, chosen, [&](const std::vector<int>& set) {
      // Share vectors that give the same unit counts cost the same: the
      // first in order stands for them (a layer with fewer units than G).
      std::set<std::vector<int64_t>> seen;
      for (const std::vector<int>& share : shares) {
        const std::vector<int64_t> counts = SplitUnitCounts(split_units, share);
        if (std::find(counts.begin(), counts.end(), 0) != counts.end()) continue;
        if (!seen.insert(counts).second) continue;
        for (int merge : set) {
          Placement p{kind, {}, merge};
          for (int k = 0; k < size; ++k) p.parts.push_back(Part{set[k], share[k]});
          LayerOption o = SplitOption(model, c, j, last, p, counts);
          // One that overloads a unit by itself is in no feasible plan.
          const bool fits = std::all_of(o.uses.begin(), o.uses.end(), [&](const UnitUse& u) {
            return model.ExceededLimitsOn(u.unit, {u.items, u.memory_bytes, u.mults}) == 0;
          });
          if (fits) out.push_back(std::move(o));
        }
      }
    });
  }
}

}  // namespace

double InputSeconds(const CostModel& model, const LayerOption& option, int from) {
  const IoTSystem& sys = model.problem().system;
  double total = 0;
  for (const auto& [unit, per_hop] : option.inputs) {
    total += HopSeconds(per_hop, sys.graph.Distance(from, unit));
  }
  return total;
}

bool InSharedGroup(const Problem& problem, int cnn, int j) {
  for (const auto& group : problem.shared) {
    for (const LayerRef& r : group) {
      if (r.cnn == cnn && r.layer == j) return true;
    }
  }
  return false;
}

std::vector<LayerOption> LayerOptions(const CostModel& model, int c, int j, bool in_shared_group,
                                      bool allow_spans) {
  const Cnn& cnn = model.problem().cnns[c];
  std::vector<LayerOption> out;
  const int item = model.ItemOf(c, j);
  const Item& it = model.items()[item];
  const double input_coef = j == 0 ? model.SourceCoef(c) : model.LinkCoef(c, j - 1);
  for (int u : model.EligibleUnits(c)) {
    if (!model.ItemFits(item, u)) continue;
    LayerOption o;
    o.placements.push_back(Placement{PartitionKind::kWhole, {Part{u}}});
    o.inputs.push_back({u, input_coef});
    o.fixed_s = model.ProcessingTime(c, j, u) + ExitSeconds(model, c, j, u);
    o.output_unit = u;
    o.uses.push_back(UnitUse{u, 1, it.memory_bytes, it.mults});
    out.push_back(std::move(o));
  }
  const Problem& problem = model.problem();
  for (PartitionKind kind : {PartitionKind::kOutChannels, PartitionKind::kInChannels}) {
    if (CanSplit(cnn, j, kind, in_shared_group)) AddSplitOptions(model, c, j, j, kind, out);
  }
  if (allow_spans && !InSharedGroup(problem, c, j + 1) &&
      CanSplit(cnn, j, PartitionKind::kFused, in_shared_group)) {
    AddSplitOptions(model, c, j, j + 1, PartitionKind::kFused, out);
  }
  // Spatial stacks start at the first layer: one option set per depth.
  for (int last = 0; j == 0 && last < model.num_layers(c) && (last == 0 || allow_spans); ++last) {
    if (!CanSplit(cnn, last, PartitionKind::kSpatial, InSharedGroup(problem, c, last))) break;
    AddSplitOptions(model, c, 0, last, PartitionKind::kSpatial, out);
  }
  return out;
}

}  // namespace distcnn

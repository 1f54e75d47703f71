#include "distcnn/placement/milp/split_milp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "distcnn/placement/evaluator.h"

namespace distcnn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Columns and their unscaled costs while the model is built; the scale is
// known only once every cost is.
struct Builder {
  MilpModel& milp;
  std::vector<double> seconds;  // [col]
  std::vector<int> cnn;         // [col]; -1 for z

  int AddColumn(double lb, double ub, bool integer, int c, double cost_s) {
    milp.col_lb.push_back(lb);
    milp.col_ub.push_back(ub);
    milp.objective.push_back(0);
    milp.is_integer.push_back(integer ? 1 : 0);
    seconds.push_back(cost_s);
    cnn.push_back(c);
    return milp.num_cols() - 1;
  }
};

// The cost of choosing option o at layer j that depends on nothing else:
// fixed_s, and for the first layer the input from the CNN's source.
double OptionSeconds(const CostModel& model, int c, int j, const LayerOption& o) {
  if (j > 0) return o.fixed_s;
  const Problem& problem = model.problem();
  const int source = problem.system.sources[problem.cnns[c].source].vertex;
  return o.fixed_s + InputSeconds(model, o, source);
}

// Options (by index at their first layer) whose last covered layer is j.
std::vector<std::pair<int, int>> EndingAt(const SplitMilp& s, int c, int j) {
  std::vector<std::pair<int, int>> out;  // (first layer, option)
  for (int k = 0; k <= j; ++k) {
    for (int o = 0; o < static_cast<int>(s.options[c][k].size()); ++o) {
      if (s.x_col[c][k][o] >= 0 && k + s.options[c][k][o].span() - 1 == j) out.emplace_back(k, o);
    }
  }
  return out;
}

// The columns of the options that cover layer j (start at or before it and
// span it).
std::vector<int> Covering(const SplitMilp& s, int c, int j) {
  std::vector<int> out;
  for (int k = 0; k <= j; ++k) {
    for (size_t o = 0; o < s.options[c][k].size(); ++o) {
      if (s.x_col[c][k][o] >= 0 && k + s.options[c][k][o].span() > j) {
        out.push_back(s.x_col[c][k][o]);
      }
    }
  }
  return out;
}

// A lower bound on the objective (cheapest tiling of each CNN by option
// costs, ignoring transfers between layers and capacity), only to choose
// objective_scale.
double LowerBound(const CostModel& model, const SplitMilp& s, const Builder& b) {
  std::vector<double> totals;
  for (int c = 0; c < model.num_cnns(); ++c) {
    const int m = model.num_layers(c);
    std::vector<double> best(m + 1, kInf);
    best[0] = 0;
    for (int j = 0; j < m; ++j) {
      if (!std::isfinite(best[j])) continue;
      for (size_t o = 0; o < s.options[c][j].size(); ++o) {
        const int col = s.x_col[c][j][o];
        const int end = j + s.options[c][j][o].span();
        if (col < 0 || end > m) continue;
        best[end] = std::min(best[end], best[j] + b.seconds[col]);
      }
    }
    totals.push_back(best[m]);
  }
  return CombineObjective(model.problem().objective, totals);
}

// One capacity row (if it can bind): sum of coefficient x <= limit,
// normalised by the limit when it is positive; `slack` relative.
void AddCapacityRow(MilpModel& milp, RowEntries entries, double limit, double slack) {
  double total = 0;
  for (const auto& [col, value] : entries) total += value;
  if (total <= limit) return;
  if (limit > 0) {
    for (auto& entry : entries) entry.second /= limit;
    AddRow(milp, std::move(entries), -kInf, 1 + slack);
  } else {
    AddRow(milp, std::move(entries), -kInf, limit);
  }
}

}  // namespace

SplitMilp BuildSplitMilp(const CostModel& model) {
  const Problem& problem = model.problem();
  const int n = model.num_units();
  const int num_cnns = model.num_cnns();
  SplitMilp s;
  MilpModel& milp = s.milp;
  Builder b{milp, {}, {}};

  // x: one binary per option whose cost is finite.
  s.options.resize(num_cnns);
  s.x_col.resize(num_cnns);
  for (int c = 0; c < num_cnns; ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      s.options[c].push_back(LayerOptions(model, c, j, InSharedGroup(problem, c, j), true));
      std::vector<int>& cols = s.x_col[c].emplace_back();
      for (const LayerOption& o : s.options[c][j]) {
        const double cost = OptionSeconds(model, c, j, o);
        cols.push_back(std::isfinite(cost) ? b.AddColumn(0, 1, true, c, cost) : -1);
      }
    }
  }
  for (int c = 0; c < num_cnns; ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      const bool covered = !Covering(s, c, j).empty();
      if (!covered) {
        milp.infeasible_reason = "layer " + problem.LayerName({c, j}) +
                                 " has no placement: it fits on no unit whole (memory, max_mults "
                                 "or reachability of its source and sink) and cannot be split";
        return s;
      }
    }
  }

  // f: from the unit holding layer j's output to the input group chosen at j+1.
  for (int c = 0; c < num_cnns; ++c) {
    for (int j = 0; j + 1 < model.num_layers(c); ++j) {
      SplitFlowBlock block;
      block.cnn = c;
      block.layer = j;
      for (const auto& [first, o] : EndingAt(s, c, j)) {
        block.from_units.push_back(s.options[c][first][o].output_unit);
      }
      std::sort(block.from_units.begin(), block.from_units.end());
      block.from_units.erase(std::unique(block.from_units.begin(), block.from_units.end()),
                             block.from_units.end());
      std::map<std::vector<std::pair<int, double>>, int> group_of;
      for (int o = 0; o < static_cast<int>(s.options[c][j + 1].size()); ++o) {
        if (s.x_col[c][j + 1][o] < 0) continue;
        const auto [it, added] =
            group_of.emplace(s.options[c][j + 1][o].inputs, static_cast<int>(block.groups.size()));
        if (added) block.groups.emplace_back();
        block.groups[it->second].push_back(o);
      }
      block.first_col = milp.num_cols();
      for (int from : block.from_units) {
        for (const std::vector<int>& group : block.groups) {
          const double cost = InputSeconds(model, s.options[c][j + 1][group[0]], from);
          const bool finite = std::isfinite(cost);
          b.AddColumn(0, finite ? 1 : 0, false, c, finite ? cost : 0);
        }
      }
      s.flows.push_back(std::move(block));
    }
  }
  const bool is_max = problem.objective == Objective::kMax;
  if (is_max) milp.z_col = b.AddColumn(0, kInf, false, -1, 0);

  // Scale so that the objective is of order 1e3 (as milp_model.cc).
  double max_coef = 0;
  for (double cost : b.seconds) max_coef = std::max(max_coef, cost);
  const double lower_bound = LowerBound(model, s, b);
  milp.objective_scale = ObjectiveScale(lower_bound, max_coef);
  const double scale = milp.objective_scale;
  std::vector<RowEntries> cnn_cost(num_cnns);  // kMax: t_c as row entries
  for (int col = 0; col < milp.num_cols(); ++col) {
    if (b.cnn[col] < 0 || b.seconds[col] == 0) continue;
    if (is_max) {
      cnn_cost[b.cnn[col]].emplace_back(col, scale * b.seconds[col]);
    } else {
      milp.objective[col] = scale * b.seconds[col];
    }
  }
  if (is_max) milp.objective[milp.z_col] = 1;

  // Each layer covered by exactly one chosen option.
  for (int c = 0; c < num_cnns; ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      RowEntries row;
      for (int col : Covering(s, c, j)) row.emplace_back(col, 1.0);
      AddRow(milp, std::move(row), 1, 1);
    }
  }

  // Flow conservation: out of each output unit, into each input group.
  for (const SplitFlowBlock& block : s.flows) {
    const int c = block.cnn;
    const int width = static_cast<int>(block.groups.size());
    const std::vector<std::pair<int, int>> ending = EndingAt(s, c, block.layer);
    for (int a = 0; a < static_cast<int>(block.from_units.size()); ++a) {
      RowEntries row;
      for (int g = 0; g < width; ++g) row.emplace_back(block.first_col + a * width + g, 1.0);
      for (const auto& [first, o] : ending) {
        if (s.options[c][first][o].output_unit == block.from_units[a]) {
          row.emplace_back(s.x_col[c][first][o], -1.0);
        }
      }
      AddRow(milp, std::move(row), 0, 0);
    }
    for (int g = 0; g < width; ++g) {
      RowEntries row;
      for (int a = 0; a < static_cast<int>(block.from_units.size()); ++a) {
        row.emplace_back(block.first_col + a * width + g, 1.0);
      }
      for (int o : block.groups[g]) row.emplace_back(s.x_col[c][block.layer + 1][o], -1.0);
      AddRow(milp, std::move(row), 0, 0);
    }
  }

  // Shared groups: every member on the first member's unit (whole options only).
  auto whole_cols = [&](const LayerRef& r) {
    std::vector<int> cols(n, -1);
    for (size_t o = 0; o < s.options[r.cnn][r.layer].size(); ++o) {
      const LayerOption& opt = s.options[r.cnn][r.layer][o];
      DISTCNN_CHECK(opt.span() == 1 && opt.placements[0].kind == PartitionKind::kWhole);
      cols[opt.placements[0].parts[0].unit] = s.x_col[r.cnn][r.layer][o];
    }
    return cols;
  };
  for (const auto& group : problem.shared) {
    const std::vector<int> first = whole_cols(group[0]);
    for (size_t k = 1; k < group.size(); ++k) {
      const std::vector<int> member = whole_cols(group[k]);
      for (int u = 0; u < n; ++u) {
        if (first[u] >= 0 && member[u] >= 0) {
          AddRow(milp, {{first[u], 1.0}, {member[u], -1.0}}, 0, 0);
        } else if (first[u] >= 0) {
          milp.col_ub[first[u]] = 0;
        } else if (member[u] >= 0) {
          milp.col_ub[member[u]] = 0;
        }
      }
    }
  }

  // Capacity per unit; a shared group counts once, with its first layer.
  std::vector<RowEntries> items_row(n), memory_row(n), mults_row(n);
  for (int c = 0; c < num_cnns; ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      if (!(model.items()[model.ItemOf(c, j)].layers[0] == LayerRef{c, j})) continue;
      for (size_t o = 0; o < s.options[c][j].size(); ++o) {
        const int col = s.x_col[c][j][o];
        if (col < 0) continue;
        for (const UnitUse& use : s.options[c][j][o].uses) {
          if (use.items != 0) items_row[use.unit].emplace_back(col, use.items);
          if (use.memory_bytes != 0) {
            memory_row[use.unit].emplace_back(col, static_cast<double>(use.memory_bytes));
          }
          if (use.mults != 0) mults_row[use.unit].emplace_back(col, use.mults);
        }
      }
    }
  }
  for (int u = 0; u < n; ++u) {
    const DeviceType& type = problem.system.units[u].type;
    if (problem.max_layers_per_unit > 0) {
      // Integral counts: no normalisation.
      double total = 0;
      for (const auto& entry : items_row[u]) total += entry.second;
      if (total > model.layer_limit()) {
        AddRow(milp, std::move(items_row[u]), -kInf, model.layer_limit());
      }
    }
    AddCapacityRow(milp, std::move(memory_row[u]), static_cast<double>(type.memory_bytes), 0);
    if (std::isfinite(type.max_mults)) {
      // ExceededLimits' relative slack on mults.
      AddCapacityRow(milp, std::move(mults_row[u]), type.max_mults, 1e-12);
    }
  }

  // kMax: t_c - z <= 0.
  if (is_max) {
    for (int c = 0; c < num_cnns; ++c) {
      RowEntries row = std::move(cnn_cost[c]);
      row.emplace_back(milp.z_col, -1.0);
      AddRow(milp, std::move(row), -kInf, 0);
    }
  }
  return s;
}

Result<std::vector<std::vector<Placement>>> PlacementsFromColumns(
    const CostModel& model, const SplitMilp& s, const std::vector<double>& values) {
  std::vector<std::vector<Placement>> layers(model.num_cnns());
  for (int c = 0; c < model.num_cnns(); ++c) {
    const int m = model.num_layers(c);
    for (int j = 0; j < m;) {
      int best = -1;
      double best_value = -kInf;
      for (size_t o = 0; o < s.options[c][j].size(); ++o) {
        const int col = s.x_col[c][j][o];
        if (col >= 0 && j + s.options[c][j][o].span() <= m && values[col] > best_value) {
          best_value = values[col];
          best = static_cast<int>(o);
        }
      }
      if (best < 0) {
        return InternalError("split MILP: no option for layer " +
                             model.problem().LayerName({c, j}) +
                             " after the options chosen before");
      }
      for (const Placement& p : s.options[c][j][best].placements) layers[c].push_back(p);
      j += s.options[c][j][best].span();
    }
  }
  return layers;
}

Result<std::vector<double>> ColumnsFromPlacements(
    const CostModel& model, const SplitMilp& s, const std::vector<std::vector<Placement>>& layers) {
  std::vector<double> values(s.milp.num_cols(), 0.0);
  if (static_cast<int>(layers.size()) != model.num_cnns()) {
    return InvalidArgument("placements: wrong number of CNNs");
  }
  // chosen[c][j]: the option chosen at layer j, or -1 (inside a fused pair).
  std::vector<std::vector<int>> chosen(model.num_cnns());
  for (int c = 0; c < model.num_cnns(); ++c) {
    const int m = model.num_layers(c);
    if (static_cast<int>(layers[c].size()) != m) {
      return InvalidArgument("placements: wrong number of layers");
    }
    chosen[c].assign(m, -1);
    for (int j = 0; j < m;) {
      int found = -1;
      for (size_t o = 0; o < s.options[c][j].size() && found < 0; ++o) {
        const LayerOption& opt = s.options[c][j][o];
        if (s.x_col[c][j][o] < 0 || j + opt.span() > m) continue;
        if (std::equal(opt.placements.begin(), opt.placements.end(), layers[c].begin() + j)) {
          found = static_cast<int>(o);
        }
      }
      if (found < 0) {
        return InvalidArgument("placements: layer " + model.problem().LayerName({c, j}) +
                               " is placed in no way the MILP offers");
      }
      chosen[c][j] = found;
      values[s.x_col[c][j][found]] = 1;
      j += s.options[c][j][found].span();
    }
  }
  for (const SplitFlowBlock& block : s.flows) {
    const int c = block.cnn;
    const int j = block.layer;
    const int next = chosen[c][j + 1];
    if (next < 0) continue;  // j and j + 1 are one fused option
    const int end = chosen[c][j] >= 0 ? j : j - 1;
    const int from = s.options[c][end][chosen[c][end]].output_unit;
    const auto a = std::find(block.from_units.begin(), block.from_units.end(), from);
    DISTCNN_CHECK(a != block.from_units.end());
    size_t g = 0;
    while (std::find(block.groups[g].begin(), block.groups[g].end(), next) ==
           block.groups[g].end()) {
      ++g;
      DISTCNN_CHECK(g < block.groups.size());
    }
    values[block.first_col + (a - block.from_units.begin()) * block.groups.size() + g] = 1;
  }
  SetMaxColumn(s.milp, values);
  return values;
}

}  // namespace distcnn

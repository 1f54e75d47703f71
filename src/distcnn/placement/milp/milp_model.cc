#include "distcnn/placement/milp/milp_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "distcnn/base/status.h"

namespace distcnn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int AddColumn(MilpModel& milp, double lb, double ub, bool integer) {
  milp.col_lb.push_back(lb);
  milp.col_ub.push_back(ub);
  milp.objective.push_back(0);
  milp.is_integer.push_back(integer ? 1 : 0);
  return milp.num_cols() - 1;
}

// Seconds of layer j of `cnn` on `unit` that do not depend on other layers:
// source transfer (first layer), processing and the exit to the sink.
double LocalCost(const CostModel& model, int cnn, int j, int unit) {
  double cost = model.ProcessingTime(cnn, j, unit) +
                HopSeconds(model.SinkCoef(cnn, j), model.SinkHops(cnn, unit));
  if (j == 0) cost += HopSeconds(model.SourceCoef(cnn), model.SourceHops(cnn, unit));
  return cost;
}

// A cheap lower bound on the objective (ignores links and capacity) used only
// to choose objective_scale.
double LowerBound(const CostModel& model, const MilpModel& milp) {
  std::vector<double> totals;
  for (int c = 0; c < model.num_cnns(); ++c) {
    double total = 0;
    for (int j = 0; j < model.num_layers(c); ++j) {
      double best = kInf;
      for (int u = 0; u < model.num_units(); ++u) {
        if (milp.x_col[model.ItemOf(c, j)][u] >= 0)
          best = std::min(best, LocalCost(model, c, j, u));
      }
      total += best;
    }
    totals.push_back(total);
  }
  return CombineObjective(model.problem().objective, totals);
}

}  // namespace

double ObjectiveScale(double lower_bound, double max_coef) {
  if (lower_bound > 0 && std::isfinite(lower_bound)) {
    const double scale = 1e3 / lower_bound;
    return max_coef > 0 ? std::min(scale, 1e7 / max_coef) : scale;
  }
  return max_coef > 0 ? 1e3 / max_coef : 1.0;
}

void AddRow(MilpModel& milp, RowEntries entries, double lb, double ub) {
  std::sort(entries.begin(), entries.end());
  for (size_t e = 0; e < entries.size();) {
    const int col = entries[e].first;
    double value = 0;
    for (; e < entries.size() && entries[e].first == col; ++e) value += entries[e].second;
    if (value != 0) {
      milp.row_col.push_back(col);
      milp.row_value.push_back(value);
    }
  }
  milp.row_start.push_back(static_cast<int>(milp.row_col.size()));
  milp.row_lb.push_back(lb);
  milp.row_ub.push_back(ub);
}

MilpModel BuildMilpModel(const CostModel& model) {
  const Problem& problem = model.problem();
  const int n = model.num_units();
  const auto& items = model.items();
  const int num_items = static_cast<int>(items.size());
  MilpModel milp;

  // x[item][unit], only where the item fits.
  milp.x_col.assign(num_items, std::vector<int>(n, -1));
  for (int it = 0; it < num_items; ++it) {
    bool any = false;
    for (int u = 0; u < n; ++u) {
      if (!model.ItemFits(it, u)) continue;
      milp.x_col[it][u] = AddColumn(milp, 0, 1, /*integer=*/true);
      any = true;
    }
    if (!any) {
      milp.infeasible_reason = "layer " + problem.LayerName(items[it].layers[0]) +
                               " fits on no unit (memory, max_mults or reachability of its "
                               "source and sink)";
      return milp;
    }
  }

  // Scale so that the objective is of order 1e3, keeping coefficients moderate.
  double max_coef = 0;
  for (int c = 0; c < model.num_cnns(); ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      for (int u = 0; u < n; ++u) {
        const double cost = LocalCost(model, c, j, u);
        if (std::isfinite(cost)) max_coef = std::max(max_coef, cost);
      }
      if (j + 1 < model.num_layers(c)) {
        max_coef = std::max(max_coef, model.LinkCoef(c, j) * std::max(1, n - 1));
      }
    }
  }
  const double lower_bound = LowerBound(model, milp);
  milp.objective_scale = ObjectiveScale(lower_bound, max_coef);
  const double scale = milp.objective_scale;
  const bool is_max = problem.objective == Objective::kMax;
  std::vector<RowEntries> cnn_cost(model.num_cnns());  // kMax: t_c as row entries
  auto add_cost = [&](int cnn, int col, double seconds) {
    if (seconds == 0) return;
    if (is_max) {
      cnn_cost[cnn].emplace_back(col, scale * seconds);
    } else {
      milp.objective[col] += scale * seconds;
    }
  };

  // Costs that depend on one layer's unit go on x.
  for (int c = 0; c < model.num_cnns(); ++c) {
    for (int j = 0; j < model.num_layers(c); ++j) {
      const std::vector<int>& cols = milp.x_col[model.ItemOf(c, j)];
      for (int u = 0; u < n; ++u) {
        if (cols[u] < 0) continue;
        const double cost = LocalCost(model, c, j, u);
        // Fitting units are eligible, so their hop counts are finite.
        DISTCNN_CHECK(std::isfinite(cost));
        add_cost(c, cols[u], cost);
      }
    }
  }

  // Flow variables between consecutive layers carry the link costs.
  for (int c = 0; c < model.num_cnns(); ++c) {
    for (int j = 0; j + 1 < model.num_layers(c); ++j) {
      FlowBlock block;
      block.cnn = c;
      block.layer = j;
      for (int u = 0; u < n; ++u) {
        if (milp.x_col[model.ItemOf(c, j)][u] >= 0) block.from_units.push_back(u);
        if (milp.x_col[model.ItemOf(c, j + 1)][u] >= 0) block.to_units.push_back(u);
      }
      block.first_col = milp.num_cols();
      for (int from : block.from_units) {
        for (int to : block.to_units) {
          const double cost = HopSeconds(model.LinkCoef(c, j), model.Hops(from, to));
          const int col = AddColumn(milp, 0, std::isfinite(cost) ? 1 : 0, /*integer=*/false);
          if (std::isfinite(cost)) add_cost(c, col, cost);
        }
      }
      milp.flows.push_back(std::move(block));
    }
  }
  if (is_max) {
    milp.z_col = AddColumn(milp, 0, kInf, /*integer=*/false);
    milp.objective[milp.z_col] = 1;
  }

  // Each item on exactly one unit.
  for (int it = 0; it < num_items; ++it) {
    RowEntries row;
    for (int u = 0; u < n; ++u) {
      if (milp.x_col[it][u] >= 0) row.emplace_back(milp.x_col[it][u], 1.0);
    }
    AddRow(milp, std::move(row), 1, 1);
  }

  // Flow conservation: out of (c, j, i) equals a(c, j, i); into (c, j+1, k)
  // equals a(c, j+1, k).
  for (const FlowBlock& block : milp.flows) {
    const int width = static_cast<int>(block.to_units.size());
    const auto& from_x = milp.x_col[model.ItemOf(block.cnn, block.layer)];
    const auto& to_x = milp.x_col[model.ItemOf(block.cnn, block.layer + 1)];
    for (int a = 0; a < static_cast<int>(block.from_units.size()); ++a) {
      RowEntries row;
      for (int b = 0; b < width; ++b) row.emplace_back(block.first_col + a * width + b, 1.0);
      row.emplace_back(from_x[block.from_units[a]], -1.0);
      AddRow(milp, std::move(row), 0, 0);
    }
    for (int b = 0; b < width; ++b) {
      RowEntries row;
      for (int a = 0; a < static_cast<int>(block.from_units.size()); ++a) {
        row.emplace_back(block.first_col + a * width + b, 1.0);
      }
      row.emplace_back(to_x[block.to_units[b]], -1.0);
      AddRow(milp, std::move(row), 0, 0);
    }
  }

  // Capacity per unit; rows are normalised by the unit's limit.
  for (int u = 0; u < n; ++u) {
    const DeviceType& type = problem.system.units[u].type;
    RowEntries count_row, memory_row, mults_row;
    int64_t memory_total = 0;
    double mults_total = 0;
    for (int it = 0; it < num_items; ++it) {
      const int col = milp.x_col[it][u];
      if (col < 0) continue;
      count_row.emplace_back(col, 1.0);
      memory_total += items[it].memory_bytes;
      mults_total += items[it].mults;
      if (items[it].memory_bytes > 0) {
        memory_row.emplace_back(col, static_cast<double>(items[it].memory_bytes) /
                                         static_cast<double>(type.memory_bytes));
      }
      if (items[it].mults > 0 && std::isfinite(type.max_mults)) {
        mults_row.emplace_back(col, items[it].mults / type.max_mults);
      }
    }
    if (static_cast<int>(count_row.size()) > model.layer_limit()) {
      AddRow(milp, std::move(count_row), -kInf, model.layer_limit());
    }
    if (memory_total > type.memory_bytes) AddRow(milp, std::move(memory_row), -kInf, 1);
    if (std::isfinite(type.max_mults) && mults_total > type.max_mults) {
      AddRow(milp, std::move(mults_row), -kInf, 1);
    }
  }

  // kMax: t_c - z <= 0.
  if (is_max) {
    for (int c = 0; c < model.num_cnns(); ++c) {
      RowEntries row = std::move(cnn_cost[c]);
      row.emplace_back(milp.z_col, -1.0);
      AddRow(milp, std::move(row), -kInf, 0);
    }
  }
  return milp;
}

Assignment AssignmentFromColumns(const CostModel& model, const MilpModel& milp,
                                 const std::vector<double>& values) {
  Assignment assignment;
  for (int c = 0; c < model.num_cnns(); ++c) assignment.unit.emplace_back(model.num_layers(c), 0);
  for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
    int best_unit = -1;
    double best_value = -kInf;
    for (int u = 0; u < model.num_units(); ++u) {
      const int col = milp.x_col[it][u];
      if (col >= 0 && values[col] > best_value) {
        best_value = values[col];
        best_unit = u;
      }
    }
    for (const LayerRef& r : model.items()[it].layers) assignment.unit[r.cnn][r.layer] = best_unit;
  }
  return assignment;
}

std::vector<double> ColumnsFromAssignment(const CostModel& model, const MilpModel& milp,
                                          const Assignment& assignment) {
  std::vector<double> values(milp.num_cols(), 0.0);
  for (int it = 0; it < static_cast<int>(model.items().size()); ++it) {
    const LayerRef& r = model.items()[it].layers[0];
    const int col = milp.x_col[it][assignment.unit[r.cnn][r.layer]];
    DISTCNN_CHECK(col >= 0);
    values[col] = 1;
  }
  for (const FlowBlock& block : milp.flows) {
    const int from = assignment.unit[block.cnn][block.layer];
    const int to = assignment.unit[block.cnn][block.layer + 1];
    const auto a = std::find(block.from_units.begin(), block.from_units.end(), from);
    const auto b = std::find(block.to_units.begin(), block.to_units.end(), to);
    DISTCNN_CHECK(a != block.from_units.end() && b != block.to_units.end());
    values[block.first_col + (a - block.from_units.begin()) * block.to_units.size() +
           (b - block.to_units.begin())] = 1;
  }
  SetMaxColumn(milp, values);
  return values;
}

void SetMaxColumn(const MilpModel& milp, std::vector<double>& values) {
  if (milp.z_col < 0) return;
  double z = 0;
  for (int r = 0; r < milp.num_rows(); ++r) {
    // kMax rows are the only ones with z; t_c = row activity without z.
    double activity = 0;
    bool has_z = false;
    for (int e = milp.row_start[r]; e < milp.row_start[r + 1]; ++e) {
      if (milp.row_col[e] == milp.z_col) {
        has_z = true;
      } else {
        activity += milp.row_value[e] * values[milp.row_col[e]];
      }
    }
    if (has_z) z = std::max(z, activity);
  }
  values[milp.z_col] = z;
}

}  // namespace distcnn

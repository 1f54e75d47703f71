// MilpModel: the placement problem of a CostModel as a mixed-integer linear
// program held in plain arrays (no solver headers), so the formulation can be
// built and checked without CBC. Binaries x[item][unit] place capacity items;
// continuous flows y[c][j][i][k] in [0, 1] linearise consecutive layers (the
// strong "flow" form: sum_k y = a(c,j,i) and sum_i y = a(c,j+1,k)); kMax adds
// a continuous z >= t_c. All costs are multiplied by objective_scale.
// Plain value type; safe to share between threads once built.
#pragma once

#include <string>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/evaluator.h"

namespace distcnn {

// The flow variables between layer j and layer j+1 of one CNN: the column of
// y(from_units[a] -> to_units[b]) is first_col + a * to_units.size() + b.
struct FlowBlock {
  int cnn = 0;
  int layer = 0;  // j; the block links j and j+1
  std::vector<int> from_units;
  std::vector<int> to_units;
  int first_col = 0;
};

struct MilpModel {
  // Columns (variables).
  std::vector<double> col_lb;
  std::vector<double> col_ub;
  std::vector<double> objective;  // minimised; seconds times objective_scale
  std::vector<char> is_integer;
  // Rows in compressed sparse row form: row r has entries
  // [row_start[r], row_start[r + 1]) of row_col / row_value.
  std::vector<int> row_start{0};
  std::vector<int> row_col;
  std::vector<double> row_value;
  std::vector<double> row_lb;
  std::vector<double> row_ub;

  // x_col[item][unit]: column of x, or -1 when the item cannot sit on the unit.
  std::vector<std::vector<int>> x_col;
  std::vector<FlowBlock> flows;
  int z_col = -1;  // kMax only
  // Model objective = objective_scale * latency in seconds (keeps CBC's absolute
  // tolerances small relative to the objective).
  double objective_scale = 1;
  // Non-empty when the instance is trivially infeasible (an item fits on no
  // unit); the arrays are then incomplete and must not be solved.
  std::string infeasible_reason;

  int num_cols() const { return static_cast<int>(col_lb.size()); }
  int num_rows() const { return static_cast<int>(row_lb.size()); }
};

// Row entries (column, coefficient) for AddRow.
using RowEntries = std::vector<std::pair<int, double>>;

// Appends a row lb <= sum <= ub, merging repeated columns and dropping zero
// coefficients.
void AddRow(MilpModel& milp, RowEntries entries, double lb, double ub);

// The objective's scale: about 1e3 at `lower_bound` (a lower bound on the
// objective in seconds, when positive and finite), no coefficient above 1e7
// (`max_coef`, the largest cost in seconds); 1 when both are unknown.
double ObjectiveScale(double lower_bound, double max_coef);

// Builds the MILP of `model`. Capacity rows that cannot bind (everything that
// fits on a unit also fits together) are left out.
MilpModel BuildMilpModel(const CostModel& model);

// Reads an assignment back from column values: each item goes to the unit
// whose x is largest.
Assignment AssignmentFromColumns(const CostModel& model, const MilpModel& milp,
                                 const std::vector<double>& values);

// The column values that represent `assignment` (x, y and, for kMax, z).
// Used by tests to check the formulation against the evaluator. Requires every
// layer on a unit where its item has a column.
std::vector<double> ColumnsFromAssignment(const CostModel& model, const MilpModel& milp,
                                          const Assignment& assignment);

// Sets the kMax column z (if any) of `values` to the largest CNN latency the
// other columns give.
void SetMaxColumn(const MilpModel& milp, std::vector<double>& values);

}  // namespace distcnn

// SplitMilp: the placement problem with partitioning on (docs/cost-model.md,
// "The plan space") as a MILP in MilpModel's plain arrays, over the options
// LayerOptions enumerates (the only source of options and their costs). It is
// exact: every integer solution is a plan of the space, priced as the
// evaluator prices it, and every such plan is an integer solution.
// Plain value type; safe to share between threads once built.
//
// Columns (costs in seconds, times milp.objective_scale):
//   x[c][j][o]  binary: option o of layer j of CNN c is chosen (a fused option
//               covers j and j+1). Cost fixed_s, plus for j = 0 the input from
//               the CNN's source vertex, InputSeconds(o, source), a constant.
//   f[c][j][a][g] in [0, 1]: layer j's output is whole on unit from_units[a]
//               and the option chosen at j+1 is in group g (options with
//               identical `inputs`, hence the same InputSeconds from any
//               vertex). Cost InputSeconds(group g, from_units[a]).
//   z           kMax only: z >= each CNN's latency; the objective.
// Rows:
//   cover(c, j): sum_o x[c][j][o] + sum_{fused o at j-1} x[c][j-1][o] = 1.
//   out(c, j, a): sum_g f[a][g] = sum of x of the options whose last covered
//                layer is j and whose output_unit is from_units[a].
//   in(c, j, g): sum_a f[a][g] = sum of x of the options at j+1 in group g.
//   shared:      every member of a shared group (whole options only) is on
//                the first member's unit: x[member][u] = x[first][u].
//   capacity(u): sum over options of their UnitUse on u: items <= L,
//                memory_bytes, mults <= max_mults (the last two normalised by
//                the limit); a shared group counts once, with its first layer.
//   kMax:        t_c - z <= 0.
// Why exact: cover makes the chosen options tile each CNN's layers, so one
// option ends at j and one starts at j+1 (or none of either, inside a fused
// pair). out/in are then a transportation problem with one unit of supply at
// the unit v holding j's output and one unit of demand at the group of the
// option chosen at j+1; its only solution puts f = 1 on that pair, so the
// input cost charged is exactly that option's InputSeconds from v. This is
// the full linearisation of the products x x' (the strongest relaxation).
// Grouping by `inputs` keeps it small: out_channels and fused options of the
// same units share a group whatever their shares and merge unit. (A weaker
// form per receiver unit was tried: far fewer f columns, but CBC could not
// close the gap on examples/split-alexnet-orangepi.yaml in 100 s, which this
// form solves in 3 s.)
#pragma once

#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/layer_options.h"
#include "distcnn/placement/milp/milp_model.h"
#include "distcnn/placement/plan.h"

namespace distcnn {

// The f columns between layer j and layer j+1 of one CNN: the column of
// f(from_units[a] -> groups[g]) is first_col + a * groups.size() + g.
struct SplitFlowBlock {
  int cnn = 0;
  int layer = 0;                         // j; the block links j's output and j+1's options
  std::vector<int> from_units;           // output units of the options ending at j
  std::vector<std::vector<int>> groups;  // option indices at j+1 with identical inputs
  int first_col = 0;
};

struct SplitMilp {
  // The arrays, objective_scale, z_col and infeasible_reason; its x_col and
  // flows (the whole-layer form's) stay empty.
  MilpModel milp;
  // options[c][j]: LayerOptions(model, c, j, InSharedGroup(...), true).
  std::vector<std::vector<std::vector<LayerOption>>> options;
  // x_col[c][j][o]: column of options[c][j][o], or -1 when it cannot be
  // chosen (an infinite cost: a receiver unreachable from the source).
  std::vector<std::vector<std::vector<int>>> x_col;
  std::vector<SplitFlowBlock> flows;
};

// Builds the MILP of `model`, whose problem has partitioning on. When some
// layer has no option (it fits nowhere whole and cannot be split),
// milp.infeasible_reason names it and the arrays are incomplete.
SplitMilp BuildSplitMilp(const CostModel& model);

// Reads the placements back from column values: walking each CNN from its
// first layer, the option with the largest x at the layer reached. Errors
// (kInternal): a layer reached that has no column.
Result<std::vector<std::vector<Placement>>> PlacementsFromColumns(
    const CostModel& model, const SplitMilp& split, const std::vector<double>& values);

// The column values that represent `layers` (x, f and, for kMax, z); for
// tests that check the formulation against the evaluator. Errors
// (kInvalidArgument): a placement that is no option with a column.
Result<std::vector<double>> ColumnsFromPlacements(
    const CostModel& model, const SplitMilp& split,
    const std::vector<std::vector<Placement>>& layers);

}  // namespace distcnn

// The evaluator: the single source of truth for the latency and feasibility of
// an assignment. Solvers may use faster incremental forms internally, but every
// plan they return is re-evaluated here, and tests compare solvers through it.
#pragma once

#include <string>
#include <vector>

#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/plan.h"

namespace distcnn {

struct CnnLatency {
  double source_s = 0;      // t_s
  double links_s = 0;       // t_l
  double processing_s = 0;  // t_p
  double sink_s = 0;        // t_f
  // Split layers (docs/cost-model.md): airtime into their parts, and from the
  // parts to the merge unit; both zero for a plan without splits.
  double scatter_s = 0;
  double gather_s = 0;
  double transmission_s() const { return source_s + links_s + sink_s + scatter_s + gather_s; }
  double total_s() const { return transmission_s() + processing_s; }
};

// What one unit holds under an assignment.
struct UnitLoad {
  std::vector<LayerRef> layers;  // every layer it runs
  int items = 0;                 // layers counted toward L (a shared group once)
  int64_t memory_bytes = 0;
  double mults = 0;
};

struct Evaluation {
  std::vector<CnnLatency> cnns;
  double objective_s = 0;  // sum or max of the CNNs' totals, per Problem::objective
  std::vector<UnitLoad> loads;
  std::vector<std::string> violations;  // empty iff the assignment is feasible
  bool feasible() const { return violations.empty(); }
};

// Evaluates any assignment; malformed ones (wrong sizes, bad unit indices) are
// reported as violations, never crash. Latencies of unreachable transfers are +inf.
Evaluation Evaluate(const CostModel& model, const Assignment& assignment);
// Evaluates a plan (made for model.problem()). A plan without splits goes
// through the assignment form above, so its figures are exactly today's.
Evaluation Evaluate(const CostModel& model, const Plan& plan);
// The general form, for any plan: whole layers priced with the same
// coefficients as the assignment form, split layers by docs/cost-model.md.
// Tests check it against the assignment form on plans without splits.
Evaluation EvaluateGeneral(const CostModel& model, const Plan& plan);

// Combines per-CNN totals into the objective (sum or max).
double CombineObjective(Objective objective, const std::vector<double>& cnn_totals_s);

}  // namespace distcnn

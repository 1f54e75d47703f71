#include "distcnn/cli/plan_command.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "distcnn/cli/exit_status.h"
#include "distcnn/cli/output_paths.h"
#include "distcnn/placement/infeasibility.h"
#include "distcnn/placement/solver.h"
#include "distcnn/report/plan_json.h"
#include "distcnn/report/plan_svg.h"
#include "distcnn/report/plan_text.h"
#include "distcnn/scenario/scenario_loader.h"
#include "distcnn/sim/default_scenario.h"

namespace distcnn {

namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return IoError(path + ": cannot write");
  return Status::Ok();
}

Result<Problem> LoadProblem(const PlanFlags& flags) {
  if (flags.scenario_path.empty()) {
    std::cerr << "no scenario given: planning the built-in default (seed " << flags.default_seed
              << ")\n";
    return DefaultProblem(flags.default_seed);
  }
  ASSIGN_OR_RETURN(Scenario scenario, LoadScenarioFile(flags.scenario_path));
  return std::move(scenario.problem);
}

// One stderr line per report of a long solve.
void PrintProgress(const SolveProgress& p) {
  if (std::isfinite(p.best_s)) {
    const double gap = p.best_s > 0 ? (p.best_s - p.bound_s) / p.best_s : 0;
    std::fprintf(stderr,
                 "  %6.1f s: %lld nodes, best %.6g s, bound %.6g s, gap %.2f %%, %lld open\n",
                 p.elapsed_s, static_cast<long long>(p.nodes), p.best_s, p.bound_s, 100 * gap,
                 static_cast<long long>(p.open_nodes));
  } else {
    std::fprintf(stderr, "  %6.1f s: %lld nodes, no plan yet, bound %.6g s, %lld open\n",
                 p.elapsed_s, static_cast<long long>(p.nodes), p.bound_s,
                 static_cast<long long>(p.open_nodes));
  }
}

}  // namespace

int RunPlanCommand(const PlanFlags& flags) {
  Result<Problem> problem = LoadProblem(flags);
  if (!problem.ok()) return Fail(problem.status());
  if (Status s = ValidateProblem(*problem); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Solver>> solver = MakeSolver(flags.solver);
  if (!solver.ok()) return Fail(solver.status());
  if (!(flags.time_limit_s > 0)) return Fail(InvalidArgument("--time-limit must be > 0"));
  // Outputs are checked before the solver runs.
  if (!flags.json_path.empty() && flags.json_path != "-") {
    if (Status s = CheckOutputFile("--json", flags.json_path); !s.ok()) return Fail(s);
  }
  if (!flags.svg_path.empty()) {
    if (Status s = CheckOutputFile("--svg", flags.svg_path); !s.ok()) return Fail(s);
  }

  const CostModel model(*problem);
  std::fprintf(stderr, "planning %zu CNN(s), %zu layer item(s) on %d units with solver '%s'%s\n",
               problem->cnns.size(), model.items().size(), problem->num_units(),
               flags.solver.c_str(),
               std::isfinite(flags.time_limit_s)
                   ? (" (time limit " + std::to_string(flags.time_limit_s) + " s)").c_str()
                   : "");
  SolveOptions options;
  options.time_limit_s = flags.time_limit_s;
  options.progress = PrintProgress;
  const SolveResult result = (*solver)->Solve(model, options);
  const std::string reason =
      result.status == SolveStatus::kInfeasible ? ExplainInfeasibility(model) : std::string();

  const std::string text = PlanText(model, result, reason);
  (flags.json_path == "-" ? std::cerr : std::cout) << text;
  if (!flags.json_path.empty()) {
    const std::string json = PlanJson(model, result, reason);
    if (flags.json_path == "-") {
      std::cout << json << "\n";
    } else if (Status s = WriteFile(flags.json_path, json + "\n"); !s.ok()) {
      return Fail(s);
    }
  }
  if (!flags.svg_path.empty()) {
    if (Status s = WriteFile(flags.svg_path, PlanSvg(model, result)); !s.ok()) return Fail(s);
    std::cerr << "wrote " << flags.svg_path << "\n";
  }
  switch (result.status) {
    case SolveStatus::kOptimal:
    case SolveStatus::kFeasible:
      return kExitOk;
    case SolveStatus::kInfeasible:
      return kExitInfeasible;
    case SolveStatus::kNoSolution:
      return kExitNoPlan;
  }
  return kExitNoPlan;
}

}  // namespace distcnn

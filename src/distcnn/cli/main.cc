// The `distcnn` command: parses flags and calls the libraries. Exit statuses:
// 0 success, 1 bad input or runtime failure, 2 infeasible plan, 3 no plan in time.
#include <CLI/CLI.hpp>
#include <iostream>

#include "distcnn/cli/plan_command.h"

int main(int argc, char** argv) {
  CLI::App app{"distcnn: plan and run CNNs distributed over IoT units"};
  app.require_subcommand(1);

  distcnn::PlanFlags plan;
  CLI::App* plan_cmd =
      app.add_subcommand("plan", "Place the layers of the scenario's CNNs on its units");
  plan_cmd->add_option("scenario", plan.scenario_path,
                       "Scenario file (YAML or JSON); omitted: the built-in default scenario");
  plan_cmd->add_option("--seed", plan.default_seed,
                       "Seed of the built-in default scenario's random system");
  plan_cmd->add_option("--solver", plan.solver, "exact (default), milp (CBC) or brute")
      ->check(CLI::IsMember({"exact", "milp", "brute"}));
  plan_cmd->add_option("--time-limit", plan.time_limit_s, "Solver time limit in seconds");
  plan_cmd->add_option("--json", plan.json_path, "Write the JSON plan to PATH ('-': stdout)");
  plan_cmd->add_option("--svg", plan.svg_path, "Draw the plan as SVG to PATH");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  if (plan_cmd->parsed()) return distcnn::RunPlanCommand(plan);
  return 1;
}

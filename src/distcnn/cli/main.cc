// The `distcnn` command: parses flags and calls the libraries. Exit statuses:
// 0 success, 1 bad input or runtime failure, 2 infeasible plan, 3 no plan in time.
#include <CLI/CLI.hpp>
#include <iostream>

#include "distcnn/cli/infer_command.h"
#include "distcnn/cli/plan_command.h"
#include "distcnn/cli/profile_command.h"
#include "distcnn/cli/sweep_command.h"
#include "distcnn/cli/zoo_command.h"

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

  distcnn::SweepFlags sweep;
  CLI::App* sweep_cmd =
      app.add_subcommand("sweep", "Run a Monte-Carlo study of random systems (docs/sweeps.md)");
  sweep_cmd->add_option("study", sweep.study_path, "Study file (YAML)")->required();
  sweep_cmd->add_option("--out", sweep.out_dir,
                        "Directory for runs.csv, summary.csv, summary.md and charts "
                        "(default: sweep-results/STUDY-NAME)");
  sweep_cmd->add_option("--jobs", sweep.jobs, "Worker threads (default: all hardware threads)")
      ->check(CLI::PositiveNumber);
  sweep_cmd->add_option("--seed", sweep.seed, "Overrides the study's seed");
  sweep_cmd->add_option("--solver", sweep.solver, "Overrides the study's solver")
      ->check(CLI::IsMember({"exact", "milp", "brute"}));
  sweep_cmd
      ->add_option("--systems", sweep.systems,
                   "Overrides the study's number of random systems per cell")
      ->check(CLI::PositiveNumber);

  distcnn::ProfileFlags profile;
  CLI::App* profile_cmd = app.add_subcommand(
      "profile", "Per-layer weights, multiplications and output sizes of a model");
  profile_cmd->add_option("model", profile.model, "zoo:NAME or a path to an .onnx file")
      ->required();
  profile_cmd->add_option("--granularity", profile.granularity, "op, layer (default) or block")
      ->check(CLI::IsMember({"op", "layer", "block"}));
  profile_cmd->add_option("--format", profile.format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  profile_cmd->add_option("--dim", profile.dims, "NAME=SIZE for a dynamic input dimension");

  distcnn::ZooFlags zoo;
  CLI::App* zoo_cmd = app.add_subcommand("zoo", "The built-in models");
  zoo_cmd->require_subcommand(1);
  CLI::App* zoo_list_cmd = zoo_cmd->add_subcommand("list", "List the built-in models");
  CLI::App* zoo_export_cmd =
      zoo_cmd->add_subcommand("export", "Write a built-in model as an ONNX file");
  zoo_export_cmd->add_option("name", zoo.name, "Model name (see zoo list)")->required();
  zoo_export_cmd->add_option("out", zoo.out, "Output .onnx path")->required();
  zoo_export_cmd->add_option("--seed", zoo.seed, "Seed of the random weights (default 1)");

  distcnn::InferFlags infer;
  CLI::App* infer_cmd =
      app.add_subcommand("infer", "Single-process inference with the reference kernels");
  infer_cmd->add_option("model", infer.model, "zoo:NAME or a path to an .onnx file")->required();
  infer_cmd->add_option("--random-seed", infer.random_seed, "Seed of the random input (default 1)");
  infer_cmd->add_option("--top", infer.top, "Classes to print per output (default 5)")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  if (plan_cmd->parsed()) return distcnn::RunPlanCommand(plan);
  if (sweep_cmd->parsed()) return distcnn::RunSweepCommand(sweep);
  if (profile_cmd->parsed()) return distcnn::RunProfileCommand(profile);
  if (infer_cmd->parsed()) return distcnn::RunInferCommand(infer);
  if (zoo_list_cmd->parsed()) return distcnn::RunZooList();
  if (zoo_export_cmd->parsed()) return distcnn::RunZooExport(zoo);
  return 1;
}

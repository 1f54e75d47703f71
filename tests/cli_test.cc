// Runs the real `distcnn` binary on the examples (golden objectives), the bad
// scenarios (exit 1, message names file and line) and the infeasible ones
// (exit 2, reason names the binding constraint), and checks the JSON plan's
// fields against shared/spec/scenario.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.h"

namespace {

namespace fs = std::filesystem;
using distcnn::testing::CliRun;
using distcnn::testing::ReadFile;
using distcnn::testing::RunCli;
using nlohmann::json;

// The text after "# expect: " on the first line of a test scenario.
std::string Expectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  const std::string tag = "# expect: ";
  return first.rfind(tag, 0) == 0 ? first.substr(tag.size()) : std::string();
}

std::vector<fs::path> YamlFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml" || e.path().extension() == ".json") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Version 1 fields (version 2, for plans with splits, adds scatter_s and
// gather_s to the terms and a `splits` object per CNN).
void ExpectSpecFields(const json& plan) {
  const bool version_2 = plan.at("format_version") == 2;
  if (!version_2) {
    ASSERT_EQ(plan.at("format_version"), 1);
  }
  for (const char* key :
       {"status", "latency_s", "bound_s", "solver", "solve_time_s", "cnns", "units"}) {
    EXPECT_TRUE(plan.contains(key)) << key;
  }
  double sum = 0;
  for (const auto& [name, cnn] : plan.at("cnns").items()) {
    SCOPED_TRACE(name);
    for (const char* key :
         {"latency_s", "transmission_s", "processing_s", "terms", "assignment", "routes"}) {
      EXPECT_TRUE(cnn.contains(key)) << key;
    }
    const json& t = cnn.at("terms");
    double total = t.at("source_s").get<double>() + t.at("links_s").get<double>() +
                   t.at("processing_s").get<double>() + t.at("sink_s").get<double>();
    if (version_2) total += t.at("scatter_s").get<double>() + t.at("gather_s").get<double>();
    EXPECT_NEAR(total, cnn.at("latency_s").get<double>(), 1e-12 + 1e-9 * total);
    sum += total;
    for (const auto& route : cnn.at("routes")) {
      EXPECT_EQ(route.at("path").front(), route.at("from"));
      EXPECT_EQ(route.at("path").back(), route.at("to"));
    }
  }
  EXPECT_GE(plan.at("latency_s").get<double>(), plan.at("bound_s").get<double>() * (1 - 1e-9));
  if (sum > 0 && plan.at("cnns").size() == 1) {
    EXPECT_NEAR(sum, plan.at("latency_s").get<double>(), 1e-9 * sum);
  }
}

TEST(Cli, GoldenExamplesReachTheirOptimum) {
  const json golden = json::parse(ReadFile("examples/golden.json"));
  int checked = 0;
  for (const auto& [file, expected] : golden.items()) {
    const std::vector<std::string> solvers =
        expected.value("solvers", std::vector<std::string>{"exact", "milp"});
    for (const std::string& solver : solvers) {
      if (solver == "milp" && !expected.value("milp", true)) continue;
      SCOPED_TRACE(file + " with " + solver);
      CliRun run = RunCli("plan examples/" + file + " --solver " + solver + " --json -");
      ASSERT_EQ(run.exit_status, 0) << run.err;
      const json plan = json::parse(run.out);
      ExpectSpecFields(plan);
      EXPECT_EQ(plan.at("status"), "optimal");
      EXPECT_EQ(plan.at("solver"), solver);
      const double want = expected.at("latency_s").get<double>();
      EXPECT_NEAR(plan.at("latency_s").get<double>(), want, 1e-6 * want);
      ++checked;
    }
  }
  EXPECT_GE(checked, 7);
}

TEST(Cli, EveryExampleHasAGoldenValue) {
  const json golden = json::parse(ReadFile("examples/golden.json"));
  for (const fs::path& f : YamlFiles("examples")) {
    if (f.extension() != ".yaml") continue;
    EXPECT_TRUE(golden.contains(f.filename().string())) << f;
  }
}

TEST(Cli, BadScenariosExitOneNamingFileAndLine) {
  int checked = 0;
  for (const fs::path& f : YamlFiles("tests/bad_scenarios")) {
    SCOPED_TRACE(f.string());
    const std::string expect = Expectation(f);
    ASSERT_FALSE(expect.empty()) << "missing '# expect:' line";
    CliRun run = RunCli("plan " + f.string());
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.err.find(f.filename().string()), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(expect), std::string::npos) << run.err;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(Cli, InfeasibleScenariosExitTwoWithReason) {
  int checked = 0;
  for (const fs::path& f : YamlFiles("tests/infeasible_scenarios")) {
    SCOPED_TRACE(f.string());
    const std::string expect = Expectation(f);
    CliRun run = RunCli("plan " + f.string() + " --json -");
    EXPECT_EQ(run.exit_status, 2) << run.err;
    const json plan = json::parse(run.out);
    EXPECT_EQ(plan.at("status"), "infeasible");
    EXPECT_NE(plan.at("reason").get<std::string>().find(expect), std::string::npos)
        << plan.at("reason");
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(Cli, DefaultScenarioPlansAndDraws) {
  const fs::path svg = fs::temp_directory_path() / "distcnn_default_plan.svg";
  fs::remove(svg);
  CliRun run = RunCli("plan --json - --svg " + svg.string());
  ASSERT_EQ(run.exit_status, 0) << run.err;
  const json plan = json::parse(run.out);
  ExpectSpecFields(plan);
  EXPECT_EQ(plan.at("cnns").size(), 3u);
  EXPECT_EQ(plan.at("status"), "optimal");
  EXPECT_NE(ReadFile(svg).find("</svg>"), std::string::npos);
}

TEST(Cli, UnknownSolverAndMissingFileAreBadInput) {
  EXPECT_EQ(RunCli("plan examples/paper-single-cnn.yaml --solver gurobi").exit_status, 1);
  CliRun run = RunCli("plan no/such/file.yaml");
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.err.find("no/such/file.yaml"), std::string::npos);
}

// Every numeric flag is range-checked while the flags are parsed, with a
// message naming the flag, the bound and the value (issue 14), never CLI11's
// "not in range 0.000000 to 1797693..." nor a silent wrap-around of "-1".
TEST(Cli, NumericFlagsAreRangeCheckedWithReadableMessages) {
  const struct {
    const char* args;
    const char* message;
  } cases[] = {
      {"run --heartbeat-timeout 0", "--heartbeat-timeout: must be greater than 0 (got 0)"},
      {"run --heartbeat-timeout inf", "--heartbeat-timeout: must be at most 86400 (got inf)"},
      {"run --node-threads 0", "--node-threads: must be at least 1 (got 0)"},
      {"run --calibration-frames -1", "--calibration-frames: must be at least 0 (got -1)"},
      {"run --time-limit -1", "--time-limit: must be greater than 0 (got -1)"},
      {"run --frames 0", "--frames: must be at least 1 (got 0)"},
      {"run --frames abc", "--frames: expected an integer (got 'abc')"},
      {"run --warmup -1", "--warmup: must be at least 0 (got -1)"},
      {"run --in-flight 0", "--in-flight: must be at least 1 (got 0)"},
      {"run --rate -0.5", "--rate: must be at least 0 (got -0.5)"},
      {"run --input-seed -1", "--input-seed: must be at least 0 (got -1)"},
      {"run --seed 99999999999999999999", "--seed: must be at most 18446744073709551615"},
      {"infer zoo:lenet5 --threads -2", "--threads: must be at least 0 (got -2)"},
      {"infer zoo:lenet5 --repeat 0", "--repeat: must be at least 1 (got 0)"},
      {"infer zoo:lenet5 --top -1", "--top: must be at least 0 (got -1)"},
      {"infer zoo:lenet5 --random-seed -1", "--random-seed: must be at least 0 (got -1)"},
      {"plan --seed -1", "--seed: must be at least 0 (got -1)"},
      {"plan --seed 0x10", "--seed: expected an integer (got '0x10')"},
      {"plan --time-limit -1", "--time-limit: must be greater than 0 (got -1)"},
      {"plan --time-limit nan", "--time-limit: expected a number (got 'nan')"},
      {"sweep study.yaml --jobs 0", "--jobs: must be at least 1 (got 0)"},
      {"sweep study.yaml --systems 0", "--systems: must be at least 1 (got 0)"},
      {"sweep study.yaml --seed -3", "--seed: must be at least 0 (got -3)"},
      {"profile zoo:lenet5 --measure --repeat 0", "--repeat: must be at least 1 (got 0)"},
      {"profile zoo:lenet5 --threads -1", "--threads: must be at least 0 (got -1)"},
      {"profile zoo:lenet5 --dim batch=0", "--dim 'batch=0': SIZE must be at least 1 (got 0)"},
      {"zoo export lenet5 x.onnx --seed -1", "--seed: must be at least 0 (got -1)"},
      {"node --threads 0", "--threads: must be at least 1 (got 0)"},
      {"node --deploy-timeout -1", "--deploy-timeout: must be at least 0 (got -1)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const CliRun run = RunCli(c.args);
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("not in range"), std::string::npos) << run.err;
  }
  // Integers are read in decimal: "010" is ten (CLI11 alone would read octal 8).
  const CliRun decimal = RunCli("plan --seed 010 --svg /proc/no-such-dir/plan.svg");
  EXPECT_EQ(decimal.exit_status, 1);
  EXPECT_NE(decimal.err.find("built-in default (seed 10)"), std::string::npos) << decimal.err;
}

}  // namespace

namespace {

// The swarm examples need partitioning: without it, plan proves them
// infeasible (exit 2) naming the layer that fits no unit.
TEST(Cli, SwarmExamplesAreInfeasibleWithoutPartitioning) {
  const std::vector<std::pair<std::string, std::string>> swarms = {
      {"split-alexnet-orangepi.yaml", "alex.fc6"}, {"split-cnn5-stm32.yaml", "cnn5.L4"}};
  for (const auto& [file, layer] : swarms) {
    SCOPED_TRACE(file);
    std::istringstream in(ReadFile("examples/" + file));
    std::string text, line;
    while (std::getline(in, line)) {
      if (line.rfind("partitioning:", 0) != 0) text += line + "\n";
    }
    const fs::path path = fs::temp_directory_path() / ("distcnn_whole_" + file);
    std::ofstream(path) << text;
    CliRun run = RunCli("plan " + path.string() + " --json -");
    EXPECT_EQ(run.exit_status, 2) << run.err;
    const json plan = json::parse(run.out);
    EXPECT_EQ(plan.at("status"), "infeasible");
    EXPECT_NE(plan.at("reason").get<std::string>().find("layer " + layer), std::string::npos)
        << plan.at("reason");
    fs::remove(path);
  }
}

}  // namespace

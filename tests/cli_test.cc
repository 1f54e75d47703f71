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

void ExpectSpecFields(const json& plan) {
  ASSERT_EQ(plan.at("format_version"), 1);
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
    const double total = t.at("source_s").get<double>() + t.at("links_s").get<double>() +
                         t.at("processing_s").get<double>() + t.at("sink_s").get<double>();
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
    for (const char* solver : {"exact", "milp"}) {
      if (std::string(solver) == "milp" && !expected.value("milp", true)) continue;
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

}  // namespace

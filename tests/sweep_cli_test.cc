// Runs the real `distcnn sweep`: a small study twice with different --jobs
// (the CSVs must be identical apart from timing columns), and the bad studies
// of tests/bad_studies (exit 1 with the message on each file's "# expect:" line,
// including the connection rate of hopeless protocols, without looping).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace {

namespace fs = std::filesystem;
using distcnn::testing::CliRun;
using distcnn::testing::ReadFile;
using distcnn::testing::RunCli;
using distcnn::testing::TempDir;

CliRun RunSweep(const std::string& args) { return RunCli("sweep " + args); }

// The CSV text without the named columns (no field of these CSVs holds a comma).
std::string WithoutColumns(const std::string& csv, const std::vector<std::string>& drop) {
  std::istringstream in(csv);
  std::string line, out;
  std::vector<bool> keep;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ls(line);
    std::string f;
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (keep.empty()) {
      for (const std::string& name : fields) {
        keep.push_back(std::find(drop.begin(), drop.end(), name) == drop.end());
      }
    }
    for (size_t i = 0; i < fields.size() && i < keep.size(); ++i) {
      if (keep[i]) out += fields[i] + ",";
    }
    out += "\n";
  }
  return out;
}

TEST(SweepCliTest, SameCsvWhateverTheJobs) {
  const fs::path a = TempDir() / "jobs1", b = TempDir() / "jobs2";
  const CliRun one = RunSweep("tests/studies/tiny.yaml --jobs 1 --out " + a.string());
  ASSERT_EQ(one.exit_status, 0) << one.err;
  const CliRun two = RunSweep("tests/studies/tiny.yaml --jobs 2 --out " + b.string());
  ASSERT_EQ(two.exit_status, 0) << two.err;
  const std::string runs = ReadFile(a / "runs.csv");
  EXPECT_GT(std::count(runs.begin(), runs.end(), '\n'), 400);
  EXPECT_EQ(WithoutColumns(runs, {"solve_time_s"}),
            WithoutColumns(ReadFile(b / "runs.csv"), {"solve_time_s"}));
  const std::vector<std::string> timing = {"solve_time_mean_s", "solve_time_max_s"};
  EXPECT_EQ(WithoutColumns(ReadFile(a / "summary.csv"), timing),
            WithoutColumns(ReadFile(b / "summary.csv"), timing));
  EXPECT_EQ(ReadFile(a / "summary.md"), ReadFile(b / "summary.md"));
  // The timing column is really there (and so was dropped above).
  EXPECT_NE(runs.find(",solve_time_s"), std::string::npos);
  // --seed changes the systems.
  const fs::path c = TempDir() / "seed";
  ASSERT_EQ(RunSweep("tests/studies/tiny.yaml --jobs 2 --seed 8 --out " + c.string()).exit_status,
            0);
  EXPECT_NE(WithoutColumns(runs, {"solve_time_s"}),
            WithoutColumns(ReadFile(c / "runs.csv"), {"solve_time_s"}));
}

TEST(SweepCliTest, BadStudiesStopWithAClearError) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator("tests/bad_studies")) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    std::ifstream in(e.path());
    std::string first;
    std::getline(in, first);
    const std::string tag = "# expect: ";
    ASSERT_EQ(first.rfind(tag, 0), 0u) << "first line must be '# expect: MESSAGE'";
    const CliRun run = RunSweep(e.path().string() + " --out " + (TempDir() / "bad").string());
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.err.find(first.substr(tag.size())), std::string::npos) << run.err;
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

}  // namespace

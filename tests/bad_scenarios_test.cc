// Every file in tests/bad_scenarios/ is a malformed or contradictory scenario
// whose first line reads "# expect: <substring of the error message>". Loading
// must fail with a message that starts with the file's path and contains the
// expectation. Runs with the working directory at the repository root.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "distcnn/scenario/scenario_loader.h"

namespace distcnn {
namespace {

constexpr const char* kDir = "tests/bad_scenarios";
constexpr const char* kPrefix = "# expect: ";

std::vector<std::string> BadScenarioFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kDir, ec)) {
    if (entry.is_regular_file())
      files.push_back((std::filesystem::path(kDir) / entry.path().filename()).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Expectation(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.rfind(kPrefix, 0) != 0) return "";
  line = line.substr(std::string(kPrefix).size());
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

TEST(BadScenariosTest, EveryFileFailsWithItsExpectedMessage) {
  const std::vector<std::string> files = BadScenarioFiles();
  ASSERT_GE(files.size(), 25u) << "expected the bad scenarios in " << kDir
                               << " (run with the working directory at the repository root)";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    const std::string expect = Expectation(path);
    ASSERT_FALSE(expect.empty()) << path << ": the first line must be '" << kPrefix << "...'";
    Result<Scenario> r = LoadScenarioFile(path);
    ASSERT_FALSE(r.ok()) << path << " loaded, but should fail with: " << expect;
    const std::string& message = r.status().message();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << message;
    EXPECT_EQ(message.rfind(path + ":", 0), 0u)
        << "message does not start with the path: " << message;
    EXPECT_NE(message.find(expect), std::string::npos)
        << "\n  expected: " << expect << "\n  got:      " << message;
  }
}

TEST(BadScenariosTest, MissingFileNamesThePath) {
  Result<Scenario> r = LoadScenarioFile("tests/bad_scenarios/does-not-exist.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("tests/bad_scenarios/does-not-exist.yaml: ", 0), 0u)
      << r.status().message();
}

}  // namespace
}  // namespace distcnn

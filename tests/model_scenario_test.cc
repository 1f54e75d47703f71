// Scenarios with `model:` instead of layer tables. Every example that uses the
// authors' models, rewritten with `model: zoo:...` (and input_bytes from the
// model), gives the same plans: same status, latency within 1 % (the zoo's
// exact profile differs from the printed tables only in rounding and in the
// entries docs/models.md lists), and each plan is optimal within 0.5 % under
// the other profile. An ONNX file next to a scenario loads by its relative path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "distcnn/model/onnx_io.h"
#include "distcnn/model/zoo.h"
#include "distcnn/placement/cost_model.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/placement/solver.h"
#include "distcnn/scenario/scenario_loader.h"

namespace distcnn {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces every `layers:` table (and input_bytes) of the paper's models by
// `model: zoo:NAME` with the gate's exit probability.
std::string WithZooModels(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  std::vector<std::string> block;
  auto flush = [&]() {
    if (block.empty()) return;
    std::string all;
    for (const std::string& l : block) all += l + "\n";
    std::smatch m;
    std::string exits;
    const std::regex gate(R"(name: (GC|gc1),.*exit_prob: ([0-9.]+))");
    if (std::regex_search(all, m, gate))
      exits = ", exits: {" + m[1].str() + ": " + m[2].str() + "}";
    std::string zoo;
    if (all.find("name: conv1") != std::string::npos) {
      zoo = exits.empty() ? "alexnet-2class" : "alexnet-gc";
    } else {
      zoo = exits.empty() ? "cnn5" : "cnn5-gc";
    }
    out += "    model: zoo:" + zoo + "\n";
    if (!exits.empty()) out += "    exits: {" + exits.substr(10) + "\n";
    block.clear();
  };
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.find("    input_bytes:") == 0 || line.find("    model:") == 0) continue;
    // The examples number the 5-layer CNN's layers L1..L5; the zoo keeps the
    // paper's row numbers (L1, L3, L4, L5, L6; row 2 is the gate).
    if (line.rfind("shared:", 0) == 0)
      line = std::regex_replace(line, std::regex(R"(\.L2\b)"), ".L3");
    if (line.find("    layers:") == 0) {
      in_block = true;
      block.push_back(line);
      continue;
    }
    if (in_block && line.find("      - ") == 0) {
      block.push_back(line);
      continue;
    }
    if (in_block) {
      flush();
      in_block = false;
    }
    out += line + "\n";
  }
  if (in_block) flush();
  return out;
}

SolveResult Plan(const Problem& p) {
  std::unique_ptr<Solver> solver = std::move(MakeSolver("exact")).value();
  SolveOptions o;
  o.time_limit_s = 120;
  return solver->Solve(CostModel(p), o);
}

TEST(ModelScenarioTest, ExamplesWithZooModelsGiveTheSamePlans) {
  int compared = 0;
  for (const auto& e : std::filesystem::directory_iterator("examples")) {
    const std::string path = e.path().string();
    if (e.path().extension() != ".yaml") continue;
    const std::string name = e.path().filename().string();
    if (name.rfind("paper-", 0) != 0 && name.rfind("authors-", 0) != 0) continue;
    SCOPED_TRACE(path);
    // Examples that already name their models (no layer tables) have nothing to rewrite.
    if (ReadFile(path).find("layers:") == std::string::npos) continue;
    const std::string rewritten = WithZooModels(ReadFile(path));
    ASSERT_NE(rewritten.find("model: zoo:"), std::string::npos);
    ASSERT_EQ(rewritten.find("layers:"), std::string::npos) << rewritten;
    Result<Scenario> a = LoadScenarioFile(path);
    Result<Scenario> b = LoadScenarioText(rewritten, path);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message() << "\n" << rewritten;
    const SolveResult ra = Plan(a->problem);
    const SolveResult rb = Plan(b->problem);
    ASSERT_EQ(SolveStatusName(ra.status), SolveStatusName(rb.status));
    ASSERT_TRUE(ra.plan && rb.plan);
    EXPECT_NEAR(rb.objective_s, ra.objective_s, 0.01 * ra.objective_s);
    // Near-ties (equivalent units for a layer) may be broken differently, so
    // compare plans by value: each plan, evaluated under the other profile, is
    // feasible and within 0.5 % of that profile's optimum.
    const Evaluation a_in_b = Evaluate(CostModel(b->problem), *ra.plan);
    const Evaluation b_in_a = Evaluate(CostModel(a->problem), *rb.plan);
    EXPECT_TRUE(a_in_b.feasible());
    EXPECT_TRUE(b_in_a.feasible());
    EXPECT_LE(a_in_b.objective_s, rb.objective_s * 1.005);
    EXPECT_LE(b_in_a.objective_s, ra.objective_s * 1.005);
    std::printf(
        "%-28s tables %.6f s, zoo %.6f s (%+.3f %%), same assignment: %s, "
        "table plan under zoo profile %+.3f %%\n",
        name.c_str(), ra.objective_s, rb.objective_s, 100 * (rb.objective_s / ra.objective_s - 1),
        *ra.plan == *rb.plan ? "yes" : "no", 100 * (a_in_b.objective_s / rb.objective_s - 1));
    ++compared;
  }
  EXPECT_EQ(compared, 7);
}

TEST(ModelScenarioTest, OnnxModelRelativeToTheScenario) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "distcnn_model_scenario_test";
  std::filesystem::create_directories(dir / "nets");
  ASSERT_TRUE(ExportOnnxFile(*BuildZooModel("cnn5-gc"), (dir / "nets" / "gc.onnx").string()).ok());
  const std::string text = R"yaml(
technology: wifi4
units: [{id: a, type: rpi3bplus, pos: [0, 0]}, {id: b, type: rpi3bplus, pos: [5, 0]}]
sources: [{id: cam, at: a}]
sinks: [{id: out, at: b}]
cnns:
  - {name: net, source: cam, model: nets/gc.onnx, exits: {GC: 0.5}}
)yaml";
  const std::string scenario = (dir / "s.yaml").string();
  std::ofstream(scenario) << text;
  Result<Scenario> s = LoadScenarioFile(scenario);
  ASSERT_TRUE(s.ok()) << s.status().message();
  const Cnn& cnn = s->problem.cnns[0];
  EXPECT_EQ(cnn.input_bytes, 9408);  // from the model's input
  ASSERT_EQ(cnn.layers.size(), 6u);
  EXPECT_EQ(cnn.layers[1].name, "GC");
  EXPECT_DOUBLE_EQ(cnn.layers[1].exit_prob, 0.5);
  EXPECT_EQ(cnn.layers[1].memory_bytes, 19570176);
  EXPECT_EQ(cnn.decision_bytes, 40);
  // Without the gate's probability: a clear error.
  std::ofstream(scenario) << std::regex_replace(text, std::regex(", exits: \\{GC: 0.5\\}"), "");
  Result<Scenario> bad = LoadScenarioFile(scenario);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("has the gate layer 'GC'"), std::string::npos)
      << bad.status().message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace distcnn

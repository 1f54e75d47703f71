// `distcnn run` with real node processes on 127.0.0.1: the distributed logits
// equal `distcnn infer`'s on the same input for every zoo model, each unit runs
// exactly the layers of the plan, gates exit at the calibrated rate, and a node
// killed mid-stream is detected and named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_runner.h"
#include "distcnn/io/npy.h"
#include "distcnn/model/zoo.h"
#include "distcnn/profile/profiler.h"
#include "distcnn/runtime/local_cluster.h"

namespace distcnn {
namespace {

using testing::RunCli;
using testing::TempDir;

using testing::kKernels;

int PlaceableLayers(const std::string& model) {
  Result<Graph> g = BuildZooModel(model);
  EXPECT_TRUE(g.ok());
  Result<ModelProfile> p = ProfileGraph(*g, Granularity::kLayer);
  EXPECT_TRUE(p.ok());
  return static_cast<int>(p->layers.size());
}

// A chain cam - u0 - u1 - ... - sink of Raspberry Pis (Jetsons for the big
// models) with L small enough that the plan needs at least 4 units.
std::string ChainScenario(const std::string& model, int layers, const std::string& exits) {
  const int limit = std::max(1, layers / 4);
  const int units = (layers + limit - 1) / limit + 1;
  std::string s = "name: chain-" + model + "\nmax_layers_per_unit: " + std::to_string(limit) +
                  "\ntechnology: wifi4\nunits:\n";
  for (int i = 0; i < units; ++i) s += "  - {id: u" + std::to_string(i) + ", type: jetson}\n";
  s += "links: [[cam, u0], [u" + std::to_string(units - 1) + ", sink]";
  for (int i = 0; i + 1 < units; ++i) {
    s += ", [u" + std::to_string(i) + ", u" + std::to_string(i + 1) + "]";
  }
  s += "]\nsources: [{id: cam}]\nsinks: [{id: sink}]\ncnns:\n  - {name: net, source: cam, model: "
       "\"zoo:" +
       model + "\"" + exits + "}\n";
  return s;
}

std::string WriteScenario(const std::string& name, const std::string& text) {
  const std::string path = (TempDir() / (name + ".yaml")).string();
  std::ofstream(path) << text;
  return path;
}

// Largest |a - b| / max(|b|, 1e-3 * max|b|) over the elements.
double MaxRelativeError(const Tensor& a, const Tensor& b) {
  double scale = 0;
  for (float v : b.data) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double ref = std::max(std::fabs(static_cast<double>(b.data[i])), 1e-3 * scale);
    worst = std::max(worst, std::fabs(static_cast<double>(a.data[i]) - b.data[i]) / ref);
  }
  return worst;
}

class RunCliTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RunCliTest, DistributedLogitsEqualInferAndUnitsRunTheirPlannedLayers) {
  const std::string model = GetParam();
  const int layers = PlaceableLayers(model);
  // Gates never exit (no calibration frames: threshold above 1), so every
  // frame reaches the main output and every planned layer runs on every frame.
  std::string exits;
  if (model == "cnn5-gc") exits = ", exits: {GC: 0.5}";
  if (model == "alexnet-gc") exits = ", exits: {gc1: 0.5}";
  const std::string scenario = WriteScenario(model, ChainScenario(model, layers, exits));
  const std::string out_dir = (TempDir() / ("out-" + model)).string();
  const std::string report = (TempDir() / ("report-" + model + ".json")).string();
  constexpr int kFrames = 2;
  const auto run = RunCli("run " + scenario + " --frames " + std::to_string(kFrames) +
                          " --input-seed 7 --warmup 0 --calibration-frames 0 --save-outputs " +
                          out_dir + " --json " + report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;

  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  ASSERT_TRUE(j["ok"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["cnns"][0]["frames_received"].get<int>(), kFrames);
  int computing_units = 0;
  for (const auto& v : j["vertices"]) {
    std::vector<std::string> ran;
    for (const auto& l : v["layers"]) {
      EXPECT_EQ(l["runs"].get<int>(), kFrames) << l["name"];
      ran.push_back(l["name"].get<std::string>());
    }
    EXPECT_EQ(ran, v["planned_layers"].get<std::vector<std::string>>()) << v["name"];
    computing_units += ran.empty() ? 0 : 1;
  }
  EXPECT_GE(computing_units, 4);

  for (int f = 0; f < kFrames; ++f) {
    const std::string expected = (TempDir() / (model + "-infer.npy")).string();
    const auto infer = RunCli("infer zoo:" + model + " --random-seed " + std::to_string(7 + f) +
                              " --save-output " + expected + kKernels);
    ASSERT_EQ(infer.exit_status, 0) << infer.err;
    Result<Tensor> want = io::ReadNpy(expected);
    ASSERT_TRUE(want.ok()) << want.status().message();
    std::string got_path;
    for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
      if (e.path().filename().string().rfind("net-f" + std::to_string(f) + "-", 0) == 0) {
        got_path = e.path().string();
      }
    }
    ASSERT_FALSE(got_path.empty()) << "no output of frame " << f << " in " << out_dir;
    Result<Tensor> got = io::ReadNpy(got_path);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->shape, want->shape);
    EXPECT_LE(MaxRelativeError(*got, *want), 1e-4) << model << " frame " << f;
  }
}

// Gates calibrated to exit_prob 0.5: the report gives target, calibrated and
// measured rates; frames that exit carry the gate's output, equal to infer's.
TEST(RunCliGateTest, CalibratedGateExitsAndExitOutputsEqualInfer) {
  const std::string scenario =
      WriteScenario("gate", ChainScenario("cnn5-gc", 6, ", exits: {GC: 0.5}"));
  const std::string out_dir = (TempDir() / "out-gate").string();
  const std::string report = (TempDir() / "report-gate.json").string();
  constexpr int kFrames = 12;
  const auto run = RunCli("run " + scenario + " --frames " + std::to_string(kFrames) +
                          " --input-seed 100 --warmup 0 --save-outputs " + out_dir + " --json " +
                          report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("gate net.GC: exit_prob 0.5 -> target exit rate 0.500"), std::string::npos)
      << run.out;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  // Latency runs from the source vertex to the sink vertex (both in-process
  // here): each frame entered once and left once, inside the coordinator's span.
  const auto& cnn = j["cnns"][0];
  EXPECT_EQ(cnn["latency_span"], "source-to-sink");
  size_t entered = 0, decided = 0;
  for (const auto& v : j["vertices"]) {
    entered += v["entered"].size();
    decided += v["decided"].size();
  }
  EXPECT_EQ(entered, static_cast<size_t>(kFrames));
  EXPECT_EQ(decided, static_cast<size_t>(kFrames));
  EXPECT_GT(cnn["latency_ms"]["min"].get<double>(), 0);
  EXPECT_LT(cnn["latency_ms"]["mean"].get<double>(),
            cnn["via_coordinator_ms"]["mean"].get<double>());
  const auto& gate = cnn["gates"][0];
  EXPECT_EQ(gate["calibration_frames"].get<int>(), 256);
  EXPECT_NEAR(gate["calibrated_rate"].get<double>(), 0.5, 1.0 / 256);
  EXPECT_EQ(gate["reached"].get<int>(), kFrames);
  const int exits = gate["exits"].get<int>();
  EXPECT_GT(exits, 0);  // seeded: this input stream has exits and non-exits
  EXPECT_LT(exits, kFrames);
  int exit_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    const bool exited = name.find("gc_fc3") != std::string::npos;
    exit_files += exited ? 1 : 0;
    const int frame = std::stoi(name.substr(5, name.find('-', 5) - 5));
    const std::string dir = (TempDir() / ("infer-gate-" + std::to_string(frame))).string();
    const auto infer = RunCli("infer zoo:cnn5-gc --random-seed " + std::to_string(100 + frame) +
                              " --save-outputs " + dir + kKernels);
    ASSERT_EQ(infer.exit_status, 0) << infer.err;
    Result<Tensor> want = io::ReadNpy(dir + (exited ? "/gc_fc3.npy" : "/fc3.npy"));
    ASSERT_TRUE(want.ok()) << want.status().message();
    Result<Tensor> got = io::ReadNpy(e.path().string());
    ASSERT_TRUE(got.ok());
    EXPECT_LE(MaxRelativeError(*got, *want), 1e-4) << name;
  }
  EXPECT_EQ(exit_files, exits);
}

// Two gates, each with exit_prob (nu_j) 0.5: the plan's g_j are 0.5 (GC),
// 0.25 (GC2) and 0.25 (the last layer). nu_j is conditional on reaching the
// gate; a runtime that took it as unconditional would calibrate GC2 to let
// 0.5 / 0.5 = all of its frames exit. 400 frames: GC2 sees ~200, and its exit
// share has a standard deviation of ~0.047 (0.035 from the frames, 0.031 from
// the 256 calibration frames' quantile), so the 0.15 tolerance is over 3 sigma.
TEST(RunCliGateTest, TwoGatesExitAtThePlansConditionalRates) {
  const std::string scenario =
      WriteScenario("two-gates", ChainScenario("cnn5-gc2", 7, ", exits: {GC: 0.5, GC2: 0.5}"));
  const std::string report = (TempDir() / "report-two-gates.json").string();
  constexpr int kFrames = 400;
  const auto run = RunCli("run " + scenario + " --frames " + std::to_string(kFrames) +
                          " --input-seed 7 --warmup 0 --json " + report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  const auto& gates = j["cnns"][0]["gates"];
  ASSERT_EQ(gates.size(), 2u);
  const double want_g[] = {0.5, 0.25};  // p_j nu_j
  const int want_reached[] = {kFrames, kFrames / 2};
  for (int k = 0; k < 2; ++k) {
    SCOPED_TRACE("gate " + std::to_string(k));
    const auto& gate = gates[k];
    EXPECT_DOUBLE_EQ(gate["target_rate"].get<double>(), 0.5);
    EXPECT_NEAR(gate["calibrated_rate"].get<double>(), 0.5, 1.0 / 128);
    const int reached = gate["reached"].get<int>();
    const int exits = gate["exits"].get<int>();
    EXPECT_NEAR(static_cast<double>(exits) / reached, 0.5, 0.15) << exits << " of " << reached;
    EXPECT_NEAR(static_cast<double>(exits) / kFrames, want_g[k], 0.15 * want_g[k] / 0.5 + 0.02);
    EXPECT_NEAR(reached, want_reached[k], 0.15 * kFrames);
  }
}

// Two cnn5s sharing their first two layers (identical zoo weights): the unit
// holding a shared layer keeps one copy of its weights and computes it for
// both CNNs' frames; both CNNs' logits equal infer's.
TEST(RunCliSharedTest, SharedLayersHoldOneCopyAndServeBothCnns) {
  const std::string scenario = WriteScenario("shared", R"(name: shared
technology: wifi4
units:
  - {id: a, type: jetson}
  - {id: b, type: jetson}
  - {id: c, type: jetson}
links: [[cam1, a], [cam2, a], [a, b], [b, c], [c, sink]]
sources: [{id: cam1}, {id: cam2}]
sinks: [{id: sink}]
max_layers_per_unit: 3
cnns:
  - {name: one, source: cam1, model: "zoo:cnn5"}
  - {name: two, source: cam2, model: "zoo:cnn5"}
shared: [[one.L1, two.L1], [one.L3, two.L3]]
)");
  const std::string report = (TempDir() / "report-shared.json").string();
  const std::string out_dir = (TempDir() / "out-shared").string();
  const auto run = RunCli("run " + scenario + " --frames 3 --input-seed 20 --json " + report +
                          " --save-outputs " + out_dir + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  bool found = false;
  for (const auto& v : j["vertices"]) {
    std::vector<std::string> names;
    for (const auto& l : v["layers"]) names.push_back(l["name"].get<std::string>());
    if (std::find(names.begin(), names.end(), "one.L1") == names.end()) continue;
    found = true;
    // The two shared pairs on this unit are one slice each: two slices fewer than layers.
    EXPECT_NE(std::find(names.begin(), names.end(), "two.L1"), names.end());
    EXPECT_EQ(v["slices"].get<size_t>() + 2, names.size()) << v.dump();
    for (const auto& l : v["layers"]) EXPECT_EQ(l["runs"].get<int>(), 3) << l["name"];
  }
  EXPECT_TRUE(found) << j.dump(2);
  for (const std::string cnn : {"one", "two"}) {
    for (int f = 0; f < 3; ++f) {
      const std::string expected = (TempDir() / "shared-infer.npy").string();
      const auto infer = RunCli("infer zoo:cnn5 --random-seed " + std::to_string(20 + f) +
                                " --save-output " + expected + kKernels);
      ASSERT_EQ(infer.exit_status, 0) << infer.err;
      Result<Tensor> want = io::ReadNpy(expected);
      Result<Tensor> got = io::ReadNpy(out_dir + "/" + cnn + "-f" + std::to_string(f) + "-fc3.npy");
      ASSERT_TRUE(want.ok() && got.ok()) << cnn << " frame " << f;
      EXPECT_LE(MaxRelativeError(*got, *want), 1e-4) << cnn << " frame " << f;
    }
  }
}

// `run --plan` runs a plan made earlier; a plan naming a unit the scenario
// lacks, or breaking its layer limit, is refused with exit 1 before any node starts.
TEST(RunCliPlanTest, RunsAGivenPlanAndRefusesABadOne) {
  const std::string scenario = WriteScenario("given", ChainScenario("cnn5", 5, ""));
  const std::string plan = (TempDir() / "given-plan.json").string();
  ASSERT_EQ(RunCli("plan " + scenario + " --json " + plan).exit_status, 0);
  const auto run = RunCli("run " + scenario + " --plan " + plan + " --frames 2" + kKernels);
  EXPECT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_NE(run.err.find("plan: read from " + plan), std::string::npos) << run.err;

  nlohmann::json doc = nlohmann::json::parse(testing::ReadFile(plan));
  doc["cnns"]["net"]["assignment"]["L3"] = "nowhere";
  const std::string bad = (TempDir() / "bad-plan.json").string();
  std::ofstream(bad) << doc.dump();
  const auto refused = RunCli("run " + scenario + " --plan " + bad + kKernels);
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_NE(refused.err.find("cnns.net.assignment.L3: unknown unit 'nowhere'"), std::string::npos)
      << refused.err;

  doc["cnns"]["net"]["assignment"]["L3"] = doc["cnns"]["net"]["assignment"]["L1"];
  std::ofstream(bad) << doc.dump();
  const auto over = RunCli("run " + scenario + " --plan " + bad + kKernels);
  EXPECT_EQ(over.exit_status, 1);
  EXPECT_NE(over.err.find("the plan violates the scenario"), std::string::npos) << over.err;
}

// Every field of a plan document is checked before any node starts: each bad
// plan exits 1 naming the field, and none gets as far as planning or starting.
TEST(RunCliPlanTest, EveryBadPlanIsRefusedNamingTheField) {
  const std::string scenario = WriteScenario("checked", ChainScenario("cnn5", 5, ""));
  const std::string plan = (TempDir() / "checked-plan.json").string();
  ASSERT_EQ(RunCli("plan " + scenario + " --json " + plan).exit_status, 0);
  const nlohmann::json good = nlohmann::json::parse(testing::ReadFile(plan));
  ASSERT_TRUE(good.contains("scenario_digest"));
  struct Case {
    std::string what;
    std::function<void(nlohmann::json&)> edit;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"future version", [](auto& d) { d["format_version"] = 99; },
       "format_version: 99 is not a version this distcnn reads"},
      {"version as text", [](auto& d) { d["format_version"] = "1"; },
       "format_version: \"1\" is not a version"},
      {"infeasible", [](auto& d) { d["status"] = "infeasible"; },
       "status: 'infeasible': the document holds no plan to run"},
      {"integer unit", [](auto& d) { d["cnns"]["net"]["assignment"]["L1"] = 3; },
       "cnns.net.assignment.L1: expected a unit id (a string), got an integer 3"},
      {"unknown layer", [](auto& d) { d["cnns"]["net"]["assignment"]["L9"] = "u0"; },
       "cnns.net.assignment.L9: CNN 'net' has no such layer"},
      {"unknown cnn", [](auto& d) { d["cnns"]["other"] = d["cnns"]["net"]; },
       "cnns.other: the scenario has no such CNN"},
      {"missing layer", [](auto& d) { d["cnns"]["net"]["assignment"].erase("L4"); },
       "cnns.net.assignment.L4: missing"},
      {"other scenario", [](auto& d) { d["scenario_digest"] = "fnv1a64:0000000000000000"; },
       "scenario_digest: the plan was made for another scenario"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    nlohmann::json doc = good;
    c.edit(doc);
    const std::string bad = (TempDir() / "checked-bad.json").string();
    std::ofstream(bad) << doc.dump();
    const auto run = RunCli("run " + scenario + " --plan " + bad + kKernels);
    EXPECT_EQ(run.exit_status, 1) << run.err;
    EXPECT_NE(run.err.find(bad + ": " + c.expect), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("starting"), std::string::npos) << run.err;
  }
  // A plan for a scenario, run without it, is not run on the built-in default.
  const auto without = RunCli("run --plan " + plan + kKernels);
  EXPECT_EQ(without.exit_status, 1) << without.err;
  EXPECT_NE(without.err.find("made for another scenario ('chain-cnn5')"), std::string::npos)
      << without.err;
  EXPECT_NE(without.err.find("give the scenario it was made for"), std::string::npos)
      << without.err;
}

// A node killed mid-stream: `run` detects it, names it and exits 4.
TEST(RunCliFaultTest, KilledNodeIsDetectedAndNamed) {
  const std::string scenario = WriteScenario("fault", ChainScenario("cnn5", 5, ""));
  const auto start = std::chrono::steady_clock::now();
  const auto run =
      RunCli("run " + scenario + " --frames 1000 --in-flight 2 --fault u2@5" + kKernels);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.exit_status, 4) << run.out << run.err;
  EXPECT_NE(run.out.find("FAILURE: node u2 (pid "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("killed by signal 9"), std::string::npos) << run.out;
  // The chain has no way around u2: the failover finds no plan and says so.
  EXPECT_NE(run.out.find("no plan exists without the failed unit(s)"), std::string::npos)
      << run.out;
  EXPECT_LT(seconds, 60.0);  // a hang guard, not a timing assertion
  // The figures are not passed off as a whole run's: what is missing is named.
  EXPECT_NE(run.out.find("PARTIAL RUN: the figures below cover only"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("units missing (no final statistics): u2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" of 1000 frames never sent, "), std::string::npos) << run.out;
}

// Failover (issue 14): one node SIGKILLed and another SIGSTOPped mid-stream.
// The coordinator re-plans on the remaining units each time, redeploys what
// moved and re-sends the frames in flight; every frame is decided once and in
// order, and both failures are in the report with their detection and
// recovery times (bench/failover/ measures them).
TEST(RunCliFailoverTest, KilledAndStoppedNodesAreReplacedWithoutLosingAFrame) {
  const std::string report = (TempDir() / "report-failover.json").string();
  const auto run = RunCli(
      "run examples/paper-single-cnn.yaml --frames 300 --fault n07@90 --fault n02@180:stop "
      "--json " +
      report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  const auto& cnn = j["cnns"][0];
  EXPECT_EQ(cnn["frames_received"], 300);
  EXPECT_EQ(cnn["handed_on"], 301);  // with the warm-up frame, each once and in order
  EXPECT_TRUE(cnn["missing"].empty());
  EXPECT_TRUE(cnn["duplicates"].empty());
  ASSERT_EQ(j["failovers"].size(), 2u) << j["failovers"].dump(2);
  EXPECT_EQ(j["failovers"][0]["unit"], "n07");
  EXPECT_NE(j["failovers"][0]["cause"].get<std::string>().find("killed by signal 9"),
            std::string::npos);
  EXPECT_EQ(j["failovers"][1]["unit"], "n02");
  EXPECT_NE(j["failovers"][1]["cause"].get<std::string>().find("stopped answering"),
            std::string::npos);
  for (const auto& f : j["failovers"]) {
    EXPECT_EQ(f["outcome"], "recovered") << f.dump(2);
    EXPECT_FALSE(f["recovery_s"].is_null());
    EXPECT_FALSE(f["redeployed"].empty());
  }
  EXPECT_TRUE(j["ok"]);
  EXPECT_FALSE(j["partial"]);
}

// --restart-failed: the killed node is started again at its endpoint, answers
// the coordinator's probe, and the run re-plans with it: the optimum uses it
// again, so it computes again (its statistics of the second deployment).
// Paced (--rate) so that the run outlasts the rejoin however fast the machine.
TEST(RunCliFailoverTest, ARestartedNodeRejoinsAndIsUsedAgain) {
  const std::string report = (TempDir() / "report-rejoin.json").string();
  const auto run = RunCli(
      "run examples/paper-single-cnn.yaml --frames 1500 --rate 300 --fault n07@60 "
      "--restart-failed --json " +
      report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_EQ(j["cnns"][0]["handed_on"], 1501);
  ASSERT_EQ(j["failovers"].size(), 1u) << j.dump(2);
  const auto& f = j["failovers"][0];
  EXPECT_EQ(f["outcome"], "recovered");
  ASSERT_FALSE(f["rejoin_s"].is_null()) << f.dump(2);
  EXPECT_NE(std::find(f["rejoin_redeployed"].begin(), f["rejoin_redeployed"].end(), "n07"),
            f["rejoin_redeployed"].end())
      << f.dump(2);
  uint64_t runs_after_rejoin = 0;
  for (const auto& v : j["vertices"]) {
    if (v["name"] != "n07") continue;
    for (const auto& l : v["layers"]) runs_after_rejoin += l["runs"].get<uint64_t>();
  }
  EXPECT_GT(runs_after_rejoin, 0u) << "n07 rejoined but computed nothing";
}

// The unit that carries a CNN's source fails: that CNN stops, with a report,
// and the other goes on, re-planned without the unit (exit 4: frames of the
// stopped CNN were never decided).
TEST(RunCliFailoverTest, ACnnWhoseSourceFailsStopsAndTheOtherGoesOn) {
  // paper-two-cnns with zoo:cnn5 on both CNNs (its layers named as the model's).
  std::string text = testing::ReadFile("examples/paper-two-cnns.yaml");
  for (const std::string source : {"s1", "s2"}) {
    const std::string line = "    source: " + source + "\n";
    text.replace(text.find(line), line.size(), line + "    model: \"zoo:cnn5\"\n");
  }
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"L5", "L6"}, {"L4", "L5"}, {"L3", "L4"}, {"L2", "L3"}}) {
    for (size_t at = text.find("{name: " + from + ","); at != std::string::npos;
         at = text.find("{name: " + from + ",", at)) {
      text.replace(at + 7, from.size(), to);
    }
  }
  const std::string scenario = WriteScenario("two-cnns-models", text);
  const std::string report = (TempDir() / "report-source-failure.json").string();
  // n11 carries cnnB's source s2.
  const auto run =
      RunCli("run " + scenario + " --frames 300 --fault n11@100 --json " + report + kKernels);
  EXPECT_EQ(run.exit_status, 4) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_TRUE(j["cnns"][0]["stopped"].is_null());
  EXPECT_EQ(j["cnns"][0]["frames_received"], 300);  // cnnA went on
  EXPECT_EQ(j["cnns"][0]["handed_on"], 301);
  ASSERT_FALSE(j["cnns"][1]["stopped"].is_null());
  EXPECT_EQ(j["cnns"][1]["stopped"], "its source s2 was on n11, which failed");
  EXPECT_LT(j["cnns"][1]["frames_received"].get<int>(), 300);
  ASSERT_EQ(j["failovers"].size(), 1u);
  EXPECT_EQ(j["failovers"][0]["outcome"], "recovered");
}

// A plan given without its scenario cannot be re-planned: a failure stops
// the run with exit 4 and says why.
TEST(RunCliFailoverTest, APlanWithoutItsScenarioStopsAtTheFirstFailure) {
  const std::string plan = (TempDir() / "failover-plan.json").string();
  ASSERT_EQ(RunCli("plan --json " + plan).exit_status, 0);  // the built-in default
  // n02 runs alexnet1.conv5 in the default plan (seed 1).
  const auto run = RunCli("run --plan " + plan + " --frames 6 --fault n02@3" + kKernels);
  EXPECT_EQ(run.exit_status, 4) << run.out << run.err;
  EXPECT_NE(run.out.find("no re-plan is possible (a plan given without its scenario)"),
            std::string::npos)
      << run.out << run.err;
}

// The source's camera sits on a unit served by a node that `run` did not
// start (--nodes): its clock is not the coordinator's to compare, so latency
// is measured through the coordinator, and the report says so.
TEST(RunCliRemoteTest, LatencySpansTheCoordinatorWhenTheSourceVertexIsRemote) {
  std::string text = ChainScenario("cnn5", 5, "");
  text.replace(text.find("[cam, u0], "), 11, "");
  text.replace(text.find("{id: cam}"), 9, "{id: cam, at: u0}");
  const std::string scenario = WriteScenario("remote", text);
  runtime::LocalCluster elsewhere(DISTCNN_BINARY, {"--kernels", DISTCNN_TEST_KERNELS});
  Result<size_t> node = elsewhere.Start("u0", std::chrono::seconds(20));
  ASSERT_TRUE(node.ok()) << node.status().message();
  const std::string nodes = (TempDir() / "remote-nodes.yaml").string();
  std::ofstream(nodes) << "nodes:\n  u0: \"" << elsewhere.node(*node).endpoint << "\"\n";
  const std::string report = (TempDir() / "report-remote.json").string();
  const auto run =
      RunCli("run " + scenario + " --nodes " + nodes + " --frames 3 --json " + report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("latency through the coordinator: the source or sink vertex is on "
                         "another host"),
            std::string::npos)
      << run.out;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_EQ(j["cnns"][0]["latency_span"], "coordinator");
  EXPECT_EQ(j["cnns"][0]["latency_ms"], j["cnns"][0]["via_coordinator_ms"]);
}

// A --nodes node (a device this run did not start) that dies mid-stream is
// failed over like a local one; started again at the same endpoint (as
// systemd restarts a device's daemon), it answers the coordinator's probe and
// the run re-plans with it.
// Paced (--rate) so that the run outlasts the rejoin however fast the machine.
TEST(RunCliRemoteTest, AKilledRemoteNodeIsReplacedAndRejoinsWhenRestarted) {
  runtime::LocalCluster elsewhere(DISTCNN_BINARY, {"--kernels", DISTCNN_TEST_KERNELS});
  Result<size_t> node = elsewhere.Start("n07", std::chrono::seconds(20));
  ASSERT_TRUE(node.ok()) << node.status().message();
  const std::string nodes = (TempDir() / "remote-failover-nodes.yaml").string();
  std::ofstream(nodes) << "nodes:\n  n07: \"" << elsewhere.node(*node).endpoint << "\"\n";
  const std::string report = (TempDir() / "report-remote-failover.json").string();
  std::atomic<bool> run_over{false};
  std::thread device([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));  // streaming by then
    elsewhere.Signal(*node, SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    Result<size_t> again = elsewhere.Restart(*node, std::chrono::seconds(20));
    EXPECT_TRUE(again.ok()) << again.status().message();
    // Its children get SIGKILL when the thread that started them ends
    // (PR_SET_PDEATHSIG): stay until the run is over.
    while (!run_over.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  const auto run = RunCli("run examples/paper-single-cnn.yaml --nodes " + nodes +
                          " --frames 8000 --rate 500 --json " + report + kKernels);
  run_over.store(true);
  device.join();
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_EQ(j["cnns"][0]["handed_on"], 8001);
  ASSERT_EQ(j["failovers"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["failovers"][0]["unit"], "n07");
  EXPECT_EQ(j["failovers"][0]["outcome"], "recovered");
  EXPECT_FALSE(j["failovers"][0]["rejoin_s"].is_null()) << j["failovers"].dump(2) << run.err;
}

// A --nodes endpoint where nothing listens: the deployment wait is bounded by
// --deploy-timeout and the error names the node and its endpoint.
TEST(RunCliRemoteTest, DeadEndpointTimesOutNamingTheNode) {
  const std::string scenario = WriteScenario("dead-remote", ChainScenario("cnn5", 5, ""));
  const std::string nodes = (TempDir() / "dead-nodes.yaml").string();
  std::ofstream(nodes) << "nodes:\n  u0: \"tcp://127.0.0.1:1\"\n";
  const auto run =
      RunCli("run " + scenario + " --nodes " + nodes + " --deploy-timeout 1 --frames 1" + kKernels);
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("no acknowledgement of the deployment within 1.0 s (--deploy-timeout) "
                         "from node u0 at tcp://127.0.0.1:1"),
            std::string::npos)
      << run.err;
}

// Ctrl-C (SIGINT to `run` alone, as a terminal sends it: local nodes sit in
// their own process group) stops the stream cleanly: the frames in flight are
// decided, the nodes are stopped and report, and the report says the run is
// partial and how many frames were never sent; exit 130.
TEST(RunCliInterruptTest, SigintStopsCleanlyWithAPartialReport) {
  const std::string scenario = WriteScenario("interrupt", ChainScenario("cnn5", 5, ""));
  const std::filesystem::path dir = TempDir();
  const std::string report = (dir / "report-interrupt.json").string();
  const std::string err = (dir / "interrupt.err").string();
  const std::string rc = (dir / "interrupt.rc").string();
  const std::string out = (dir / "interrupt.out").string();
  // Bounded: 300 polls of 0.1 s for the stream to start, then SIGINT, then
  // 600 polls for the exit before SIGKILL. (Not `timeout`: it would send the
  // signal twice, to the child and to its group.)
  const std::string script =
      std::string(DISTCNN_BINARY) + " run " + scenario + " --frames 100000 --rate 50 --json " +
      report + kKernels + " > " + out + " 2> " + err + " &\np=$!\n" +
      "for i in $(seq 1 300); do grep -q 'streaming' " + err + " && break; sleep 0.1; done\n" +
      "kill -INT $p\n" +
      "for i in $(seq 1 600); do kill -0 $p 2>/dev/null || break; sleep 0.1; done\n" +
      "kill -KILL $p 2>/dev/null\nwait $p\necho $? > " + rc;
  const std::string script_file = (dir / "interrupt.sh").string();
  std::ofstream(script_file) << script << "\n";
  ASSERT_EQ(std::system(("sh " + script_file).c_str()), 0);
  const std::string log = testing::ReadFile(err);
  EXPECT_EQ(std::stoi(testing::ReadFile(rc)), 130) << log;
  EXPECT_NE(log.find("interrupted: no more frames"), std::string::npos) << log;
  const std::string text = testing::ReadFile(out);
  EXPECT_NE(text.find("PARTIAL RUN (interrupted)"), std::string::npos) << text;
  EXPECT_NE(text.find("of 100000 frames never sent, 0 sent but never decided"), std::string::npos)
      << text;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_TRUE(j["partial"].get<bool>());
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_TRUE(j["units_missing"].empty()) << j["units_missing"];
  const auto& cnn = j["cnns"][0];
  EXPECT_EQ(cnn["frames_planned"], 100000);
  EXPECT_LT(cnn["frames_sent"].get<int>(), 100000);
  EXPECT_EQ(cnn["frames_not_sent"].get<int>(), 100000 - cnn["frames_sent"].get<int>());
  EXPECT_EQ(cnn["frames_received"], cnn["frames_sent"]);  // those in flight were decided
  EXPECT_FALSE(j["vertices"].empty());                    // the nodes stopped and reported
}

// Soak: 10,000 frames through paper-single-cnn without emulation. The run's
// resident memory (the coordinator and its local nodes) after the last frame
// is within 5 % of what it was after frame 1,000: nothing grows per frame.
TEST(RunCliSoakTest, ResidentMemoryHoldsOverTenThousandFrames) {
  const std::string report = (TempDir() / "report-soak.json").string();
  const auto run =
      RunCli("run examples/paper-single-cnn.yaml --frames 10000 --json " + report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  ASSERT_EQ(j["memory"].size(), 2u) << j["memory"];
  EXPECT_TRUE(j["failovers"].empty()) << "a false detection: " << j["failovers"].dump(2);
  EXPECT_EQ(j["cnns"][0]["handed_on"], 10001);  // with the warm-up frame
  const auto& first = j["memory"][0];
  const auto& last = j["memory"][1];
  EXPECT_EQ(first["frames"], 1000);
  EXPECT_EQ(last["frames"], 10000);
  const double growth =
      last["resident_bytes"].get<double>() / first["resident_bytes"].get<double>();
  std::printf("soak: resident %.1f MB after 1000 frames, %.1f MB after 10000 (x%.4f)\n",
              first["resident_bytes"].get<double>() / 1e6,
              last["resident_bytes"].get<double>() / 1e6, growth);
  EXPECT_LT(growth, 1.05);
}

// `run --monolithic` times the whole model in the coordinator after each
// measured frame (the twin the distributed latency is compared with); it
// needs one frame in flight, so nothing else runs meanwhile.
TEST(RunCliMonolithicTest, TimesTheWholeModelAfterEachFrameAndNeedsOneInFlight) {
  const std::string scenario = WriteScenario("monolithic", ChainScenario("cnn5", 5, ""));
  const std::string report = (TempDir() / "report-monolithic.json").string();
  const auto run = RunCli("run " + scenario + " --frames 3 --in-flight 1 --monolithic --json " +
                          report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("distributed / monolithic"), std::string::npos) << run.out;
  const nlohmann::json j = nlohmann::json::parse(testing::ReadFile(report));
  EXPECT_GT(j["cnns"][0]["monolithic_ms"]["mean"].get<double>(), 0) << j.dump(2);
  const auto plain = RunCli("run " + scenario + " --frames 1 --json " + report + kKernels);
  ASSERT_EQ(plain.exit_status, 0) << plain.err;
  EXPECT_TRUE(
      nlohmann::json::parse(testing::ReadFile(report))["cnns"][0]["monolithic_ms"].is_null());
  const auto refused =
      RunCli("run " + scenario + " --frames 3 --in-flight 2 --monolithic" + kKernels);
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_NE(refused.err.find("needs --in-flight 1"), std::string::npos) << refused.err;
}

// `run --keep-cpus-awake` holds a PM QoS request for the run and says so, or,
// where /dev/cpu_dma_latency cannot be written (not root, no such device),
// refuses with exit 1 naming the file.
TEST(RunCliAwakeTest, KeepsCpusAwakeOrSaysWhyNot) {
  const std::string scenario = WriteScenario("awake", ChainScenario("cnn5", 5, ""));
  const std::string report = (TempDir() / "report-awake.json").string();
  const auto run =
      RunCli("run " + scenario + " --frames 2 --keep-cpus-awake --json " + report + kKernels);
  if (::access("/dev/cpu_dma_latency", W_OK) == 0) {
    ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("CPUs kept awake"), std::string::npos) << run.out;
    EXPECT_TRUE(nlohmann::json::parse(testing::ReadFile(report))["cpus_kept_awake"].get<bool>());
  } else {
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.err.find("keep CPUs awake: /dev/cpu_dma_latency"), std::string::npos) << run.err;
  }
}

// `--fault UNIT@N` is checked before any work starts (issue 14): N is a
// whole number, UNIT a unit of the scenario that takes part in the plan;
// each mistake exits 1 with a message, and no node is started.
TEST(RunCliBadInputTest, FaultNamesAUnitOfThePlanAndACount) {
  std::string text = ChainScenario("cnn5", 5, "");
  // A unit linked to u0 only: no layer of the plan and no path crosses it.
  text.replace(text.find("units:\n"), 7, "units:\n  - {id: spare, type: jetson}\n");
  text.replace(text.find("links: ["), 8, "links: [[spare, u0], ");
  const std::string scenario = WriteScenario("fault-input", text);
  const struct {
    const char* fault;
    const char* message;
  } cases[] = {
      {"u1@abc", "--fault 'u1@abc': N, the decisions before the kill, expected an integer"},
      {"u1@-2", "--fault 'u1@-2': N, the decisions before the kill, must be at least 0 (got -2)"},
      {"u1", "--fault 'u1': expected UNIT@N"},
      {"nosuch@3", "--fault nosuch@3: unit 'nosuch' is not a unit of the scenario"},
      {"spare@3", "--fault spare@3: unit 'spare' takes no part in the plan"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fault);
    const auto run = RunCli("run " + scenario + " --frames 2 --fault " + c.fault + kKernels);
    EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("run: starting node"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("run: loading models"), std::string::npos) << run.err;
  }
}

// Output locations are checked before any work starts (issue 14): an
// uncreatable --save-outputs directory or --json file exits 1 naming the path,
// before the plan is made or a model loaded.
TEST(RunCliBadInputTest, UnwritableOutputsFailBeforeAnyWork) {
  const std::string scenario = WriteScenario("outputs-input", ChainScenario("cnn5", 5, ""));
  const auto dir =
      RunCli("run " + scenario + " --frames 2 --save-outputs /proc/distcnn-x" + kKernels);
  EXPECT_EQ(dir.exit_status, 1) << dir.out << dir.err;
  EXPECT_NE(dir.err.find("error: /proc/distcnn-x: cannot create directory: "), std::string::npos)
      << dir.err;
  EXPECT_NE(dir.err.find("(--save-outputs)"), std::string::npos) << dir.err;
  EXPECT_EQ(dir.err.find("plan: "), std::string::npos) << dir.err;
  EXPECT_EQ(dir.err.find("run: "), std::string::npos) << dir.err;

  const auto json =
      RunCli("run " + scenario + " --frames 2 --json /proc/distcnn-x/r.json" + kKernels);
  EXPECT_EQ(json.exit_status, 1) << json.out << json.err;
  EXPECT_NE(json.err.find("error: /proc/distcnn-x/r.json: cannot open for writing: "),
            std::string::npos)
      << json.err;
  EXPECT_EQ(json.err.find("run: "), std::string::npos) << json.err;
}

// `run --json -`: stdout is the JSON report alone; the text report goes to
// stderr (issue 14).
TEST(RunCliBadInputTest, JsonToStdoutIsPureJson) {
  const std::string scenario = WriteScenario("json-stdout", ChainScenario("cnn5", 5, ""));
  const auto run = RunCli("run " + scenario + " --frames 2 --json -" + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(run.out)) << run.out;
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["cnns"][0]["frames_received"].get<int>(), 2);
  EXPECT_NE(run.err.find("latency      measured mean"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("latency      measured mean"), std::string::npos) << run.out;
}

INSTANTIATE_TEST_SUITE_P(Zoo, RunCliTest,
                         ::testing::Values("lenet5", "cnn5", "cnn5-gc", "alexnet", "alexnet-2class",
                                           "alexnet-gc", "vgg16", "resnet18", "resnet50",
                                           "resnet101", "mobilenetv2"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace distcnn

// Runs the real `distcnn profile --measure`: the measured columns, the
// effective rate, and a device_types snippet that a scenario accepts and that
// `distcnn plan` then uses (its processing time is mults / the snippet's rate).
// No assertion depends on how fast the host is.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.h"

namespace {

namespace fs = std::filesystem;
using distcnn::testing::CliRun;
using distcnn::testing::RunCli;
using distcnn::testing::TempDir;
using nlohmann::json;

TEST(ProfileMeasureCliTest, TableSnippetAndAPlanThatUsesIt) {
  const CliRun r = RunCli("profile zoo:cnn5 --measure --repeat 2 --device-name measured-host");
  ASSERT_EQ(r.exit_status, 0) << r.err;
  for (const char* s :
       {"measured ms", "Mmults/s", "effective rate", "median of 2 runs", "onednn kernels"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  const size_t at = r.out.find("device_types:\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  const size_t layers_at = r.out.find("layers:\n", at);
  ASSERT_NE(layers_at, std::string::npos) << r.out;
  const std::string snippet = r.out.substr(at, r.out.find("\n", at + 14) + 1 - at);
  const std::string layer_table = r.out.substr(layers_at);
  EXPECT_NE(snippet.find("  measured-host: {memory_bytes: \""), std::string::npos) << snippet;
  const size_t rate_at = snippet.find("mults_per_s: ");
  ASSERT_NE(rate_at, std::string::npos) << snippet;
  const double rate = std::strtod(snippet.c_str() + rate_at + 13, nullptr);
  ASSERT_GT(rate, 0) << snippet;

  // One unit of the measured type hosting every layer, with source and sink on
  // it: no transmission, so the latency is total mults / rate.
  const fs::path scenario = TempDir() / "measured.yaml";
  std::ofstream(scenario) << snippet << "technology: wifi4\n"
                          << "units: [{id: n1, type: measured-host, pos: [0, 0]}]\n"
                          << "sources: [{id: s, at: n1}]\n"
                          << "sinks: [{id: f, at: n1}]\n"
                          << "cnns: [{name: c, source: s, model: \"zoo:cnn5\"}]\n";
  const CliRun plan = RunCli("plan " + scenario.string() + " --json -");
  ASSERT_EQ(plan.exit_status, 0) << plan.err << "\n" << snippet;
  const json p = json::parse(plan.out);
  EXPECT_EQ(p["status"], "optimal");
  const CliRun profile = RunCli("profile zoo:cnn5 --format json");
  ASSERT_EQ(profile.exit_status, 0) << profile.err;
  const double mults = json::parse(profile.out)["mults"].get<double>();
  EXPECT_NEAR(p["latency_s"].get<double>(), mults / rate, 1e-9 * mults / rate) << plan.out;

  // With the time-equivalent layer table, the plan predicts the sum of the
  // measured layer times (up to the snippet's rounding: 4 digits, whole M/s).
  double measured_s = 0;
  for (size_t pos = r.out.find("\n  1 "); pos < layers_at; pos = r.out.find("\n", pos + 1)) {
    std::istringstream row(r.out.substr(pos + 1, r.out.find("\n", pos + 1) - pos - 1));
    std::vector<std::string> cells{std::istream_iterator<std::string>(row), {}};
    if (cells.size() < 10 || cells[1] == "total") break;
    measured_s += std::stod(cells[cells.size() - 2]) / 1e3;
  }
  ASSERT_GT(measured_s, 0) << r.out;
  std::string indented;
  std::istringstream lines(layer_table);
  for (std::string line; std::getline(lines, line);) indented += "    " + line + "\n";
  std::ofstream(scenario) << snippet << "technology: wifi4\n"
                          << "units: [{id: n1, type: measured-host, pos: [0, 0]}]\n"
                          << "sources: [{id: s, at: n1}]\n"
                          << "sinks: [{id: f, at: n1}]\n"
                          << "cnns:\n  - name: c\n    source: s\n    model: \"zoo:cnn5\"\n"
                          << indented;
  const CliRun per_layer = RunCli("plan " + scenario.string() + " --json -");
  ASSERT_EQ(per_layer.exit_status, 0) << per_layer.err << "\n" << indented;
  EXPECT_NEAR(json::parse(per_layer.out)["latency_s"].get<double>(), measured_s, 2e-3 * measured_s)
      << per_layer.out << "\n"
      << r.out;
  fs::remove(scenario);
}

TEST(ProfileMeasureCliTest, JsonAndCsvCarryTimesRatesAndTheEffectiveRate) {
  const CliRun r = RunCli("profile zoo:cnn5-gc --measure --repeat 1 --format json");
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const json j = json::parse(r.out);
  double mults = 0;
  double ms = 0;
  ASSERT_EQ(j["layers"].size(), 6u);
  for (const json& l : j["layers"]) {
    const double t = l["measured_ms"].get<double>();
    EXPECT_GT(t, 0) << l.dump();
    EXPECT_NEAR(l["mults_per_s"].get<double>(), l["mults"].get<double>() / (t / 1e3),
                1e-9 * l["mults_per_s"].get<double>());
    mults += l["mults"].get<double>();
    ms += t;
  }
  const json& m = j["measured"];
  EXPECT_EQ(m["kernels"], "onednn");
  EXPECT_EQ(m["repeat"], 1);
  EXPECT_NEAR(m["total_ms"].get<double>(), ms, 1e-9 * ms);
  const double rate = m["mults_per_s"].get<double>();
  EXPECT_NEAR(rate, mults / (ms / 1e3), 1e-9 * rate);
  EXPECT_EQ(m["device_type"]["name"], "host");
  EXPECT_EQ(m["device_type"]["mults_per_s"].get<double>(), rate);
  EXPECT_GT(m["device_type"]["memory_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(m["device_type"]["memory_bytes"].get<int64_t>() % (1 << 20), 0);

  const CliRun csv = RunCli("profile zoo:cnn5-gc --measure --repeat 1 --format csv");
  ASSERT_EQ(csv.exit_status, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("index,layer,exit,ops,params,weight_bytes,mults,output_elements,"
                          "output_bytes,activation_bytes,decision_bytes,measured_ms,mults_per_s\n",
                          0),
            0u)
      << csv.out;
  EXPECT_NE(csv.out.find("\n,total,,"), std::string::npos) << csv.out;
}

TEST(ProfileMeasureCliTest, BadFlagsExitOne) {
  struct Case {
    const char* args;
    const char* message;
  } cases[] = {
      {"profile zoo:lenet5 --repeat 3", "requires --measure"},
      {"profile zoo:lenet5 --measure --repeat 0", "--repeat"},
      {"profile zoo:lenet5 --measure --kernels nope",
       "unknown kernels 'nope' (valid: onednn, reference)"},
      {"profile zoo:lenet5 --measure --device-name 'a b'", "--device-name 'a b'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const CliRun r = RunCli(c.args);
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

}  // namespace

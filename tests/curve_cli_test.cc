// CURVE through the real `distcnn` binary (docs/security.md): keygen, key
// flags refused with the file named and exit 1, a run with keys on local
// nodes, and a node started with keys that refuses a coordinator with no key
// and one with a key outside its flags, counts both and then serves the right
// coordinator.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "distcnn/runtime/local_cluster.h"

namespace distcnn {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::TempDir;

using testing::kKernels;

// cam - u0 - u1 - sink, cnn5 over both units.
std::string Scenario() {
  const std::string path = (TempDir() / "curve-chain.yaml").string();
  std::ofstream(path) << "name: curve-chain\nmax_layers_per_unit: 3\ntechnology: wifi4\n"
                         "units:\n  - {id: u0, type: jetson}\n  - {id: u1, type: jetson}\n"
                         "links: [[cam, u0], [u0, u1], [u1, sink]]\n"
                         "sources: [{id: cam}]\nsinks: [{id: sink}]\n"
                         "cnns:\n  - {name: net, source: cam, model: \"zoo:cnn5\"}\n";
  return path;
}

std::string Keygen(const std::string& name) {
  const std::string base = (TempDir() / "keys" / name).string();
  const auto run = RunCli("keygen --out " + base);
  EXPECT_EQ(run.exit_status, 0) << run.err;
  return base;
}

TEST(CurveCliTest, KeygenWritesAPairAndNeverOverwrites) {
  const std::string base = Keygen("pair");
  struct stat st {};
  ASSERT_EQ(::stat((base + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string pub = ReadFile(base + ".pub");
  const auto again = RunCli("keygen --out " + base);
  EXPECT_EQ(again.exit_status, 1);
  EXPECT_NE(again.err.find(base + ".key: cannot create: File exists"), std::string::npos)
      << again.err;
  EXPECT_EQ(ReadFile(base + ".pub"), pub);
}

TEST(CurveCliTest, BadKeyFlagsExitOneNamingTheFile) {
  const std::string base = Keygen("flags");
  const std::string bad = (TempDir() / "bad.pub").string();
  std::ofstream(bad) << "short\n";
  struct Case {
    std::string args, error;
  };
  const std::vector<Case> cases = {
      {"node --key " + base + ".key", "--key and --coordinator-key go together"},
      {"node --key " + base + ".missing --coordinator-key " + base + ".pub",
       "error: --key: " + base + ".missing: cannot read: No such file or directory"},
      {"node --key " + base + ".key --coordinator-key " + bad,
       "error: --coordinator-key: " + bad + ": a CURVE key is 40 Z85 characters, got 5"},
      {"run " + Scenario() + " --key " + bad, "error: --key: " + bad},
      {"run " + Scenario() + " --keys-dir " + TempDir().string(), "--keys-dir needs --key"},
  };
  for (const Case& c : cases) {
    const auto run = RunCli(c.args);
    EXPECT_EQ(run.exit_status, 1) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find(c.error), std::string::npos) << c.args << "\n" << run.err;
  }
  ::chmod((base + ".key").c_str(), 0640);
  const auto open = RunCli("node --key " + base + ".key --coordinator-key " + base + ".pub");
  EXPECT_EQ(open.exit_status, 1);
  EXPECT_NE(open.err.find("must not be readable by group or others (mode 0640"), std::string::npos)
      << open.err;
}

TEST(CurveCliTest, RunWithKeysOnItsLocalNodes) {
  const std::string report = (TempDir() / "curve-local.json").string();
  const auto run = RunCli("run " + Scenario() + " --curve --frames 3 --json " + report + kKernels);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("CURVE on every link"), std::string::npos) << run.out;
  const nlohmann::json j = nlohmann::json::parse(ReadFile(report));
  EXPECT_TRUE(j["curve"].get<bool>());
  EXPECT_EQ(j["refused_peers"], 0);
  EXPECT_EQ(j["cnns"][0]["frames_received"], 3);
  for (const auto& v : j["vertices"]) EXPECT_EQ(v["refused_peers"], 0) << v["name"];
}

// u0 runs elsewhere with its own key and the coordinator's public key.
TEST(CurveCliTest, NodeRefusesNoKeyAndAnOutsideKeyThenServesItsCoordinator) {
  const std::string coordinator = Keygen("coordinator");
  const std::string stranger = Keygen("stranger");
  const std::string u0 = Keygen("u0");
  runtime::LocalCluster elsewhere(
      DISTCNN_BINARY, {"--kernels", DISTCNN_TEST_KERNELS, "--key", u0 + ".key", "--coordinator-key",
                       coordinator + ".pub"});
  Result<size_t> node = elsewhere.Start("u0", std::chrono::seconds(20));
  ASSERT_TRUE(node.ok()) << node.status().message();
  const std::string nodes = (TempDir() / "curve-nodes.yaml").string();
  std::ofstream(nodes) << "nodes:\n  u0: \"" << elsewhere.node(*node).endpoint << "\"\n";
  const std::string keys_dir = (TempDir() / "keys").string();
  const std::string base = "run " + Scenario() + " --nodes " + nodes + " --frames 2" + kKernels;

  const auto no_key = RunCli(base + " --deploy-timeout 1");
  EXPECT_EQ(no_key.exit_status, 1) << no_key.err;
  EXPECT_NE(no_key.err.find("node u0 at"), std::string::npos) << no_key.err;
  const auto outside =
      RunCli(base + " --deploy-timeout 1 --key " + stranger + ".key --keys-dir " + keys_dir);
  EXPECT_EQ(outside.exit_status, 1) << outside.err;
  const auto missing_dir = RunCli(base + " --curve");
  EXPECT_EQ(missing_dir.exit_status, 1);
  EXPECT_NE(missing_dir.err.find("--nodes with CURVE needs --key FILE"), std::string::npos)
      << missing_dir.err;

  const std::string report = (TempDir() / "curve-remote.json").string();
  const auto run =
      RunCli(base + " --key " + coordinator + ".key --keys-dir " + keys_dir + " --json " + report);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  const nlohmann::json j = nlohmann::json::parse(ReadFile(report));
  EXPECT_TRUE(j["curve"].get<bool>());
  for (const auto& v : j["vertices"]) {
    if (v["name"] == "u0") {
      // The coordinator with no key (each of its reconnections), the stranger's key.
      EXPECT_GE(v["refused_peers"], 2);
    } else {
      EXPECT_EQ(v["refused_peers"], 0) << v["name"];
    }
  }
  EXPECT_NE(run.out.find("u0: "), std::string::npos);
  EXPECT_NE(run.out.find(" peer(s)"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace distcnn

// `distcnn run [SCENARIO]`: plans the scenario (or the built-in default), deploys
// the plan on node processes, streams frames and prints predicted vs measured
// (runtime/coordinator.h). Returns the exit status: 0 ok, 1 bad input or setup
// failure, 2/3 as `plan`, 4 a node failed or frames were lost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace distcnn {

struct RunFlags {
  std::string scenario_path;  // empty: the built-in default
  uint64_t default_seed = 1;
  std::string plan_path;  // a `distcnn plan --json` document; empty: plan here
  std::string solver = "exact";
  double time_limit_s = 60;
  int frames = 10;
  int warmup = 1;
  double rate_fps = 0;
  int in_flight = 4;
  std::string emulate = "off";  // off, full, links
  std::string nodes_file;
  std::string bind = "tcp://127.0.0.1:*";
  std::string json_path;
  std::string save_outputs_dir;
  uint64_t input_seed = 1;
  int calibration_frames = 256;
  std::string kernels = "onednn";
  int node_threads = 1;
  bool monolithic = false;  // time the whole model in the coordinator after each frame
  bool keep_cpus_awake = false;
  std::vector<std::string> faults;  // UNIT@DECISIONS[:kill|:stop]
  bool restart_failed = false;
  double heartbeat_timeout_s = 0.8;
  double deploy_timeout_s = 30;
  // CURVE (docs/security.md). --curve: on, with fresh keys for the run (local
  // nodes only); --key FILE: on, with the coordinator's secret key from FILE;
  // --keys-dir DIR: UNIT.pub of every unit in --nodes (needs --key).
  bool curve = false;
  std::string key_file;
  std::string keys_dir;
};

int RunRunCommand(const RunFlags& flags);

}  // namespace distcnn

// What a node reports to the coordinator (the "stats" control message): per
// hosted layer, how often it ran and exited and how long it computed; per node,
// the traffic it sent and relayed and every message it rejected or could not
// deliver. Plain values with a JSON codec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distcnn/base/status.h"

namespace distcnn::runtime {

struct LayerStats {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  std::string name;
  uint64_t runs = 0;
  uint64_t exits = 0;         // gates: frames whose decision exited here
  double compute_s = 0;       // including emulation's stretch
  double real_compute_s = 0;  // kernels only
  uint64_t overruns = 0;      // emulation: real compute exceeded the modelled time
  int part = -1;              // a part of split layer `layer` (its index); -1: the layer
                              // (whole, or a split layer's merge)
};

// When a frame passed this vertex on its way in or out of the modelled system
// (steady_clock, ns since its epoch: comparable between processes of one host).
struct FrameStamp {
  uint32_t cnn = 0;
  uint64_t frame = 0;
  int64_t steady_ns = 0;

  bool operator==(const FrameStamp&) const = default;
};

struct NodeStats {
  uint32_t vertex = 0;
  std::string name;
  std::vector<LayerStats> layers;
  uint64_t slices = 0;         // distinct layer slices held (a shared layer's weights once)
  uint64_t weight_bytes = 0;   // the weights (initializers) they hold, in bytes
  uint64_t messages_sent = 0;  // tensors and decisions, own and relayed
  uint64_t bytes_sent = 0;     // their payload bytes
  uint64_t relayed = 0;        // messages forwarded for others
  double radio_busy_s = 0;     // emulated transmission time
  // Received messages stamped with their emulated arrival (docs/runtime.md),
  // those that came after it (this host's transport took longer than the
  // modelled transmission) and by how much in all.
  uint64_t stamped_arrivals = 0;
  uint64_t late_arrivals = 0;
  double late_s = 0;
  uint64_t rejected = 0;  // malformed messages (decoder) and unexpected ones
  // Tensors of an earlier plan epoch (after a failover), dropped as expected,
  // with the queued and pending work of that epoch.
  uint64_t stale_dropped = 0;
  uint64_t refused_peers = 0;       // hellos with no common wire version, and
                                    // connections refused by CURVE (docs/security.md)
  uint64_t send_errors = 0;         // messages the transport refused (lost)
  uint64_t compute_errors = 0;      // frames a kernel failed on (lost)
  std::vector<std::string> errors;  // the first few error messages
  // Frames this vertex received from the coordinator (it holds the source's
  // image from then on) and decisions it handed to the coordinator (the sink
  // has them): the ends of the modelled system's latency.
  std::vector<FrameStamp> entered;
  std::vector<FrameStamp> decided;
};

std::string NodeStatsToJson(const NodeStats& stats);
Result<NodeStats> NodeStatsFromJson(const std::string& text);

}  // namespace distcnn::runtime

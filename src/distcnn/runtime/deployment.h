// What the coordinator tells one vertex of the IoT system to do: which layer
// slices it runs (with their ONNX bytes; a shared layer's weights once), where
// each result goes (the hop path to the next layer's unit and to the sink),
// the endpoints of its neighbours, and how to emulate its device and radio.
// BuildDeployments derives every vertex's deployment from a scenario and a
// plan; the codec turns one into a control message and back. Plain values.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/runtime/control_message.h"
#include "distcnn/runtime/layer_slices.h"
#include "distcnn/transport/transport.h"

namespace distcnn::runtime {

using transport::PeerId;

// The coordinator's own peer id (control, injected frames, decisions).
inline constexpr PeerId kCoordinatorPeer = 0xFFFF;

enum class EmulationMode {
  kOff,    // compute and send at this host's real speed
  kFull,   // stretch compute to c_j / e_i and shape each hop to the radio rate
  kLinks,  // shape the radio only
};
const char* EmulationModeName(EmulationMode mode);
Result<EmulationMode> ParseEmulationMode(const std::string& name);

struct HostedLayer {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  std::string name;          // "cnn.layer", for reports
  int slice = 0;             // index into VertexDeployment::slices (shared layers: one slice)
  bool exit = false;         // a gate: its decision exits or the frame continues
  float exit_threshold = 0;  // gates: exit when the top softmax probability >= this
  bool last = false;         // the CNN's last layer: its output is the decision
  double mults = 0;          // c_j, for compute emulation
  // Vertices after this one up to the unit of layer + 1 (empty: this vertex),
  // and up to the CNN's sink (exit and last layers; empty: the sink is here).
  std::vector<PeerId> next_path;
  std::vector<PeerId> sink_path;
};

struct VertexDeployment {
  PeerId vertex = 0;
  std::string name;  // the unit's (or source's, sink's) id in the scenario
  std::string coordinator_endpoint;
  std::map<PeerId, std::string> neighbour_endpoints;  // every neighbour that runs
  // Neighbours that share this vertex's steady clock (the coordinator runs both
  // on its host): emulated hops between them are stamped with their arrival time.
  std::set<PeerId> clock_peers;
  std::vector<HostedLayer> layers;
  std::vector<std::string> slices;  // ONNX bytes of each slice
  EmulationMode emulation = EmulationMode::kOff;
  double mults_per_s = 0;  // e_i of the unit (0 for sources and sinks)
  double link_bps = 0;     // the radio's data rate
};

ControlMessage EncodeDeployment(const VertexDeployment& deployment);
// InvalidArgument naming the bad field.
Result<VertexDeployment> DecodeDeployment(const ControlMessage& message);

// One CNN's model as the runtime needs it: its slices and profile.
struct CnnProgram {
  std::string model;  // "zoo:NAME" or an .onnx path
  ModelProfile profile;
  std::vector<LayerSlice> slices;
};

// Builds the deployment of every vertex that takes part in `plan`: units
// that run a layer or relay on a used path, and the sources and sinks that are
// vertices of their own. Exit thresholds come from `thresholds` (per CNN, per
// layer; ignored for non-gates). Endpoints are filled in later by the caller.
// Errors (kInvalidArgument): a CNN whose program does not match the problem's
// layers, a path longer than the wire format's route, an unreachable vertex.
// The routes are the plan's transfers (Plan::transfers).
Result<std::map<PeerId, VertexDeployment>> BuildDeployments(
    const Problem& problem, const Plan& plan, const std::vector<CnnProgram>& programs,
    const std::vector<std::vector<float>>& thresholds, EmulationMode emulation);

// The vertices after the first of `t`'s path (empty for zero hops), the route
// a message takes. Errors (kInvalidArgument, naming `what`): unreachable, or
// longer than the wire format's route limit.
Result<std::vector<PeerId>> RouteOf(const Transfer& t, const std::string& what);

}  // namespace distcnn::runtime

// What the coordinator tells one vertex of the IoT system to do: which layer
// slices it runs (with their ONNX bytes; a shared layer's weights once), the
// parts of split layers it computes and the splits it merges (docs/cost-model.md),
// where each result goes (the hop paths to the next layer's unit or parts, to
// the merge unit, to the sink), the endpoints of its neighbours, and how to
// emulate its device and radio. BuildDeployments derives every vertex's
// deployment from a problem and a plan, cutting split layers' weights per part;
// the codec turns one into a control message and back. Plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "distcnn/base/status.h"
#include "distcnn/placement/evaluator.h"
#include "distcnn/runtime/control_message.h"
#include "distcnn/runtime/layer_slices.h"
#include "distcnn/runtime/split_slices.h"
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

// One destination of a tensor: the input of a whole layer, or of one part of a
// split layer (its scatter).
struct Send {
  std::vector<PeerId> path;       // the vertices after the sender (empty: the sender)
  int part = transport::kNoPart;  // the receiving part, or the whole layer
  // in_channels: the part's input channels, which the sender cuts out of the
  // tensor (the scatter carries only them); spatial: the part's band of input
  // rows (a band on axis 2); none: the whole tensor.
  std::optional<TensorRange> range;
  bool operator==(const Send&) const = default;
};

// How a split layer's merge combines its parts' results.
enum class Combine {
  kNone,    // a whole layer
  kConcat,  // out_channels: blocks of channels; spatial: bands of rows; in part order
  kSum,     // in_channels, fused: partial sums
};

// A whole layer, or the merge of a split layer (on its merge unit): either
// way where the layer's output is whole, and where it goes from here.
struct HostedLayer {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  std::string name;          // "cnn.layer", for reports
  int slice = 0;             // index into VertexDeployment::slices (shared layers: one slice);
                             // -1: a merge with nothing to run after combining
  bool exit = false;         // a gate: its decision exits or the frame continues
  float exit_threshold = 0;  // gates: exit when the top softmax probability >= this
  bool last = false;         // the CNN's last layer: its output is the decision
  double mults = 0;          // c_j (a merge: its own mults), for compute emulation
  // The inputs of layer + 1: one whole layer, or the parts of a split one.
  std::vector<Send> next;
  // Vertices after this one up to the CNN's sink (exit and last layers;
  // empty: the sink is here).
  std::vector<PeerId> sink_path;
  // A merge: how many parts it waits for per frame, how it combines them
  // (concatenated along `concat_axis`, or summed) into a tensor of `combined`
  // shape, which the slice reads.
  Combine combine = Combine::kNone;
  int parts = 0;
  int concat_axis = 1;
  Shape combined;
};

// One part of a split layer: it receives the layer's input (or its slice of
// it), runs its slices in turn and sends its result to the merge unit.
struct HostedPart {
  uint32_t cnn = 0;
  uint32_t layer = 0;  // the layer whose scatter it receives (a span's first)
  int part = 0;        // its index in the layer's placement
  std::string name;    // "cnn.layer[part k]" (fused "cnn.first+second[part k]",
                       // spatial "cnn.first..last[part k]")
  // Indices into VertexDeployment::slices, run in turn, each on the previous
  // one's output relabelled to its input shape (fused: two).
  std::vector<int> slices;
  // The range of the received tensor it reads (a grouped conv's groups); none: all.
  std::optional<TensorRange> input;
  double mults = 0;                 // for compute emulation
  uint32_t merge_layer = 0;         // the layer its result is gathered for (a span's last)
  std::vector<PeerId> gather_path;  // to the merge unit (empty: this vertex)
};

// The source vertex of a CNN whose first layer is split: the image's scatter.
struct Fanout {
  uint32_t cnn = 0;
  uint32_t layer = 0;
  std::vector<Send> sends;
};

struct VertexDeployment {
  PeerId vertex = 0;
  std::string name;  // the unit's (or source's, sink's) id in the scenario
  std::string coordinator_endpoint;
  std::map<PeerId, std::string> neighbour_endpoints;  // every neighbour that runs
  // CURVE (docs/security.md): the public key (Z85) of every neighbour that
  // runs, the only peers besides the coordinator it accepts; empty: keys off.
  std::map<PeerId, std::string> peer_keys;
  // Neighbours that share this vertex's steady clock (the coordinator runs both
  // on its host): emulated hops between them are stamped with their arrival time.
  std::set<PeerId> clock_peers;
  std::vector<HostedLayer> layers;
  std::vector<HostedPart> parts;
  std::vector<Fanout> fanouts;
  std::vector<std::string> slices;  // ONNX bytes of each slice
  EmulationMode emulation = EmulationMode::kOff;
  double mults_per_s = 0;  // e_i of the unit (0 for sources and sinks)
  double link_bps = 0;     // the radio's data rate
  // The plan epoch (wire header `epoch`): 0 for the run's first plan, one more
  // per failover re-plan. Tensors of another epoch are dropped as stale.
  uint32_t epoch = 0;
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
// that run a layer or a part or relay on a used path, and the sources and
// sinks that are vertices of their own. A split layer's parts get their
// slices cut here (split_slices.h), each with only the weights it holds.
// Exit thresholds come from `thresholds` (per CNN, per layer; ignored for
// non-gates). Endpoints are filled in later by the caller.
// Errors (kInvalidArgument): a CNN whose program does not match the problem's
// layers, a path longer than the wire format's route, an unreachable vertex,
// a split layer without split figures or that the slices cannot cut.
// The routes are the plan's transfers (Plan::transfers).
Result<std::map<PeerId, VertexDeployment>> BuildDeployments(
    const Problem& problem, const Plan& plan, const std::vector<CnnProgram>& programs,
    const std::vector<std::vector<float>>& thresholds, EmulationMode emulation);

// The vertices after the first of `t`'s path (empty for zero hops), the route
// a message takes. Errors (kInvalidArgument, naming `what`): unreachable, or
// longer than the wire format's route limit.
Result<std::vector<PeerId>> RouteOf(const Transfer& t, const std::string& what);

}  // namespace distcnn::runtime

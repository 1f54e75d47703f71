#include "distcnn/runtime/deployment.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "distcnn/model/onnx_io.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::runtime {

using nlohmann::json;

const char* EmulationModeName(EmulationMode mode) {
  switch (mode) {
    case EmulationMode::kOff:
      return "off";
    case EmulationMode::kFull:
      return "full";
    case EmulationMode::kLinks:
      return "links";
  }
  return "?";
}

Result<EmulationMode> ParseEmulationMode(const std::string& name) {
  for (EmulationMode m : {EmulationMode::kOff, EmulationMode::kFull, EmulationMode::kLinks}) {
    if (name == EmulationModeName(m)) return m;
  }
  return InvalidArgument("emulation mode '" + name + "': expected off, full or links");
}

ControlMessage EncodeDeployment(const VertexDeployment& d) {
  json layers = json::array();
  for (const HostedLayer& l : d.layers) {
    layers.push_back({{"cnn", l.cnn},
                      {"layer", l.layer},
                      {"name", l.name},
                      {"slice", l.slice},
                      {"exit", l.exit},
                      {"exit_threshold", l.exit_threshold},
                      {"last", l.last},
                      {"mults", l.mults},
                      {"next_path", l.next_path},
                      {"sink_path", l.sink_path}});
  }
  json neighbours = json::object();
  for (const auto& [peer, endpoint] : d.neighbour_endpoints) {
    neighbours[std::to_string(peer)] = endpoint;
  }
  const json body = {{"vertex", d.vertex},
                     {"name", d.name},
                     {"coordinator_endpoint", d.coordinator_endpoint},
                     {"neighbours", neighbours},
                     {"clock_peers", d.clock_peers},
                     {"layers", layers},
                     {"emulation", EmulationModeName(d.emulation)},
                     {"mults_per_s", d.mults_per_s},
                     {"link_bps", d.link_bps}};
  return ControlMessage{"deploy", body.dump(), d.slices};
}

Result<VertexDeployment> DecodeDeployment(const ControlMessage& message) {
  if (message.type != "deploy") {
    return InvalidArgument("deployment: expected a 'deploy' message, got '" + message.type + "'");
  }
  VertexDeployment d;
  try {
    const json body = json::parse(message.body);
    d.vertex = body.at("vertex").get<PeerId>();
    d.name = body.at("name").get<std::string>();
    d.coordinator_endpoint = body.at("coordinator_endpoint").get<std::string>();
    for (const auto& [peer, endpoint] : body.at("neighbours").items()) {
      d.neighbour_endpoints[static_cast<PeerId>(std::stoul(peer))] = endpoint.get<std::string>();
    }
    d.clock_peers = body.at("clock_peers").get<std::set<PeerId>>();
    for (const json& l : body.at("layers")) {
      HostedLayer h;
      h.cnn = l.at("cnn").get<uint32_t>();
      h.layer = l.at("layer").get<uint32_t>();
      h.name = l.at("name").get<std::string>();
      h.slice = l.at("slice").get<int>();
      h.exit = l.at("exit").get<bool>();
      h.exit_threshold = l.at("exit_threshold").get<float>();
      h.last = l.at("last").get<bool>();
      h.mults = l.at("mults").get<double>();
      h.next_path = l.at("next_path").get<std::vector<PeerId>>();
      h.sink_path = l.at("sink_path").get<std::vector<PeerId>>();
      if (h.slice < 0 || static_cast<size_t>(h.slice) >= message.blobs.size()) {
        return InvalidArgument("deployment: layer " + h.name + ": slice " +
                               std::to_string(h.slice) + " of " +
                               std::to_string(message.blobs.size()));
      }
      d.layers.push_back(std::move(h));
    }
    ASSIGN_OR_RETURN(d.emulation, ParseEmulationMode(body.at("emulation").get<std::string>()));
    d.mults_per_s = body.at("mults_per_s").get<double>();
    d.link_bps = body.at("link_bps").get<double>();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("deployment: ") + e.what());
  }
  d.slices = message.blobs;
  return d;
}

namespace {

// True when two slices hold the same operators and byte-identical weights.
bool SameWeights(const Graph& a, const Graph& b) {
  if (a.nodes.size() != b.nodes.size() || a.initializers.size() != b.initializers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    if (a.nodes[i].op_type != b.nodes[i].op_type || a.nodes[i].attrs != b.nodes[i].attrs) {
      return false;
    }
  }
  for (size_t i = 0; i < a.initializers.size(); ++i) {
    if (a.initializers[i].info.shape != b.initializers[i].info.shape ||
        RawBytes(a.initializers[i]) != RawBytes(b.initializers[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<PeerId>> RouteOf(const Transfer& t, const std::string& what) {
  if (t.path.empty()) return InvalidArgument(what + ": no path in the radio graph");
  if (static_cast<size_t>(t.hops()) > transport::kMaxRouteLength) {
    return InvalidArgument(what + ": " + std::to_string(t.hops()) +
                           " hops exceed the wire format's route limit of " +
                           std::to_string(transport::kMaxRouteLength));
  }
  return std::vector<PeerId>(t.path.begin() + 1, t.path.end());
}

Result<std::map<PeerId, VertexDeployment>> BuildDeployments(
    const Problem& problem, const Plan& plan, const std::vector<CnnProgram>& programs,
    const std::vector<std::vector<float>>& thresholds, EmulationMode emulation) {
  const IoTSystem& sys = problem.system;
  std::map<PeerId, VertexDeployment> out;
  auto vertex = [&](int v) -> VertexDeployment& {
    VertexDeployment& d = out[static_cast<PeerId>(v)];
    d.vertex = static_cast<PeerId>(v);
    d.name = sys.vertex_ids[static_cast<size_t>(v)];
    d.emulation = emulation;
    d.link_bps = sys.technology.rate_bps;
    if (v < sys.num_units()) d.mults_per_s = sys.units[static_cast<size_t>(v)].type.mults_per_s;
    return d;
  };
  auto touch_path = [&](int from, const std::vector<PeerId>& path) {
    vertex(from);
    for (PeerId v : path) vertex(v);
  };

  // The representative of each shared group: the slice every member uses.
  std::map<std::pair<int, int>, LayerRef> representative;
  std::map<std::pair<std::string, int>, std::string> exported;  // (model, layer) -> ONNX
  for (const std::vector<LayerRef>& group : problem.shared) {
    for (const LayerRef& r : group) representative[{r.cnn, r.layer}] = group.front();
  }

  for (size_t c = 0; c < problem.cnns.size(); ++c) {
    const Cnn& cnn = problem.cnns[c];
    const CnnProgram& program = programs[c];
    if (program.slices.size() != cnn.layers.size()) {
      return InvalidArgument("CNN '" + cnn.name + "': its model " + program.model + " has " +
                             std::to_string(program.slices.size()) +
                             " placeable layers, the "
                             "scenario " +
                             std::to_string(cnn.layers.size()));
    }
    // The plan's transfers, in execution order: the source, then per layer its
    // exit (if any) and its link to the next layer.
    std::vector<HostedLayer> hosted(cnn.layers.size());
    for (const Transfer& t : plan.transfers(static_cast<int>(c))) {
      const std::string what = t.kind == TransferKind::kSource
                                   ? cnn.name + " source"
                                   : cnn.name + "." +
                                         cnn.layers[static_cast<size_t>(t.from_layer)].name +
                                         (t.kind == TransferKind::kExit ? " to the sink" : "");
      ASSIGN_OR_RETURN(std::vector<PeerId> route, RouteOf(t, what));
      touch_path(t.from_vertex, route);
      if (t.kind == TransferKind::kLink)
        hosted[static_cast<size_t>(t.from_layer)].next_path = route;
      if (t.kind == TransferKind::kExit)
        hosted[static_cast<size_t>(t.from_layer)].sink_path = route;
    }
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      const Layer& layer = cnn.layers[j];
      const std::string name = cnn.name + "." + layer.name;
      HostedLayer& h = hosted[j];
      h.cnn = static_cast<uint32_t>(c);
      h.layer = static_cast<uint32_t>(j);
      h.name = name;
      h.exit = program.slices[j].exit;
      h.last = j + 1 == cnn.layers.size();
      h.mults = layer.mults;
      if (h.exit) h.exit_threshold = thresholds[c][j];
      // A gate the plan gives no exit (exit_prob 0) has no route to the sink.
      if (h.exit && !IsExit(cnn, static_cast<int>(j))) h.exit_threshold = 2.0f;
      // The slice: a shared layer's representative, stored once per vertex.
      LayerRef rep{static_cast<int>(c), static_cast<int>(j)};
      if (auto it = representative.find({rep.cnn, rep.layer}); it != representative.end()) {
        rep = it->second;
        const Graph& mine = program.slices[j].graph;
        const Graph& theirs =
            programs[static_cast<size_t>(rep.cnn)].slices[static_cast<size_t>(rep.layer)].graph;
        if (!SameWeights(mine, theirs)) {
          return InvalidArgument("layer " + name + " is shared with " + problem.LayerName(rep) +
                                 " but their operators or weights differ");
        }
      }
      VertexDeployment& d = vertex(plan.OutputUnit(static_cast<int>(c), static_cast<int>(j)));
      auto known = std::find_if(d.layers.begin(), d.layers.end(), [&](const HostedLayer& other) {
        LayerRef o{static_cast<int>(other.cnn), static_cast<int>(other.layer)};
        if (auto it = representative.find({o.cnn, o.layer}); it != representative.end()) {
          o = it->second;
        }
        return o == rep;
      });
      if (known != d.layers.end()) {
        h.slice = known->slice;
      } else {
        // CNNs running the same model share the serialised slices.
        const CnnProgram& owner = programs[static_cast<size_t>(rep.cnn)];
        const auto key = std::make_pair(owner.model, rep.layer);
        if (!exported.count(key)) {
          ASSIGN_OR_RETURN(exported[key],
                           ExportOnnxBytes(owner.slices[static_cast<size_t>(rep.layer)].graph));
        }
        h.slice = static_cast<int>(d.slices.size());
        d.slices.push_back(exported.at(key));
      }
      d.layers.push_back(std::move(h));
    }
  }
  return out;
}

}  // namespace distcnn::runtime

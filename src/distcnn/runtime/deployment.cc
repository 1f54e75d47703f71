#include "distcnn/runtime/deployment.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "distcnn/model/onnx_io.h"
#include "distcnn/placement/split_cost.h"
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

namespace {

const char* CombineName(Combine c) {
  switch (c) {
    case Combine::kNone:
      return "none";
    case Combine::kConcat:
      return "concat";
    case Combine::kSum:
      return "sum";
  }
  return "?";
}

Result<Combine> ParseCombine(const std::string& name) {
  for (Combine c : {Combine::kNone, Combine::kConcat, Combine::kSum}) {
    if (name == CombineName(c)) return c;
  }
  return InvalidArgument("deployment: combine '" + name + "': expected none, concat or sum");
}

// A range; "axis" only for a band (absent: contiguous elements).
json RangeToJson(const std::optional<TensorRange>& r) {
  if (!r) return nullptr;
  json j = {{"offset", r->offset}, {"shape", r->shape}};
  if (r->axis >= 0) j["axis"] = r->axis;
  return j;
}

std::optional<TensorRange> RangeFromJson(const json& j) {
  if (j.is_null()) return std::nullopt;
  return TensorRange{j.at("offset").get<int64_t>(), j.at("shape").get<Shape>(),
                     j.value("axis", -1)};
}

json SendsToJson(const std::vector<Send>& sends) {
  json out = json::array();
  for (const Send& s : sends) {
    out.push_back({{"path", s.path}, {"part", s.part}, {"range", RangeToJson(s.range)}});
  }
  return out;
}

std::vector<Send> SendsFromJson(const json& j) {
  std::vector<Send> out;
  for (const json& s : j) {
    out.push_back(Send{s.at("path").get<std::vector<PeerId>>(), s.at("part").get<int>(),
                       RangeFromJson(s.at("range"))});
  }
  return out;
}

}  // namespace

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
                      {"next", SendsToJson(l.next)},
                      {"sink_path", l.sink_path},
                      {"combine", CombineName(l.combine)},
                      {"parts", l.parts},
                      {"concat_axis", l.concat_axis},
                      {"combined", l.combined}});
  }
  json parts = json::array();
  for (const HostedPart& p : d.parts) {
    parts.push_back({{"cnn", p.cnn},
                     {"layer", p.layer},
                     {"part", p.part},
                     {"name", p.name},
                     {"slices", p.slices},
                     {"input", RangeToJson(p.input)},
                     {"mults", p.mults},
                     {"merge_layer", p.merge_layer},
                     {"gather_path", p.gather_path}});
  }
  json fanouts = json::array();
  for (const Fanout& f : d.fanouts) {
    fanouts.push_back({{"cnn", f.cnn}, {"layer", f.layer}, {"sends", SendsToJson(f.sends)}});
  }
  json neighbours = json::object();
  for (const auto& [peer, endpoint] : d.neighbour_endpoints) {
    neighbours[std::to_string(peer)] = endpoint;
  }
  json peer_keys = json::object();
  for (const auto& [peer, key] : d.peer_keys) peer_keys[std::to_string(peer)] = key;
  const json body = {{"vertex", d.vertex},
                     {"name", d.name},
                     {"coordinator_endpoint", d.coordinator_endpoint},
                     {"neighbours", neighbours},
                     {"peer_keys", peer_keys},
                     {"clock_peers", d.clock_peers},
                     {"layers", layers},
                     {"parts", parts},
                     {"fanouts", fanouts},
                     {"emulation", EmulationModeName(d.emulation)},
                     {"mults_per_s", d.mults_per_s},
                     {"link_bps", d.link_bps},
                     {"epoch", d.epoch}};
  return ControlMessage{ControlType::kDeploy, body.dump(), d.slices};
}

Result<VertexDeployment> DecodeDeployment(const ControlMessage& message) {
  if (message.type != ControlType::kDeploy) {
    return InvalidArgument("deployment: expected a 'deploy' message, got '" +
                           std::string(ControlTypeName(message.type)) + "'");
  }
  VertexDeployment d;
  const int slices = static_cast<int>(message.blobs.size());
  auto bad_slice = [&](const std::string& name, int slice) {
    return InvalidArgument("deployment: " + name + ": slice " + std::to_string(slice) + " of " +
                           std::to_string(slices));
  };
  try {
    const json body = json::parse(message.body);
    d.vertex = body.at("vertex").get<PeerId>();
    d.name = body.at("name").get<std::string>();
    d.coordinator_endpoint = body.at("coordinator_endpoint").get<std::string>();
    for (const auto& [peer, endpoint] : body.at("neighbours").items()) {
      d.neighbour_endpoints[static_cast<PeerId>(std::stoul(peer))] = endpoint.get<std::string>();
    }
    const json peer_keys = body.value("peer_keys", json::object());
    for (const auto& [peer, key] : peer_keys.items()) {
      d.peer_keys[static_cast<PeerId>(std::stoul(peer))] = key.get<std::string>();
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
      h.next = SendsFromJson(l.at("next"));
      h.sink_path = l.at("sink_path").get<std::vector<PeerId>>();
      ASSIGN_OR_RETURN(h.combine, ParseCombine(l.at("combine").get<std::string>()));
      h.parts = l.at("parts").get<int>();
      h.concat_axis = l.at("concat_axis").get<int>();
      h.combined = l.at("combined").get<Shape>();
      const bool merge = h.combine != Combine::kNone;
      if (h.slice >= slices || h.slice < (merge ? -1 : 0))
        return bad_slice("layer " + h.name, h.slice);
      if (merge && (h.parts < 1 || h.parts > transport::kMaxPartIndex + 1)) {
        return InvalidArgument("deployment: layer " + h.name + ": " + std::to_string(h.parts) +
                               " parts");
      }
      if (h.combine == Combine::kConcat &&
          (h.concat_axis < 0 || static_cast<size_t>(h.concat_axis) >= h.combined.size())) {
        return InvalidArgument("deployment: layer " + h.name + ": concat axis " +
                               std::to_string(h.concat_axis) + " of a rank-" +
                               std::to_string(h.combined.size()) + " tensor");
      }
      d.layers.push_back(std::move(h));
    }
    for (const json& p : body.at("parts")) {
      HostedPart h;
      h.cnn = p.at("cnn").get<uint32_t>();
      h.layer = p.at("layer").get<uint32_t>();
      h.part = p.at("part").get<int>();
      h.name = p.at("name").get<std::string>();
      h.slices = p.at("slices").get<std::vector<int>>();
      h.input = RangeFromJson(p.at("input"));
      h.mults = p.at("mults").get<double>();
      h.merge_layer = p.at("merge_layer").get<uint32_t>();
      h.gather_path = p.at("gather_path").get<std::vector<PeerId>>();
      if (h.slices.empty()) return InvalidArgument("deployment: part " + h.name + ": no slices");
      for (int s : h.slices) {
        if (s < 0 || s >= slices) return bad_slice("part " + h.name, s);
      }
      if (h.part < 0 || h.part > transport::kMaxPartIndex) {
        return InvalidArgument("deployment: part " + h.name + ": index " + std::to_string(h.part));
      }
      d.parts.push_back(std::move(h));
    }
    for (const json& f : body.at("fanouts")) {
      d.fanouts.push_back(Fanout{f.at("cnn").get<uint32_t>(), f.at("layer").get<uint32_t>(),
                                 SendsFromJson(f.at("sends"))});
    }
    ASSIGN_OR_RETURN(d.emulation, ParseEmulationMode(body.at("emulation").get<std::string>()));
    d.mults_per_s = body.at("mults_per_s").get<double>();
    d.link_bps = body.at("link_bps").get<double>();
    d.epoch = body.value("epoch", 0u);
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

namespace {

// Adds `graph` as a slice of `d` (ONNX bytes); returns its index.
Result<int> AddSlice(VertexDeployment& d, const Graph& graph) {
  ASSIGN_OR_RETURN(std::string bytes, ExportOnnxBytes(graph));
  d.slices.push_back(std::move(bytes));
  return static_cast<int>(d.slices.size()) - 1;
}

// The parts and the merge of split layer j of CNN c (for a fused pair, j is
// the second layer; for a spatial stack, its last): each part's slices on its
// unit, the in_channels scatter's ranges and the spatial scatter's bands in
// `into` (the sends into the layer its parts read), and `hosted`
// (the layer's entry, its sink path set) completed as the merge on its unit.
// Returns the merge's index in that unit's layers.
Result<size_t> DeploySplit(const Problem& problem, const Plan& plan, const CnnProgram& program,
                           int c, int j,
                           const std::map<std::pair<int, int>, std::vector<PeerId>>& gather_paths,
                           std::vector<Send>& into, HostedLayer& hosted,
                           const std::function<VertexDeployment&(int)>& vertex) {
  const Cnn& cnn = problem.cnns[static_cast<size_t>(c)];
  const Placement& pl = plan.placement(c, j);
  const bool fused = pl.kind == PartitionKind::kFused;
  const bool spatial = pl.kind == PartitionKind::kSpatial;
  const int first = plan.SpanFirst(c, j);  // the layer whose input the parts read
  const Layer& layer = cnn.layers[static_cast<size_t>(j)];
  const Layer& first_layer = cnn.layers[static_cast<size_t>(first)];
  const std::string name = cnn.name + "." + layer.name;
  // spatial: the stack's ops as row windows, layer by layer (row_bands.h).
  std::vector<RowWindow> row_ops;
  for (int l = first; l <= j; ++l) {
    const Layer& member = cnn.layers[static_cast<size_t>(l)];
    if (!member.split) {
      return InvalidArgument("layer " + cnn.name + "." + member.name +
                             " is split but has no split figures");
    }
    if (spatial && !member.split->spatial_ok()) {
      return InvalidArgument("layer " + cnn.name + "." + member.name +
                             " is in a spatial stack but has no row windows");
    }
    if (spatial) {
      row_ops.insert(row_ops.end(), member.split->row_ops.begin(), member.split->row_ops.end());
    }
  }
  const LayerSlice& slice = program.slices[static_cast<size_t>(j)];
  const LayerSlice& first_slice = program.slices[static_cast<size_t>(first)];
  const std::vector<int64_t>& units = plan.PartUnits(c, j);
  // fused: each of the first layer's output units is k input units of the second.
  const int64_t k = fused ? layer.split->in_units / first_layer.split->out_units : 1;
  bool scatter_matches = into.size() == pl.parts.size();
  for (size_t q = 0; q < into.size(); ++q) {
    scatter_matches = scatter_matches && into[q].part == static_cast<int>(q);
  }
  if (!scatter_matches) {
    return InvalidArgument("layer " + name + ": the plan's scatter transfers do not match its " +
                           std::to_string(pl.parts.size()) + " parts");
  }
  int64_t begin = 0;
  for (size_t q = 0; q < pl.parts.size(); ++q) {
    const int64_t end = begin + units[q];
    HostedPart part;
    part.cnn = static_cast<uint32_t>(c);
    part.layer = static_cast<uint32_t>(first);
    part.part = static_cast<int>(q);
    // A span's name: "net.L1+L2" (fused), "net.L0..L3" (a spatial stack).
    part.name =
        (first == j ? name
                    : cnn.name + "." + first_layer.name + (fused ? "+" : "..") + layer.name) +
        "[part " + std::to_string(q) + "]";
    part.merge_layer = static_cast<uint32_t>(j);
    if (auto it = gather_paths.find({j, static_cast<int>(q)}); it != gather_paths.end()) {
      part.gather_path = it->second;
    }
    std::vector<Graph> graphs;
    if (spatial) {
      ASSIGN_OR_RETURN(PartSlice p,
                       SpatialPart(std::span<const LayerSlice>(program.slices.data(),
                                                               static_cast<size_t>(j) + 1),
                                   row_ops, RowRange{begin, end}));
      into[q].range = p.input;  // the sender cuts the part's band of input rows
      graphs.push_back(std::move(p.graph));
    } else if (pl.kind == PartitionKind::kInChannels) {
      ASSIGN_OR_RETURN(PartSlice p, InChannelsPart(slice, layer.split->weighted_op, begin, end));
      into[q].range = p.input;  // the sender cuts the part's input channels
      graphs.push_back(std::move(p.graph));
    } else {
      ASSIGN_OR_RETURN(PartSlice p,
                       OutChannelsPart(first_slice, first_layer.split->weighted_op, begin, end));
      if (p.input.count() != NumElements(first_slice.graph.inputs.front().shape)) {
        part.input = p.input;  // a grouped conv's groups: cut by the part
      }
      graphs.push_back(std::move(p.graph));
      if (fused) {
        ASSIGN_OR_RETURN(PartSlice second,
                         InChannelsPart(slice, layer.split->weighted_op, k * begin, k * end));
        if (NumElements(graphs.front().outputs.front().shape) !=
            NumElements(second.graph.inputs.front().shape)) {
          return InvalidArgument("layer " + name + ": a fused part's output " +
                                 ShapeString(graphs.front().outputs.front().shape) +
                                 " is not the next layer's input slice " +
                                 ShapeString(second.graph.inputs.front().shape));
        }
        graphs.push_back(std::move(second.graph));
      }
    }
    part.mults = 0;
    for (const PartFigures& f : SpanPartFigures(cnn, first, j, pl.kind, units, q)) {
      part.mults += f.mults;
    }
    VertexDeployment& d = vertex(pl.parts[q].unit);
    for (const Graph& g : graphs) {
      ASSIGN_OR_RETURN(int index, AddSlice(d, g));
      part.slices.push_back(index);
    }
    d.parts.push_back(std::move(part));
    begin = end;
  }
  // The merge, on its unit: a spatial stack's joins the bands, nothing more.
  const PartitionKind kind = fused ? PartitionKind::kInChannels : pl.kind;
  Result<MergeSlice> merge = spatial ? Result<MergeSlice>(SpatialMerge(slice))
                             : kind == PartitionKind::kOutChannels
                                 ? OutChannelsMerge(slice, layer.split->weighted_op)
                                 : InChannelsMerge(slice, layer.split->weighted_op);
  if (!merge.ok()) return merge.status();
  hosted.combine = kind == PartitionKind::kInChannels ? Combine::kSum : Combine::kConcat;
  hosted.parts = static_cast<int>(pl.parts.size());
  hosted.concat_axis = merge->concat_axis;
  hosted.combined = merge->combined;
  hosted.mults = spatial ? 0 : SplitMergeFigures(layer, kind).mults;
  VertexDeployment& d = vertex(pl.merge);
  hosted.slice = -1;
  if (!merge->graph.nodes.empty()) {
    ASSIGN_OR_RETURN(hosted.slice, AddSlice(d, merge->graph));
  }
  d.layers.push_back(std::move(hosted));
  return d.layers.size() - 1;
}

}  // namespace

Result<std::map<PeerId, VertexDeployment>> BuildDeployments(
    const Problem& problem, const Plan& plan, const std::vector<CnnProgram>& programs,
    const std::vector<std::vector<float>>& thresholds, EmulationMode emulation) {
  const IoTSystem& sys = problem.system;
  std::map<PeerId, VertexDeployment> out;
  std::function<VertexDeployment&(int)> vertex = [&](int v) -> VertexDeployment& {
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
    const int ci = static_cast<int>(c);
    const CnnProgram& program = programs[c];
    if (program.slices.size() != cnn.layers.size()) {
      return InvalidArgument("CNN '" + cnn.name + "': its model " + program.model + " has " +
                             std::to_string(program.slices.size()) +
                             " placeable layers, the "
                             "scenario " +
                             std::to_string(cnn.layers.size()));
    }
    // The plan's transfers, in execution order: into each layer (the source's,
    // a link, or a split layer's scatter, one per part), the gathers, the exits.
    const size_t m = cnn.layers.size();
    std::vector<std::vector<Send>> into(m);
    std::map<std::pair<int, int>, std::vector<PeerId>> gather_paths;  // (layer, part)
    std::vector<HostedLayer> hosted(m);
    // Where each layer's HostedLayer went: (vertex, index in its layers).
    std::vector<std::pair<int, size_t>> placed(m, {-1, SIZE_MAX});
    int source_vertex = -1;
    for (const Transfer& t : plan.transfers(ci)) {
      const std::string what =
          t.kind == TransferKind::kSource ? cnn.name + " source"
          : t.from_layer < 0              ? cnn.name + " source to part " + std::to_string(t.part)
                             : cnn.name + "." + cnn.layers[static_cast<size_t>(t.from_layer)].name +
                                   (t.kind == TransferKind::kExit ? " to the sink"
                                    : t.kind == TransferKind::kGather
                                        ? " gather from part " + std::to_string(t.part)
                                    : t.kind == TransferKind::kScatter
                                        ? " to part " + std::to_string(t.part) + " of the next"
                                        : "");
      ASSIGN_OR_RETURN(std::vector<PeerId> route, RouteOf(t, what));
      touch_path(t.from_vertex, route);
      switch (t.kind) {
        case TransferKind::kSource:
        case TransferKind::kLink:
          into[static_cast<size_t>(t.to_layer)].push_back(Send{route, transport::kNoPart, {}});
          break;
        case TransferKind::kScatter:
          if (t.to_layer == 0) source_vertex = t.from_vertex;
          into[static_cast<size_t>(t.to_layer)].push_back(Send{route, t.part, {}});
          break;
        case TransferKind::kGather:
          gather_paths[{t.from_layer, t.part}] = route;
          break;
        case TransferKind::kExit:
          hosted[static_cast<size_t>(t.from_layer)].sink_path = route;
          break;
      }
    }
    for (size_t j = 0; j < m; ++j) {
      const Layer& layer = cnn.layers[j];
      const std::string name = cnn.name + "." + layer.name;
      const int jj = static_cast<int>(j);
      HostedLayer& h = hosted[j];
      h.cnn = static_cast<uint32_t>(c);
      h.layer = static_cast<uint32_t>(j);
      h.name = name;
      h.exit = program.slices[j].exit;
      h.last = j + 1 == m;
      h.mults = layer.mults;
      if (h.exit) h.exit_threshold = thresholds[c][j];
      // A gate the plan gives no exit (exit_prob 0) has no route to the sink.
      if (h.exit && !IsExit(cnn, jj)) h.exit_threshold = 2.0f;
      const Placement& pl = plan.placement(ci, jj);
      if (!plan.SpanEnds(ci, jj)) continue;  // its parts are the span's, made with its last
      if (pl.kind != PartitionKind::kWhole) {
        // The parts read the input of the span's first layer.
        const size_t first = static_cast<size_t>(plan.SpanFirst(ci, jj));
        Result<size_t> merge =
            DeploySplit(problem, plan, program, ci, jj, gather_paths, into[first], h, vertex);
        if (!merge.ok()) return merge.status().WithContext("CNN '" + cnn.name + "'");
        placed[j] = {plan.OutputUnit(ci, jj), *merge};
        continue;
      }
      // The slice: a shared layer's representative, stored once per vertex.
      LayerRef rep{ci, jj};
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
      VertexDeployment& d = vertex(plan.OutputUnit(ci, jj));
      auto known = std::find_if(d.layers.begin(), d.layers.end(), [&](const HostedLayer& other) {
        if (other.combine != Combine::kNone) return false;
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
      d.layers.push_back(h);
      placed[j] = {plan.OutputUnit(ci, jj), d.layers.size() - 1};
    }
    // Where each layer's output goes, now that the splits have cut their
    // scatters' ranges.
    for (size_t j = 0; j + 1 < m; ++j) {
      if (placed[j].second != SIZE_MAX)
        vertex(placed[j].first).layers[placed[j].second].next = into[j + 1];
    }
    if (plan.placement(ci, 0).kind != PartitionKind::kWhole) {
      if (source_vertex < 0)
        return InvalidArgument("CNN '" + cnn.name + "': no scatter from its source");
      vertex(source_vertex).fanouts.push_back(Fanout{static_cast<uint32_t>(c), 0, into[0]});
    }
  }
  return out;
}

}  // namespace distcnn::runtime

#include "distcnn/runtime/node_stats.h"

#include <nlohmann/json.hpp>

namespace distcnn::runtime {

using nlohmann::json;

namespace {

json StampsToJson(const std::vector<FrameStamp>& stamps) {
  json out = json::array();
  for (const FrameStamp& f : stamps) out.push_back({f.cnn, f.frame, f.steady_ns});
  return out;
}

std::vector<FrameStamp> StampsFromJson(const json& j) {
  std::vector<FrameStamp> out;
  for (const json& f : j) {
    out.push_back(
        FrameStamp{f.at(0).get<uint32_t>(), f.at(1).get<uint64_t>(), f.at(2).get<int64_t>()});
  }
  return out;
}

}  // namespace

std::string NodeStatsToJson(const NodeStats& s) {
  json layers = json::array();
  for (const LayerStats& l : s.layers) {
    layers.push_back({{"cnn", l.cnn},
                      {"layer", l.layer},
                      {"name", l.name},
                      {"runs", l.runs},
                      {"exits", l.exits},
                      {"compute_s", l.compute_s},
                      {"real_compute_s", l.real_compute_s},
                      {"overruns", l.overruns},
                      {"part", l.part}});
  }
  return json{{"vertex", s.vertex},
              {"name", s.name},
              {"layers", layers},
              {"slices", s.slices},
              {"weight_bytes", s.weight_bytes},
              {"messages_sent", s.messages_sent},
              {"bytes_sent", s.bytes_sent},
              {"relayed", s.relayed},
              {"radio_busy_s", s.radio_busy_s},
              {"stamped_arrivals", s.stamped_arrivals},
              {"late_arrivals", s.late_arrivals},
              {"late_s", s.late_s},
              {"rejected", s.rejected},
              {"stale_dropped", s.stale_dropped},
              {"refused_peers", s.refused_peers},
              {"send_errors", s.send_errors},
              {"compute_errors", s.compute_errors},
              {"errors", s.errors},
              {"entered", StampsToJson(s.entered)},
              {"decided", StampsToJson(s.decided)}}
      .dump();
}

Result<NodeStats> NodeStatsFromJson(const std::string& text) {
  NodeStats s;
  try {
    const json j = json::parse(text);
    s.vertex = j.at("vertex").get<uint32_t>();
    s.name = j.at("name").get<std::string>();
    for (const json& l : j.at("layers")) {
      s.layers.push_back(LayerStats{l.at("cnn").get<uint32_t>(), l.at("layer").get<uint32_t>(),
                                    l.at("name").get<std::string>(), l.at("runs").get<uint64_t>(),
                                    l.at("exits").get<uint64_t>(), l.at("compute_s").get<double>(),
                                    l.at("real_compute_s").get<double>(),
                                    l.at("overruns").get<uint64_t>(), l.value("part", -1)});
    }
    s.slices = j.at("slices").get<uint64_t>();
    s.weight_bytes = j.at("weight_bytes").get<uint64_t>();
    s.messages_sent = j.at("messages_sent").get<uint64_t>();
    s.bytes_sent = j.at("bytes_sent").get<uint64_t>();
    s.relayed = j.at("relayed").get<uint64_t>();
    s.radio_busy_s = j.at("radio_busy_s").get<double>();
    s.stamped_arrivals = j.at("stamped_arrivals").get<uint64_t>();
    s.late_arrivals = j.at("late_arrivals").get<uint64_t>();
    s.late_s = j.at("late_s").get<double>();
    s.rejected = j.at("rejected").get<uint64_t>();
    s.stale_dropped = j.value("stale_dropped", uint64_t{0});
    s.refused_peers = j.at("refused_peers").get<uint64_t>();
    s.send_errors = j.at("send_errors").get<uint64_t>();
    s.compute_errors = j.at("compute_errors").get<uint64_t>();
    s.errors = j.at("errors").get<std::vector<std::string>>();
    s.entered = StampsFromJson(j.at("entered"));
    s.decided = StampsFromJson(j.at("decided"));
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("node stats: ") + e.what());
  }
  return s;
}

}  // namespace distcnn::runtime

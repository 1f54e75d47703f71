#include "distcnn/runtime/run_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace distcnn::runtime {
namespace {

std::string Format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}

double Ms(double s) { return s * 1e3; }

double RelativeError(double measured, double predicted) {
  return predicted > 0 ? (measured - predicted) / predicted * 100.0 : 0.0;
}

std::string LayersRun(const NodeStats& s) {
  std::string out;
  for (const LayerStats& l : s.layers) {
    if (!out.empty()) out += ", ";
    out += l.name + " x" + std::to_string(l.runs);
  }
  return out.empty() ? "(relay only)" : out;
}

nlohmann::json LatencyJson(const LatencyStats& l) {
  return {{"mean", Ms(l.mean_s)},
          {"p50", Ms(l.p50_s)},
          {"p99", Ms(l.p99_s)},
          {"min", Ms(l.min_s)},
          {"max", Ms(l.max_s)}};
}

// What a partial run lacks, so that no figure below passes for a whole run's.
std::string PartialText(const RunReport& r) {
  std::string out = std::string("PARTIAL RUN") + (r.interrupted ? " (interrupted)" : "") +
                    ": the figures below cover only the frames decided and the vertices "
                    "that reported\n";
  for (const CnnRunReport& c : r.cnns) {
    const int not_sent = c.frames_planned - c.frames_sent;
    const int lost = c.frames_sent - c.frames_received;
    if (not_sent <= 0 && lost <= 0) continue;
    out += "  " + c.name + ": " + std::to_string(std::max(0, not_sent)) + " of " +
           std::to_string(c.frames_planned) + " frames never sent, " +
           std::to_string(std::max(0, lost)) + " sent but never decided\n";
  }
  if (!r.units_missing.empty()) {
    out += "  units missing (no final statistics):";
    for (const std::string& u : r.units_missing) out += " " + u;
    out += "\n";
  }
  return out;
}

nlohmann::json MemoryJson(const std::vector<MemorySample>& samples) {
  nlohmann::json out = nlohmann::json::array();
  for (const MemorySample& m : samples) {
    out.push_back({{"frames", m.frames}, {"resident_bytes", m.resident_bytes}});
  }
  return out;
}

}  // namespace

std::string RunReportText(const RunReport& r) {
  std::string out =
      "run of " + r.scenario + ": emulation " + EmulationModeName(r.emulation) + ", " +
      std::to_string(r.in_flight) + " frame(s) in flight per CNN" +
      (r.warmup > 0 ? " after " + std::to_string(r.warmup) + " warm-up frame(s)" : "") +
      (r.rate_fps > 0 ? Format(", %.3g frames/s", r.rate_fps) : "") + ", " +
      std::to_string(r.nodes.size()) + " vertices (" + std::to_string(r.processes) +
      " local node processes)" + (r.cpus_kept_awake ? ", CPUs kept awake" : "") +
      (r.curve ? ", CURVE on every link" : "") + "\n";
  if (r.refused_peers) {
    out += "coordinator: refused " + std::to_string(r.refused_peers) +
           " connection(s) (CURVE, docs/security.md)\n";
  }
  if (r.partial()) out += PartialText(r);
  for (const CnnRunReport& c : r.cnns) {
    out += c.name + " (" + c.model + "): " + std::to_string(c.frames_received) + "/" +
           std::to_string(c.frames_sent) + " frames";
    if (!c.missing.empty()) out += ", " + std::to_string(c.missing.size()) + " MISSING";
    if (!c.duplicates.empty()) {
      out += ", " + std::to_string(c.duplicates.size()) + " delivered twice by the network";
    }
    out += ", " + std::to_string(c.handed_on) + " handed on in order";
    if (!c.stopped.empty()) out += ", STOPPED: " + c.stopped;
    if (c.duplicates_dropped > 0) {
      out += " (" + std::to_string(c.duplicates_dropped) + " re-sent copies dropped)";
    }
    if (c.frames_resent_on_timeout > 0) {
      out += ", " + std::to_string(c.frames_resent_on_timeout) + " re-sent after a frame timeout";
    }
    out += "\n";
    const double predicted = c.predicted.total_s();
    out += Format("  latency      measured mean %.3f ms (p50 %.3f, p99 %.3f)", Ms(c.latency.mean_s),
                  Ms(c.latency.p50_s), Ms(c.latency.p99_s)) +
           Format("   predicted %.3f ms (%+.1f %%)\n", Ms(predicted),
                  RelativeError(c.latency.mean_s, predicted));
    if (c.latency_span == LatencySpan::kSystem) {
      out += Format(
          "  harness      through the coordinator mean %.3f ms: +%.3f ms to hand frames to the "
          "source and take decisions from the sink (not in the plan)\n",
          Ms(c.via_coordinator.mean_s), Ms(c.via_coordinator.mean_s - c.latency.mean_s));
    } else if (c.frames_received > 0) {
      out += "  (latency through the coordinator: the source or sink vertex is on another host)\n";
    }
    if (c.monolithic.mean_s > 0) {
      out += Format(
          "  monolithic   whole model in the coordinator after each frame: mean %.3f ms (p50 "
          "%.3f); distributed / monolithic %.3f (means), %.3f (p50)\n",
          Ms(c.monolithic.mean_s), Ms(c.monolithic.p50_s), c.latency.mean_s / c.monolithic.mean_s,
          c.latency.p50_s / c.monolithic.p50_s);
    }
    out += Format("  processing   measured %.3f ms   predicted %.3f ms (%+.1f %%)\n",
                  Ms(c.measured_processing_s), Ms(c.predicted.processing_s),
                  RelativeError(c.measured_processing_s, c.predicted.processing_s));
    const double transmission = c.latency.mean_s - c.measured_processing_s;
    out += Format("  transmission measured %.3f ms   predicted %.3f ms (%+.1f %%)",
                  Ms(transmission), Ms(c.predicted.transmission_s()),
                  RelativeError(transmission, c.predicted.transmission_s())) +
           "  (measured = latency - processing)\n";
    for (const GateReport& g : c.gates) {
      const double rate = g.reached ? static_cast<double>(g.exits) / g.reached : 0.0;
      out += "  gate " + g.calibration.name +
             Format(": exit_prob %.4g -> target exit rate %.3f; threshold %.6g",
                    g.scenario_exit_prob, g.calibration.target_rate, g.calibration.threshold) +
             Format(" (rate %.3f on %.0f calibration frames); measured %.3f",
                    g.calibration.calibrated_rate, g.calibration.frames, rate) +
             " (" + std::to_string(g.exits) + "/" + std::to_string(g.reached) + ")\n";
    }
    out += Format("  throughput   %.3f frames/s\n", c.throughput_fps);
  }
  if (r.busy_bound_fps > 0) {
    out += Format("busy-time bound: %.3f frames/s per CNN (busiest vertex: ", r.busy_bound_fps) +
           r.busiest_vertex + ")\n";
  }
  if (r.memory.size() >= 2) {
    const MemorySample& first = r.memory.front();
    const MemorySample& last = r.memory.back();
    out += Format("memory: resident %.1f MB after %.0f frames, ", first.resident_bytes / 1e6,
                  first.frames) +
           Format("%.1f MB after %.0f (%+.2f %%), this process and its local nodes\n",
                  last.resident_bytes / 1e6, last.frames,
                  RelativeError(static_cast<double>(last.resident_bytes),
                                static_cast<double>(first.resident_bytes)));
  }
  out += "vertices:\n";
  for (const NodeStats& s : r.nodes) {
    out += "  " + s.name + ": " + LayersRun(s) + "; sent " + std::to_string(s.messages_sent) +
           " messages (" + std::to_string(s.bytes_sent) + " B), relayed " +
           std::to_string(s.relayed);
    if (s.late_arrivals) {
      out += Format(", %.0f of %.0f emulated arrivals late (mean %.3f ms)",
                    static_cast<double>(s.late_arrivals), static_cast<double>(s.stamped_arrivals),
                    Ms(s.late_s / static_cast<double>(s.late_arrivals)));
    }
    if (s.rejected) out += ", rejected " + std::to_string(s.rejected);
    if (s.refused_peers) out += ", refused " + std::to_string(s.refused_peers) + " peer(s)";
    out += "\n";
  }
  for (const FailoverRecord& f : r.failovers) {
    out += "failover: node " + f.unit + " " + f.cause +
           Format("; detected after %.3f s", f.detection_s);
    if (f.recovery_s >= 0) {
      out += Format(", recovered in %.3f s, ", f.recovery_s) + std::to_string(f.frames_resent) +
             " frame(s) re-sent; new plan " + Format("%.3f ms", Ms(f.replan_objective_s)) + " (" +
             f.replan_status + ")";
      if (!f.redeployed.empty()) {
        out += ", redeployed";
        for (const std::string& v : f.redeployed) out += " " + v;
      }
    } else {
      out += ": NOT RECOVERED: " + f.outcome;
    }
    if (f.rejoin_s >= 0) {
      out += Format("; rejoined %.3f s after detection, plan ", f.rejoin_s) +
             Format("%.3f ms", Ms(f.rejoin_objective_s)) + " (" + f.rejoin_status + ")";
    }
    out += "\n";
  }
  if (!r.failovers.empty()) {
    out += "(the measured compute figures leave out what failed units computed before failing)\n";
  }
  for (const std::string& f : r.failures) out += "FAILURE: " + f + "\n";
  return out;
}

std::string RunReportJson(const RunReport& r) {
  using nlohmann::json;
  json cnns = json::array();
  for (const CnnRunReport& c : r.cnns) {
    json gates = json::array();
    for (const GateReport& g : c.gates) {
      gates.push_back({{"layer", g.calibration.name},
                       {"exit_prob", g.scenario_exit_prob},
                       {"target_rate", g.calibration.target_rate},
                       {"threshold", g.calibration.threshold},
                       {"calibration_frames", g.calibration.frames},
                       {"calibrated_rate", g.calibration.calibrated_rate},
                       {"reached", g.reached},
                       {"exits", g.exits}});
    }
    cnns.push_back(
        {{"name", c.name},
         {"model", c.model},
         {"frames_planned", c.frames_planned},
         {"frames_sent", c.frames_sent},
         {"frames_not_sent", std::max(0, c.frames_planned - c.frames_sent)},
         {"frames_received", c.frames_received},
         {"missing", c.missing},
         {"duplicates", c.duplicates},
         {"handed_on", c.handed_on},
         {"duplicates_dropped", c.duplicates_dropped},
         {"frames_resent_on_timeout", c.frames_resent_on_timeout},
         {"stopped", c.stopped.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.stopped)},
         {"reorder_peak", c.reorder_peak},
         {"latency_ms", LatencyJson(c.latency)},
         {"latency_span",
          c.latency_span == LatencySpan::kSystem ? "source-to-sink" : "coordinator"},
         {"via_coordinator_ms", LatencyJson(c.via_coordinator)},
         {"monolithic_ms", c.monolithic.mean_s > 0 ? LatencyJson(c.monolithic) : json(nullptr)},
         {"predicted_ms",
          {{"total", Ms(c.predicted.total_s())},
           {"transmission", Ms(c.predicted.transmission_s())},
           {"processing", Ms(c.predicted.processing_s)}}},
         {"measured_ms",
          {{"total", Ms(c.latency.mean_s)},
           {"transmission", Ms(c.latency.mean_s - c.measured_processing_s)},
           {"processing", Ms(c.measured_processing_s)}}},
         {"throughput_fps", c.throughput_fps},
         {"gates", gates}});
  }
  json failovers = json::array();
  for (const FailoverRecord& f : r.failovers) {
    failovers.push_back({{"unit", f.unit},
                         {"cause", f.cause},
                         {"detection_s", f.detection_s},
                         {"recovery_s", f.recovery_s >= 0 ? json(f.recovery_s) : json(nullptr)},
                         {"frames_resent", f.frames_resent},
                         {"replan_objective_ms", Ms(f.replan_objective_s)},
                         {"replan_status", f.replan_status},
                         {"redeployed", f.redeployed},
                         {"rejoin_s", f.rejoin_s >= 0 ? json(f.rejoin_s) : json(nullptr)},
                         {"rejoin_objective_ms", Ms(f.rejoin_objective_s)},
                         {"rejoin_redeployed", f.rejoin_redeployed},
                         {"outcome", f.outcome}});
  }
  json vertices = json::array();
  for (const NodeStats& s : r.nodes) {
    json v = json::parse(NodeStatsToJson(s));
    auto planned = r.planned_layers.find(s.name);
    v["planned_layers"] =
        planned == r.planned_layers.end() ? std::vector<std::string>{} : planned->second;
    vertices.push_back(std::move(v));
  }
  return json{{"scenario", r.scenario},
              {"emulation", EmulationModeName(r.emulation)},
              {"in_flight", r.in_flight},
              {"warmup", r.warmup},
              {"rate_fps", r.rate_fps},
              {"processes", r.processes},
              {"cpus_kept_awake", r.cpus_kept_awake},
              {"curve", r.curve},
              {"refused_peers", r.refused_peers},
              {"duration_s", r.duration_s},
              {"busy_bound_fps", r.busy_bound_fps},
              {"busiest_vertex", r.busiest_vertex},
              {"cnns", cnns},
              {"vertices", vertices},
              {"failures", r.failures},
              {"failovers", failovers},
              {"units_missing", r.units_missing},
              {"memory", MemoryJson(r.memory)},
              {"interrupted", r.interrupted},
              {"partial", r.partial()},
              {"ok", r.ok()}}
      .dump(2);
}

}  // namespace distcnn::runtime

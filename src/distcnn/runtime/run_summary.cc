#include "distcnn/runtime/run_summary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace distcnn::runtime {
namespace {

// Per measured frame of CNN `c`, the time from the stamp of the vertex that
// took it from the coordinator to that of the vertex that handed its decision
// back (NodeStats::entered / decided). Only vertices on the coordinator's host
// share its clock: frames that enter or leave at a remote one are left out.
std::vector<double> SystemLatencies(const MeasuredRun& measured, const RunReport& report,
                                    size_t c) {
  std::map<uint64_t, int64_t> entered;
  std::map<uint64_t, int64_t> decided;
  for (const NodeStats& s : report.nodes) {
    if (!measured.local_vertices.count(s.vertex)) continue;
    for (const FrameStamp& f : s.entered) {
      if (f.cnn == c) entered[f.frame] = f.steady_ns;
    }
    for (const FrameStamp& f : s.decided) {
      if (f.cnn == c) decided[f.frame] = f.steady_ns;
    }
  }
  std::vector<double> out;
  for (const auto& [frame, in] : entered) {
    auto d = decided.find(frame);
    if (d != decided.end() && frame >= measured.measured_from) {
      out.push_back(static_cast<double>(d->second - in) * 1e-9);
    }
  }
  return out;
}

// Mean compute per frame of CNN `c`: the parts of a split layer run side by
// side, so the slowest part counts.
double ComputePerFrame(const RunReport& report, size_t c, int frames) {
  double compute = 0;
  std::map<uint32_t, double> slowest_part;  // per layer
  for (const NodeStats& s : report.nodes) {
    for (const LayerStats& l : s.layers) {
      if (l.cnn != c) continue;
      if (l.part < 0) {
        compute += l.compute_s;
      } else {
        slowest_part[l.layer] = std::max(slowest_part[l.layer], l.compute_s);
      }
    }
  }
  for (const auto& [layer, s] : slowest_part) compute += s;
  return compute / frames;
}

}  // namespace

LatencyStats SummariseLatencies(std::vector<double> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double v : samples) sum += v;
  auto quantile = [&](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size()))) - 1;
    return samples[std::min(i, samples.size() - 1)];
  };
  s.mean_s = sum / static_cast<double>(samples.size());
  s.p50_s = quantile(0.5);
  s.p99_s = quantile(0.99);
  s.min_s = samples.front();
  s.max_s = samples.back();
  return s;
}

void SummariseRun(const MeasuredRun& measured, RunReport* report) {
  std::sort(report->nodes.begin(), report->nodes.end(),
            [](const NodeStats& a, const NodeStats& b) { return a.vertex < b.vertex; });
  for (size_t c = 0; c < report->cnns.size(); ++c) {
    CnnRunReport& r = report->cnns[c];
    r.via_coordinator = SummariseLatencies(measured.latencies.at(c));
    if (!measured.monolithic.empty()) r.monolithic = SummariseLatencies(measured.monolithic[c]);
    r.latency = r.via_coordinator;
    const std::vector<double> system = SystemLatencies(measured, *report, c);
    if (r.frames_received > 0 && system.size() == static_cast<size_t>(r.frames_received)) {
      r.latency = SummariseLatencies(system);
      r.latency_span = LatencySpan::kSystem;
    }
    std::sort(r.missing.begin(), r.missing.end());
    if (r.frames_received > 0) {
      r.measured_processing_s = ComputePerFrame(*report, c, r.frames_received);
      r.throughput_fps = report->duration_s > 0 ? r.frames_received / report->duration_s : 0;
    }
    if (!r.missing.empty()) {
      report->failures.push_back(std::to_string(r.missing.size()) + " frame(s) of " + r.name +
                                 " lost");
    }
  }
  double busiest = 0;
  for (const NodeStats& s : report->nodes) {
    double busy = s.radio_busy_s;
    for (const LayerStats& l : s.layers) busy += l.compute_s;
    if (s.send_errors + s.compute_errors > 0) {
      report->failures.push_back("node " + s.name + ": " + std::to_string(s.send_errors) +
                                 " send and " + std::to_string(s.compute_errors) +
                                 " compute error(s)" +
                                 (s.errors.empty() ? "" : ": " + s.errors.front()));
    }
    if (busy > busiest) {
      busiest = busy;
      report->busiest_vertex = s.name;
    }
  }
  if (busiest > 0) report->busy_bound_fps = measured.frames / busiest;
}

}  // namespace distcnn::runtime

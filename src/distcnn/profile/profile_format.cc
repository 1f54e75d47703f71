#include "distcnn/profile/profile_format.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace distcnn {

namespace {

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::string Pad(const std::string& s, size_t width, bool left) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

// Per-layer measured values (times in ms, rates in mults/s), or empty.
struct Measured {
  std::vector<double> ms;
  std::vector<double> mults_per_s;
  double total_ms = 0;
};

Measured MeasuredValues(const ModelProfile& p, const ProfileMeasurement* m) {
  Measured out;
  if (!m) return out;
  DISTCNN_CHECK(m->layer_time_s.size() == p.layers.size());
  for (size_t j = 0; j < p.layers.size(); ++j) {
    const double t = m->layer_time_s[j];
    DISTCNN_CHECK(t > 0);
    out.ms.push_back(t * 1e3);
    out.mults_per_s.push_back(p.layers[j].mults / t);
    out.total_ms += t * 1e3;
  }
  return out;
}

// A rate in the scenario's style (560e6): whole millions, or whole units
// below 1e8 (never 0 for a positive rate).
std::string ScenarioRate(double mults_per_s) {
  if (mults_per_s >= 1e8) return Fmt("%.0fe6", mults_per_s / 1e6);
  if (mults_per_s >= 1) return Fmt("%.0f", mults_per_s);
  return Fmt("%.3g", mults_per_s);
}

}  // namespace

std::string FormatDeviceTypeSnippet(const ProfileMeasurement& m) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  return "device_types:\n  " + m.device_name + ": {memory_bytes: \"" +
         std::to_string(m.memory_bytes / kMiB) +
         " MiB\", mults_per_s: " + ScenarioRate(m.mults_per_s) + "}\n";
}

std::string FormatTimeEquivalentLayers(const ModelProfile& p, const ProfileMeasurement& m) {
  const Measured mv = MeasuredValues(p, &m);
  std::string out = "layers:\n";
  for (size_t j = 0; j < p.layers.size(); ++j) {
    const LayerProfile& l = p.layers[j];
    const double mults = mv.ms[j] / 1e3 * m.mults_per_s;
    out += "  - {name: " + l.name + ", memory_bytes: " + std::to_string(l.weight_bytes) +
           ", mults: " + Fmt("%.4g", mults) + ", output_bytes: " + std::to_string(l.output_bytes) +
           "}" + (l.exit ? "  # exit layer: give its exit_prob" : "") + "\n";
  }
  return out;
}

std::string FormatProfileTable(const ModelProfile& p, const ProfileMeasurement* measured) {
  const Measured mv = MeasuredValues(p, measured);
  std::string out = "model " + p.model + ", granularity " + GranularityName(p.granularity) +
                    ", input '" + p.input + "' " + Fmt("%.2f", p.input_bytes / 1000.0) +
                    " KB (K_s)\n";
  size_t name_w = 5;
  for (const LayerProfile& l : p.layers) name_w = std::max(name_w, l.name.size());
  std::vector<std::string> head = {"#",      "layer", "ops",    "params",
                                   "m (KB)", "c (M)", "K (KB)", "act (KB)"};
  std::vector<size_t> w = {3, name_w, 4, 11, 12, 10, 10, 10};
  if (measured) {
    head.insert(head.end(), {"measured ms", "Mmults/s"});
    w.insert(w.end(), {11, 10});
  }
  auto row = [&](const std::vector<std::string>& cells, const std::string& note) {
    std::string r;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) r += "  ";
      r += Pad(cells[i], w[i], i == 1);
    }
    if (!note.empty()) r += "  " + note;
    while (!r.empty() && r.back() == ' ') r.pop_back();
    return r + "\n";
  };
  out += row(head, "");
  for (size_t j = 0; j < p.layers.size(); ++j) {
    const LayerProfile& l = p.layers[j];
    std::vector<std::string> cells = {std::to_string(j + 1),
                                      l.name,
                                      std::to_string(l.ops.size()),
                                      std::to_string(l.params),
                                      Fmt("%.2f", l.weight_bytes / 1000.0),
                                      Fmt("%.3f", l.mults / 1e6),
                                      Fmt("%.2f", l.output_bytes / 1000.0),
                                      Fmt("%.2f", l.activation_bytes / 1000.0)};
    if (measured) {
      cells.insert(cells.end(), {Fmt("%.3f", mv.ms[j]), Fmt("%.1f", mv.mults_per_s[j] / 1e6)});
    }
    out += row(
        cells,
        l.exit ? "exit -> " + l.exit_output + " (" + std::to_string(l.decision_bytes) + " B)" : "");
  }
  std::vector<std::string> total = {"",
                                    "total",
                                    std::to_string(p.ops.size()),
                                    std::to_string(p.params),
                                    Fmt("%.2f", p.weight_bytes / 1000.0),
                                    Fmt("%.3f", p.mults / 1e6),
                                    "",
                                    ""};
  if (measured) {
    total.insert(total.end(), {Fmt("%.3f", mv.total_ms), Fmt("%.1f", measured->mults_per_s / 1e6)});
  }
  out += row(total, "");
  if (measured) {
    out += "measured with " + measured->kernels + " kernels: median of " +
           std::to_string(measured->repeat) + (measured->cold ? " cold" : "") +
           " runs per layer after 1 warm-up run\n";
    out += "effective rate " + Fmt("%.1f", measured->mults_per_s / 1e6) +
           " Mmults/s (total mults / total measured time)\n";
    out += "# scenario snippet: this host as device type '" + measured->device_name +
           "' (memory_bytes: half its RAM)\n";
    out += FormatDeviceTypeSnippet(*measured);
    out +=
        "# and the CNN's layer table with time-equivalent mults (measured time x that rate),\n"
        "# so that a plan predicts each layer's measured time, not the model average:\n";
    out += FormatTimeEquivalentLayers(p, *measured);
  }
  return out;
}

std::string FormatProfileCsv(const ModelProfile& p, const ProfileMeasurement* measured) {
  const Measured mv = MeasuredValues(p, measured);
  std::string out =
      "index,layer,exit,ops,params,weight_bytes,mults,output_elements,output_bytes,"
      "activation_bytes,decision_bytes";
  out += measured ? ",measured_ms,mults_per_s\n" : "\n";
  for (size_t j = 0; j < p.layers.size(); ++j) {
    const LayerProfile& l = p.layers[j];
    out += std::to_string(j + 1) + "," + l.name + "," + (l.exit ? "1" : "0") + "," +
           std::to_string(l.ops.size()) + "," + std::to_string(l.params) + "," +
           std::to_string(l.weight_bytes) + "," + Fmt("%.0f", l.mults) + "," +
           std::to_string(l.output_elements) + "," + std::to_string(l.output_bytes) + "," +
           std::to_string(l.activation_bytes) + "," + std::to_string(l.decision_bytes);
    if (measured) out += "," + Fmt("%.6f", mv.ms[j]) + "," + Fmt("%.0f", mv.mults_per_s[j]);
    out += "\n";
  }
  if (measured) {
    out += ",total,," + std::to_string(p.ops.size()) + "," + std::to_string(p.params) + "," +
           std::to_string(p.weight_bytes) + "," + Fmt("%.0f", p.mults) + ",,,,," +
           Fmt("%.6f", mv.total_ms) + "," + Fmt("%.0f", measured->mults_per_s) + "\n";
  }
  return out;
}

std::string FormatProfileJson(const ModelProfile& p, const ProfileMeasurement* measured) {
  const Measured mv = MeasuredValues(p, measured);
  nlohmann::ordered_json j;
  j["model"] = p.model;
  j["granularity"] = GranularityName(p.granularity);
  j["input"] = p.input;
  j["input_bytes"] = p.input_bytes;
  j["output"] = p.output;
  j["output_bytes"] = p.output_bytes;
  j["params"] = p.params;
  j["weight_bytes"] = p.weight_bytes;
  j["mults"] = p.mults;
  if (measured) {
    j["measured"] = {{"kernels", measured->kernels},
                     {"repeat", measured->repeat},
                     {"cold", measured->cold},
                     {"total_ms", mv.total_ms},
                     {"mults_per_s", measured->mults_per_s},
                     {"device_type",
                      {{"name", measured->device_name},
                       {"memory_bytes", measured->memory_bytes},
                       {"mults_per_s", measured->mults_per_s}}}};
  }
  j["layers"] = nlohmann::ordered_json::array();
  for (size_t index = 0; index < p.layers.size(); ++index) {
    const LayerProfile& l = p.layers[index];
    nlohmann::ordered_json lj;
    lj["name"] = l.name;
    lj["ops"] = nlohmann::ordered_json::array();
    for (int i : l.ops) lj["ops"].push_back(p.ops[i].node);
    lj["params"] = l.params;
    lj["weight_bytes"] = l.weight_bytes;
    lj["mults"] = l.mults;
    lj["output"] = l.output;
    lj["output_elements"] = l.output_elements;
    lj["output_bytes"] = l.output_bytes;
    lj["activation_bytes"] = l.activation_bytes;
    if (l.exit) {
      lj["exit"] = true;
      lj["exit_output"] = l.exit_output;
      lj["decision_bytes"] = l.decision_bytes;
    }
    if (measured) {
      lj["measured_ms"] = mv.ms[index];
      lj["mults_per_s"] = mv.mults_per_s[index];
    }
    j["layers"].push_back(std::move(lj));
  }
  j["ops"] = nlohmann::ordered_json::array();
  for (const OpProfile& o : p.ops) {
    j["ops"].push_back({{"node", o.node},
                        {"op_type", o.op_type},
                        {"params", o.params},
                        {"weight_bytes", o.weight_bytes},
                        {"mults", o.mults},
                        {"output_elements", o.output_elements},
                        {"output_bytes", o.output_bytes}});
  }
  return j.dump(2) + "\n";
}

}  // namespace distcnn

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

}  // namespace

std::string FormatProfileTable(const ModelProfile& p) {
  std::string out = "model " + p.model + ", granularity " + GranularityName(p.granularity) +
                    ", input '" + p.input + "' " + Fmt("%.2f", p.input_bytes / 1000.0) +
                    " KB (K_s)\n";
  size_t name_w = 5;
  for (const LayerProfile& l : p.layers) name_w = std::max(name_w, l.name.size());
  const std::vector<std::string> head = {"#",      "layer", "ops",    "params",
                                         "m (KB)", "c (M)", "K (KB)", "act (KB)"};
  const std::vector<size_t> w = {3, name_w, 4, 11, 12, 10, 10, 10};
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
    out += row(
        {std::to_string(j + 1), l.name, std::to_string(l.ops.size()), std::to_string(l.params),
         Fmt("%.2f", l.weight_bytes / 1000.0), Fmt("%.3f", l.mults / 1e6),
         Fmt("%.2f", l.output_bytes / 1000.0), Fmt("%.2f", l.activation_bytes / 1000.0)},
        l.exit ? "exit -> " + l.exit_output + " (" + std::to_string(l.decision_bytes) + " B)" : "");
  }
  out += row({"", "total", std::to_string(p.ops.size()), std::to_string(p.params),
              Fmt("%.2f", p.weight_bytes / 1000.0), Fmt("%.3f", p.mults / 1e6), "", ""},
             "");
  return out;
}

std::string FormatProfileCsv(const ModelProfile& p) {
  std::string out =
      "index,layer,exit,ops,params,weight_bytes,mults,output_elements,output_bytes,"
      "activation_bytes,decision_bytes\n";
  for (size_t j = 0; j < p.layers.size(); ++j) {
    const LayerProfile& l = p.layers[j];
    out += std::to_string(j + 1) + "," + l.name + "," + (l.exit ? "1" : "0") + "," +
           std::to_string(l.ops.size()) + "," + std::to_string(l.params) + "," +
           std::to_string(l.weight_bytes) + "," + Fmt("%.0f", l.mults) + "," +
           std::to_string(l.output_elements) + "," + std::to_string(l.output_bytes) + "," +
           std::to_string(l.activation_bytes) + "," + std::to_string(l.decision_bytes) + "\n";
  }
  return out;
}

std::string FormatProfileJson(const ModelProfile& p) {
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
  j["layers"] = nlohmann::ordered_json::array();
  for (const LayerProfile& l : p.layers) {
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

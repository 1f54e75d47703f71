#include "distcnn/model/paper_tables.h"

namespace distcnn {

namespace {

Layer L(const char* name, double memory_kb, double mults_millions, double output_kb) {
  return Layer{name, static_cast<int64_t>(memory_kb * 1000 + 0.5), mults_millions * 1e6,
               static_cast<int64_t>(output_kb * 1000 + 0.5), 0.0};
}

}  // namespace

const std::vector<std::string>& PaperCnnNames() {
  static const std::vector<std::string> kNames = {"cnn5", "cnn5-gc", "alexnet", "alexnet-gc"};
  return kNames;
}

bool FindPaperCnn(std::string_view name, double gate_exit_prob, PaperCnn* out) {
  if (name == "cnn5" || name == "cnn5-gc") {
    // Table 1; m and K in KB, c in 10^6 mult (conv + pool summed).
    out->name = std::string(name);
    out->input_bytes = 9410;
    out->layers = {L("L1", 19.20, 3.81, 50.18), L("L3", 409.60, 20.08, 12.54),
                   L("L4", 4816.90, 1.20, 1.54), L("L5", 294.91, 0.07, 0.77),
                   L("L6", 7.68, 0.002, 0.04)};
    if (name == "cnn5-gc") {
      Layer gate = L("GC", 19570.18, 4.89, 50.18);
      gate.exit_prob = gate_exit_prob;
      out->layers.insert(out->layers.begin() + 1, gate);
    }
    return true;
  }
  if (name == "alexnet" || name == "alexnet-gc") {
    // Table 2 (2-class AlexNet).
    out->name = std::string(name);
    out->input_bytes = 618350;
    out->layers = {L("conv1", 139.78, 105.73, 279.94),  L("conv2", 1229.82, 224.34, 173.06),
                   L("conv3", 3540.48, 149.52, 259.58), L("conv4", 2655.74, 112.14, 259.58),
                   L("conv5", 1770.50, 74.84, 36.86),   L("fc6", 151011.39, 37.75, 16.38),
                   L("fc7", 67158.02, 16.78, 16.38)};
    if (name == "alexnet-gc") {
      Layer gate = L("gc1", 22185.22, 5.55, 173.06);
      gate.exit_prob = gate_exit_prob;
      out->layers.insert(out->layers.begin() + 2, gate);
    }
    return true;
  }
  return false;
}

}  // namespace distcnn

#include "distcnn/profile/spatial_rows.h"

#include "distcnn/profile/split_rules.h"

namespace distcnn {

bool RowWindowOf(const Graph& g, const Node& n, const std::string& data, double mults,
                 RowWindow* out) {
  const TensorInfo* x = g.FindTensor(data);
  const TensorInfo* y = n.outputs.empty() ? nullptr : g.FindTensor(n.outputs[0]);
  if (!x || !y || x->shape.size() != 4 || y->shape.size() != 4 || y->shape[2] < 1) return false;
  RowWindow w;
  w.in_rows = x->shape[2];
  w.out_rows = y->shape[2];
  w.mults_per_row = mults / static_cast<double>(w.out_rows);
  const std::string& op = n.op_type;
  const bool pooling = op == "MaxPool" || op == "AveragePool";
  if (op == "Conv" || pooling) {
    if (n.inputs[0] != data) return false;
    if (op == "Conv" && !OtherInputsConstant(g, n, 0)) return false;
    if (op == "AveragePool" && n.GetInt("ceil_mode", 0) != 0) return false;
    std::vector<int64_t> kernel = n.GetInts("kernel_shape", {});
    if (kernel.empty() && op == "Conv") {
      const Initializer* weight = g.FindInitializer(n.inputs[1]);
      if (!weight || weight->info.shape.size() != 4) return false;
      kernel = {weight->info.shape[2], weight->info.shape[3]};
    }
    const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
    if (kernel.size() != 2 || (auto_pad != "NOTSET" && auto_pad != "VALID")) return false;
    const std::vector<int64_t> strides = n.GetInts("strides", {1, 1});
    const std::vector<int64_t> dilations = n.GetInts("dilations", {1, 1});
    const std::vector<int64_t> pads = n.GetInts("pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) return false;
    w.kernel = (kernel[0] - 1) * dilations[0] + 1;
    w.stride = strides[0];
    w.pad_top = auto_pad == "VALID" ? 0 : pads[0];
  } else if (op == "LRN") {
    if (n.inputs[0] != data) return false;  // mixes channels, never rows
  } else if (op == "GlobalAveragePool" || !IsChannelLocal(g, n, data, 1)) {
    return false;
  }
  if (op != "Conv" && !pooling && w.in_rows != w.out_rows) return false;
  *out = w;
  return true;
}

}  // namespace distcnn

#include "distcnn/profile/split_rules.h"

namespace distcnn {

// Ops that only relabel the elements of one tensor: free (no mults, no
// weights) and allowed before a weighted op and between fused layers.
bool IsShapeOp(const std::string& op) {
  return op == "Flatten" || op == "Reshape" || op == "Identity" || op == "Dropout";
}

// True when every input of `n` other than slot `data` is omitted or an
// initializer (BatchNormalization's statistics, Clip's bounds, Dropout's ratio).
bool OtherInputsConstant(const Graph& g, const Node& n, size_t data) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (i != data && !n.inputs[i].empty() && !g.FindInitializer(n.inputs[i])) return false;
  }
  return true;
}

// True when a constant of shape `b` broadcast against `x` varies along `axis`
// at most (a per-channel bias or scale; a scalar qualifies), so that the result
// keeps x's shape.
bool BroadcastsPerChannel(const Shape& b, const Shape& x, int axis) {
  if (b.size() > x.size()) return false;
  const size_t offset = x.size() - b.size();
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] == 1) continue;
    if (static_cast<int>(offset + i) == axis && b[i] == x[offset + i]) continue;
    return false;
  }
  return true;
}

// Whether `n` reads `cur` and computes each output channel (along `axis` of
// cur; -1: there is none) from the same channel of cur only. Element-wise
// activations, Dropout and Identity always do; BatchNormalization and pooling
// (GlobalAveragePool included) when the channel axis is 1 (their axis); Add
// and Mul when the other operand is a constant broadcast per channel (a bias).
bool IsChannelLocal(const Graph& g, const Node& n, const std::string& cur, int axis) {
  const std::string& op = n.op_type;
  if (n.inputs.empty()) return false;
  if (op == "Add" || op == "Mul") {
    if (n.inputs.size() != 2) return false;
    const size_t other = n.inputs[0] == cur ? 1 : n.inputs[1] == cur ? 0 : 2;
    if (other == 2) return false;
    const Initializer* c = g.FindInitializer(n.inputs[other]);
    const TensorInfo* x = g.FindTensor(cur);
    return c && x && BroadcastsPerChannel(c->info.shape, x->shape, axis);
  }
  if (n.inputs[0] != cur || !OtherInputsConstant(g, n, 0)) return false;
  if (op == "Relu" || op == "LeakyRelu" || op == "Clip" || op == "Sigmoid" || op == "Dropout" ||
      op == "Identity") {
    return true;
  }
  if (op == "BatchNormalization" || op == "MaxPool" || op == "AveragePool" ||
      op == "GlobalAveragePool") {
    return axis == 1;
  }
  return false;  // LRN, Softmax, Flatten, Reshape, Concat, weighted ops, ...
}

}  // namespace distcnn

#include "distcnn/kernels/reference/reference_kernels.h"

#include <memory>

#include "distcnn/kernels/reference/ops.h"

namespace distcnn {

namespace reference {

Status NodeError(const Node& node, const std::string& what) {
  return InvalidArgument("node '" + node.name + "' (" + node.op_type + "): " + what);
}

namespace {

class FunctionKernel : public Kernel {
 public:
  using Fn = Status (*)(const Node&, In, Out);
  explicit FunctionKernel(Fn fn) : fn_(fn) {}
  Status Run(const Node& node, In inputs, Out outputs) const override {
    return fn_(node, inputs, outputs);
  }

 private:
  Fn fn_;
};

}  // namespace
}  // namespace reference

void RegisterReferenceKernels(KernelRegistry* registry) {
  using reference::FunctionKernel;
  const std::pair<const char*, FunctionKernel::Fn> kKernels[] = {
      {"Conv", reference::Conv},
      {"Relu", reference::Relu},
      {"Clip", reference::Clip},
      {"LeakyRelu", reference::LeakyRelu},
      {"Sigmoid", reference::Sigmoid},
      {"MaxPool", reference::MaxPool},
      {"AveragePool", reference::AveragePool},
      {"GlobalAveragePool", reference::GlobalAveragePool},
      {"Gemm", reference::Gemm},
      {"MatMul", reference::MatMul},
      {"Add", reference::Add},
      {"Mul", reference::Mul},
      {"Concat", reference::Concat},
      {"Flatten", reference::Copy},
      {"Reshape", reference::Copy},
      {"BatchNormalization", reference::BatchNormalization},
      {"LRN", reference::Lrn},
      {"Softmax", reference::Softmax},
      {"Dropout", reference::Dropout},
      {"Identity", reference::Copy},
  };
  for (const auto& [op, fn] : kKernels) {
    registry->Register(op, std::make_unique<FunctionKernel>(fn));
  }
}

}  // namespace distcnn

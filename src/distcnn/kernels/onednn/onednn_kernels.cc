#include "distcnn/kernels/onednn/onednn_kernels.h"

#include "distcnn/kernels/onednn/kernel_factories.h"

namespace distcnn {

void RegisterOneDnnKernels(KernelRegistry* registry) {
  registry->Register("Conv", onednn::MakeConvKernel());
  registry->Register("MaxPool", onednn::MakeMaxPoolKernel());
  registry->Register("AveragePool", onednn::MakeAveragePoolKernel());
  registry->Register("GlobalAveragePool", onednn::MakeGlobalAveragePoolKernel());
  registry->Register("Gemm", onednn::MakeGemmKernel());
  registry->Register("MatMul", onednn::MakeMatMulKernel());
  for (const char* op : {"Relu", "LeakyRelu", "Sigmoid", "Clip"}) {
    registry->Register(op, onednn::MakeEltwiseKernel(op));
  }
  for (const char* op : {"Add", "Mul"}) registry->Register(op, onednn::MakeBinaryKernel(op));
  registry->Register("Softmax", onednn::MakeSoftmaxKernel());
  registry->Register("BatchNormalization", onednn::MakeBatchNormalizationKernel());
  registry->Register("LRN", onednn::MakeLrnKernel());
}

}  // namespace distcnn

// Internal to kernels/onednn: one factory per oneDNN-backed kernel. Each
// kernel falls back to the reference kernel of its op when oneDNN cannot
// express a node (onednn_common.h).
#pragma once

#include <memory>

#include "distcnn/kernels/kernel.h"

namespace distcnn::onednn {

std::unique_ptr<Kernel> MakeConvKernel();
std::unique_ptr<Kernel> MakeMaxPoolKernel();
std::unique_ptr<Kernel> MakeAveragePoolKernel();
std::unique_ptr<Kernel> MakeGlobalAveragePoolKernel();
std::unique_ptr<Kernel> MakeGemmKernel();
std::unique_ptr<Kernel> MakeMatMulKernel();
// Relu, LeakyRelu, Sigmoid, Clip.
std::unique_ptr<Kernel> MakeEltwiseKernel(const std::string& op_type);
// Add, Mul.
std::unique_ptr<Kernel> MakeBinaryKernel(const std::string& op_type);
std::unique_ptr<Kernel> MakeSoftmaxKernel();
std::unique_ptr<Kernel> MakeBatchNormalizationKernel();
std::unique_ptr<Kernel> MakeLrnKernel();

}  // namespace distcnn::onednn

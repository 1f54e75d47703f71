// Tensors in wire messages: float32, row-major, the shape in the header. The
// payload is the tensor's bytes in host order; distcnn targets little-endian
// hosts only (x86-64, ARM), which is the wire format's byte order.
#pragma once

#include "distcnn/base/status.h"
#include "distcnn/kernels/tensor.h"
#include "distcnn/transport/wire_format.h"

namespace distcnn::runtime {

// A tensor, decision or partial message with an empty route, for `part` of
// the layer (a split layer's scatter or gather) or the whole layer. CHECKs a
// valid shape.
transport::Message MessageFromTensor(const Tensor& tensor, uint64_t frame, uint32_t cnn,
                                     uint32_t layer, transport::MessageKind kind,
                                     int part = transport::kNoPart);

// InvalidArgument for a non-float32 payload.
Result<Tensor> TensorFromMessage(const transport::Message& message);

}  // namespace distcnn::runtime

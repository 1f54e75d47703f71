#include "distcnn/runtime/tensor_codec.h"

#include <bit>
#include <cstring>

namespace distcnn::runtime {

static_assert(std::endian::native == std::endian::little, "distcnn needs a little-endian host");

transport::Message MessageFromTensor(const Tensor& tensor, uint64_t frame, uint32_t cnn,
                                     uint32_t layer, transport::MessageKind kind, int part) {
  std::vector<std::byte> payload(tensor.data.size() * sizeof(float));
  std::memcpy(payload.data(), tensor.data.data(), payload.size());
  std::vector<uint64_t> shape(tensor.shape.begin(), tensor.shape.end());
  Result<transport::Message> m =
      transport::MakeTensorMessage(frame, cnn, layer, transport::DType::kFloat32, std::move(shape),
                                   {}, std::move(payload), kind, part);
  DISTCNN_CHECK(m.ok());
  return std::move(m).value();
}

Result<Tensor> TensorFromMessage(const transport::Message& message) {
  if (message.header.dtype != transport::DType::kFloat32) {
    return InvalidArgument("tensor: only float32 tensors are computed, got dtype " +
                           std::to_string(static_cast<int>(message.header.dtype)));
  }
  Tensor t(Shape(message.header.shape.begin(), message.header.shape.end()));
  std::memcpy(t.data.data(), message.payload.data(), message.payload.size());
  return t;
}

}  // namespace distcnn::runtime

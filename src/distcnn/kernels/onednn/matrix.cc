// oneDNN Gemm and MatMul, both on the matmul primitive. Gemm's transposes are
// strided views of the same buffers, alpha is an output scale and beta * C a
// sum post-op over the destination pre-filled with the broadcast C.
#include <algorithm>

#include "distcnn/kernels/onednn/kernel_factories.h"
#include "distcnn/kernels/onednn/onednn_common.h"
#include "distcnn/kernels/reference/broadcast.h"

namespace distcnn::onednn {
namespace {

using dnnl::memory;

struct MatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory::desc a, b, dst;
};

std::optional<MatMulEntry> MakeMatMul(const memory::desc& a, const memory::desc& b,
                                      const memory::desc& dst, const dnnl::primitive_attr& attr) {
  auto pd = TryCreate<dnnl::matmul::primitive_desc>(
      [&] { return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, dst), attr, Engine()); });
  if (!pd) return std::nullopt;
  return MatMulEntry{*pd, dnnl::matmul(*pd), a, b, dst};
}

void RunMatMul(const MatMulEntry& e, const Tensor& a, const Tensor& b, Tensor& y) {
  dnnl::stream stream = NewStream();
  Submit(stream, e.prim, e.pd,
         {{DNNL_ARG_SRC, Wrap(e.a, a)},
          {DNNL_ARG_WEIGHTS, Wrap(e.b, b)},
          {DNNL_ARG_DST, Wrap(e.dst, y)}});
  stream.wait();
}

class GemmKernel : public OneDnnKernel {
 public:
  GemmKernel() : OneDnnKernel(reference::Gemm) {}

 protected:
  Result<Computed> Compute(const Node& node, In in, Out out) const override {
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    const Tensor* c = in.size() > 2 ? in[2] : nullptr;
    Tensor& y = out[0];
    if (a.shape.size() != 2 || b.shape.size() != 2 || y.shape.size() != 2) {
      return Computed::kNotExpressible;
    }
    const bool trans_a = node.GetInt("transA", 0) != 0, trans_b = node.GetInt("transB", 0) != 0;
    const float alpha = node.GetFloat("alpha", 1.0f), beta = node.GetFloat("beta", 1.0f);
    const int64_t m = y.shape[0], n = y.shape[1];
    const int64_t k = trans_a ? a.shape[0] : a.shape[1];
    if (k == 0) return Computed::kNotExpressible;
    const bool add_c = c != nullptr && beta != 0.0f;
    Key key;
    key.Add(int64_t{CurrentThreads()}).Add(m).Add(n).Add(k).Add(int64_t{trans_a});
    key.Add(int64_t{trans_b}).Add(alpha).Add(int64_t{add_c}).Add(beta);
    auto entry = cache_.Get(key.str(), [&] {
      const memory::desc a_md({m, k}, memory::data_type::f32,
                              trans_a ? memory::dims{1, m} : memory::dims{k, 1});
      const memory::desc b_md({k, n}, memory::data_type::f32,
                              trans_b ? memory::dims{1, k} : memory::dims{n, 1});
      dnnl::primitive_attr attr = DefaultAttr();
      if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
      if (add_c) {
        dnnl::post_ops ops;
        ops.append_sum(beta);
        attr.set_post_ops(ops);
      }
      return MakeMatMul(a_md, b_md, PlainDesc({m, n}), attr);
    });
    if (!*entry) return Computed::kNotExpressible;
    if (add_c) {  // y = C broadcast; the sum post-op adds beta * y
      const std::vector<int64_t> offsets = reference::BroadcastOffsets(y.shape, c->shape);
      for (size_t i = 0; i < offsets.size(); ++i) y.data[i] = c->data[offsets[i]];
    }
    RunMatMul(**entry, a, b, y);
    return Computed::kDone;
  }

 private:
  PrimitiveCache<MatMulEntry> cache_;
};

class MatMulKernel : public OneDnnKernel {
 public:
  MatMulKernel() : OneDnnKernel(reference::MatMul) {}

 protected:
  Result<Computed> Compute(const Node&, In in, Out out) const override {
    Shape a = in[0]->shape, b = in[1]->shape;
    if (a.empty() || b.empty()) return Computed::kNotExpressible;
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    const size_t rank = std::max(a.size(), b.size());
    if (rank > DNNL_MAX_NDIMS || a.back() == 0) return Computed::kNotExpressible;
    a.insert(a.begin(), rank - a.size(), 1);
    b.insert(b.begin(), rank - b.size(), 1);
    Shape dst(rank);
    for (size_t d = 0; d + 2 < rank; ++d) dst[d] = a[d] == 1 ? b[d] : a[d];
    dst[rank - 2] = a[rank - 2];
    dst[rank - 1] = b[rank - 1];
    Tensor& y = out[0];
    if (NumElements(dst) != y.size()) return Computed::kNotExpressible;
    Key key;
    key.Add(int64_t{CurrentThreads()}).Add(Dims(a)).Add(Dims(b));
    auto entry = cache_.Get(key.str(), [&] {
      return MakeMatMul(PlainDesc(Dims(a)), PlainDesc(Dims(b)), PlainDesc(Dims(dst)),
                        DefaultAttr());
    });
    if (!*entry) return Computed::kNotExpressible;
    RunMatMul(**entry, *in[0], *in[1], y);
    return Computed::kDone;
  }

 private:
  PrimitiveCache<MatMulEntry> cache_;
};

}  // namespace

std::unique_ptr<Kernel> MakeGemmKernel() { return std::make_unique<GemmKernel>(); }
std::unique_ptr<Kernel> MakeMatMulKernel() { return std::make_unique<MatMulKernel>(); }

}  // namespace distcnn::onednn

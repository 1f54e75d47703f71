// oneDNN Conv (grouped, depthwise, dilated, asymmetric pads, optional bias),
// MaxPool, AveragePool and GlobalAveragePool for 1 to 3 spatial dimensions.
#include <memory>

#include "distcnn/kernels/onednn/kernel_factories.h"
#include "distcnn/kernels/onednn/onednn_common.h"

namespace distcnn::onednn {
namespace {

using dnnl::memory;

// Window geometry in oneDNN's terms: spatial dimensions only, dilation 0 = dense.
struct Geometry {
  memory::dims strides, dilation, pad_l, pad_r;
};

Geometry Spatial(const reference::Window& w, int64_t sp) {
  Geometry g;
  for (int64_t i = 3 - sp; i < 3; ++i) {
    g.strides.push_back(w.stride[i]);
    g.dilation.push_back(w.dilation[i] - 1);
    g.pad_l.push_back(w.pad_begin[i]);
    g.pad_r.push_back(w.pad_end[i]);
  }
  return g;
}

// --- Conv ------------------------------------------------------------------

// The convolution runs on the layouts oneDNN prefers (format_tag::any:
// channel-blocked activations and weights for the JIT kernels); our plain
// NCHW tensors are reordered in and out on every call. Weights are reordered
// per call as well: a stateless kernel cannot know that a weight tensor is the
// same one as last time, and the reorder costs a few percent of a layer.
struct ConvEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  memory::desc src, weights, bias, dst;  // plain layouts of our tensors
  std::optional<Reorder> src_in, weights_in, dst_out;
};

class ConvKernel : public OneDnnKernel {
 public:
  ConvKernel() : OneDnnKernel(reference::Conv) {}

 protected:
  Result<Computed> Compute(const Node& node, In in, Out out) const override {
    const Tensor& x = *in[0];
    const Tensor& w = *in[1];
    const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
    Tensor& y = out[0];
    const int64_t sp = static_cast<int64_t>(x.shape.size()) - 2;
    if (sp < 1 || sp > 3 || w.shape.size() != x.shape.size()) return Computed::kNotExpressible;
    const Shape kernel(w.shape.begin() + 2, w.shape.end());
    ASSIGN_OR_RETURN(const reference::Window win,
                     reference::MakeWindow(node, x.shape, y.shape, kernel));
    const Geometry g = Spatial(win, sp);
    const int64_t group = node.GetInt("group", 1);
    const int64_t m_out = w.shape[0];
    if (group < 1 || m_out % group != 0 || x.shape[1] % group != 0) {
      return Computed::kNotExpressible;  // the reference kernel reports it
    }
    memory::dims wdims = Dims(w.shape);
    if (group > 1) {  // (M, C/g, k...) -> (g, M/g, C/g, k...): same memory order
      wdims[0] = m_out / group;
      wdims.insert(wdims.begin(), group);
    }
    Key key;
    key.Add(int64_t{CurrentThreads()}).Add(Dims(x.shape)).Add(wdims).Add(Dims(y.shape));
    key.Add(int64_t{bias != nullptr}).Add(g.strides).Add(g.dilation).Add(g.pad_l).Add(g.pad_r);
    auto entry = cache_.Get(key.str(), [&]() -> std::optional<ConvEntry> {
      ConvEntry e;
      e.src = PlainDesc(Dims(x.shape));
      e.weights = PlainDesc(wdims);
      e.dst = PlainDesc(Dims(y.shape));
      if (bias) e.bias = PlainDesc({m_out});
      const auto any = [](const memory::desc& d) {
        return memory::desc(d.dims(), memory::data_type::f32, memory::format_tag::any);
      };
      auto pd = TryCreate<dnnl::convolution_forward::primitive_desc>([&] {
        dnnl::convolution_forward::desc desc(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any(e.src),
            any(e.weights), e.bias, any(e.dst), g.strides, g.dilation, g.pad_l, g.pad_r);
        return dnnl::convolution_forward::primitive_desc(desc, DefaultAttr(), Engine());
      });
      if (!pd) return std::nullopt;
      e.pd = *pd;
      e.prim = dnnl::convolution_forward(e.pd);
      e.src_in = MakeReorder(e.src, e.pd.src_desc());
      e.weights_in = MakeReorder(e.weights, e.pd.weights_desc());
      e.dst_out = MakeReorder(e.pd.dst_desc(), e.dst);
      return e;
    });
    if (!*entry) return Computed::kNotExpressible;
    const ConvEntry& e = **entry;
    dnnl::stream stream = NewStream();
    memory src = Wrap(e.src, x), weights = Wrap(e.weights, w), dst = Wrap(e.dst, y);
    if (e.src_in) src = e.src_in->Run(stream, src);
    if (e.weights_in) weights = e.weights_in->Run(stream, weights);
    memory conv_dst = e.dst_out ? memory(e.pd.dst_desc(), Engine()) : dst;
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, conv_dst}};
    if (bias) args[DNNL_ARG_BIAS] = Wrap(e.bias, *bias);
    Submit(stream, e.prim, e.pd, std::move(args));
    if (e.dst_out) e.dst_out->Run(stream, conv_dst, dst);
    stream.wait();
    return Computed::kDone;
  }

 private:
  PrimitiveCache<ConvEntry> cache_;
};

// --- Pooling ---------------------------------------------------------------

enum class PoolKind { kMax, kAverage, kGlobalAverage };

struct PoolEntry {
  dnnl::pooling_v2_forward::primitive_desc pd;
  dnnl::pooling_v2_forward prim;
  memory::desc src, dst;
};

// Whether every window of one dimension reads at least one input element
// (oneDNN and the reference disagree on windows that lie in the padding).
bool EveryWindowReadsInput(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                           int64_t dilation, int64_t pad_l) {
  for (int64_t o = 0; o < out; ++o) {
    bool reads = false;
    for (int64_t k = 0; k < kernel && !reads; ++k) {
      const int64_t i = o * stride - pad_l + k * dilation;
      reads = i >= 0 && i < in;
    }
    if (!reads) return false;
  }
  return true;
}

class PoolKernel : public OneDnnKernel {
 public:
  explicit PoolKernel(PoolKind kind)
      : OneDnnKernel(kind == PoolKind::kMax       ? reference::MaxPool
                     : kind == PoolKind::kAverage ? reference::AveragePool
                                                  : reference::GlobalAveragePool),
        kind_(kind) {}

 protected:
  Result<Computed> Compute(const Node& node, In in, Out out) const override {
    const Tensor& x = *in[0];
    Tensor& y = out[0];
    const int64_t sp = static_cast<int64_t>(x.shape.size()) - 2;
    if (sp < 1 || sp > 3 || y.shape.size() != x.shape.size()) return Computed::kNotExpressible;
    // MaxPool's Indices output (ONNX flat indices) is not what oneDNN's
    // workspace holds.
    if (kind_ == PoolKind::kMax && node.outputs.size() > 1 && !node.outputs[1].empty()) {
      return Computed::kNotExpressible;
    }
    memory::dims kernel, strides, dilation, pad_l, pad_r;
    bool include_pad = false;
    if (kind_ == PoolKind::kGlobalAverage) {
      kernel.assign(x.shape.begin() + 2, x.shape.end());
      strides = dilation = pad_l = pad_r = memory::dims(sp, 0);
      for (int64_t& s : strides) s = 1;
    } else {
      const std::vector<int64_t> ks = node.GetInts("kernel_shape", {});
      ASSIGN_OR_RETURN(const reference::Window w,
                       reference::MakeWindow(node, x.shape, y.shape, ks));
      include_pad = kind_ == PoolKind::kAverage && node.GetInt("count_include_pad", 0) != 0;
      for (int64_t i = 3 - sp; i < 3; ++i) {
        const int64_t ext = (w.kernel[i] - 1) * w.dilation[i] + 1;
        int64_t pr = w.pad_end[i];
        // oneDNN requires out = (in - ext + pad_l + pad_r) / stride + 1; ONNX's
        // ceil_mode adds a last window that reaches past the end padding, which
        // oneDNN expresses as more end padding. That extra padding would count
        // in an average with count_include_pad, where the reference (and ONNX)
        // does not count it.
        if ((w.in[i] - ext + w.pad_begin[i] + pr) / w.stride[i] + 1 != w.out[i]) {
          const int64_t needed = (w.out[i] - 1) * w.stride[i] + ext - w.in[i] - w.pad_begin[i];
          if (include_pad && needed > pr) return Computed::kNotExpressible;
          pr = needed;
          if ((w.in[i] - ext + w.pad_begin[i] + pr) / w.stride[i] + 1 != w.out[i]) {
            return Computed::kNotExpressible;
          }
        }
        if (!EveryWindowReadsInput(w.in[i], w.out[i], w.kernel[i], w.stride[i], w.dilation[i],
                                   w.pad_begin[i])) {
          return Computed::kNotExpressible;
        }
        kernel.push_back(w.kernel[i]);
        strides.push_back(w.stride[i]);
        dilation.push_back(w.dilation[i] - 1);
        pad_l.push_back(w.pad_begin[i]);
        pad_r.push_back(pr);
      }
    }
    const dnnl::algorithm algorithm = kind_ == PoolKind::kMax ? dnnl::algorithm::pooling_max
                                      : include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
    Key key;
    key.Add(int64_t{CurrentThreads()}).Add(static_cast<int64_t>(algorithm));
    key.Add(Dims(x.shape)).Add(Dims(y.shape)).Add(kernel).Add(strides).Add(dilation);
    key.Add(pad_l).Add(pad_r);
    auto entry = cache_.Get(key.str(), [&]() -> std::optional<PoolEntry> {
      PoolEntry e;
      e.src = PlainDesc(Dims(x.shape));
      e.dst = PlainDesc(Dims(y.shape));
      auto pd = TryCreate<dnnl::pooling_v2_forward::primitive_desc>([&] {
        dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, e.src,
                                            e.dst, strides, kernel, dilation, pad_l, pad_r);
        return dnnl::pooling_v2_forward::primitive_desc(desc, DefaultAttr(), Engine());
      });
      if (!pd) return std::nullopt;
      e.pd = *pd;
      e.prim = dnnl::pooling_v2_forward(e.pd);
      return e;
    });
    if (!*entry) return Computed::kNotExpressible;
    const PoolEntry& e = **entry;
    dnnl::stream stream = NewStream();
    Submit(stream, e.prim, e.pd, {{DNNL_ARG_SRC, Wrap(e.src, x)}, {DNNL_ARG_DST, Wrap(e.dst, y)}});
    stream.wait();
    return Computed::kDone;
  }

 private:
  PoolKind kind_;
  PrimitiveCache<PoolEntry> cache_;
};

}  // namespace

std::unique_ptr<Kernel> MakeConvKernel() { return std::make_unique<ConvKernel>(); }
std::unique_ptr<Kernel> MakeMaxPoolKernel() { return std::make_unique<PoolKernel>(PoolKind::kMax); }
std::unique_ptr<Kernel> MakeAveragePoolKernel() {
  return std::make_unique<PoolKernel>(PoolKind::kAverage);
}
std::unique_ptr<Kernel> MakeGlobalAveragePoolKernel() {
  return std::make_unique<PoolKernel>(PoolKind::kGlobalAverage);
}

}  // namespace distcnn::onednn

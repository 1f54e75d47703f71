// Reference Conv, MaxPool, AveragePool and GlobalAveragePool: one loop per
// output element over its window, skipping positions in the padding.
#include <algorithm>
#include <limits>

#include "distcnn/kernels/reference/ops.h"

namespace distcnn::reference {

Result<Window> MakeWindow(const Node& node, const Shape& x, const Shape& y,
                          const std::vector<int64_t>& kernel) {
  const int64_t sp = static_cast<int64_t>(x.size()) - 2;
  if (sp < 1 || sp > 3 || static_cast<int64_t>(kernel.size()) != sp || y.size() != x.size()) {
    return NodeError(
        node, "the reference kernels handle 1 to 3 spatial dimensions, not " + std::to_string(sp));
  }
  const std::vector<int64_t> strides = node.GetInts("strides", std::vector<int64_t>(sp, 1));
  const std::vector<int64_t> dilations = node.GetInts("dilations", std::vector<int64_t>(sp, 1));
  std::vector<int64_t> pads = node.GetInts("pads", std::vector<int64_t>(2 * sp, 0));
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  Window w;
  const int64_t off = 3 - sp;
  for (int64_t i = 0; i < 3; ++i) {
    if (i < off) {
      w.in[i] = w.out[i] = w.kernel[i] = w.stride[i] = w.dilation[i] = 1;
      w.pad_begin[i] = w.pad_end[i] = 0;
      continue;
    }
    const int64_t s = i - off;
    w.in[i] = x[s + 2];
    w.out[i] = y[s + 2];
    w.kernel[i] = kernel[s];
    w.stride[i] = strides[s];
    w.dilation[i] = dilations[s];
    if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end[i] = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t extent = (w.kernel[i] - 1) * w.dilation[i] + 1;
      const int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * w.stride[i] + extent - w.in[i]);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[i] = total - w.pad_begin[i];
    } else {
      w.pad_begin[i] = pads[s];
      w.pad_end[i] = pads[s + sp];
    }
  }
  return w;
}

namespace {

// Input coordinate of window tap `k` for output coordinate `o` in dimension `i`.
int64_t Tap(const Window& w, int i, int64_t o, int64_t k) {
  return o * w.stride[i] - w.pad_begin[i] + k * w.dilation[i];
}

bool Inside(const Window& w, int i, int64_t v) { return v >= 0 && v < w.in[i]; }

}  // namespace

Status Conv(const Node& node, In in, Out out) {
  const Tensor& x = *in[0];
  const Tensor& wt = *in[1];
  const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
  Tensor& y = out[0];
  const Shape kernel(wt.shape.begin() + 2, wt.shape.end());
  ASSIGN_OR_RETURN(const Window w, MakeWindow(node, x.shape, y.shape, kernel));
  const int64_t n_batch = x.shape[0], c_in = x.shape[1], m_out = y.shape[1];
  const int64_t group = node.GetInt("group", 1);
  const int64_t c_per_group = c_in / group, m_per_group = m_out / group;
  const int64_t in_plane = w.in[0] * w.in[1] * w.in[2];
  const int64_t out_plane = w.out[0] * w.out[1] * w.out[2];
  const int64_t k_plane = w.kernel[0] * w.kernel[1] * w.kernel[2];
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t m = 0; m < m_out; ++m) {
      const int64_t g = m / m_per_group;
      for (int64_t od = 0; od < w.out[0]; ++od) {
        for (int64_t oh = 0; oh < w.out[1]; ++oh) {
          for (int64_t ow = 0; ow < w.out[2]; ++ow) {
            double sum = bias ? bias->data[m] : 0.0;
            for (int64_t ic = 0; ic < c_per_group; ++ic) {
              const int64_t c = g * c_per_group + ic;
              const float* xp = &x.data[(n * c_in + c) * in_plane];
              const float* wp = &wt.data[(m * c_per_group + ic) * k_plane];
              for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
                const int64_t id = Tap(w, 0, od, kd);
                if (!Inside(w, 0, id)) continue;
                for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
                  const int64_t ih = Tap(w, 1, oh, kh);
                  if (!Inside(w, 1, ih)) continue;
                  for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
                    const int64_t iw = Tap(w, 2, ow, kw);
                    if (!Inside(w, 2, iw)) continue;
                    sum += static_cast<double>(xp[(id * w.in[1] + ih) * w.in[2] + iw]) *
                           wp[(kd * w.kernel[1] + kh) * w.kernel[2] + kw];
                  }
                }
              }
            }
            y.data[(n * m_out + m) * out_plane + (od * w.out[1] + oh) * w.out[2] + ow] =
                static_cast<float>(sum);
          }
        }
      }
    }
  }
  return Status::Ok();
}

namespace {

enum class PoolKind { kMax, kAverage };

Status Pool(const Node& node, In in, Out out, PoolKind kind) {
  const Tensor& x = *in[0];
  Tensor& y = out[0];
  ASSIGN_OR_RETURN(const Window w,
                   MakeWindow(node, x.shape, y.shape, node.GetInts("kernel_shape", {})));
  const bool include_pad = node.GetInt("count_include_pad", 0) != 0;
  const bool column_major = node.GetInt("storage_order", 0) != 0;
  Tensor* indices = out.size() > 1 ? &out[1] : nullptr;
  const int64_t planes = x.shape[0] * x.shape[1];
  const int64_t in_plane = w.in[0] * w.in[1] * w.in[2];
  const int64_t out_plane = w.out[0] * w.out[1] * w.out[2];
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = &x.data[p * in_plane];
    for (int64_t od = 0; od < w.out[0]; ++od) {
      for (int64_t oh = 0; oh < w.out[1]; ++oh) {
        for (int64_t ow = 0; ow < w.out[2]; ++ow) {
          double sum = 0;
          int64_t count = 0;
          float best = -std::numeric_limits<float>::infinity();
          int64_t best_index = 0;
          for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
            const int64_t id = Tap(w, 0, od, kd);
            for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
              const int64_t ih = Tap(w, 1, oh, kh);
              for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
                const int64_t iw = Tap(w, 2, ow, kw);
                const bool inside = Inside(w, 0, id) && Inside(w, 1, ih) && Inside(w, 2, iw);
                if (!inside) {
                  // count_include_pad counts taps in the padding, not beyond it
                  // (ceil_mode windows may reach past the end padding).
                  const bool in_padding = id >= -w.pad_begin[0] && id < w.in[0] + w.pad_end[0] &&
                                          ih >= -w.pad_begin[1] && ih < w.in[1] + w.pad_end[1] &&
                                          iw >= -w.pad_begin[2] && iw < w.in[2] + w.pad_end[2];
                  if (include_pad && in_padding) ++count;
                  continue;
                }
                const float v = xp[(id * w.in[1] + ih) * w.in[2] + iw];
                sum += v;
                ++count;
                if (v > best) {
                  best = v;
                  best_index = column_major ? (iw * w.in[1] + ih) * w.in[0] + id
                                            : (id * w.in[1] + ih) * w.in[2] + iw;
                }
              }
            }
          }
          const int64_t o = p * out_plane + (od * w.out[1] + oh) * w.out[2] + ow;
          if (kind == PoolKind::kMax) {
            y.data[o] = best;
            if (indices) indices->data[o] = static_cast<float>(p * in_plane + best_index);
          } else {
            y.data[o] = count ? static_cast<float>(sum / count) : 0.0f;
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status MaxPool(const Node& node, In in, Out out) { return Pool(node, in, out, PoolKind::kMax); }

Status AveragePool(const Node& node, In in, Out out) {
  return Pool(node, in, out, PoolKind::kAverage);
}

Status GlobalAveragePool(const Node&, In in, Out out) {
  const Tensor& x = *in[0];
  const int64_t planes = x.shape[0] * x.shape[1];
  const int64_t plane = planes ? x.size() / planes : 0;
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < plane; ++i) sum += x.data[p * plane + i];
    out[0].data[p] = plane ? static_cast<float>(sum / plane) : 0.0f;
  }
  return Status::Ok();
}

}  // namespace distcnn::reference
